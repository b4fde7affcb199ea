//! Notifications from `tracefix run`: the `[notify]` settings as notifiers,
//! and a group as a notification. Delivery is best effort: a failing
//! channel is logged and never fails the job that notified.

use std::sync::Arc;

use anyhow::{Context, Result};
use tracefix_config::Settings;
use tracefix_notify::{Notification, NotificationKind, Notifier};
use tracefix_store_any::ErrorGroup;

use crate::fix::redactor;
use crate::table::rfc3339;

pub fn notifiers(settings: &Settings) -> Result<Vec<Arc<dyn Notifier>>> {
    let n = &settings.notify;
    let secret = |s: &tracefix_config::Secret| {
        (!s.is_empty()).then(|| secrecy::SecretString::from(s.expose().to_string()))
    };
    let mut config = tracefix_notify::NotifySettings::default();
    config.slack.webhook_url = secret(&n.slack.webhook_url);
    config.slack.bot_token = secret(&n.slack.bot_token);
    config.slack.channel = n.slack.channel.clone();
    config.webhook.url = (!n.webhook.url.trim().is_empty())
        .then(|| secrecy::SecretString::from(n.webhook.url.clone()));
    config.webhook.secret = secret(&n.webhook.secret);
    config.jira.url = n.jira.url.clone();
    config.jira.project = n.jira.project.clone();
    config.jira.email = n.jira.email.clone();
    config.jira.api_token = secret(&n.jira.api_token);
    config.jira.issue_type = n.jira.issue_type.clone();
    config.fill_from_env(|name| std::env::var(name).ok());
    tracefix_notify::notifiers_from_settings(&config, redactor(settings)?, n.templates.as_deref())
        .context("[notify]")
}

/// The group as a notification of `kind`.
pub fn notification(
    kind: NotificationKind,
    group: &ErrorGroup,
    settings: &Settings,
    trace: Option<&str>,
) -> Notification {
    let location = group
        .frames
        .as_array()
        .and_then(|frames| frames.iter().rev().find(|f| f["in_app"] == true))
        .map(|f| {
            format!(
                " in {} {}",
                f["path"].as_str().unwrap_or(""),
                f["function"].as_str().unwrap_or("")
            )
        })
        .unwrap_or_default();
    Notification {
        kind,
        group_id: group.id.to_string(),
        fingerprint: group.fingerprint.clone(),
        title: format!(
            "{}: {}{location}",
            group.exception_type, group.exception_message
        ),
        exception_type: group.exception_type.clone(),
        message: group.exception_message.clone(),
        count: u64::try_from(group.count).unwrap_or(0),
        first_seen: rfc3339(group.first_seen),
        last_seen: rfc3339(group.last_seen),
        status: group.status.to_string(),
        pull_request_url: None,
        reason: None,
        group_url: group_url(settings, group.id),
        trace: trace.map(str::to_string),
        language: Some(group.language.clone()),
    }
}

/// The group's page on the dashboard, when `forge.public_url` says where it is.
pub fn group_url(settings: &Settings, id: uuid::Uuid) -> Option<String> {
    let public = settings.forge.public_url.trim().trim_end_matches('/');
    (!public.is_empty()).then(|| format!("{public}/groups/{id}"))
}

/// Sends `n` to every channel; failures are logged.
pub async fn send(notifiers: &[Arc<dyn Notifier>], n: &Notification) {
    if notifiers.is_empty() {
        return;
    }
    for (channel, result) in tracefix_notify::notify_all(notifiers, n).await {
        match result {
            Ok(_) => {
                tracing::info!(channel, kind = n.kind.as_str(), group = %n.group_id, "notified")
            }
            Err(e) => {
                tracing::warn!(channel, kind = n.kind.as_str(), group = %n.group_id, error = %e, "notification failed")
            }
        }
    }
}
