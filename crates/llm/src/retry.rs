//! Retries with exponential backoff, full jitter and `retry-after`.

use std::future::Future;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

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

    /// Upper bound of the wait before retry number `retry` (0-based):
    /// `base * 2^retry`, at most `max`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// Full jitter: uniform in `[0, ceiling]`, which spreads the retries of
    /// parallel workers instead of synchronising them.
    pub fn jittered(&self, retry: u32, unit: f64) -> Duration {
        self.ceiling(retry).mul_f64(unit.clamp(0.0, 1.0))
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

/// Longest wait read from a header; anything longer is treated as this, and
/// then exceeds any sane `retry_after_max`.
const RETRY_AFTER_CEILING: Duration = Duration::from_secs(24 * 3600);

/// Reads `retry-after-ms` (OpenAI and Anthropic send it) or `retry-after`
/// (seconds, or an HTTP date relative to `now`).
pub(crate) fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(
            (ms / 1000.0).min(RETRY_AFTER_CEILING.as_secs_f64()),
        ));
    }
    let value = header("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(
                secs.min(RETRY_AFTER_CEILING.as_secs_f64()),
            ));
        }
        return None;
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
    use proptest::prelude::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", "7")]), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", "1.5")]), now),
            Some(Duration::from_millis(1500))
        );
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        assert_eq!(
            parse_retry_after(
                &headers(&[("retry-after", "Sun, 06 Nov 1994 08:49:47 GMT")]),
                now
            ),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after(
                &headers(&[("retry-after", "Sun, 06 Nov 1994 08:00:00 GMT")]),
                now
            ),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after(
                &headers(&[("retry-after", "7"), ("retry-after-ms", "250")]),
                now
            ),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", "soon")]), now),
            None
        );
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", "-3")]), now),
            None
        );
        assert_eq!(
            parse_retry_after(&headers(&[("retry-after", "1e30")]), now),
            Some(RETRY_AFTER_CEILING)
        );
        assert_eq!(parse_retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn ceiling_doubles_up_to_max() {
        let p = RetryPolicy {
            max_retries: 10,
            base: Duration::from_millis(100),
            max: Duration::from_millis(1000),
            retry_after_max: Duration::from_secs(1),
        };
        let ceilings: Vec<u128> = (0..6).map(|r| p.ceiling(r).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(p.ceiling(200), Duration::from_millis(1000));
    }

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

    proptest! {
        #[test]
        fn jitter_stays_within_bounds(base_ms in 0u64..5000, max_ms in 0u64..120_000, retry in 0u32..100, unit in -1.0f64..2.0) {
            let p = RetryPolicy {
                max_retries: 100,
                base: Duration::from_millis(base_ms),
                max: Duration::from_millis(max_ms.max(base_ms)),
                retry_after_max: Duration::ZERO,
            };
            let wait = p.jittered(retry, unit);
            prop_assert!(wait <= p.max);
            prop_assert!(wait <= p.ceiling(retry));
        }

        #[test]
        fn retry_after_never_panics(value in "\\PC{0,40}", ms in proptest::option::of("\\PC{0,20}")) {
            let mut map = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&value) {
                map.insert("retry-after", v);
            }
            if let Some(ms) = ms && let Ok(v) = HeaderValue::from_str(&ms) {
                map.insert("retry-after-ms", v);
            }
            if let Some(wait) = parse_retry_after(&map, SystemTime::now()) {
                prop_assert!(wait <= RETRY_AFTER_CEILING);
            }
        }
    }
}
