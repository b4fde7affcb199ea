//! Backoff with full jitter, and reading the forges' rate-limit headers.
//!
//! The backoff and `retry-after` parsing follow `tracefix-llm`'s retry
//! module (kept private there; copied rather than shared to keep the two
//! client crates independent).

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tracefix_backoff::{Backoff, WAIT_CEILING};

use crate::settings::ForgeSettings;

#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub max_retries: u32,
    pub base: Duration,
    pub max: Duration,
    pub rate_limit_max_wait: Duration,
}

impl RetryPolicy {
    pub fn from_settings(s: &ForgeSettings) -> Self {
        RetryPolicy {
            max_retries: s.max_retries,
            base: s.retry_base,
            max: s.retry_max.max(s.retry_base),
            rate_limit_max_wait: s.rate_limit_max_wait,
        }
    }

    /// Full jitter: uniform in `[0, ceiling]`, which spreads the retries of
    /// parallel workers instead of synchronising them.
    pub fn jittered(&self, retry: u32, unit: f64) -> Duration {
        Backoff::new(self.base, self.max).jittered(retry, unit)
    }
}

/// How a failed answer should be handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A rate limit. `reset_at` is when the forge says it lifts, if it says.
    RateLimited { reset_at: Option<SystemTime> },
    /// A server error or request timeout: back off and try again.
    Transient,
    /// Retrying cannot help (401, permission 403, 404, 409, 422, ...).
    Permanent,
}

/// Classifies a non-success answer.
///
/// A 429 is always a rate limit. A 403 is one only when it says so in its
/// headers (`retry-after`, or `x-ratelimit-remaining: 0` with a reset):
/// GitHub answers 403 for both rate limits and missing permissions, and the
/// latter must surface at once rather than be retried.
pub(crate) fn classify(status: StatusCode, headers: &HeaderMap, now: SystemTime) -> Failure {
    let code = status.as_u16();
    let reset_at = rate_limit_reset(headers, now);
    match code {
        429 => Failure::RateLimited { reset_at },
        403 if reset_at.is_some() => Failure::RateLimited { reset_at },
        408 => Failure::Transient,
        _ if status.is_server_error() => Failure::Transient,
        _ => Failure::Permanent,
    }
}

/// When a rate limit lifts: `retry-after` first (GitHub's secondary limits,
/// GitLab, Gitea), then an exhausted quota's reset time (GitHub's
/// `x-ratelimit-reset`, GitLab's `ratelimit-reset`, epoch seconds). A reset
/// header alone, with requests remaining, says nothing about this answer.
pub(crate) fn rate_limit_reset(headers: &HeaderMap, now: SystemTime) -> Option<SystemTime> {
    if let Some(wait) = parse_retry_after(headers, now) {
        return Some(now + wait);
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let exhausted = ["x-ratelimit-remaining", "ratelimit-remaining"]
        .iter()
        .filter_map(|name| header(name))
        .any(|v| v == "0");
    if !exhausted {
        return None;
    }
    let reset = ["x-ratelimit-reset", "ratelimit-reset"]
        .iter()
        .filter_map(|name| header(name))
        .find_map(|v| v.parse::<u64>().ok())?;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(reset);
    // A reset in the past (clock skew) means "now"; one absurdly far means
    // "much later", not an overflow.
    Some(at.clamp(now, now + WAIT_CEILING))
}

pub(crate) use tracefix_backoff::parse_retry_after;

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

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn retry_after_forms() {
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        let now = at(784_111_777);
        let p = |v: &str| parse_retry_after(&headers(&[("retry-after", v)]), now);
        assert_eq!(p("7"), Some(Duration::from_secs(7)));
        assert_eq!(p("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(
            p("Sun, 06 Nov 1994 08:49:47 GMT"),
            Some(Duration::from_secs(10))
        );
        assert_eq!(p("Sun, 06 Nov 1994 08:00:00 GMT"), Some(Duration::ZERO));
        assert_eq!(p("soon"), None);
        assert_eq!(p("-3"), None);
        assert_eq!(p("1e30"), Some(WAIT_CEILING));
    }

    #[test]
    fn github_primary_and_secondary_limits() {
        let now = at(1_700_000_000);
        let primary = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000042"),
        ]);
        assert_eq!(
            classify(StatusCode::FORBIDDEN, &primary, now),
            Failure::RateLimited {
                reset_at: Some(at(1_700_000_042))
            }
        );
        let secondary = headers(&[("retry-after", "60"), ("x-ratelimit-remaining", "4000")]);
        assert_eq!(
            classify(StatusCode::FORBIDDEN, &secondary, now),
            Failure::RateLimited {
                reset_at: Some(at(1_700_000_060))
            }
        );
        // Quota left: the 403 is about permissions.
        let permission = headers(&[
            ("x-ratelimit-remaining", "4999"),
            ("x-ratelimit-reset", "1700000042"),
        ]);
        assert_eq!(
            classify(StatusCode::FORBIDDEN, &permission, now),
            Failure::Permanent
        );
        assert_eq!(
            classify(StatusCode::FORBIDDEN, &HeaderMap::new(), now),
            Failure::Permanent
        );
    }

    #[test]
    fn gitlab_limits_and_plain_statuses() {
        let now = at(1_700_000_000);
        let gitlab = headers(&[
            ("ratelimit-remaining", "0"),
            ("ratelimit-reset", "1700000005"),
        ]);
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, &gitlab, now),
            Failure::RateLimited {
                reset_at: Some(at(1_700_000_005))
            }
        );
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), now),
            Failure::RateLimited { reset_at: None }
        );
        // A reset already passed (clock skew) means now.
        let past = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "5")]);
        assert_eq!(rate_limit_reset(&past, now), Some(now));
        for code in [500, 502, 503, 504, 408] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(classify(status, &HeaderMap::new(), now), Failure::Transient);
        }
        for code in [400, 401, 404, 409, 422] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(classify(status, &HeaderMap::new(), now), Failure::Permanent);
        }
    }

    proptest! {
        #[test]
        fn resets_stay_within_a_day(retry_after in "\\PC{0,30}", remaining in "\\PC{0,5}", reset in "\\PC{0,25}") {
            let mut map = HeaderMap::new();
            for (name, value) in [("retry-after", &retry_after), ("x-ratelimit-remaining", &remaining), ("x-ratelimit-reset", &reset)] {
                if let Ok(v) = HeaderValue::from_str(value) {
                    map.insert(name, v);
                }
            }
            let now = SystemTime::now();
            if let Some(at) = rate_limit_reset(&map, now) {
                prop_assert!(at >= now && at <= now + WAIT_CEILING);
            }
        }
    }
}
