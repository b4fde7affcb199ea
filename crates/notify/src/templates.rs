//! Message templates: minijinja, built in or overridden from a directory.
//!
//! Built-ins live in `crates/notify/templates/` and are embedded; a file of
//! the same name in the user's templates directory replaces one. `webhook.j2`
//! has no built-in: without it the webhook body is the notification as JSON.
//!
//! The values a template sees are redacted before rendering (a filter such as
//! `truncate` could otherwise cut a secret in half so that the rendered text
//! no longer looks like one) and the rendered text is redacted again by the
//! notifier (a user's template may add text of its own).

use std::path::Path;

use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior, Value};
use serde::Serialize;
use tracefix_redact::Redactor;

use crate::{Notification, NotifyError};

pub const SLACK: &str = "slack.j2";
pub const WEBHOOK: &str = "webhook.j2";
pub const JIRA_SUMMARY: &str = "jira_summary.j2";
pub const JIRA_DESCRIPTION: &str = "jira_description.j2";
pub const JIRA_COMMENT: &str = "jira_comment.j2";

const BUILTINS: [(&str, &str); 4] = [
    (SLACK, include_str!("../templates/slack.j2")),
    (JIRA_SUMMARY, include_str!("../templates/jira_summary.j2")),
    (
        JIRA_DESCRIPTION,
        include_str!("../templates/jira_description.j2"),
    ),
    (JIRA_COMMENT, include_str!("../templates/jira_comment.j2")),
];

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
    has_webhook: bool,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.env.templates().map(|(name, _)| name).collect();
        names.sort_unstable();
        f.debug_struct("Templates").field("names", &names).finish()
    }
}

/// What every template sees: the notification's fields, plus `event` (the
/// kind's name), `event_title` ("New error group") and `short_fingerprint`
/// (12 characters); the webhook template also `delivery_id` and
/// `delivered_at`.
#[derive(Debug, Serialize)]
pub struct TemplateContext<'a> {
    #[serde(flatten)]
    pub notification: &'a Notification,
    pub event: &'static str,
    pub event_title: &'static str,
    pub short_fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<String>,
}

impl<'a> TemplateContext<'a> {
    /// `notification` should already be redacted (see the module comment).
    pub fn new(notification: &'a Notification) -> Self {
        TemplateContext {
            notification,
            event: notification.kind.as_str(),
            event_title: notification.kind.title(),
            short_fingerprint: short_fingerprint(&notification.fingerprint),
            delivery_id: None,
            delivered_at: None,
        }
    }
}

/// The fingerprint's first 12 characters, lowercased, keeping only ASCII
/// letters and digits (the fingerprint is hex; anything else is dropped so
/// that it can sit in a Jira label or a JQL string).
pub fn short_fingerprint(fingerprint: &str) -> String {
    fingerprint
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect::<String>()
        .to_ascii_lowercase()
}

impl Templates {
    /// The built-ins, each replaced by the file of the same name in `dir`
    /// when it exists there; `webhook.j2` only from `dir`.
    pub fn load(dir: Option<&Path>) -> Result<Templates, NotifyError> {
        let mut env = Environment::new();
        // A misspelt variable in a user's template is an error, not an empty string.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // No HTML or JSON autoescaping: every target has its own escaping
        // (the `mrkdwn` and `tojson` filters).
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.add_filter("mrkdwn", mrkdwn_filter);
        env.add_filter("tojson", tojson_filter);
        env.add_filter("oneline", oneline_filter);
        // minijinja's core has no `truncate` (it lives in minijinja-contrib).
        env.add_filter("truncate", truncate_filter);
        let read =
            |name: &str| -> Result<Option<String>, NotifyError> {
                match dir.map(|d| d.join(name)) {
                    Some(path) if path.is_file() => std::fs::read_to_string(&path)
                        .map(Some)
                        .map_err(|e| NotifyError::Template {
                            name: path.display().to_string(),
                            message: e.to_string(),
                        }),
                    _ => Ok(None),
                }
            };
        for (name, builtin) in BUILTINS {
            let source = read(name)?.unwrap_or_else(|| builtin.to_owned());
            add(&mut env, name, source)?;
        }
        let webhook = read(WEBHOOK)?;
        let has_webhook = webhook.is_some();
        if let Some(source) = webhook {
            add(&mut env, WEBHOOK, source)?;
        }
        Ok(Templates { env, has_webhook })
    }

    /// Whether a `webhook.j2` was supplied.
    pub fn has_webhook(&self) -> bool {
        self.has_webhook
    }

    /// Renders `name` with `ctx`; the output is trimmed of surrounding blank
    /// lines (templates end with a newline that no message wants).
    pub fn render(&self, name: &str, ctx: &TemplateContext<'_>) -> Result<String, NotifyError> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| NotifyError::Template {
                name: name.to_owned(),
                message: e.to_string(),
            })?;
        let text = template.render(ctx).map_err(|e| NotifyError::Template {
            name: name.to_owned(),
            message: format!("{e:#}"),
        })?;
        Ok(text.trim_matches(['\n', '\r']).to_owned())
    }
}

fn add(env: &mut Environment<'static>, name: &str, source: String) -> Result<(), NotifyError> {
    env.add_template_owned(name.to_owned(), source)
        .map_err(|e| NotifyError::Template {
            name: name.to_owned(),
            message: format!("{e:#}"),
        })
}

/// Slack's mrkdwn escaping: `&`, `<` and `>` only (Slack's documented set);
/// `<module>` in a Python trace would otherwise be read as a link.
pub fn escape_mrkdwn(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn mrkdwn_filter(value: Value) -> String {
    if value.is_none() || value.is_undefined() {
        return String::new();
    }
    escape_mrkdwn(&value.to_string())
}

fn tojson_filter(value: Value) -> Result<String, Error> {
    serde_json::to_string(&value)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("tojson: {e}")))
}

/// At most `length` characters (default 255), with `…` when cut.
fn truncate_filter(value: Value, length: Option<usize>) -> String {
    if value.is_none() || value.is_undefined() {
        return String::new();
    }
    crate::http::bound(&value.to_string(), length.unwrap_or(255))
}

/// Whitespace runs (newlines included) as one space: for one-line fields
/// such as a Jira summary.
fn oneline_filter(value: Value) -> String {
    if value.is_none() || value.is_undefined() {
        return String::new();
    }
    value
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The notification with every free-text field redacted. Identifiers made
/// by tracefix (group id, fingerprint, counts, timestamps) are kept as they
/// are: the redactor leaves hex digests and UUIDs alone anyway.
pub fn redacted(n: &Notification, redactor: &Redactor) -> Notification {
    let r = |s: &str| redactor.redact_string(s);
    let ro = |s: &Option<String>| s.as_deref().map(r);
    Notification {
        kind: n.kind,
        group_id: r(&n.group_id),
        fingerprint: r(&n.fingerprint),
        title: r(&n.title),
        exception_type: r(&n.exception_type),
        message: r(&n.message),
        count: n.count,
        first_seen: r(&n.first_seen),
        last_seen: r(&n.last_seen),
        status: r(&n.status),
        pull_request_url: ro(&n.pull_request_url),
        reason: ro(&n.reason),
        group_url: ro(&n.group_url),
        trace: ro(&n.trace),
        language: ro(&n.language),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NotificationKind;
    use crate::tests::sample;

    #[test]
    fn builtins_render_for_every_kind() {
        let templates = Templates::load(None).unwrap();
        assert!(!templates.has_webhook());
        for kind in NotificationKind::ALL {
            let mut n = sample(kind);
            let ctx = TemplateContext::new(&n);
            for name in [SLACK, JIRA_SUMMARY, JIRA_DESCRIPTION, JIRA_COMMENT] {
                let text = templates.render(name, &ctx).unwrap();
                assert!(!text.trim().is_empty(), "{name} for {kind}");
            }
            // Every optional field absent still renders.
            n.pull_request_url = None;
            n.reason = None;
            n.group_url = None;
            n.trace = None;
            n.language = None;
            let ctx = TemplateContext::new(&n);
            for name in [SLACK, JIRA_SUMMARY, JIRA_DESCRIPTION, JIRA_COMMENT] {
                templates.render(name, &ctx).unwrap();
            }
        }
    }

    #[test]
    fn filters_escape_for_their_target() {
        assert_eq!(
            escape_mrkdwn("<module> & <b>"),
            "&lt;module&gt; &amp; &lt;b&gt;"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(WEBHOOK),
            r#"{"text": {{ message|tojson }}, "one": "{{ "a\n  b"|oneline }}"}"#,
        )
        .unwrap();
        let templates = Templates::load(Some(dir.path())).unwrap();
        assert!(templates.has_webhook());
        let mut n = sample(NotificationKind::NewGroup);
        n.message = "say \"hi\"\n<now>".into();
        let out = templates
            .render(WEBHOOK, &TemplateContext::new(&n))
            .unwrap();
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["text"], "say \"hi\"\n<now>");
        assert_eq!(value["one"], "a b");
        std::fs::write(
            dir.path().join(SLACK),
            "{{ message|truncate(3) }}|{{ reason|truncate }}",
        )
        .unwrap();
        let templates = Templates::load(Some(dir.path())).unwrap();
        n.reason = None;
        assert_eq!(
            templates.render(SLACK, &TemplateContext::new(&n)).unwrap(),
            "say…|"
        );
    }

    #[test]
    fn user_templates_are_strict_and_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SLACK), "{{ titel }}").unwrap();
        let templates = Templates::load(Some(dir.path())).unwrap();
        let n = sample(NotificationKind::FixFailed);
        let err = templates
            .render(SLACK, &TemplateContext::new(&n))
            .unwrap_err();
        assert!(err.to_string().starts_with("template slack.j2:"), "{err}");
        std::fs::write(dir.path().join(JIRA_SUMMARY), "{% if %}").unwrap();
        let err = Templates::load(Some(dir.path())).unwrap_err();
        assert!(err.to_string().contains("jira_summary.j2"), "{err}");
    }

    #[test]
    fn short_fingerprints_are_label_safe() {
        assert_eq!(short_fingerprint("ABCDEF0123456789ffff"), "abcdef012345");
        assert_eq!(short_fingerprint("a\"b c"), "abc");
        assert_eq!(short_fingerprint(""), "");
    }
}
