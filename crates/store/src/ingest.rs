//! Pure planning of an ingest batch, shared by the backends: events are
//! folded per group and per minute in memory so the transaction writes each
//! group, bucket and sample once, however many events the batch holds.

use std::collections::BTreeMap;

use crate::model::Occurrence;

const MINUTE_MS: i64 = 60_000;

/// Start of the minute holding `timestamp_ms` (floored, also before 1970).
pub fn minute_start(timestamp_ms: i64) -> i64 {
    timestamp_ms.div_euclid(MINUTE_MS) * MINUTE_MS
}

/// The events of one group within a batch.
#[derive(Debug)]
pub struct GroupBatch<'a> {
    /// The group's first event in the batch: a new group takes its
    /// language, exception and frames from it.
    pub first: &'a Occurrence,
    pub count: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    /// (minute start, events), ascending.
    pub minutes: Vec<(i64, i64)>,
    /// The group's events in batch (arrival) order.
    pub events: Vec<&'a Occurrence>,
}

impl GroupBatch<'_> {
    pub fn key(&self) -> (&str, i32) {
        (&self.first.fingerprint, self.first.fingerprint_version)
    }

    /// The events to keep as samples, with their ordinals, when the group
    /// held `count_before` occurrences before this batch: the ones among
    /// the group's first `first_n` and the ones among its latest `latest_n`.
    pub fn samples(
        &self,
        count_before: i64,
        first_n: u32,
        latest_n: u32,
    ) -> Vec<(i64, &Occurrence)> {
        let total = count_before + self.count;
        self.events
            .iter()
            .enumerate()
            .map(|(i, event)| (count_before + 1 + i as i64, *event))
            .filter(|(ordinal, _)| {
                *ordinal <= i64::from(first_n) || *ordinal > total - i64::from(latest_n)
            })
            .collect()
    }
}

/// Ordinals of samples to delete once a group holds `total` occurrences:
/// those neither among the first `first_n` nor the latest `latest_n`, as
/// an inclusive range (`None` when nothing is to go).
pub fn sample_prune_range(total: i64, first_n: u32, latest_n: u32) -> Option<(i64, i64)> {
    let low = i64::from(first_n) + 1;
    let high = total - i64::from(latest_n);
    (low <= high).then_some((low, high))
}

/// Folds a batch per group, groups sorted by (fingerprint, version) so that
/// concurrent transactions lock group rows in the same order (no deadlock).
pub fn plan_batch(batch: &[Occurrence]) -> Vec<GroupBatch<'_>> {
    let mut groups: BTreeMap<(&str, i32), GroupBatch<'_>> = BTreeMap::new();
    let mut minutes: BTreeMap<(&str, i32), BTreeMap<i64, i64>> = BTreeMap::new();
    for event in batch {
        let key = (event.fingerprint.as_str(), event.fingerprint_version);
        let group = groups.entry(key).or_insert_with(|| GroupBatch {
            first: event,
            count: 0,
            first_seen: event.timestamp_ms,
            last_seen: event.timestamp_ms,
            minutes: Vec::new(),
            events: Vec::new(),
        });
        group.count += 1;
        group.first_seen = group.first_seen.min(event.timestamp_ms);
        group.last_seen = group.last_seen.max(event.timestamp_ms);
        group.events.push(event);
        *minutes
            .entry(key)
            .or_default()
            .entry(minute_start(event.timestamp_ms))
            .or_default() += 1;
    }
    groups
        .into_iter()
        .map(|(key, mut group)| {
            group.minutes = minutes
                .remove(&key)
                .unwrap_or_default()
                .into_iter()
                .collect();
            group
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(fingerprint: &str, ts: i64, sample: &str) -> Occurrence {
        Occurrence {
            fingerprint: fingerprint.into(),
            fingerprint_version: 1,
            language: "python".into(),
            exception_type: "KeyError".into(),
            exception_message: "'k'".into(),
            frames: json!([]),
            timestamp_ms: ts,
            source: "app.log".into(),
            sample: sample.into(),
        }
    }

    #[test]
    fn minutes_floor_also_before_the_epoch() {
        assert_eq!(minute_start(0), 0);
        assert_eq!(minute_start(59_999), 0);
        assert_eq!(minute_start(60_000), 60_000);
        assert_eq!(minute_start(-1), -60_000);
    }

    #[test]
    fn a_batch_folds_per_group_and_minute() {
        let batch = vec![
            event("b", 130_000, "b1"),
            event("a", 10_000, "a1"),
            event("b", 61_000, "b2"),
            event("b", 125_000, "b3"),
        ];
        let plan = plan_batch(&batch);
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].key(), ("a", 1));
        assert_eq!(plan[0].count, 1);
        let b = &plan[1];
        assert_eq!(b.key(), ("b", 1));
        assert_eq!(b.first.sample, "b1");
        assert_eq!((b.count, b.first_seen, b.last_seen), (3, 61_000, 130_000));
        assert_eq!(b.minutes, [(60_000, 1), (120_000, 2)]);
        let order: Vec<_> = b.events.iter().map(|e| e.sample.as_str()).collect();
        assert_eq!(order, ["b1", "b2", "b3"]);
    }

    #[test]
    fn versions_are_separate_groups() {
        let mut v2 = event("a", 0, "");
        v2.fingerprint_version = 2;
        let batch = [event("a", 0, ""), v2];
        assert_eq!(plan_batch(&batch).len(), 2);
    }

    #[test]
    fn samples_keep_the_first_and_the_latest() {
        let batch: Vec<_> = (0..10).map(|i| event("a", i, &format!("e{i}"))).collect();
        let plan = plan_batch(&batch);
        let kept = |before| -> Vec<i64> {
            plan[0]
                .samples(before, 2, 3)
                .iter()
                .map(|(ordinal, _)| *ordinal)
                .collect()
        };
        // New group: ordinals 1..=10, keep 1, 2 and 8, 9, 10.
        assert_eq!(kept(0), [1, 2, 8, 9, 10]);
        // Seen 100 times before: only the latest three of this batch.
        assert_eq!(kept(100), [108, 109, 110]);
        assert_eq!(plan[0].samples(0, 2, 3)[2].1.sample, "e7");
        // Nothing kept when both bounds are zero.
        assert!(plan[0].samples(0, 0, 0).is_empty());
    }

    #[test]
    fn prune_range_drops_the_middle() {
        assert_eq!(sample_prune_range(10, 2, 3), Some((3, 7)));
        assert_eq!(sample_prune_range(5, 2, 3), None);
        assert_eq!(sample_prune_range(6, 2, 3), Some((3, 3)));
        assert_eq!(sample_prune_range(1, 0, 0), Some((1, 1)));
    }
}
