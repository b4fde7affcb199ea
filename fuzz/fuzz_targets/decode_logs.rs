//! Fuzzes `decode::body` + `decode::logs`. The first byte picks the
//! Content-Type (low bits) and gzip (high bit); the rest is the body.
//!
//! Checked: no panic; the budget holds; text records are exactly the body's
//! lines (a final `\r` dropped); JSON records are valid JSON, without
//! newlines; errors are short.

#![no_main]

mod server_support;

use libfuzzer_sys::fuzz_target;
use server_support::*;
use tracefix_server::decode;

const CONTENT_TYPES: [Option<&str>; 5] = [
    None,
    Some("text/plain"),
    Some("application/x-ndjson"),
    Some("application/json; charset=utf-8"),
    Some("application/xml"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[usize::from(mode & 0x7f) % CONTENT_TYPES.len()];
    let encoding = (mode & 0x80 != 0).then_some("gzip");
    let mut budget = budget();
    let decoded = match decode::body(body, encoding, &mut budget) {
        Ok(decoded) => decoded,
        Err(e) => return check_error(&e),
    };
    check_budget(&budget);
    let records = match decode::logs(&decoded, content_type, "fuzz", &mut budget) {
        Ok(records) => records,
        Err(e) => return check_error(&e),
    };
    assert!(records.len() <= MAX_RECORDS);
    let json = decode::LogsFormat::from_content_type(content_type).unwrap()
        == decode::LogsFormat::JsonLines;
    for record in &records {
        assert_eq!(record.stream, "fuzz");
        assert_eq!(record.timestamp_ms, None);
        assert!(!record.text.contains(&b'\n'));
        if json {
            // Syntax only: JSON allows numbers no f64 holds (`1e999`).
            serde_json::from_slice::<serde::de::IgnoredAny>(&record.text).unwrap();
        }
    }
    if !json {
        let body = decoded.strip_suffix(b"\n").unwrap_or(&decoded);
        let lines: Vec<&[u8]> = if decoded.is_empty() {
            Vec::new()
        } else {
            body.split(|&b| b == b'\n').collect()
        };
        assert_eq!(lines.len(), records.len());
        for (line, record) in lines.iter().zip(&records) {
            assert_eq!(line.strip_suffix(b"\r").unwrap_or(line), &record.text[..]);
        }
    }
});
