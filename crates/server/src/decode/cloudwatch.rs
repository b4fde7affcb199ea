//! `POST /v1/cloudwatch`: a CloudWatch Logs subscription payload, either as
//! a subscription filter hands it to Lambda (`{"awslogs": {"data": base64 of
//! gzip of JSON}}`) or the decoded JSON itself (possibly gzip-compressed).

use std::borrow::Cow;

use serde::Deserialize;

use super::{Budget, DecodeError, gunzip, invalid, is_gzip, json_error, unbase64};
use crate::Record;

/// A decoded subscription payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloudWatch {
    /// `DATA_MESSAGE`: one record per log event, stream
    /// `"{logGroup}/{logStream}"`, timestamp from the event.
    Data(Vec<Record>),
    /// `CONTROL_MESSAGE`: CloudWatch checking that the destination is
    /// reachable; it carries no log events.
    Control,
}

const KIND: &str = "a CloudWatch Logs subscription payload";

/// The fields of both forms; which are present says which form it is.
/// Unknown fields (`owner`, `subscriptionFilters`, event `id`) are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    #[serde(borrow)]
    awslogs: Option<AwsLogs<'a>>,
    message_type: Option<String>,
    log_group: Option<String>,
    log_stream: Option<String>,
    log_events: Option<Vec<LogEvent>>,
}

#[derive(Deserialize)]
struct AwsLogs<'a> {
    #[serde(borrow)]
    data: Cow<'a, str>,
}

#[derive(Deserialize)]
struct LogEvent {
    timestamp: i64,
    message: String,
}

/// Decodes a `/v1/cloudwatch` body (after `Content-Encoding`): either form,
/// and a gzip-compressed JSON body even without `Content-Encoding`.
pub fn cloudwatch(body: &[u8], budget: &mut Budget) -> Result<CloudWatch, DecodeError> {
    let inflated;
    let json = if is_gzip(body) {
        inflated = gunzip(body, "body", budget)?;
        &inflated[..]
    } else {
        body
    };
    let payload: Payload =
        serde_json::from_slice(json).map_err(|e| json_error("body", KIND, &e))?;
    match payload.awslogs {
        Some(awslogs) => {
            let compressed = unbase64(&awslogs.data, "awslogs.data", budget)?;
            gzipped(&compressed, "awslogs.data", budget)
        }
        None => records(payload, "body", budget),
    }
}

/// A subscription payload as CloudWatch Logs compresses it (`awslogs.data`
/// once base64-decoded, or a Firehose record's data); `what` names it in
/// errors.
pub(super) fn gzipped(
    data: &[u8],
    what: &str,
    budget: &mut Budget,
) -> Result<CloudWatch, DecodeError> {
    if !is_gzip(data) {
        return Err(invalid(format!(
            "{what} is not gzip-compressed (CloudWatch Logs always compresses it)"
        )));
    }
    let json = gunzip(data, what, budget)?;
    let payload: Payload = serde_json::from_slice(&json).map_err(|e| json_error(what, KIND, &e))?;
    if payload.awslogs.is_some() {
        return Err(invalid(format!("{what} holds another awslogs wrapper")));
    }
    records(payload, what, budget)
}

fn records(payload: Payload, what: &str, budget: &mut Budget) -> Result<CloudWatch, DecodeError> {
    let missing = |field: &str| {
        invalid(format!(
            "{what} is not {KIND}: DATA_MESSAGE without {field}"
        ))
    };
    match payload.message_type.as_deref() {
        Some("CONTROL_MESSAGE") => Ok(CloudWatch::Control),
        Some("DATA_MESSAGE") => {
            let group = payload.log_group.ok_or_else(|| missing("logGroup"))?;
            let stream = payload.log_stream.ok_or_else(|| missing("logStream"))?;
            let events = payload.log_events.ok_or_else(|| missing("logEvents"))?;
            let stream = format!("{group}/{stream}");
            let mut records = Vec::with_capacity(events.len());
            for event in events {
                budget.take_record(&stream)?;
                records.push(Record {
                    stream: stream.clone(),
                    text: event.message.into_bytes(),
                    timestamp_ms: Some(event.timestamp),
                });
            }
            Ok(CloudWatch::Data(records))
        }
        Some(other) => Err(invalid(format!(
            "{what} is not {KIND}: messageType {:?} is neither DATA_MESSAGE nor CONTROL_MESSAGE",
            super::clip(other)
        ))),
        None => Err(invalid(format!(
            "{what} is not {KIND}: it has neither messageType nor awslogs.data"
        ))),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::tests::{b64, bomb, gzip};
    use super::*;

    pub(crate) const DATA: &str = r#"{
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "/aws/lambda/shop",
        "logStream": "2026/11/21/[$LATEST]abc",
        "subscriptionFilters": ["tracefix"],
        "logEvents": [
            {"id": "1", "timestamp": 1763700000000, "message": "Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\nKeyError: 'x'\n"},
            {"id": "2", "timestamp": 1763700000001, "message": "done"}
        ]
    }"#;

    pub(crate) const CONTROL: &str = r#"{"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs",
        "logGroup": "", "logStream": "", "subscriptionFilters": [],
        "logEvents": [{"id": "", "timestamp": 1763700000000, "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#;

    fn decode(body: &[u8]) -> Result<CloudWatch, DecodeError> {
        cloudwatch(body, &mut Budget::new(1 << 20, 1000))
    }

    fn lambda_event(json: &str) -> String {
        format!(
            r#"{{"awslogs": {{"data": "{}"}}}}"#,
            b64(&gzip(json.as_bytes()))
        )
    }

    fn check_data(decoded: CloudWatch) {
        let CloudWatch::Data(records) = decoded else {
            panic!("{decoded:?}")
        };
        assert_eq!(records.len(), 2);
        assert_eq!(
            records[0].stream,
            "/aws/lambda/shop/2026/11/21/[$LATEST]abc"
        );
        assert!(
            records[0]
                .text
                .starts_with(b"Traceback (most recent call last):\n")
        );
        assert_eq!(records[0].timestamp_ms, Some(1_763_700_000_000));
        assert_eq!(records[1].text, b"done");
        assert_eq!(records[1].timestamp_ms, Some(1_763_700_000_001));
    }

    #[test]
    fn decoded_json_form() {
        check_data(decode(DATA.as_bytes()).unwrap());
    }

    #[test]
    fn lambda_event_form() {
        check_data(decode(lambda_event(DATA).as_bytes()).unwrap());
    }

    #[test]
    fn gzip_body_without_content_encoding() {
        check_data(decode(&gzip(DATA.as_bytes())).unwrap());
        check_data(decode(&gzip(lambda_event(DATA).as_bytes())).unwrap());
    }

    #[test]
    fn control_message_has_no_records() {
        assert_eq!(decode(CONTROL.as_bytes()).unwrap(), CloudWatch::Control);
        assert_eq!(
            decode(lambda_event(CONTROL).as_bytes()).unwrap(),
            CloudWatch::Control
        );
    }

    #[test]
    fn bad_base64_is_named() {
        let err = decode(br#"{"awslogs": {"data": "H4sI!!"}}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "awslogs.data is not valid base64: invalid character '!' at offset 4"
        );
    }

    #[test]
    fn bad_gzip_inside_is_named() {
        let mut data = gzip(DATA.as_bytes());
        let n = data.len();
        data[n / 2..].fill(0x55);
        let err = decode(format!(r#"{{"awslogs": {{"data": "{}"}}}}"#, b64(&data)).as_bytes())
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("awslogs.data is not valid gzip: "),
            "{err}"
        );
        let err =
            decode(format!(r#"{{"awslogs": {{"data": "{}"}}}}"#, b64(DATA.as_bytes())).as_bytes())
                .unwrap_err();
        assert!(err.to_string().contains("not gzip-compressed"), "{err}");
    }

    #[test]
    fn bad_json_is_named() {
        let err = decode(b"{\"messageType\": ").unwrap_err();
        assert!(
            err.to_string().starts_with("body is not valid JSON: EOF"),
            "{err}"
        );
        let err = decode(lambda_event("{nope").as_bytes()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("awslogs.data is not valid JSON"),
            "{err}"
        );
    }

    #[test]
    fn wrong_shapes_are_named() {
        let err = decode(br#"{"messageType": "DATA_MESSAGE", "logGroup": "g", "logStream": "s"}"#)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "body is not a CloudWatch Logs subscription payload: DATA_MESSAGE without logEvents"
        );
        let err = decode(br#"{"hello": 1}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("neither messageType nor awslogs.data"),
            "{err}"
        );
        let err = decode(br#"{"messageType": "DATA_MESSAGE", "logGroup": "g", "logStream": "s", "logEvents": [{"timestamp": "x", "message": "m"}]}"#)
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("body is not a CloudWatch Logs subscription payload: invalid type"),
            "{err}"
        );
        let err = decode(br#"{"messageType": "OTHER"}"#).unwrap_err();
        assert!(err.to_string().contains("\"OTHER\""), "{err}");
        let err = decode(b"[1]").unwrap_err();
        assert!(
            err.to_string().starts_with("body is not a CloudWatch"),
            "{err}"
        );
    }

    #[test]
    fn nested_wrapper_is_refused() {
        let err = decode(lambda_event(&lambda_event(DATA)).as_bytes()).unwrap_err();
        assert!(err.to_string().contains("another awslogs wrapper"), "{err}");
    }

    #[test]
    fn gzip_bomb_in_awslogs_data_is_refused() {
        let body = format!(r#"{{"awslogs": {{"data": "{}"}}}}"#, b64(&bomb(2)));
        let err = cloudwatch(body.as_bytes(), &mut Budget::new(8 << 20, 10)).unwrap_err();
        assert!(matches!(err, DecodeError::TooLarge { ref what, .. } if what == "awslogs.data"));
    }

    #[test]
    fn long_group_names_cannot_multiply_memory() {
        let group = "g".repeat(1000);
        let events = vec![r#"{"timestamp": 1, "message": ""}"#; 100].join(",");
        let body = format!(
            r#"{{"messageType": "DATA_MESSAGE", "logGroup": "{group}", "logStream": "s", "logEvents": [{events}]}}"#
        );
        let err = cloudwatch(body.as_bytes(), &mut Budget::new(50_000, 1000)).unwrap_err();
        assert_eq!(err, DecodeError::StreamNamesTooLarge { limit: 50_000 });
    }

    #[test]
    fn record_limit_applies() {
        let err = cloudwatch(DATA.as_bytes(), &mut Budget::new(1 << 20, 1)).unwrap_err();
        assert_eq!(err, DecodeError::TooManyRecords { limit: 1 });
    }
}
