//! The HTTP plumbing shared by the notifiers: one reqwest client, bounded
//! bodies, bounded retries that honour `Retry-After`, secret scrubbing.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use tracefix_redact::Redactor;

use crate::NotifyError;
use crate::settings::NotifySettings;

/// Largest response body read: Slack and Jira answers are small, and a
/// broken or hostile server must not exhaust memory.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Server text quoted in errors is cut to this many characters.
const MAX_MESSAGE_CHARS: usize = 1000;
/// Longest wait read from a header.
const RETRY_AFTER_CEILING: Duration = Duration::from_secs(24 * 3600);

/// Which failures a request may be repeated after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotence {
    /// Rate limits, server errors and transport failures: the receiver
    /// dedupes (webhook deliveries) or a duplicate is harmless (a search).
    Repeatable,
    /// Only answers that say the request was not processed (429, 503): a
    /// second Jira issue is worse than a failed notification.
    RateLimitOnly,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub max_retries: u32,
    pub base: Duration,
    pub max: Duration,
    pub retry_after_max: Duration,
}

impl RetryPolicy {
    /// Full jitter in `[0, min(base * 2^retry, max)]`.
    fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base
            .saturating_mul(factor)
            .min(self.max)
            .mul_f64(fastrand::f64())
    }
}

/// A response read in full.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).trim().to_owned()
    }

    fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(&self.headers, SystemTime::now())
    }
}

/// A request to send (again, on retries).
pub(crate) struct Request<'a> {
    pub url: &'a str,
    pub headers: HeaderMap,
    pub body: &'a [u8],
}

#[derive(Clone)]
pub(crate) struct Transport {
    client: reqwest::Client,
    timeout: Duration,
    policy: RetryPolicy,
    redactor: Redactor,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("timeout", &self.timeout)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub fn new(settings: &NotifySettings, redactor: Redactor) -> Result<Transport, NotifyError> {
        if settings.timeout.is_zero() {
            return Err(NotifyError::Config(
                "notify.timeout must be positive".into(),
            ));
        }
        let client = reqwest::Client::builder()
            .user_agent(concat!("tracefix/", env!("CARGO_PKG_VERSION")))
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            // A redirect would resend the body (and the signature or token)
            // to wherever the server points; none of these APIs redirects.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| NotifyError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Transport {
            client,
            timeout: settings.timeout,
            policy: RetryPolicy {
                max_retries: settings.max_retries,
                base: settings.retry_base,
                max: settings.retry_max.max(settings.retry_base),
                retry_after_max: settings.retry_after_max,
            },
            redactor,
        })
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// POSTs until an answer is final: any status other than 429 and 5xx,
    /// or one of those once retries run out. `make` builds the request for
    /// each attempt (a webhook signs with a fresh timestamp). A 429 or 5xx
    /// that persists is returned as `RateLimited` or as the last response.
    pub async fn post<'a>(
        &self,
        service: &'static str,
        idempotence: Idempotence,
        mut make: impl FnMut() -> Result<Request<'a>, NotifyError>,
    ) -> Result<RawResponse, NotifyError> {
        let mut retry = 0u32;
        loop {
            let request = make()?;
            let outcome = self.send(service, request).await;
            let wait = match &outcome {
                Ok(response) => {
                    let status = response.status.as_u16();
                    let retryable = status == 429
                        || status == 503
                        || (idempotence == Idempotence::Repeatable && status >= 500);
                    if !retryable {
                        return outcome;
                    }
                    match response.retry_after() {
                        Some(wait) if wait > self.policy.retry_after_max => {
                            return Err(NotifyError::RateLimited {
                                service,
                                retry_after: Some(wait),
                            });
                        }
                        Some(wait) => wait,
                        None => self.policy.backoff(retry),
                    }
                }
                Err(NotifyError::Transport { .. } | NotifyError::Timeout { .. })
                    if idempotence == Idempotence::Repeatable =>
                {
                    self.policy.backoff(retry)
                }
                Err(_) => return outcome,
            };
            if retry >= self.policy.max_retries {
                return match outcome {
                    Ok(response) if response.status.as_u16() == 429 => {
                        Err(NotifyError::RateLimited {
                            service,
                            retry_after: response.retry_after(),
                        })
                    }
                    other => other,
                };
            }
            let reason = match &outcome {
                Ok(response) => format!("HTTP {}", response.status.as_u16()),
                Err(e) => e.to_string(),
            };
            tracing::warn!(service, %reason, retry = retry + 1, wait_ms = wait.as_millis() as u64, "notification failed; retrying");
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }

    async fn send(
        &self,
        service: &'static str,
        request: Request<'_>,
    ) -> Result<RawResponse, NotifyError> {
        let mut headers = request.headers;
        headers
            .entry(CONTENT_TYPE)
            .or_insert(HeaderValue::from_static("application/json"));
        let mut response = self
            .client
            .post(request.url)
            .headers(headers)
            .body(request.body.to_vec())
            .send()
            .await
            .map_err(|e| self.transport_error(service, e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(service, e))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(NotifyError::Decode {
                    service,
                    message: format!("response body larger than {MAX_BODY_BYTES} bytes"),
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    fn transport_error(&self, service: &'static str, err: reqwest::Error) -> NotifyError {
        if err.is_timeout() {
            return NotifyError::Timeout {
                service,
                after: self.timeout,
            };
        }
        // The URL is left out: a Slack or webhook URL is itself a secret.
        let err = err.without_url();
        let mut message = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        NotifyError::Transport {
            service,
            message: self.redactor.redact_string(&message),
        }
    }

    /// Server text made fit for an error message: the notifier's secrets
    /// replaced (a server may echo a token or the request URL back), the
    /// redactor applied, the length bounded.
    pub fn scrub(&self, text: &str, secrets: &[&SecretString]) -> String {
        let mut text = text.trim().to_owned();
        for secret in secrets {
            let secret = secret.expose_secret();
            // Very short values would match ordinary words.
            if secret.len() >= 6 {
                text = text.replace(secret, "[REDACTED]");
            }
        }
        bound(&self.redactor.redact_string(&text), MAX_MESSAGE_CHARS)
    }
}

/// At most `max` characters, with an ellipsis when cut.
pub(crate) fn bound(text: &str, max: usize) -> String {
    if text.chars().count() > max {
        text.chars().take(max).collect::<String>() + "…"
    } else {
        text.to_owned()
    }
}

/// A header value marked sensitive, so that reqwest and hyper leave it out
/// of their debug output.
pub(crate) fn sensitive(value: &str) -> Result<HeaderValue, NotifyError> {
    let mut value = HeaderValue::from_str(value).map_err(|_| {
        NotifyError::Config("a credential contains characters not allowed in an HTTP header".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// `Retry-After` in seconds or as an HTTP date relative to `now`.
pub(crate) fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs.min(RETRY_AFTER_CEILING.as_secs_f64())));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(RETRY_AFTER_CEILING),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert("retry-after", HeaderValue::from_str(value).unwrap());
        map
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            parse_retry_after(&headers("3"), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_retry_after(&headers("Sun, 06 Nov 1994 08:49:47 GMT"), now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(parse_retry_after(&headers("-1"), now), None);
        assert_eq!(parse_retry_after(&headers("later"), now), None);
        assert_eq!(
            parse_retry_after(&headers("1e30"), now),
            Some(RETRY_AFTER_CEILING)
        );
        assert_eq!(parse_retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_stays_under_its_ceiling() {
        let policy = RetryPolicy {
            max_retries: 5,
            base: Duration::from_millis(100),
            max: Duration::from_millis(250),
            retry_after_max: Duration::from_secs(1),
        };
        for retry in 0..40 {
            assert!(policy.backoff(retry) <= Duration::from_millis(250));
        }
        assert!(policy.backoff(0) <= Duration::from_millis(100));
    }

    #[test]
    fn scrub_removes_secrets_and_bounds() {
        let settings = NotifySettings::default();
        let redactor = Redactor::new(&Default::default()).unwrap();
        let transport = Transport::new(&settings, redactor).unwrap();
        let secret = SecretString::from("hooks-secret-path");
        let text = format!(
            "bad url https://hooks.example/{} {}",
            "hooks-secret-path",
            "x".repeat(2000)
        );
        let out = transport.scrub(&text, &[&secret]);
        assert!(!out.contains("hooks-secret-path"));
        assert!(out.contains("[REDACTED]"));
        assert!(out.chars().count() <= MAX_MESSAGE_CHARS + 1);
    }
}
