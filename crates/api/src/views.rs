//! The JSON the API answers with: store types into wire objects. Field
//! names are a public contract like the CLI's `--json` (added, never
//! renamed); times are RFC 3339 in UTC with milliseconds.

use serde_json::{Value, json};
use tracefix_core::{Config, Engine, ErrorEvent, Exception, Frame};
use tracefix_store::{ErrorGroup, FixAttempt, Job, MinuteCount, Proposal, QueueDepth, Sample};

pub const HOUR_MS: i64 = 3_600_000;
/// The most of a sample detected again for the chain: samples are small
/// (ingest keeps 16 KiB), but the store takes any length.
pub const MAX_REDETECT_BYTES: usize = 256 * 1024;
/// The window of [`hourly`]: the current hour and the 167 before it.
pub const HOURLY_BUCKETS: i64 = 7 * 24;

/// Unix ms as RFC 3339 in UTC with milliseconds (the CLI's format).
pub fn rfc3339(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => format!("{ts:.3}"),
        Err(_) => ms.to_string(),
    }
}

/// The crash site: the last stored frame (frames are stored crash site
/// last), or `null` when there is none.
fn location(frames: &Value) -> Value {
    let Some(frame) = frames
        .as_array()
        .and_then(|f| f.last())
        .filter(|f| f.is_object())
    else {
        return Value::Null;
    };
    let field = |name: &str| frame.get(name).cloned().unwrap_or(Value::Null);
    // The application-relative path reads better than the deployed one.
    let relative = frame
        .get("path")
        .filter(|p| p.as_str().is_some_and(|p| !p.is_empty()));
    json!({
        "file": relative.cloned().unwrap_or_else(|| field("file")),
        "line": field("line"),
        "function": field("function"),
    })
}

/// A group as listed.
pub fn group_summary(group: &ErrorGroup, proposal: Option<&Proposal>) -> Value {
    json!({
        "id": group.id,
        "fingerprint": group.fingerprint,
        "fingerprint_version": group.fingerprint_version,
        "status": group.status,
        "failure_reason": group.failure_reason,
        "count": group.count,
        "language": group.language,
        "exception": { "type": group.exception_type, "message": group.exception_message },
        "first_seen": rfc3339(group.first_seen),
        "last_seen": rfc3339(group.last_seen),
        "source": group.source,
        "location": location(&group.frames),
        "proposal": proposal.map(|p| json!({ "state": p.state, "url": p.url })),
    })
}

pub fn sample_json(sample: &Sample) -> Value {
    json!({
        "ordinal": sample.ordinal,
        "occurred_at": rfc3339(sample.occurred_at),
        "source": sample.source,
        "text": sample.text,
    })
}

pub fn job_json(job: &Job) -> Value {
    json!({
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "visible_at": rfc3339(job.visible_at),
        "leased_by": job.leased_by,
        "last_error": job.last_error,
        "group_id": job.group_id,
        "payload": job.payload,
        "created_at": rfc3339(job.created_at),
        "updated_at": rfc3339(job.updated_at),
    })
}

pub fn proposal_json(proposal: &Proposal) -> Value {
    json!({
        "branch": proposal.branch,
        "head_commit": proposal.head_commit,
        "forge": proposal.forge,
        "state": proposal.state,
        "number": proposal.number,
        "url": proposal.url,
        "merge_commit": proposal.merge_commit,
        "created_at": rfc3339(proposal.created_at),
        "updated_at": rfc3339(proposal.updated_at),
    })
}

/// An attempt with the parts of its `details` a reviewer reads. The
/// details are the fixer's free-form JSON: a missing or mistyped field is
/// `null`, never an error. The prompt and the raw model answer stay out
/// (large, and the diff and explanation say what matters).
pub fn attempt_json(attempt: &FixAttempt) -> Value {
    let d = &attempt.details;
    let field = |name: &str| d.get(name).cloned().unwrap_or(Value::Null);
    json!({
        "id": attempt.id,
        "job_id": attempt.job_id,
        "outcome": attempt.outcome,
        "started_at": rfc3339(attempt.started_at),
        "finished_at": attempt.finished_at.map(rfc3339),
        "detail": d.get("detail").or(d.get("reason")).cloned().unwrap_or(Value::Null),
        "model": field("model"),
        "input_tokens": field("input_tokens"),
        "output_tokens": field("output_tokens"),
        "cost_usd": field("cost_usd"),
        "explanation": field("explanation"),
        "diff": field("diff"),
        "files_changed": field("files_changed"),
        "test_command": field("test_command"),
        "test_output": field("test_output"),
        "base_commit": field("base_commit"),
        "branch": field("branch"),
        "commit": field("commit"),
    })
}

/// Per-hour counts for the hour holding `now_ms` and the
/// [`HOURLY_BUCKETS`]` - 1` before it, oldest first, every hour present
/// (zero when nothing happened). Minutes outside the window are ignored.
pub fn hourly(minutes: &[MinuteCount], now_ms: i64) -> Vec<(i64, i64)> {
    let first = hourly_window_start(now_ms);
    let mut buckets: Vec<(i64, i64)> = (0..HOURLY_BUCKETS)
        .map(|i| (first.saturating_add(i * HOUR_MS), 0))
        .collect();
    for m in minutes {
        // `first` is on an hour, so the floor of the distance in hours is
        // the bucket; minutes before the window or after now fall outside.
        let Some(index) = m.minute.checked_sub(first).map(|d| d.div_euclid(HOUR_MS)) else {
            continue;
        };
        if m.minute <= now_ms
            && let Some(bucket) = usize::try_from(index).ok().and_then(|i| buckets.get_mut(i))
        {
            bucket.1 = bucket.1.saturating_add(m.count);
        }
    }
    buckets
}

/// Where [`hourly`] starts for `now_ms` (to ask the store for no more).
pub fn hourly_window_start(now_ms: i64) -> i64 {
    now_ms
        .div_euclid(HOUR_MS)
        .saturating_mul(HOUR_MS)
        .saturating_sub((HOURLY_BUCKETS - 1) * HOUR_MS)
}

pub fn hourly_json(buckets: &[(i64, i64)]) -> Value {
    buckets
        .iter()
        .map(|(hour, count)| json!({ "hour": rfc3339(*hour), "count": count }))
        .collect()
}

fn frame_json(frame: &Frame) -> Value {
    json!({
        "file": frame.file,
        "path": frame.path,
        "line": frame.line,
        "function": frame.function,
        "source": frame.source,
        "in_app": frame.in_app,
        "repeated": frame.repeated,
    })
}

fn exception_json(exception: &Exception) -> Value {
    json!({
        "type": exception.ty,
        "message": exception.message,
        "frames": exception.frames.iter().map(frame_json).collect::<Vec<_>>(),
        "is_group": exception.is_group,
        "children": exception.children.iter().map(exception_json).collect::<Vec<_>>(),
    })
}

/// The group's full chain, oldest cause first: the first sample detected
/// again (the store keeps only the last exception's frames), or, when no
/// sample gives the group's event back, one exception built from what the
/// store kept. Returns the chain and where it came from.
pub fn chain(group: &ErrorGroup, samples: &[Sample]) -> (Value, &'static str) {
    if let Some(event) = samples.first().and_then(|s| redetect(group, &s.text)) {
        let chain: Vec<Value> = event.chain.iter().map(exception_json).collect();
        return (Value::Array(chain), "sample");
    }
    let stored = json!([{
        "type": group.exception_type,
        "message": group.exception_message,
        "frames": if group.frames.is_array() { group.frames.clone() } else { json!([]) },
        "is_group": false,
        "children": [],
    }]);
    (stored, "stored")
}

/// The sample's event of this group: the one with the group's
/// fingerprint, else the only one (a sample cut short may fingerprint
/// differently, but it is still this group's text).
fn redetect(group: &ErrorGroup, text: &str) -> Option<ErrorEvent> {
    let mut end = text.len().min(MAX_REDETECT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];
    let mut events = Engine::scan_bytes(Config::default(), text.as_bytes());
    if let Some(i) = events
        .iter()
        .position(|e| e.fingerprint == group.fingerprint)
    {
        return Some(events.swap_remove(i));
    }
    (events.len() == 1).then(|| events.remove(0))
}

pub fn queue_json(depth: &QueueDepth, paused: bool, concurrency_limit: Option<u32>) -> Value {
    json!({
        "depth": depth,
        "paused": paused,
        "concurrency_limit": concurrency_limit,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use tracefix_store::GroupStatus;
    use uuid::Uuid;

    use super::*;

    fn group(frames: Value) -> ErrorGroup {
        ErrorGroup {
            id: Uuid::nil(),
            fingerprint: "f".repeat(64),
            fingerprint_version: 1,
            language: "python".into(),
            exception_type: "KeyError".into(),
            exception_message: "'sku-9'".into(),
            frames,
            first_seen: 0,
            last_seen: 0,
            count: 1,
            status: GroupStatus::New,
            failure_reason: None,
            source: "app.log".into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    const PYTHON_CHAIN: &str = "Traceback (most recent call last):
  File \"/srv/app/shop.py\", line 8, in price_of
    return PRICES[sku]
KeyError: 'sku-9'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File \"/srv/app/views.py\", line 20, in checkout
    total = price_of(sku)
  File \"/srv/app/shop.py\", line 10, in price_of
    raise LookupError(sku)
LookupError: sku-9
";

    #[test]
    fn times_are_rfc3339_utc_with_milliseconds() {
        assert_eq!(rfc3339(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn the_chain_comes_from_the_sample_when_it_can() {
        let events = Engine::scan_bytes(Config::default(), PYTHON_CHAIN.as_bytes());
        assert_eq!(events.len(), 1);
        let mut g = group(json!([]));
        g.fingerprint = events[0].fingerprint.clone();
        let sample = Sample {
            ordinal: 1,
            occurred_at: 0,
            source: "app.log".into(),
            text: PYTHON_CHAIN.into(),
        };
        let (chain, from) = chain(&g, &[sample]);
        assert_eq!(from, "sample");
        let types: Vec<&str> = chain
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["KeyError", "LookupError"], "oldest cause first");
        assert_eq!(chain[1]["frames"][1]["function"], "price_of");
        assert_eq!(chain[1]["frames"][1]["line"], 10);
    }

    #[test]
    fn without_a_usable_sample_the_chain_is_what_the_store_kept() {
        let frames = json!([{ "file": "shop.py", "line": 8, "function": "price_of" }]);
        let g = group(frames.clone());
        let noise = Sample {
            ordinal: 1,
            occurred_at: 0,
            source: "app.log".into(),
            text: "not a trace at all".into(),
        };
        for samples in [vec![], vec![noise]] {
            let (chain, from) = chain(&g, &samples);
            assert_eq!(from, "stored");
            assert_eq!(chain[0]["type"], "KeyError");
            assert_eq!(chain[0]["frames"], frames);
        }
    }

    #[test]
    fn location_is_the_crash_site() {
        let frames = json!([
            { "file": "/srv/app/views.py", "path": "views.py", "line": 20, "function": "checkout" },
            { "file": "/srv/app/shop.py", "path": "shop.py", "line": 8, "function": "price_of" },
        ]);
        assert_eq!(
            location(&frames),
            json!({ "file": "shop.py", "line": 8, "function": "price_of" })
        );
        assert_eq!(
            location(&json!([{ "file": "a.go" }])),
            json!({ "file": "a.go", "line": null, "function": null })
        );
        assert_eq!(location(&json!([])), Value::Null);
        assert_eq!(location(&Value::Null), Value::Null);
    }

    #[test]
    fn attempt_details_are_read_leniently() {
        let attempt = FixAttempt {
            id: Uuid::nil(),
            job_id: Uuid::nil(),
            group_id: None,
            started_at: 0,
            finished_at: None,
            outcome: "validated".into(),
            details: json!({ "diff": "--- a\n+++ b\n", "input_tokens": "many", "reason": "budget" }),
        };
        let v = attempt_json(&attempt);
        assert_eq!(v["diff"], "--- a\n+++ b\n");
        assert_eq!(v["input_tokens"], "many", "kept as the fixer wrote it");
        assert_eq!(v["detail"], "budget");
        assert_eq!(v["explanation"], Value::Null);
        assert_eq!(v["finished_at"], Value::Null);
    }

    #[test]
    fn hourly_buckets_cover_a_week_ending_now() {
        let now = 1_767_225_600_000 + 30 * 60_000; // 00:30
        let minutes = [
            MinuteCount {
                minute: now - 60_000,
                count: 2,
            }, // this hour
            MinuteCount {
                minute: now - 31 * 60_000,
                count: 3,
            }, // 23:59 the day before
            MinuteCount {
                minute: now - 32 * 60_000,
                count: 4,
            }, // 23:58
            MinuteCount {
                minute: now - 8 * 24 * HOUR_MS,
                count: 100,
            }, // too old
            MinuteCount {
                minute: now + HOUR_MS,
                count: 100,
            }, // future
        ];
        let buckets = hourly(&minutes, now);
        assert_eq!(buckets.len(), 168);
        assert_eq!(buckets[167], (1_767_225_600_000, 2));
        assert_eq!(buckets[166], (1_767_225_600_000 - HOUR_MS, 7));
        assert_eq!(buckets[0].0, hourly_window_start(now));
        assert_eq!(buckets.iter().map(|b| b.1).sum::<i64>(), 9);
        assert!(buckets.windows(2).all(|w| w[1].0 - w[0].0 == HOUR_MS));
    }

    #[test]
    fn hourly_survives_extreme_times() {
        for now in [i64::MIN, -1, 0, i64::MAX] {
            let minutes = [
                MinuteCount {
                    minute: i64::MIN,
                    count: i64::MAX,
                },
                MinuteCount {
                    minute: i64::MAX,
                    count: i64::MAX,
                },
                MinuteCount {
                    minute: now,
                    count: i64::MAX,
                },
                MinuteCount {
                    minute: now,
                    count: 1,
                },
            ];
            let buckets = hourly(&minutes, now);
            assert_eq!(buckets.len(), 168);
            assert!(buckets.iter().all(|b| b.1 >= 0));
        }
    }

    proptest! {
        #[test]
        fn hourly_keeps_every_count_inside_the_window(
            now in 0i64..4_000_000_000_000,
            offsets in proptest::collection::vec((0i64..10 * 24 * 60, 1i64..1000), 0..50),
        ) {
            let minutes: Vec<MinuteCount> = offsets
                .iter()
                .map(|(back, count)| MinuteCount {
                    minute: (now.div_euclid(60_000) - back) * 60_000,
                    count: *count,
                })
                .collect();
            let start = hourly_window_start(now);
            let inside: i64 = minutes
                .iter()
                .filter(|m| m.minute >= start && m.minute <= now)
                .map(|m| m.count)
                .sum();
            let buckets = hourly(&minutes, now);
            prop_assert_eq!(buckets.len() as i64, HOURLY_BUCKETS);
            prop_assert_eq!(buckets.iter().map(|b| b.1).sum::<i64>(), inside);
        }
    }
}
