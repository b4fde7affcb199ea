//! Errors of forge calls and webhook checks.

use std::time::{Duration, SystemTime};

/// Why a forge call failed.
///
/// Messages are the forge's own (GitHub's `message` plus each
/// `errors[].message`, GitLab's `message`, Gitea's `message`), scrubbed of
/// the token and bounded in length. No variant ever holds a credential.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ForgeError {
    /// The forge answered with an error status that retrying will not fix
    /// (401, 403 without rate-limit headers, 404, 409, 422, ...).
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },
    /// A rate limit whose reset is further away than the configured wait
    /// (`ForgeSettings::rate_limit_max_wait`): the caller should reschedule
    /// its job for `reset_at`.
    #[error("rate limited{}: {message}", reset_at.map(describe_reset).unwrap_or_default())]
    RateLimited {
        reset_at: Option<SystemTime>,
        message: String,
    },
    /// Retryable failures (5xx, connection errors, short rate limits) kept
    /// coming until `max_retries` ran out.
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        attempts: u32,
        last: Box<ForgeError>,
    },
    /// Connection refused or reset, DNS, TLS, timeouts.
    #[error("transport error: {0}")]
    Transport(String),
    /// A success body that is not the JSON the forge documents.
    #[error("could not decode: {0}")]
    Decode(String),
    /// Credentials could not be built or exchanged (bad App private key,
    /// installation not found, token refused).
    #[error("authentication: {0}")]
    Auth(String),
    /// The settings cannot work (missing token, bad URL, bad repository).
    #[error("configuration: {0}")]
    Config(String),
}

fn describe_reset(at: SystemTime) -> String {
    match at.duration_since(SystemTime::now()) {
        Ok(wait) => format!(" for another {}s", wait.as_secs().max(1)),
        Err(_) => " (reset already passed)".to_owned(),
    }
}

impl ForgeError {
    /// Whether a later attempt of the same call may succeed: rate limits,
    /// server errors, transport errors.
    pub fn is_retryable(&self) -> bool {
        match self {
            ForgeError::Http { status, .. } => *status == 408 || *status >= 500,
            ForgeError::RateLimited { .. } | ForgeError::Transport(_) => true,
            ForgeError::RetriesExhausted { last, .. } => last.is_retryable(),
            ForgeError::Decode(_) | ForgeError::Auth(_) | ForgeError::Config(_) => false,
        }
    }

    /// When a rate limit lifts, if the forge said so: the time to
    /// reschedule the job at.
    pub fn reset_at(&self) -> Option<SystemTime> {
        match self {
            ForgeError::RateLimited { reset_at, .. } => *reset_at,
            ForgeError::RetriesExhausted { last, .. } => last.reset_at(),
            _ => None,
        }
    }

    /// The HTTP status of the answer that failed, looking through retries.
    pub fn status(&self) -> Option<u16> {
        match self {
            ForgeError::Http { status, .. } => Some(*status),
            ForgeError::RetriesExhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// How long until [`ForgeError::reset_at`], zero when it has passed.
    pub fn wait_hint(&self) -> Option<Duration> {
        self.reset_at().map(|at| {
            at.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
        })
    }
}

/// Why a webhook delivery was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header.
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    /// The header is not `sha256=` followed by 64 hex digits.
    #[error("the X-Hub-Signature-256 header is not `sha256=<64 hex digits>`")]
    Malformed,
    /// The signature does not match the body under the configured secret.
    #[error("the webhook signature does not match")]
    Mismatch,
    /// No secret is configured: any sender could forge deliveries, so none
    /// is accepted.
    #[error("no webhook secret is configured")]
    EmptySecret,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_looks_through_retries() {
        let reset = SystemTime::now() + Duration::from_secs(120);
        let limited = ForgeError::RateLimited {
            reset_at: Some(reset),
            message: "API rate limit exceeded".into(),
        };
        let wrapped = ForgeError::RetriesExhausted {
            attempts: 4,
            last: Box::new(limited),
        };
        assert!(wrapped.is_retryable());
        assert_eq!(wrapped.reset_at(), Some(reset));
        assert!(wrapped.wait_hint().unwrap() > Duration::from_secs(100));
        assert!(
            wrapped
                .to_string()
                .starts_with("gave up after 4 attempts: rate limited for another 1")
        );

        let validation = ForgeError::Http {
            status: 422,
            message: "Validation Failed".into(),
        };
        assert!(!validation.is_retryable());
        assert_eq!(validation.status(), Some(422));
        assert_eq!(validation.to_string(), "HTTP 422: Validation Failed");
        assert!(
            ForgeError::Http {
                status: 502,
                message: String::new()
            }
            .is_retryable()
        );
    }
}
