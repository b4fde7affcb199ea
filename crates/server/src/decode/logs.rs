//! `POST /v1/logs`: JSON lines or plain text lines.

use serde::de::IgnoredAny;

use super::{Budget, DecodeError, clip, invalid, json_message, lines};
use crate::Record;

/// How a `/v1/logs` body is split into records, chosen by `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogsFormat {
    /// Each non-empty line must be one JSON value; its raw bytes are a record.
    JsonLines,
    /// Each line is a record, bytes as they are (not required to be UTF-8).
    Text,
}

const ACCEPTED: &str =
    "application/x-ndjson, application/jsonl, application/json, text/plain, or none";

impl LogsFormat {
    /// `application/x-ndjson`, `application/jsonl` and `application/json` are
    /// JSON lines; `text/plain` or no `Content-Type` is text. Parameters
    /// (`; charset=utf-8`) are ignored.
    pub fn from_content_type(content_type: Option<&str>) -> Result<Self, DecodeError> {
        let Some(given) = content_type else {
            return Ok(Self::Text);
        };
        let media = given.split(';').next().unwrap_or_default().trim();
        match media.to_ascii_lowercase().as_str() {
            "application/x-ndjson" | "application/jsonl" | "application/json" => {
                Ok(Self::JsonLines)
            }
            "text/plain" | "" => Ok(Self::Text),
            _ => Err(DecodeError::UnsupportedContentType {
                given: clip(given),
                accepted: ACCEPTED,
            }),
        }
    }
}

/// Splits a (content-decoded) `/v1/logs` body into records of `stream`.
/// Any invalid line fails the whole body: nothing is half-stored.
pub fn logs(
    body: &[u8],
    content_type: Option<&str>,
    stream: &str,
    budget: &mut Budget,
) -> Result<Vec<Record>, DecodeError> {
    let format = LogsFormat::from_content_type(content_type)?;
    let mut records = Vec::new();
    for (index, line) in lines(body).enumerate() {
        if format == LogsFormat::JsonLines {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            // JSON is UTF-8 (RFC 8259), and serde_json does not check the
            // strings it skips.
            let text = std::str::from_utf8(line).map_err(|e| {
                invalid(format!(
                    "line {} is not valid JSON: invalid UTF-8 at byte {}",
                    index + 1,
                    e.valid_up_to() + 1
                ))
            })?;
            // Validated without building a value: only the raw text is kept.
            if let Err(e) = serde_json::from_str::<IgnoredAny>(text) {
                return Err(invalid(format!(
                    "line {} is not valid JSON: {} at column {}",
                    index + 1,
                    json_message(&e),
                    e.column()
                )));
            }
        }
        budget.push(&mut records, stream, line, None)?;
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &[u8], content_type: Option<&str>) -> Result<Vec<Record>, DecodeError> {
        logs(body, content_type, "s", &mut Budget::new(1 << 20, 1000))
    }

    fn texts(records: &[Record]) -> Vec<&[u8]> {
        records.iter().map(|r| r.text.as_slice()).collect()
    }

    #[test]
    fn text_lines_are_records_as_bytes() {
        let records = decode(b"one\r\n\n\xff\xfe bytes\nlast", None).unwrap();
        assert_eq!(
            texts(&records),
            [&b"one"[..], b"", b"\xff\xfe bytes", b"last"]
        );
        assert!(
            records
                .iter()
                .all(|r| r.stream == "s" && r.timestamp_ms.is_none())
        );
        let records = decode(b"a\n", Some("text/plain; charset=utf-8")).unwrap();
        assert_eq!(texts(&records), [b"a"]);
        assert!(decode(b"", None).unwrap().is_empty());
    }

    #[test]
    fn json_lines_keep_raw_text_and_skip_blank_lines() {
        let body = b"{\"msg\": \"a\\nb\"}\n\n  \n[1, 2]\r\n\"s\"\n";
        let records = decode(body, Some("application/x-ndjson")).unwrap();
        assert_eq!(
            texts(&records),
            [&b"{\"msg\": \"a\\nb\"}"[..], b"[1, 2]", b"\"s\""]
        );
        let records = decode(b"{}\n", Some("Application/JSON")).unwrap();
        assert_eq!(records.len(), 1);
    }

    #[test]
    fn a_bad_json_line_fails_the_whole_body_and_is_named() {
        let body = b"{\"a\": 1}\n\n} not json\n{\"b\": 2}\n";
        let err = decode(body, Some("application/x-ndjson")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 3 is not valid JSON: expected value at column 1"
        );
        let err = decode(b"{\"a\": 1", Some("application/json")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 1 is not valid JSON: EOF while parsing an object at column 7"
        );
        let err = decode(b"{} {}", Some("application/json")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("line 1 is not valid JSON: trailing characters")
        );
    }

    #[test]
    fn invalid_utf8_in_a_json_line_is_an_error() {
        let err = decode(b"{}\n\"\xff\"\n", Some("application/x-ndjson")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2 is not valid JSON: invalid UTF-8 at byte 2"
        );
    }

    #[test]
    fn unsupported_content_type_is_415_material() {
        let err = decode(b"a", Some("application/xml")).unwrap_err();
        assert!(matches!(err, DecodeError::UnsupportedContentType { .. }));
        assert!(err.to_string().contains("application/x-ndjson"), "{err}");
    }

    #[test]
    fn record_limit_applies() {
        let err = logs(b"a\nb\nc\n", None, "s", &mut Budget::new(100, 2)).unwrap_err();
        assert_eq!(err, DecodeError::TooManyRecords { limit: 2 });
    }
}
