//! Structured (JSON-lines) log records that carry a whole trace inside one
//! field: python-json-logger's `exc_info`, structlog's `exception`, pino's
//! `err.stack`, logstash's `stack_trace`, AWS Lambda's
//! `errorType`/`errorMessage`/`stackTrace`, or any other field. The field is
//! found by its content, not its name: every multi-line string (or array of
//! strings) is offered to a scanner (the engine itself, run on the field's
//! text), so every language the engine knows is found inside JSON too. A
//! record is complete in itself and is never joined with the next one.

use serde_json::{Map, Value};

use crate::python::TRACEBACK_HEADER;

/// The record's own message (`message`, `msg`, `event`): the equivalent of an intro line.
const MESSAGE_KEYS: [&str; 5] = ["message", "msg", "event", "@message", "log"];
/// Sibling fields that name an error whose stack has no header line of its own
/// (a browser's `error.stack`, Lambda's `stackTrace`).
const TYPE_KEYS: [&str; 6] = [
    "errorType",
    "name",
    "type",
    "kind",
    "class",
    "exception_class",
];
const VALUE_KEYS: [&str; 4] = ["errorMessage", "message", "msg", "reason"];
const MAX_DEPTH: usize = 8;

/// What the scanner found in one candidate text.
pub(crate) struct Found<T> {
    pub trace: T,
    /// The record's message, when it is not the trace itself.
    pub intro: Option<String>,
}

/// Parses `line` as a JSON object and returns what `scan` finds in the first
/// of its fields that holds a trace.
pub(crate) fn find_trace<T>(
    line: &[u8],
    scan: &mut dyn FnMut(&str) -> Option<T>,
) -> Option<Found<T>> {
    let value: Value = serde_json::from_slice(line).ok()?;
    let object = value.as_object()?;
    let mut candidates = Vec::new();
    collect(&value, 0, &mut candidates);
    // Loggers that put the report's first line in the message and the rest in
    // another field (zap's `msg` + `stacktrace`): the two joined, as a fallback.
    if let Some(message) = MESSAGE_KEYS
        .iter()
        .find_map(|k| object.get(*k).and_then(Value::as_str))
    {
        let joined: Vec<String> = candidates
            .iter()
            .filter(|c| !c.contains(message))
            .map(|c| format!("{message}\n{c}"))
            .collect();
        candidates.extend(joined);
    }
    let (trace, text) = candidates
        .into_iter()
        .find_map(|text| scan(&text).map(|t| (t, text)))?;
    // The message's first line, unless the message is the trace itself.
    let intro = MESSAGE_KEYS
        .iter()
        .find_map(|k| object.get(*k).and_then(Value::as_str))
        .filter(|m| *m != text && !text.starts_with(*m))
        .and_then(|m| m.lines().next())
        .map(str::to_string);
    Some(Found { trace, intro })
}

/// Multi-line texts of the record, depth first; for an object whose stack has
/// a sibling type and message, also the stack with that header composed in.
fn collect(value: &Value, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::String(s) if s.contains('\n') || is_one_line_report(s) => out.push(s.clone()),
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_string) => {
            out.push(join_lines(items))
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, depth + 1, out)),
        Value::Object(map) => {
            let before = out.len();
            for v in map.values() {
                collect(v, depth + 1, out);
            }
            // The stack with its header rebuilt goes first: alone, frames
            // without a header would read as a stack dump.
            if out.len() > before
                && let Some(composed) = compose_header(map, &out[before..])
            {
                out.insert(before, composed);
            }
        }
        _ => {}
    }
}

/// One-line reports worth scanning: a Rust `main` that returned an error, a
/// one-line panic.
fn is_one_line_report(s: &str) -> bool {
    s.starts_with("Error: ") || s.contains(" panicked at ")
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

/// A stack whose header lives in sibling fields: `Type: message` (or, for
/// Python frames as AWS Lambda writes them, a whole traceback) rebuilt around it.
fn compose_header(map: &Map<String, Value>, stacks: &[String]) -> Option<String> {
    // Exception types are identifiers with a capital (`TypeError`, `KeyError`);
    // `"kind": "stack"` or a logger name are not.
    let ty = TYPE_KEYS
        .iter()
        .find_map(|k| map.get(*k).and_then(Value::as_str))
        .filter(|t| {
            t.bytes().any(|b| b.is_ascii_uppercase()) && !t.contains(char::is_whitespace)
        })?;
    let message = VALUE_KEYS
        .iter()
        .find_map(|k| map.get(*k).and_then(Value::as_str))
        .unwrap_or("");
    // Only for a stack that does not print the exception itself.
    let stack = stacks
        .iter()
        .find(|s| !s.lines().any(|l| l.starts_with(ty)))?;
    let mut text = String::new();
    if stack.contains("File \"") && !stack.contains(TRACEBACK_HEADER) {
        // Python frames: Python prints the exception after them.
        text.push_str(TRACEBACK_HEADER);
        text.push('\n');
        text.push_str(stack);
        if !text.ends_with('\n') {
            text.push('\n');
        }
        push_header(&mut text, ty, message);
    } else {
        push_header(&mut text, ty, message);
        text.push('\n');
        text.push_str(stack);
    }
    Some(text)
}

fn push_header(text: &mut String, ty: &str, message: &str) {
    text.push_str(ty);
    if !message.is_empty() {
        text.push_str(": ");
        text.push_str(message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &[u8]) -> Vec<String> {
        let mut seen = Vec::new();
        let _ = find_trace::<()>(line, &mut |t| {
            seen.push(t.to_string());
            None
        });
        seen
    }

    #[test]
    fn offers_multi_line_fields_and_composed_headers() {
        let line = br#"{"message":"failed","exc_info":"Traceback (most recent call last):\n  File \"/app/a.py\", line 1, in f\n    g()\nKeyError: 'x'"}"#;
        assert_eq!(
            texts(line)[0],
            "Traceback (most recent call last):\n  File \"/app/a.py\", line 1, in f\n    g()\nKeyError: 'x'"
        );
        let lambda = br#"{"errorType":"KeyError","errorMessage":"'id'","stackTrace":["  File \"/var/task/app.py\", line 3, in handler\n    return e['id']\n"]}"#;
        assert_eq!(
            texts(lambda).first().unwrap(),
            "Traceback (most recent call last):\n  File \"/var/task/app.py\", line 3, in handler\n    return e['id']\nKeyError: 'id'"
        );
        let browser = br#"{"msg":"browser error","error":{"name":"TypeError","message":"x is undefined","stack":"f@https://a/app.js:1:2\ng@https://a/app.js:3:4\n"}}"#;
        assert_eq!(
            texts(browser).first().unwrap(),
            "TypeError: x is undefined\nf@https://a/app.js:1:2\ng@https://a/app.js:3:4\n"
        );
        assert!(texts(br#"{"message":"no trace here"}"#).is_empty());
        assert!(texts(b"{not json").is_empty());
    }

    #[test]
    fn intro_is_the_record_message() {
        let line =
            br#"{"msg":"charge failed","err":{"stack":"Error: x\n    at f (/app/a.js:1:1)"}}"#;
        let found = find_trace(line, &mut |t| Some(t.to_string())).unwrap();
        assert_eq!(found.intro.as_deref(), Some("charge failed"));
    }
}
