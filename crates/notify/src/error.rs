//! The one error type of the crate.
//!
//! No variant ever holds a token, a webhook URL or a signing secret: URLs
//! are stripped from transport errors, and text that came back from a server
//! is scrubbed of the notifier's secrets and redacted before it is stored
//! here (see `http::Transport::scrub`).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Why a notification was not delivered (or a notifier not built).
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// A setting is missing or malformed.
    #[error("notification settings: {0}")]
    Config(String),

    /// A template does not compile or does not render.
    #[error("template {name}: {message}")]
    Template { name: String, message: String },

    /// The notification lacks what this notifier needs (a fingerprint for
    /// Jira's one-issue-per-group label).
    #[error("cannot send this notification: {0}")]
    InvalidNotification(String),

    /// The request did not complete: connection refused or reset, DNS, TLS.
    #[error("{service}: request failed: {message}")]
    Transport {
        service: &'static str,
        message: String,
    },

    /// One attempt took longer than the configured timeout.
    #[error("{service}: no answer within {}s", after.as_secs_f64())]
    Timeout {
        service: &'static str,
        after: Duration,
    },

    /// A non-success HTTP status from a generic endpoint (the JSON webhook).
    #[error("{service}: HTTP {status}: {body}")]
    Http {
        service: &'static str,
        status: u16,
        body: String,
    },

    /// Slack refused the message. `error` is Slack's own error string
    /// (`invalid_payload`, `channel_not_found`, `no_service`, ...), as sent.
    #[error("slack: {error} (HTTP {status})")]
    Slack { status: u16, error: String },

    /// Jira refused the request; its `errorMessages` and field `errors` as
    /// sent, so that the user sees exactly what Jira objected to.
    #[error("jira: HTTP {status}: {}", JiraDetail { messages, errors })]
    Jira {
        status: u16,
        messages: Vec<String>,
        errors: BTreeMap<String, String>,
    },

    /// Still rate limited after the retries, or asked to wait longer than
    /// `retry_after_max`: the caller may try again after `retry_after`.
    #[error("{service}: rate limited{}", retry_after.map(|d| format!(" (retry after {}s)", d.as_secs_f64())).unwrap_or_default())]
    RateLimited {
        service: &'static str,
        retry_after: Option<Duration>,
    },

    /// A success status with a body that is not the documented JSON.
    #[error("{service}: unexpected response: {message}")]
    Decode {
        service: &'static str,
        message: String,
    },

    /// A notifier task panicked (a bug); the other notifiers still ran.
    #[error("notifier {0} panicked")]
    Panicked(&'static str),
}

impl NotifyError {
    /// Whether sending the same notification later may succeed: rate limits,
    /// timeouts, transport failures and server errors.
    pub fn is_transient(&self) -> bool {
        match self {
            NotifyError::Transport { .. }
            | NotifyError::Timeout { .. }
            | NotifyError::RateLimited { .. } => true,
            NotifyError::Http { status, .. }
            | NotifyError::Slack { status, .. }
            | NotifyError::Jira { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}

struct JiraDetail<'a> {
    messages: &'a [String],
    errors: &'a BTreeMap<String, String>,
}

impl fmt::Display for JiraDetail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self.messages.to_vec();
        parts.extend(
            self.errors
                .iter()
                .map(|(field, msg)| format!("{field}: {msg}")),
        );
        if parts.is_empty() {
            f.write_str("(no error detail)")
        } else {
            f.write_str(&parts.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_errors_are_shown_verbatim() {
        let err = NotifyError::Jira {
            status: 400,
            messages: vec!["Issue type is required.".into()],
            errors: BTreeMap::from([(
                "project".to_string(),
                "valid project is required".to_string(),
            )]),
        };
        assert_eq!(
            err.to_string(),
            "jira: HTTP 400: Issue type is required.; project: valid project is required"
        );
        assert!(!err.is_transient());
    }

    #[test]
    fn rate_limits_name_the_wait() {
        let err = NotifyError::RateLimited {
            service: "slack",
            retry_after: Some(Duration::from_secs(30)),
        };
        assert_eq!(err.to_string(), "slack: rate limited (retry after 30s)");
        assert!(err.is_transient());
    }
}
