//! From a detected event to the store's occurrence: the one place where the
//! engine's types meet the store's.

use serde_json::{Value, json};
use tracefix_core::ErrorEvent;
use tracefix_store::Occurrence;

/// The store's record of one event seen in `source` at `timestamp_ms`. The
/// frames kept are the in-app frames of the exception that ended the program
/// or request (all its frames when none is in-app), crash site last; the
/// sample is the event's text cut to `sample_max_bytes`.
pub fn to_occurrence(
    event: &ErrorEvent,
    source: &str,
    timestamp_ms: i64,
    sample_max_bytes: usize,
) -> Occurrence {
    let mut o = to_occurrence_without_frames(event, source, timestamp_ms, sample_max_bytes);
    o.frames = frames_json(event);
    o
}

/// [`to_occurrence`] with `frames` left `null`: a store reads the frames of
/// a group's first event in a batch only (when the group is new), and
/// building them is most of the cost of a repeat.
pub fn to_occurrence_without_frames(
    event: &ErrorEvent,
    source: &str,
    timestamp_ms: i64,
    sample_max_bytes: usize,
) -> Occurrence {
    let exception = event.exception();
    let mut sample = event.text.clone();
    if sample.len() > sample_max_bytes {
        let mut end = sample_max_bytes;
        while !sample.is_char_boundary(end) {
            end -= 1;
        }
        sample.truncate(end);
    }
    Occurrence {
        fingerprint: event.fingerprint.clone(),
        fingerprint_version: event.fingerprint_version as i32,
        language: event.language.as_str().to_string(),
        exception_type: exception.ty.clone(),
        exception_message: exception.message_first_line().to_string(),
        frames: Value::Null,
        timestamp_ms,
        source: source.to_string(),
        sample,
    }
}

fn frames_json(event: &ErrorEvent) -> Value {
    let exception = event.exception();
    let in_app = exception.frames.iter().any(|f| f.in_app);
    let frames: Vec<Value> = exception
        .frames
        .iter()
        .filter(|f| f.in_app || !in_app)
        .map(|f| {
            json!({
                "file": f.file,
                "path": f.path,
                "line": f.line,
                "function": f.function,
                "in_app": f.in_app,
            })
        })
        .collect();
    Value::Array(frames)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracefix_core::{Config, Engine};

    #[test]
    fn keeps_in_app_frames_and_cuts_the_sample() {
        let text = "Traceback (most recent call last):\n  File \"/app/shop/orders.py\", line 3, in charge\n    total = cart['total']\n  File \"/usr/lib/python3.11/json/__init__.py\", line 346, in loads\n    return _default_decoder.decode(s)\nKeyError: 'total'\n";
        let events = Engine::scan_bytes(Config::default(), text.as_bytes());
        let o = to_occurrence(&events[0], "app.log", 42, 20);
        assert_eq!(o.exception_type, "KeyError");
        assert_eq!(o.exception_message, "'total'");
        assert_eq!(o.language, "python");
        assert_eq!(o.timestamp_ms, 42);
        let frames = o.frames.as_array().unwrap();
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0]["function"], "charge");
        assert_eq!(o.sample.len(), 20);
        assert_eq!(o.fingerprint, events[0].fingerprint);
    }
}
