//! `POST /v1/firehose`: the Kinesis Data Firehose HTTP endpoint delivery
//! request, `{"requestId": "...", "timestamp": ms, "records": [{"data":
//! base64}]}`. A record's data is either a CloudWatch Logs subscription
//! payload (gzip JSON, recognised by the gzip magic bytes) or raw log text.

use std::borrow::Cow;

use serde::Deserialize;

use super::cloudwatch::{self, CloudWatch};
use super::{Budget, DecodeError, is_gzip, json_error, lines, unbase64};
use crate::Record;

/// A decoded delivery request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firehose {
    /// The body's `requestId`; the `X-Amz-Firehose-Request-Id` header, when
    /// present, is the one the reply must echo.
    pub request_id: Option<String>,
    pub records: Vec<Record>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request<'a> {
    request_id: Option<String>,
    #[serde(borrow)]
    records: Vec<FirehoseRecord<'a>>,
}

#[derive(Deserialize)]
struct FirehoseRecord<'a> {
    #[serde(borrow)]
    data: Cow<'a, str>,
}

/// Decodes a delivery request body (after `Content-Encoding`). Raw text
/// records become one record per line in stream `source` (the source ARN, or
/// `firehose`); CloudWatch Logs records keep their own group/stream, and
/// their `CONTROL_MESSAGE`s are dropped.
pub fn firehose(body: &[u8], source: &str, budget: &mut Budget) -> Result<Firehose, DecodeError> {
    let request: Request = serde_json::from_slice(body)
        .map_err(|e| json_error("body", "a Firehose delivery request", &e))?;
    let mut records = Vec::new();
    for (index, record) in request.records.iter().enumerate() {
        let what = format!("records[{index}].data");
        let data = unbase64(&record.data, &what, budget)?;
        if is_gzip(&data) {
            match cloudwatch::gzipped(&data, &what, budget)? {
                CloudWatch::Data(events) => records.extend(events),
                CloudWatch::Control => {}
            }
        } else {
            for line in lines(&data) {
                budget.push(&mut records, source, line, None)?;
            }
        }
    }
    Ok(Firehose {
        request_id: request.request_id,
        records,
    })
}

#[cfg(test)]
mod tests {
    use super::super::cloudwatch::tests::{CONTROL, DATA};
    use super::super::tests::{b64, bomb, gzip};
    use super::*;

    fn request(datas: &[Vec<u8>]) -> String {
        let records: Vec<String> = datas
            .iter()
            .map(|d| format!(r#"{{"data": "{}"}}"#, b64(d)))
            .collect();
        format!(
            r#"{{"requestId": "ed4acda5-034f-9f42-bba1-f29aea6d7d8f", "timestamp": 1578090901599, "records": [{}]}}"#,
            records.join(", ")
        )
    }

    fn decode(body: &str) -> Result<Firehose, DecodeError> {
        firehose(body.as_bytes(), "arn:src", &mut Budget::new(1 << 20, 1000))
    }

    #[test]
    fn raw_text_and_cloudwatch_records() {
        let body = request(&[
            b"line one\nline two\n".to_vec(),
            gzip(DATA.as_bytes()),
            gzip(CONTROL.as_bytes()),
            b"\xffbinary".to_vec(),
        ]);
        let decoded = decode(&body).unwrap();
        assert_eq!(
            decoded.request_id.as_deref(),
            Some("ed4acda5-034f-9f42-bba1-f29aea6d7d8f")
        );
        let summary: Vec<(&str, &[u8], Option<i64>)> = decoded
            .records
            .iter()
            .map(|r| (r.stream.as_str(), &r.text[..4], r.timestamp_ms))
            .collect();
        let cw = "/aws/lambda/shop/2026/11/21/[$LATEST]abc";
        assert_eq!(
            summary,
            [
                ("arn:src", &b"line"[..], None),
                ("arn:src", b"line", None),
                (cw, b"Trac", Some(1_763_700_000_000)),
                (cw, b"done", Some(1_763_700_000_001)),
                ("arn:src", b"\xffbin", None),
            ]
        );
    }

    #[test]
    fn empty_records_and_missing_request_id() {
        let decoded = decode(r#"{"records": []}"#).unwrap();
        assert_eq!(decoded.request_id, None);
        assert!(decoded.records.is_empty());
    }

    #[test]
    fn errors_name_the_record() {
        let err = decode(r#"{"requestId": "r", "records": [{"data": "aGk="}, {"data": "a*"}]}"#)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "records[1].data is not valid base64: invalid character '*' at offset 1"
        );
        let mut broken = gzip(DATA.as_bytes());
        broken.truncate(20);
        let err = decode(&request(&[b"ok".to_vec(), broken])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("records[1].data is not valid gzip"),
            "{err}"
        );
        let err = decode(&request(&[gzip(b"plain text, not JSON")])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("records[0].data is not valid JSON"),
            "{err}"
        );
    }

    #[test]
    fn bad_json_and_wrong_shape() {
        let err = decode("{\"records\": [").unwrap_err();
        assert!(
            err.to_string().starts_with("body is not valid JSON: EOF"),
            "{err}"
        );
        let err = decode(r#"{"requestId": "r"}"#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("body is not a Firehose delivery request: missing field `records`"),
            "{err}"
        );
        let err = decode(r#"{"records": [{"data": 5}]}"#).unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
    }

    #[test]
    fn budget_is_shared_across_records() {
        let body = request(&[b"a".repeat(600), b"b".repeat(600)]);
        let err = firehose(body.as_bytes(), "s", &mut Budget::new(1000, 1000)).unwrap_err();
        assert!(
            matches!(err, DecodeError::TooLarge { ref what, .. } if what == "records[1].data"),
            "{err}"
        );
        let body = request(&[bomb(1)]);
        let err = firehose(body.as_bytes(), "s", &mut Budget::new(1 << 20, 1000)).unwrap_err();
        assert!(matches!(err, DecodeError::TooLarge { .. }), "{err}");
    }
}
