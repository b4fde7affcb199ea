//! Shared by the `decode_*` targets: small limits so the budget checks fire
//! on small inputs, and the encoders that wrap fuzz input into valid outer
//! layers so mutations reach the inner formats.

// Each target uses only some of these.
#![allow(dead_code)]

use std::io::Write;

use base64::Engine as _;
use tracefix_server::decode::{Budget, DecodeError};

pub const MAX_DECODED: usize = 1 << 20;
pub const MAX_RECORDS: usize = 10_000;

pub fn budget() -> Budget {
    Budget::new(MAX_DECODED, MAX_RECORDS)
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

pub fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// An error says something, and quotes little of the input.
pub fn check_error(e: &DecodeError) {
    let message = e.to_string();
    assert!(!message.is_empty());
    assert!(message.len() <= 512, "error message of {} bytes", message.len());
}

/// The budget is never overrun, whatever the input.
pub fn check_budget(budget: &Budget) {
    assert!(budget.decoded_bytes() <= MAX_DECODED);
}
