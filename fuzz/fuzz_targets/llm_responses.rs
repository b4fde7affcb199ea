//! Fuzzes the model clients' response decoders (`tracefix_llm::decode_response`
//! and `decode_error`): a model server's body is untrusted input. The first
//! byte picks the provider (low 2 bits), success or error (bit 2) and, for
//! errors, the status (high bits); the rest is the body.
//!
//! Checked: no panic; a decoded answer's text is no longer than the body;
//! an error's text is bounded whatever the body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tracefix_llm::{Provider, decode_error, decode_response};

const PROVIDERS: [Provider; 3] = [Provider::OpenAi, Provider::Anthropic, Provider::Bedrock];
const STATUSES: [u16; 8] = [400, 401, 404, 408, 429, 500, 503, 529];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let provider = PROVIDERS[usize::from(mode & 0b11) % PROVIDERS.len()];
    if mode & 0b100 == 0 {
        match decode_response(provider, body) {
            Ok(response) => assert!(response.text.len() <= body.len()),
            Err(e) => assert!(e.to_string().chars().count() <= 1000),
        }
    } else {
        let status = STATUSES[usize::from(mode >> 5)];
        // Bedrock names the error in a header; half the inputs carry one.
        let header = (mode & 0b1000 != 0).then_some("ThrottlingException:http://internal");
        let err = decode_error(provider, status, header, body);
        assert!(err.to_string().chars().count() <= 2200);
    }
});
