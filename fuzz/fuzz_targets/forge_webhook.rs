//! Fuzzes what tracefix-forge reads from the outside before trusting it: a
//! GitHub webhook delivery (signature header and body) and forge error
//! bodies. The input's first line is the `X-Hub-Signature-256` header, the
//! rest the body.
//!
//! Checked: no panic; a signature is accepted only when it is the body's
//! own HMAC; a delivery signed with the right secret always verifies;
//! parsing a body never panics, whatever its shape.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tracefix_forge::{
    forge_message, github_signature, parse_github_webhook, verify_github_signature,
};

const SECRET: &[u8] = b"fuzzing-secret";

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let header = String::from_utf8_lossy(&data[..split]);
    let body = data.get(split + 1..).unwrap_or_default();

    let expected = github_signature(SECRET, body);
    let verdict = verify_github_signature(SECRET, body, Some(&header));
    if verdict.is_ok() {
        assert!(header.trim().eq_ignore_ascii_case(&expected), "{header:?}");
    }
    assert_eq!(verify_github_signature(SECRET, body, Some(&expected)), Ok(()));

    for event in ["pull_request", "ping"] {
        if let Ok(Some(event)) = parse_github_webhook(event, body) {
            assert!(event.merge_commit.is_none() || event.state == tracefix_forge::PrState::Merged);
        }
    }
    if let Some(message) = forge_message(body) {
        assert!(!message.trim().is_empty());
    }
});
