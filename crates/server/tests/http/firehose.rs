//! `POST /v1/firehose`: the Kinesis Data Firehose HTTP endpoint delivery
//! format, and its required replies.

use std::time::{SystemTime, UNIX_EPOCH};

use tracefix_server::SecretString;

use crate::common::*;

const REQUEST_ID: &str = "ed4acda5-034f-9f42-bba1-f29aea6d7d8f";
const ACCESS_KEY: &str = "Firehose-Access-Key-77";
const SOURCE_ARN: &str = "arn:aws:firehose:us-east-1:123456789012:deliverystream/logs";

fn with_access_key(mut config: tracefix_server::ServerConfig) -> tracefix_server::ServerConfig {
    config.firehose_access_key = Some(SecretString::from(ACCESS_KEY.to_owned()));
    config
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Firehose's reply: exactly `requestId` and `timestamp` (and
/// `errorMessage` on failure), as JSON.
fn check_reply(reply: &Reply, status: u16) -> Option<String> {
    assert_eq!(reply.status, status, "{}", reply.text());
    let body = reply.json();
    let object = body.as_object().unwrap();
    assert_eq!(object["requestId"], REQUEST_ID, "{body}");
    let timestamp = object["timestamp"].as_i64().unwrap();
    assert!((now_ms() - timestamp).abs() < 60_000, "{timestamp}");
    let expected_keys = if status == 200 { 2 } else { 3 };
    assert_eq!(object.len(), expected_keys, "{body}");
    object
        .get("errorMessage")
        .map(|m| m.as_str().unwrap().to_owned())
}

fn headers(key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("x-amz-firehose-request-id", REQUEST_ID.to_owned()),
        ("x-amz-firehose-protocol-version", "1.0".to_owned()),
        ("x-amz-firehose-source-arn", SOURCE_ARN.to_owned()),
        ("x-amz-firehose-access-key", key.to_owned()),
        ("content-type", "application/json".to_owned()),
    ]
}

async fn post(
    server: &Server,
    headers: &[(&'static str, String)],
    body: impl Into<Vec<u8>>,
) -> Reply {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    server.post("/v1/firehose", &headers, body).await
}

#[tokio::test]
async fn raw_text_and_cloudwatch_records_are_stored() {
    let server = start(with_access_key(config())).await;
    let cloudwatch = cloudwatch_data("app", "web-1", &[(1_763_700_000_000, TRACEBACK)]);
    let body = firehose_request(
        REQUEST_ID,
        &[
            b"INFO plain line\nERROR another\n".to_vec(),
            gzip(cloudwatch.as_bytes()),
            gzip(CONTROL_MESSAGE.as_bytes()),
        ],
    );
    let reply = post(&server, &headers(ACCESS_KEY), gzip(body.as_bytes())).await;
    // Sent gzip-compressed but without Content-Encoding: not JSON.
    assert_eq!(
        check_reply(&reply, 400).unwrap().split(':').next(),
        Some("body is not valid JSON")
    );

    let mut gzipped = headers(ACCESS_KEY);
    gzipped.push(("content-encoding", "gzip".to_owned()));
    let reply = post(&server, &gzipped, gzip(body.as_bytes())).await;
    assert_eq!(check_reply(&reply, 200), None);
    let batches = server.sink.batches();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].endpoint, "/v1/firehose");
    let records: Vec<(&str, &[u8], Option<i64>)> = batches[0]
        .records
        .iter()
        .map(|r| (r.stream.as_str(), r.text.as_slice(), r.timestamp_ms))
        .collect();
    assert_eq!(
        records,
        [
            (SOURCE_ARN, &b"INFO plain line"[..], None),
            (SOURCE_ARN, b"ERROR another", None),
            ("app/web-1", TRACEBACK.as_bytes(), Some(1_763_700_000_000)),
        ]
    );
}

#[tokio::test]
async fn source_defaults_to_firehose_and_id_to_the_body() {
    let server = start(config()).await;
    let body = firehose_request(REQUEST_ID, &[b"one line".to_vec()]);
    let reply = server.post("/v1/firehose", &[], body).await;
    // No X-Amz-Firehose-Request-Id header: the body's id is echoed.
    assert_eq!(check_reply(&reply, 200), None);
    let batches = server.sink.batches();
    assert_eq!(batches[0].records[0].stream, "firehose");
}

#[tokio::test]
async fn wrong_or_missing_access_key_is_401_in_firehose_shape() {
    let server = start(with_access_key(with_token(config()))).await;
    let body = firehose_request(REQUEST_ID, &[b"x".to_vec()]);
    let reply = post(&server, &headers("wrong"), body.clone()).await;
    assert_eq!(
        check_reply(&reply, 401).as_deref(),
        Some("invalid X-Amz-Firehose-Access-Key")
    );
    assert!(!reply.text().contains(ACCESS_KEY));
    // The bearer token does not replace the access key here.
    let mut no_key: Vec<_> = headers("")
        .into_iter()
        .filter(|(n, _)| *n != "x-amz-firehose-access-key")
        .collect();
    no_key.push(("authorization", format!("Bearer {TOKEN}")));
    let reply = post(&server, &no_key, body).await;
    assert_eq!(
        check_reply(&reply, 401).as_deref(),
        Some("missing X-Amz-Firehose-Access-Key")
    );
    assert!(server.sink.batches().is_empty());
}

#[tokio::test]
async fn without_an_access_key_the_bearer_token_applies() {
    let server = start(with_token(config())).await;
    let body = firehose_request(REQUEST_ID, &[b"x".to_vec()]);
    let reply = post(&server, &headers(ACCESS_KEY), body.clone()).await;
    assert_eq!(
        check_reply(&reply, 401).as_deref(),
        Some("missing Authorization: Bearer token")
    );
    let mut with_bearer = headers("");
    with_bearer.push(("authorization", format!("Bearer {TOKEN}")));
    let reply = post(&server, &with_bearer, body).await;
    assert_eq!(check_reply(&reply, 200), None);
}

#[tokio::test]
async fn bad_base64_is_400_in_firehose_shape() {
    let server = start(with_access_key(config())).await;
    let body = format!(
        r#"{{"requestId": "{REQUEST_ID}", "timestamp": 1, "records": [{{"data": "{}"}}, {{"data": "not base64!"}}]}}"#,
        b64(b"fine")
    );
    let reply = post(&server, &headers(ACCESS_KEY), body).await;
    assert_eq!(
        check_reply(&reply, 400).as_deref(),
        Some("records[1].data is not valid base64: invalid character 0x20 at offset 3")
    );
    assert!(server.sink.batches().is_empty());
}

#[tokio::test]
async fn bad_gzip_is_400_in_firehose_shape() {
    let server = start(with_access_key(config())).await;
    let mut broken = gzip(cloudwatch_data("g", "s", &[(1, "m")]).as_bytes());
    broken.truncate(12);
    let body = firehose_request(REQUEST_ID, &[b"fine\n".to_vec(), broken]);
    let reply = post(&server, &headers(ACCESS_KEY), body).await;
    let message = check_reply(&reply, 400).unwrap();
    assert!(
        message.starts_with("records[1].data is not valid gzip: "),
        "{message}"
    );
    let mut gzipped = headers(ACCESS_KEY);
    gzipped.push(("content-encoding", "gzip".to_owned()));
    let reply = post(&server, &gzipped, "{\"records\": []}").await;
    let message = check_reply(&reply, 400).unwrap();
    assert!(message.starts_with("body is not valid gzip: "), "{message}");
    assert!(server.sink.batches().is_empty());
}

#[tokio::test]
async fn bad_json_is_400_in_firehose_shape() {
    let server = start(with_access_key(config())).await;
    let reply = post(
        &server,
        &headers(ACCESS_KEY),
        "{\"requestId\": \"x\", \"records\": [",
    )
    .await;
    let message = check_reply(&reply, 400).unwrap();
    assert!(
        message.starts_with("body is not valid JSON: EOF"),
        "{message}"
    );
    let reply = post(&server, &headers(ACCESS_KEY), "{\"requestId\": \"x\"}").await;
    let message = check_reply(&reply, 400).unwrap();
    assert!(
        message.starts_with("body is not a Firehose delivery request: missing field `records`"),
        "{message}"
    );
}

#[tokio::test]
async fn oversized_body_is_413_in_firehose_shape() {
    let mut config = with_access_key(config());
    config.max_body_bytes = 1000;
    let server = start(config).await;
    let body = firehose_request(REQUEST_ID, &[vec![b'a'; 1000]]);
    let reply = post(&server, &headers(ACCESS_KEY), body).await;
    let message = check_reply(&reply, 413).unwrap();
    assert_eq!(
        message,
        "the request body is larger than 1000 bytes (server.max_body_bytes)"
    );
}

#[tokio::test]
async fn gzip_bomb_record_is_413_in_firehose_shape() {
    let mut config = with_access_key(config());
    config.max_decoded_bytes = 4 << 20;
    let server = start(config).await;
    let body = firehose_request(REQUEST_ID, &[gzip_bomb(1)]);
    let reply = post(&server, &headers(ACCESS_KEY), body).await;
    let message = check_reply(&reply, 413).unwrap();
    assert_eq!(
        message,
        "records[0].data decodes to more than 4194304 bytes (server.max_decoded_bytes)"
    );
    assert!(server.sink.batches().is_empty());
}

#[tokio::test]
async fn busy_sink_is_429_in_firehose_shape() {
    let server = start(with_access_key(config())).await;
    server.sink.set_mode(Mode::Busy(7));
    let body = firehose_request(REQUEST_ID, &[b"x".to_vec()]);
    let reply = post(&server, &headers(ACCESS_KEY), body).await;
    assert_eq!(
        check_reply(&reply, 429).as_deref(),
        Some("the store is behind; retry after 7 s")
    );
    assert_eq!(reply.headers["retry-after"], "7");
}
