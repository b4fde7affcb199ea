//! Retry waits shared by tracefix's HTTP clients (the model providers in
//! `tracefix-llm`, the forges in `tracefix-forge`): exponential backoff with
//! full jitter, and the wait a server asks for in `Retry-After`.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// Longest wait read from a header; anything longer is treated as this.
pub const WAIT_CEILING: Duration = Duration::from_secs(24 * 3600);

/// Exponential backoff: the wait before retry `n` (0-based) is at most
/// `base * 2^n`, capped at `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    /// `max` below `base` is raised to `base`.
    pub fn new(base: Duration, max: Duration) -> Backoff {
        Backoff {
            base,
            max: max.max(base),
        }
    }

    /// Upper bound of the wait before retry number `retry` (0-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// Full jitter: `unit` (in `[0, 1]`, clamped) of the ceiling, which
    /// spreads the retries of parallel workers instead of synchronising them.
    pub fn jittered(&self, retry: u32, unit: f64) -> Duration {
        self.ceiling(retry).mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// Reads `retry-after-ms` (OpenAI and Anthropic send it) or `retry-after`
/// (seconds, or an HTTP date relative to `now`), at most [`WAIT_CEILING`].
pub fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
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
            (ms / 1000.0).min(WAIT_CEILING.as_secs_f64()),
        ));
    }
    let value = header("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(
                secs.min(WAIT_CEILING.as_secs_f64()),
            ));
        }
        return None;
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(WAIT_CEILING),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use proptest::prelude::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_forms() {
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        let p = |pairs: &[(&'static str, &str)]| parse_retry_after(&headers(pairs), now);
        assert_eq!(p(&[("retry-after", "7")]), Some(Duration::from_secs(7)));
        assert_eq!(
            p(&[("retry-after", "1.5")]),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            p(&[("retry-after", "Sun, 06 Nov 1994 08:49:47 GMT")]),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            p(&[("retry-after", "Sun, 06 Nov 1994 08:00:00 GMT")]),
            Some(Duration::ZERO)
        );
        assert_eq!(
            p(&[("retry-after", "7"), ("retry-after-ms", "250")]),
            Some(Duration::from_millis(250))
        );
        assert_eq!(p(&[("retry-after", "soon")]), None);
        assert_eq!(p(&[("retry-after", "-3")]), None);
        assert_eq!(p(&[("retry-after", "1e30")]), Some(WAIT_CEILING));
        assert_eq!(p(&[]), None);
    }

    #[test]
    fn ceiling_doubles_up_to_max() {
        let b = Backoff::new(Duration::from_millis(100), Duration::from_millis(1000));
        let ceilings: Vec<u128> = (0..6).map(|r| b.ceiling(r).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.ceiling(200), Duration::from_millis(1000));
        assert_eq!(
            Backoff::new(Duration::from_secs(2), Duration::from_secs(1)).max,
            Duration::from_secs(2)
        );
    }

    proptest! {
        #[test]
        fn jitter_stays_within_bounds(base_ms in 0u64..5000, max_ms in 0u64..120_000, retry in 0u32..100, unit in -1.0f64..2.0) {
            let b = Backoff::new(Duration::from_millis(base_ms), Duration::from_millis(max_ms));
            let wait = b.jittered(retry, unit);
            prop_assert!(wait <= b.max);
            prop_assert!(wait <= b.ceiling(retry));
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
                prop_assert!(wait <= WAIT_CEILING);
            }
        }
    }
}
