//! Structured (JSON-lines) log records that carry a whole trace inside one
//! field: python-json-logger's `exc_info`, structlog's `exception`, AWS
//! Lambda's `errorType`/`errorMessage`/`stackTrace`, or any other field. The
//! field is found by its content, not its name, so unknown loggers work too.
//! A record is complete in itself and is never joined with the next one.

use serde_json::Value;

use crate::python::{STACK_HEADER, TRACEBACK_HEADER};

/// A trace found inside a JSON record.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct JsonTrace {
    /// The trace text with its escapes decoded.
    pub text: String,
    /// The record's own message (`message`, `msg`, `event`), the equivalent of an intro line.
    pub intro: Option<String>,
}

const MESSAGE_KEYS: [&str; 5] = ["message", "msg", "event", "@message", "log"];
const MAX_DEPTH: usize = 8;

/// Parses `line` as a JSON object and returns the trace it carries, if any.
pub(crate) fn find_trace(line: &[u8]) -> Option<JsonTrace> {
    let value: Value = serde_json::from_slice(line).ok()?;
    let object = value.as_object()?;
    let intro = MESSAGE_KEYS
        .iter()
        .find_map(|k| object.get(*k).and_then(Value::as_str))
        .filter(|m| !contains_header(m))
        .map(|m| m.lines().next().unwrap_or("").to_string());

    if let Some(text) = lambda_error(&value) {
        return Some(JsonTrace { text, intro });
    }
    let text = find_text(&value, 0)?;
    Some(JsonTrace { text, intro })
}

fn contains_header(s: &str) -> bool {
    s.contains(TRACEBACK_HEADER) || s.contains(STACK_HEADER)
}

/// A traceback, or frames without a header (a `SyntaxError` report, `print_stack` output).
fn contains_trace(s: &str) -> bool {
    contains_header(s) || (s.contains("File \"") && s.lines().any(crate::python::is_frame))
}

/// Depth-first search for a string (or an array of strings) holding a trace.
fn find_text(value: &Value, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    match value {
        Value::String(s) if contains_trace(s) => Some(s.clone()),
        Value::Array(items) => {
            if items.iter().all(Value::is_string) {
                let joined = join_lines(items);
                if contains_trace(&joined) {
                    return Some(joined);
                }
            }
            items.iter().find_map(|v| find_text(v, depth + 1))
        }
        Value::Object(map) => map.values().find_map(|v| find_text(v, depth + 1)),
        _ => None,
    }
}

fn join_lines(items: &[Value]) -> String {
    let mut out = String::new();
    for item in items {
        let s = item.as_str().unwrap_or("");
        out.push_str(s);
        if !s.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// AWS Lambda's JSON error record: the exception is in `errorType` and
/// `errorMessage`, the frames in `stackTrace` (an array of pre-formatted
/// frames, or one string). Rebuilt into the traceback Python would print.
fn lambda_error(value: &Value) -> Option<String> {
    let error_type = value.get("errorType")?.as_str()?;
    let message = value
        .get("errorMessage")
        .and_then(Value::as_str)
        .unwrap_or("");
    let frames = match value.get("stackTrace")? {
        Value::Array(items) => join_lines(items),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    if !frames.contains("File \"") {
        return None;
    }
    let mut text = String::from(TRACEBACK_HEADER);
    text.push('\n');
    text.push_str(&frames);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(error_type);
    if !message.is_empty() {
        text.push_str(": ");
        text.push_str(message);
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_field() {
        let line = br#"{"levelname":"ERROR","message":"failed","exc_info":"Traceback (most recent call last):\n  File \"/app/a.py\", line 1, in f\n    g()\nKeyError: 'x'"}"#;
        let t = find_trace(line).unwrap();
        assert!(t.text.starts_with("Traceback"));
        assert!(t.text.ends_with("KeyError: 'x'"));
        assert_eq!(t.intro.as_deref(), Some("failed"));
        let nested =
            br#"{"error":{"stack_trace":"Traceback (most recent call last):\nValueError: v"}}"#;
        assert!(find_trace(nested).is_some());
        assert!(find_trace(br#"{"message":"no trace here"}"#).is_none());
        assert!(find_trace(b"{not json").is_none());
    }

    #[test]
    fn lambda_record() {
        let line = br#"{"level":"ERROR","message":"boom","errorType":"KeyError","errorMessage":"'id'","stackTrace":["  File \"/var/task/app.py\", line 3, in handler\n    return e['id']\n"],"requestId":"r"}"#;
        let t = find_trace(line).unwrap();
        assert_eq!(
            t.text,
            "Traceback (most recent call last):\n  File \"/var/task/app.py\", line 3, in handler\n    return e['id']\nKeyError: 'id'"
        );
    }
}
