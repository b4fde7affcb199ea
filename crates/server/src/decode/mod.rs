//! Pure decoders from request bodies to [`Record`]s.
//!
//! No IO, no clock, no HTTP types: bytes and header values in, records or a
//! [`DecodeError`] saying what was wrong out, so they are unit-tested and
//! fuzzed (`fuzz/fuzz_targets/decode_*.rs`) without a server. Every decoder
//! validates the whole input before returning anything, so a request is
//! stored whole or not at all.
//!
//! Memory is bounded by a [`Budget`]: every byte produced by gzip inflation
//! or base64 decoding, at any nesting level, is charged to it, and inflation
//! stops one byte past what is left, so a gzip bomb is refused after
//! inflating at most the budget, never in full.

use std::borrow::Cow;
use std::io::Read;

use base64::Engine as _;
use flate2::read::MultiGzDecoder;

use crate::Record;

mod cloudwatch;
mod firehose;
mod logs;

pub use cloudwatch::{CloudWatch, cloudwatch};
pub use firehose::{Firehose, firehose};
pub use logs::{LogsFormat, logs};

/// What was wrong with a request body. The `Display` text is what the client
/// gets in `{"error": ...}`; it names the place (line, field, record index)
/// and never repeats more than a character of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Malformed input (bad gzip, base64 or JSON, missing fields): `400`.
    #[error("{0}")]
    Invalid(String),
    /// Decoding would produce more than the budget allows: `413`.
    #[error("{what} decodes to more than {limit} bytes (server.max_decoded_bytes)")]
    TooLarge { what: String, limit: usize },
    /// More records than the budget allows: `413`.
    #[error("the request holds more than {limit} records (server.max_records)")]
    TooManyRecords { limit: usize },
    /// The records' copies of their stream name would take more than the
    /// decode budget: `413`.
    #[error("the records' stream names take more than {limit} bytes (server.max_decoded_bytes)")]
    StreamNamesTooLarge { limit: usize },
    /// `415`; `accepted` lists what the endpoint takes.
    #[error("unsupported Content-Type {given:?}; accepted: {accepted}")]
    UnsupportedContentType {
        given: String,
        accepted: &'static str,
    },
    /// `415`.
    #[error("unsupported Content-Encoding {0:?}; accepted: gzip, or none")]
    UnsupportedContentEncoding(String),
}

fn invalid(message: impl Into<String>) -> DecodeError {
    DecodeError::Invalid(message.into())
}

/// Limits for decoding one request: the bytes that decoding may produce and
/// the records it may yield.
#[derive(Debug, Clone)]
pub struct Budget {
    max_bytes: usize,
    bytes_left: usize,
    max_records: usize,
    records_left: usize,
}

impl Budget {
    pub fn new(max_decoded_bytes: usize, max_records: usize) -> Self {
        Self {
            max_bytes: max_decoded_bytes,
            bytes_left: max_decoded_bytes,
            max_records,
            records_left: max_records,
        }
    }

    /// Bytes produced by decoding so far.
    pub fn decoded_bytes(&self) -> usize {
        self.max_bytes - self.bytes_left
    }

    fn take_bytes(&mut self, n: usize, what: &str) -> Result<(), DecodeError> {
        match self.bytes_left.checked_sub(n) {
            Some(left) => {
                self.bytes_left = left;
                Ok(())
            }
            None => Err(DecodeError::TooLarge {
                what: what.to_owned(),
                limit: self.max_bytes,
            }),
        }
    }

    /// Each record carries its own copy of the stream name (a CloudWatch
    /// group/stream may be a kilobyte), so the copies are charged too.
    fn take_record(&mut self, stream: &str) -> Result<(), DecodeError> {
        self.records_left =
            self.records_left
                .checked_sub(1)
                .ok_or(DecodeError::TooManyRecords {
                    limit: self.max_records,
                })?;
        self.bytes_left =
            self.bytes_left
                .checked_sub(stream.len())
                .ok_or(DecodeError::StreamNamesTooLarge {
                    limit: self.max_bytes,
                })?;
        Ok(())
    }

    fn push(
        &mut self,
        records: &mut Vec<Record>,
        stream: &str,
        text: &[u8],
        timestamp_ms: Option<i64>,
    ) -> Result<(), DecodeError> {
        self.take_record(stream)?;
        records.push(Record {
            stream: stream.to_owned(),
            text: text.to_vec(),
            timestamp_ms,
        });
        Ok(())
    }
}

/// Undoes `Content-Encoding`: absent or `identity` borrows the body, `gzip`
/// (or `x-gzip`) inflates it within the budget; anything else is `415`.
pub fn body<'a>(
    raw: &'a [u8],
    content_encoding: Option<&str>,
    budget: &mut Budget,
) -> Result<Cow<'a, [u8]>, DecodeError> {
    if is_gzip_encoding(content_encoding)? {
        gunzip(raw, "body", budget).map(Cow::Owned)
    } else {
        Ok(Cow::Borrowed(raw))
    }
}

/// Checks a `Content-Encoding` value without decoding, so the server can
/// answer `415` before reading the body.
pub fn check_content_encoding(content_encoding: Option<&str>) -> Result<(), DecodeError> {
    is_gzip_encoding(content_encoding).map(|_| ())
}

fn is_gzip_encoding(content_encoding: Option<&str>) -> Result<bool, DecodeError> {
    let Some(given) = content_encoding else {
        return Ok(false);
    };
    match given.trim().to_ascii_lowercase().as_str() {
        "" | "identity" => Ok(false),
        "gzip" | "x-gzip" => Ok(true),
        _ => Err(DecodeError::UnsupportedContentEncoding(clip(given))),
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

fn is_gzip(data: &[u8]) -> bool {
    data.starts_with(&GZIP_MAGIC)
}

/// Inflates gzip (several members allowed, as `Content-Encoding: gzip` may
/// hold) into at most what is left of the budget.
fn gunzip(data: &[u8], what: &str, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
    let left = budget.bytes_left;
    let mut out = Vec::with_capacity(data.len().saturating_mul(4).min(left));
    // One byte past the budget is enough to know it is exceeded: a bomb is
    // never inflated further than that.
    let mut reader = MultiGzDecoder::new(data).take(left as u64 + 1);
    if let Err(e) = reader.read_to_end(&mut out) {
        return Err(invalid(format!("{what} is not valid gzip: {e}")));
    }
    budget.take_bytes(out.len(), what)?;
    Ok(out)
}

/// Standard alphabet; padding optional, since some encoders drop it.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

fn unbase64(text: &str, what: &str, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
    // The estimate may exceed the true length by two bytes; refuse before
    // allocating only when even the true length cannot fit.
    if base64::decoded_len_estimate(text.len()).saturating_sub(2) > budget.bytes_left {
        return Err(DecodeError::TooLarge {
            what: what.to_owned(),
            limit: budget.max_bytes,
        });
    }
    let out = BASE64.decode(text).map_err(|e| {
        let why = match e {
            base64::DecodeError::InvalidByte(at, byte) => {
                format!("invalid character {} at offset {at}", describe_byte(byte))
            }
            base64::DecodeError::InvalidLength(len) => format!("invalid length {len}"),
            base64::DecodeError::InvalidLastSymbol(at, _) => {
                format!("invalid last character at offset {at}")
            }
            base64::DecodeError::InvalidPadding => "invalid padding".to_owned(),
        };
        invalid(format!("{what} is not valid base64: {why}"))
    })?;
    budget.take_bytes(out.len(), what)?;
    Ok(out)
}

/// One input byte, safe to put in an error message.
fn describe_byte(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("'{}'", byte as char)
    } else {
        format!("0x{byte:02x}")
    }
}

/// A header value, cut short enough to quote in an error.
fn clip(value: &str) -> String {
    value.chars().take(64).collect()
}

/// serde_json's message without its " at line L column C" suffix, so that
/// callers can say where in their own terms; cut to 200 characters, since a
/// type error quotes the offending value, which is log text and may be long.
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    let mut chars = message.chars();
    let mut clipped: String = chars.by_ref().take(200).collect();
    if chars.next().is_some() {
        clipped.push('…');
    }
    clipped
}

/// A JSON document that failed to parse: a syntax error says "not valid
/// JSON", a shape error says it is not the expected `kind` of payload.
fn json_error(what: &str, kind: &str, e: &serde_json::Error) -> DecodeError {
    let at = format!("line {} column {}", e.line(), e.column());
    let message = json_message(e);
    match e.classify() {
        serde_json::error::Category::Data => {
            invalid(format!("{what} is not {kind}: {message} at {at}"))
        }
        _ => invalid(format!("{what} is not valid JSON: {message} at {at}")),
    }
}

/// Lines of a text body: split at `\n`, a `\r` before it dropped (it is part
/// of the line ending), no empty line after a final `\n`. Empty lines inside
/// are kept: they end some traces (Go's goroutine dumps).
fn lines(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    let trimmed = body.strip_suffix(b"\n").unwrap_or(body);
    let mut pieces = (!body.is_empty()).then(|| trimmed.split(|&b| b == b'\n'));
    std::iter::from_fn(move || pieces.as_mut()?.next())
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use super::*;

    pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
        gzip_at(data, flate2::Compression::fast())
    }

    fn gzip_at(data: &[u8], level: flate2::Compression) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    pub(crate) fn b64(data: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(data)
    }

    /// A gzip bomb that is cheap to build: one member inflating to 16 MiB of
    /// zeros, repeated `members` times.
    pub(crate) fn bomb(members: usize) -> Vec<u8> {
        gzip_at(&vec![0; 16 << 20], flate2::Compression::best()).repeat(members)
    }

    fn all_lines(body: &[u8]) -> Vec<&[u8]> {
        lines(body).collect()
    }

    #[test]
    fn lines_keep_inner_empty_lines_and_drop_line_endings() {
        assert!(all_lines(b"").is_empty());
        assert_eq!(all_lines(b"\n"), [b""]);
        assert_eq!(all_lines(b"a\r\n\nb"), [&b"a"[..], b"", b"b"]);
        assert_eq!(all_lines(b"a\nb\n"), [b"a", b"b"]);
        assert_eq!(all_lines(b"a\rb"), [b"a\rb"]);
    }

    #[test]
    fn identity_body_is_borrowed() {
        let mut budget = Budget::new(0, 0);
        let out = body(b"abc", None, &mut budget).unwrap();
        assert!(matches!(out, Cow::Borrowed(b"abc")));
        let out = body(b"abc", Some("identity"), &mut budget).unwrap();
        assert_eq!(&*out, b"abc");
    }

    #[test]
    fn gzip_body_is_inflated_and_charged() {
        let mut budget = Budget::new(100, 10);
        let data = gzip(b"hello\n");
        let out = body(&data, Some("GZIP"), &mut budget).unwrap();
        assert_eq!(&*out, b"hello\n");
        assert_eq!(budget.decoded_bytes(), 6);
    }

    #[test]
    fn concatenated_gzip_members_are_one_body() {
        let mut data = gzip(b"a\n");
        data.extend(gzip(b"b\n"));
        let out = body(&data, Some("gzip"), &mut Budget::new(100, 10)).unwrap();
        assert_eq!(&*out, b"a\nb\n");
    }

    #[test]
    fn bad_gzip_says_so() {
        let err = body(b"not gzip", Some("gzip"), &mut Budget::new(100, 10)).unwrap_err();
        assert!(
            matches!(&err, DecodeError::Invalid(m) if m.starts_with("body is not valid gzip: ")),
            "{err}"
        );
        let mut truncated = gzip(b"hello world, hello world");
        truncated.truncate(truncated.len() - 6);
        let err = body(&truncated, Some("gzip"), &mut Budget::new(100, 10)).unwrap_err();
        assert!(
            err.to_string().starts_with("body is not valid gzip"),
            "{err}"
        );
    }

    #[test]
    fn gzip_bomb_stops_at_the_budget() {
        // 1 GiB once inflated; refused after inflating 1 MiB + 1 byte.
        let data = bomb(64);
        assert!(data.len() < 2 << 20, "{}", data.len());
        let err = body(&data, Some("gzip"), &mut Budget::new(1 << 20, 10)).unwrap_err();
        assert_eq!(
            err,
            DecodeError::TooLarge {
                what: "body".into(),
                limit: 1 << 20
            }
        );
    }

    #[test]
    fn other_encodings_are_unsupported() {
        let err = body(b"x", Some("br"), &mut Budget::new(100, 10)).unwrap_err();
        assert_eq!(err, DecodeError::UnsupportedContentEncoding("br".into()));
        assert!(check_content_encoding(Some("deflate")).is_err());
        assert!(check_content_encoding(Some("gzip")).is_ok());
        assert!(check_content_encoding(None).is_ok());
    }

    #[test]
    fn base64_errors_name_the_place() {
        let mut budget = Budget::new(100, 10);
        assert_eq!(unbase64("aGk=", "x", &mut budget).unwrap(), b"hi");
        assert_eq!(unbase64("aGk", "x", &mut budget).unwrap(), b"hi");
        let err = unbase64("aG$k", "awslogs.data", &mut budget).unwrap_err();
        assert_eq!(
            err.to_string(),
            "awslogs.data is not valid base64: invalid character '$' at offset 2"
        );
        let err = unbase64("a", "d", &mut budget).unwrap_err();
        assert!(
            err.to_string().starts_with("d is not valid base64"),
            "{err}"
        );
    }

    #[test]
    fn base64_over_budget_is_refused_before_decoding() {
        let err = unbase64(&"A".repeat(400), "d", &mut Budget::new(100, 10)).unwrap_err();
        assert!(matches!(err, DecodeError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn records_are_counted() {
        let mut budget = Budget::new(100, 2);
        let mut records = Vec::new();
        budget.push(&mut records, "s", b"a", None).unwrap();
        budget.push(&mut records, "s", b"b", None).unwrap();
        let err = budget.push(&mut records, "s", b"c", None).unwrap_err();
        assert_eq!(err, DecodeError::TooManyRecords { limit: 2 });
    }

    #[test]
    fn json_messages_quote_little_of_the_input() {
        let long = format!("\"{}\"", "secret ".repeat(100));
        let e = serde_json::from_str::<i64>(&long).unwrap_err();
        let message = json_message(&e);
        assert!(message.starts_with("invalid type: string"), "{message}");
        assert!(message.chars().count() <= 201, "{message}");
        assert!(message.ends_with('…'));
        let e = serde_json::from_str::<serde_json::Value>("[").unwrap_err();
        assert_eq!(json_message(&e), "EOF while parsing a list");
    }

    #[test]
    fn stream_name_copies_are_charged() {
        let mut budget = Budget::new(10, 100);
        let mut records = Vec::new();
        budget.push(&mut records, "12345", b"", None).unwrap();
        budget.push(&mut records, "12345", b"", None).unwrap();
        let err = budget.push(&mut records, "1", b"", None).unwrap_err();
        assert_eq!(err, DecodeError::StreamNamesTooLarge { limit: 10 });
    }

    #[test]
    fn control_bytes_are_not_quoted_raw() {
        assert_eq!(describe_byte(b'x'), "'x'");
        assert_eq!(describe_byte(b'\n'), "0x0a");
        assert_eq!(describe_byte(0xff), "0xff");
    }
}
