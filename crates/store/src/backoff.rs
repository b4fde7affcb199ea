//! Retry delays: exponential backoff with jitter, as a pure function.

use std::time::Duration;

/// Exponential backoff with "equal jitter": for attempt n (1-based) the
/// ceiling is `min(max, base * 2^(n-1))` and the delay is half the ceiling
/// plus a random part of the other half. Unlike full jitter it never retries
/// at once, and unlike no jitter it spreads workers that failed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    pub base: Duration,
    pub max: Duration,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        BackoffPolicy {
            base: Duration::from_secs(10),
            max: Duration::from_secs(3600),
        }
    }
}

impl BackoffPolicy {
    /// The ceiling for `attempt` (attempt 0 counts as 1).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(63);
        let factor = 1u64 << exponent;
        let base = u64::try_from(self.base.as_millis()).unwrap_or(u64::MAX);
        let max = u64::try_from(self.max.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(base.saturating_mul(factor).min(max))
    }

    /// The delay before retrying after `attempt`, given `unit` uniform in
    /// [0, 1) (values outside are clamped). Pure so it can be tested.
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        let ceiling = self.ceiling(attempt).as_millis() as f64;
        let unit = if unit.is_nan() {
            0.0
        } else {
            unit.clamp(0.0, 1.0)
        };
        let half = ceiling / 2.0;
        Duration::from_millis((half + half * unit).round() as u64)
    }

    /// [`Self::delay`] with a fresh random `unit`.
    pub fn delay_random(&self, attempt: u32) -> Duration {
        self.delay(attempt, fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> BackoffPolicy {
        BackoffPolicy {
            base: Duration::from_secs(1),
            max: Duration::from_secs(60),
        }
    }

    #[test]
    fn ceiling_doubles_until_the_cap() {
        let p = policy();
        let secs: Vec<u64> = (1..=8).map(|n| p.ceiling(n).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(p.ceiling(0), p.ceiling(1));
        // Huge attempt numbers saturate rather than overflow.
        assert_eq!(p.ceiling(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn jitter_stays_between_half_and_the_ceiling() {
        let p = policy();
        assert_eq!(p.delay(3, 0.0), Duration::from_secs(2));
        assert_eq!(p.delay(3, 0.5), Duration::from_secs(3));
        assert_eq!(p.delay(3, 1.0), Duration::from_secs(4));
        assert_eq!(p.delay(3, -7.0), Duration::from_secs(2));
        assert_eq!(p.delay(3, f64::NAN), Duration::from_secs(2));
        for attempt in 1..20 {
            let d = p.delay_random(attempt);
            let ceiling = p.ceiling(attempt);
            assert!(d >= ceiling / 2 && d <= ceiling, "{attempt}: {d:?}");
        }
    }

    #[test]
    fn delays_grow_with_attempts() {
        let p = policy();
        for attempt in 1..7 {
            assert!(p.delay(attempt + 1, 0.0) > p.delay(attempt, 0.0));
        }
    }
}
