//! Retries with exponential backoff, full jitter and `retry-after`.

use std::future::Future;
use std::time::Duration;

use tracefix_backoff::Backoff;

use crate::error::LlmError;
use crate::settings::LlmSettings;
use crate::types::ChatResponse;

#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub max_retries: u32,
    pub base: Duration,
    pub max: Duration,
    pub retry_after_max: Duration,
}

impl RetryPolicy {
    pub fn from_settings(s: &LlmSettings) -> Self {
        RetryPolicy {
            max_retries: s.max_retries,
            base: s.retry_base,
            max: s.retry_max.max(s.retry_base),
            retry_after_max: s.retry_after_max,
        }
    }

    /// Full jitter: uniform in `[0, ceiling]`, which spreads the retries of
    /// parallel workers instead of synchronising them.
    pub fn jittered(&self, retry: u32, unit: f64) -> Duration {
        Backoff::new(self.base, self.max).jittered(retry, unit)
    }

    /// The wait before the next attempt, or `None` when the error must go
    /// back to the caller. A server's own wait is honoured as given.
    fn delay_for(&self, err: &LlmError, retry: u32) -> Option<Duration> {
        if !err.is_retryable() || retry >= self.max_retries {
            return None;
        }
        match err.retry_after() {
            Some(wait) if wait > self.retry_after_max => None,
            Some(wait) => Some(wait),
            None => Some(self.jittered(retry, fastrand::f64())),
        }
    }
}

/// Runs `attempt` until it succeeds, fails for good, or retries run out.
/// On success the response's `retries` counts the failed tries before it.
pub(crate) async fn with_retries<F, Fut>(
    policy: &RetryPolicy,
    provider: &'static str,
    mut attempt: F,
) -> Result<ChatResponse, LlmError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<ChatResponse, LlmError>>,
{
    let mut retry = 0u32;
    loop {
        match attempt().await {
            Ok(mut response) => {
                response.retries = retry;
                return Ok(response);
            }
            Err(err) => match policy.delay_for(&err, retry) {
                Some(wait) => {
                    tracing::warn!(provider, error = %err, retry = retry + 1, wait_ms = wait.as_millis() as u64, "model call failed; retrying");
                    tokio::time::sleep(wait).await;
                    retry += 1;
                }
                // Out of retries on an error that could have passed with more.
                None if err.is_retryable()
                    && retry >= policy.max_retries
                    && err
                        .retry_after()
                        .is_none_or(|w| w <= policy.retry_after_max) =>
                {
                    return Err(LlmError::RetriesExhausted {
                        last: Box::new(err),
                        attempts: retry + 1,
                    });
                }
                None => return Err(err),
            },
        }
    }
}

pub(crate) use tracefix_backoff::parse_retry_after;

#[cfg(test)]
mod tests {
    // Backoff and `retry-after` parsing are tested in `tracefix-backoff`.
    use super::*;

    #[test]
    fn long_server_waits_go_back_to_the_caller() {
        let p = RetryPolicy {
            max_retries: 3,
            base: Duration::from_millis(1),
            max: Duration::from_millis(2),
            retry_after_max: Duration::from_secs(10),
        };
        let http = |retry_after| LlmError::Http {
            status: 429,
            error_type: None,
            message: String::new(),
            retryable: true,
            retry_after,
        };
        assert_eq!(
            p.delay_for(&http(Some(Duration::from_secs(3))), 0),
            Some(Duration::from_secs(3))
        );
        assert_eq!(p.delay_for(&http(Some(Duration::from_secs(60))), 0), None);
        assert_eq!(p.delay_for(&http(None), 3), None);
        assert_eq!(p.delay_for(&LlmError::Config(String::new()), 0), None);
    }
}
