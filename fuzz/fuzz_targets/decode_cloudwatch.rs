//! Fuzzes `decode::cloudwatch`. The first byte picks how the rest is sent:
//! as the body itself, as the JSON inside a Lambda event (gzip + base64
//! built here, so mutations reach the inner JSON), or gzip-compressed.
//!
//! Checked: no panic; the budget holds; every record has the event's
//! timestamp and a `group/stream` name; errors are short.

#![no_main]

mod server_support;

use libfuzzer_sys::fuzz_target;
use server_support::*;
use tracefix_server::decode::{self, CloudWatch};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let body = match mode % 3 {
        0 => rest.to_vec(),
        1 => format!(r#"{{"awslogs": {{"data": "{}"}}}}"#, b64(&gzip(rest))).into_bytes(),
        _ => gzip(rest),
    };
    let mut budget = budget();
    let result = decode::cloudwatch(&body, &mut budget);
    check_budget(&budget);
    match result {
        Ok(CloudWatch::Data(records)) => {
            assert!(records.len() <= MAX_RECORDS);
            for record in &records {
                assert!(record.timestamp_ms.is_some());
                assert!(record.stream.contains('/'));
            }
        }
        Ok(CloudWatch::Control) => {}
        Err(e) => check_error(&e),
    }
});
