//! tracefix's notifications: Slack (incoming webhook or `chat.postMessage`),
//! a generic JSON webhook signed with HMAC, and Jira issues (REST v3, one
//! per error group, descriptions in Atlassian Document Format).
//!
//! Invariants:
//! - Nothing leaves the process unredacted: the notification's text fields
//!   are redacted before templates see them and the rendered output is
//!   redacted again before it is sent (see [`templates`]).
//! - Every message text comes from a minijinja template that users can
//!   replace (`slack.j2`, `webhook.j2`, `jira_summary.j2`,
//!   `jira_description.j2`, `jira_comment.j2`).
//! - No token, signing secret or webhook URL appears in a `Debug` output or
//!   an error message.
//! - Retries are bounded (count and `Retry-After` length); a request that
//!   creates something (a Jira issue or comment) is only repeated after an
//!   answer saying it was not processed (429, 503).
//! - [`notify_all`] runs every notifier whatever the others do.

pub mod adf;
mod error;
mod http;
pub mod jira;
mod settings;
pub mod signature;
pub mod slack;
pub mod templates;
pub mod webhook;

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tracefix_redact::Redactor;

pub use error::NotifyError;
pub use jira::JiraNotifier;
pub use settings::{
    JiraSettings, NotifySettings, SLACK_API_BASE_URL, SlackSettings, WebhookSettings,
};
pub use signature::{SignatureError, sign_webhook, verify_webhook};
pub use slack::SlackNotifier;
pub use templates::Templates;
pub use webhook::WebhookNotifier;

/// What happened. The snake_case names are stable: they appear in webhook
/// bodies, the `X-Tracefix-Event` header and templates (`event`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    NewGroup,
    PullRequestOpened,
    FixFailed,
    Regression,
    BudgetExhausted,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 5] = [
        NotificationKind::NewGroup,
        NotificationKind::PullRequestOpened,
        NotificationKind::FixFailed,
        NotificationKind::Regression,
        NotificationKind::BudgetExhausted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::NewGroup => "new_group",
            NotificationKind::PullRequestOpened => "pull_request_opened",
            NotificationKind::FixFailed => "fix_failed",
            NotificationKind::Regression => "regression",
            NotificationKind::BudgetExhausted => "budget_exhausted",
        }
    }

    /// A heading for people (`event_title` in templates).
    pub fn title(self) -> &'static str {
        match self {
            NotificationKind::NewGroup => "New error group",
            NotificationKind::PullRequestOpened => "Pull request opened",
            NotificationKind::FixFailed => "Fix failed",
            NotificationKind::Regression => "Regression",
            NotificationKind::BudgetExhausted => "Budget exhausted",
        }
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NotificationKind {
    type Err = NotifyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NotificationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| NotifyError::Config(format!("unknown notification kind `{s}`")))
    }
}

/// One notification about one error group. Text fields may hold log text
/// (untrusted, possibly secret-bearing): notifiers redact them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub kind: NotificationKind,
    pub group_id: String,
    pub fingerprint: String,
    /// `KeyError: 'shipping' in shop/orders.py shipping_cost`.
    pub title: String,
    pub exception_type: String,
    pub message: String,
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub status: String,
    pub pull_request_url: Option<String>,
    /// Why a fix failed or why work stopped (budget).
    pub reason: Option<String>,
    /// The group's page on tracefix's dashboard.
    pub group_url: Option<String>,
    /// The (sample) trace.
    pub trace: Option<String>,
    /// The trace's language (`python`), for code-block highlighting.
    #[serde(default)]
    pub language: Option<String>,
}

/// What a notifier created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Jira issue key, Slack message `ts`, webhook delivery id.
    pub external_id: Option<String>,
    /// A link to what was created (the Jira issue).
    pub url: Option<String>,
}

/// A notification channel.
#[async_trait]
pub trait Notifier: Send + Sync + fmt::Debug {
    /// `slack`, `webhook`, `jira`.
    fn name(&self) -> &'static str;
    async fn notify(&self, n: &Notification) -> Result<Delivery, NotifyError>;
}

/// The notifiers the settings turn on, in the order Slack, webhook, Jira.
/// `templates_dir` holds user templates replacing the built-ins. A channel
/// that is half configured (a bot token without a channel, a webhook without
/// a secret, Jira without a project) is an error, not silently off.
pub fn notifiers_from_settings(
    s: &NotifySettings,
    redactor: Redactor,
    templates_dir: Option<&Path>,
) -> Result<Vec<Arc<dyn Notifier>>, NotifyError> {
    let templates = Arc::new(Templates::load(templates_dir)?);
    let mut out: Vec<Arc<dyn Notifier>> = Vec::new();
    if let Some(n) = SlackNotifier::from_settings(s, redactor.clone(), templates.clone())? {
        out.push(Arc::new(n));
    }
    if let Some(n) = WebhookNotifier::from_settings(s, redactor.clone(), templates.clone())? {
        out.push(Arc::new(n));
    }
    if let Some(n) = JiraNotifier::from_settings(s, redactor, templates)? {
        out.push(Arc::new(n));
    }
    Ok(out)
}

/// Sends `n` through every notifier concurrently and returns each result in
/// the notifiers' order. One failing (or panicking) notifier does not stop
/// the others; failures are also logged.
pub async fn notify_all(
    notifiers: &[Arc<dyn Notifier>],
    n: &Notification,
) -> Vec<(&'static str, Result<Delivery, NotifyError>)> {
    let shared = Arc::new(n.clone());
    let mut tasks = tokio::task::JoinSet::new();
    for (index, notifier) in notifiers.iter().enumerate() {
        let notifier = Arc::clone(notifier);
        let n = Arc::clone(&shared);
        tasks.spawn(async move { (index, notifier.notify(&n).await) });
    }
    let mut results: Vec<Option<Result<Delivery, NotifyError>>> =
        notifiers.iter().map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        // A panicked task's index is unknown here; it stays `None` below.
        if let Ok((index, result)) = joined {
            results[index] = Some(result);
        }
    }
    notifiers
        .iter()
        .zip(results)
        .map(|(notifier, result)| {
            let name = notifier.name();
            let result = result.unwrap_or(Err(NotifyError::Panicked(name)));
            if let Err(e) = &result {
                tracing::warn!(notifier = name, kind = %n.kind, group = %n.group_id, error = %e, "notification not delivered");
            }
            (name, result)
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The shop example's group, as the notifiers' unit tests see it.
    pub(crate) fn sample(kind: NotificationKind) -> Notification {
        Notification {
            kind,
            group_id: "0190b6c4-5e2f-7a10-9c3d-4f5e6a7b8c9d".into(),
            fingerprint: "3f2a9c0d1e7b44558899aabbccddeeff00112233445566778899aabbccddeeff".into(),
            title: "KeyError: 'shipping' in shop/orders.py shipping_cost".into(),
            exception_type: "KeyError".into(),
            message: "'shipping'".into(),
            count: 42,
            first_seen: "2026-11-21T10:00:00Z".into(),
            last_seen: "2026-11-21T11:30:00Z".into(),
            status: match kind {
                NotificationKind::PullRequestOpened => "proposed",
                NotificationKind::FixFailed => "failed",
                NotificationKind::Regression => "regressed",
                NotificationKind::BudgetExhausted => "waiting",
                NotificationKind::NewGroup => "new",
            }
            .into(),
            pull_request_url: (kind == NotificationKind::PullRequestOpened)
                .then(|| "https://git.example.com/shop/pull/7".into()),
            reason: match kind {
                NotificationKind::FixFailed => Some("tests failed after 3 attempts".into()),
                NotificationKind::BudgetExhausted => Some("daily token budget of 200000 used".into()),
                _ => None,
            },
            group_url: Some("https://tracefix.example.com/groups/0190b6c4-5e2f-7a10-9c3d-4f5e6a7b8c9d".into()),
            trace: Some(
                "Traceback (most recent call last):\n  File \"shop/orders.py\", line 24, in shipping_cost\n    return rates[order['shipping']]\nKeyError: 'shipping'".into(),
            ),
            language: Some("python".into()),
        }
    }

    #[test]
    fn kinds_have_stable_names() {
        for kind in NotificationKind::ALL {
            assert_eq!(kind.as_str().parse::<NotificationKind>().unwrap(), kind);
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::from(kind.as_str())
            );
        }
        assert!("new-group".parse::<NotificationKind>().is_err());
    }

    #[derive(Debug)]
    struct Fixed(&'static str, bool);

    #[async_trait]
    impl Notifier for Fixed {
        fn name(&self) -> &'static str {
            self.0
        }
        async fn notify(&self, n: &Notification) -> Result<Delivery, NotifyError> {
            match self.1 {
                true => Ok(Delivery {
                    external_id: Some(n.group_id.clone()),
                    url: None,
                }),
                false if self.0 == "panics" => panic!("boom"),
                false => Err(NotifyError::InvalidNotification("no".into())),
            }
        }
    }

    #[tokio::test]
    async fn one_failure_does_not_stop_the_others() {
        let notifiers: Vec<Arc<dyn Notifier>> = vec![
            Arc::new(Fixed("first", false)),
            Arc::new(Fixed("panics", false)),
            Arc::new(Fixed("last", true)),
        ];
        let n = sample(NotificationKind::NewGroup);
        let results = notify_all(&notifiers, &n).await;
        let names: Vec<_> = results.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["first", "panics", "last"]);
        assert!(matches!(
            results[0].1,
            Err(NotifyError::InvalidNotification(_))
        ));
        assert!(matches!(results[1].1, Err(NotifyError::Panicked("panics"))));
        assert_eq!(
            results[2].1.as_ref().unwrap().external_id.as_deref(),
            Some(n.group_id.as_str())
        );
    }

    #[test]
    fn nothing_configured_means_no_notifiers() {
        let redactor = Redactor::new(&Default::default()).unwrap();
        assert!(
            notifiers_from_settings(&NotifySettings::default(), redactor, None)
                .unwrap()
                .is_empty()
        );
    }
}
