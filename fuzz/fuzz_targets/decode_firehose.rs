//! Fuzzes `decode::firehose`. The first byte picks the shape: the rest as
//! the body itself, or cut at 0xff bytes into records that are base64-encoded
//! here (raw text), or gzip-compressed first (CloudWatch Logs payloads), so
//! mutations reach the record contents.
//!
//! Checked: no panic; the budget holds; raw-text records carry the source
//! name, no newline and no timestamp, CloudWatch ones a timestamp; errors
//! are short.

#![no_main]

mod server_support;

use libfuzzer_sys::fuzz_target;
use server_support::*;
use tracefix_server::decode;

const SOURCE: &str = "fuzz-source";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let body = match mode % 3 {
        0 => rest.to_vec(),
        shape => {
            let records: Vec<String> = rest
                .split(|&b| b == 0xff)
                .map(|piece| {
                    let data = if shape == 1 { piece.to_vec() } else { gzip(piece) };
                    format!(r#"{{"data": "{}"}}"#, b64(&data))
                })
                .collect();
            format!(
                r#"{{"requestId": "r", "timestamp": 1, "records": [{}]}}"#,
                records.join(",")
            )
            .into_bytes()
        }
    };
    let mut budget = budget();
    let result = decode::firehose(&body, SOURCE, &mut budget);
    check_budget(&budget);
    match result {
        Ok(decoded) => {
            assert!(decoded.records.len() <= MAX_RECORDS);
            for record in &decoded.records {
                if record.stream == SOURCE {
                    assert!(record.timestamp_ms.is_none());
                    assert!(!record.text.contains(&b'\n'));
                } else {
                    assert!(record.timestamp_ms.is_some());
                }
            }
        }
        Err(e) => check_error(&e),
    }
});
