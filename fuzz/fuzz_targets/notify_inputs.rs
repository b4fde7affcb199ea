//! Fuzzes what the notifiers parse from untrusted text: rendered template
//! text (it holds log messages) turned into an Atlassian Document, Jira
//! error bodies, and webhook signature headers as a receiver checks them.
//! The first byte picks the part; the rest is the input.
//!
//! Checked: no panic; any text gives a document that passes `adf::validate`;
//! a Jira error's text is bounded whatever the body; a signature header that
//! was not made with the key never verifies.

#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tracefix_notify::{adf, jira, sign_webhook, verify_webhook};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            let text = String::from_utf8_lossy(rest);
            let mut blocks = adf::blocks_from_text(&text);
            blocks.push(adf::Block::code(Some("python"), text.as_ref()));
            let doc = adf::document(&blocks);
            assert_eq!(adf::validate(&doc), Ok(()));
        }
        1 => {
            let status = 400 + u16::from(mode >> 2);
            let err = jira::decode_error(status, rest);
            // 20 messages and 20 fields of at most 500 characters, plus keys.
            assert!(err.to_string().chars().count() <= 25_000);
        }
        _ => {
            let header = String::from_utf8_lossy(rest);
            let body = b"{\"event\":\"new_group\"}";
            let verdict =
                verify_webhook(b"fuzz-key", &header, body, 1_000, Duration::from_secs(300));
            // Only the real MAC verifies: a header equal to it is the one way in.
            if verdict.is_ok() {
                let t = header
                    .split(',')
                    .find_map(|p| p.trim().strip_prefix("t="))
                    .and_then(|t| t.parse::<i64>().ok())
                    .unwrap();
                let real = sign_webhook(b"fuzz-key", t, body);
                let mac = real.split_once(",v1=").unwrap().1;
                assert!(header.contains(mac));
            }
        }
    }
});
