//! `POST /v1/cloudwatch`.

use crate::common::*;

const GROUP: &str = "/aws/lambda/shop";
const STREAM: &str = "2026/11/21/[$LATEST]0123abcd";

fn data() -> String {
    cloudwatch_data(
        GROUP,
        STREAM,
        &[
            (1_763_700_000_000, TRACEBACK),
            (1_763_700_000_123, "END RequestId: 42"),
        ],
    )
}

fn check_stored(server: &Server) {
    let batches = server.sink.batches();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].endpoint, "/v1/cloudwatch");
    let records = &batches[0].records;
    assert_eq!(records.len(), 2);
    assert!(
        records
            .iter()
            .all(|r| r.stream == format!("{GROUP}/{STREAM}"))
    );
    assert_eq!(records[0].text, TRACEBACK.as_bytes());
    assert_eq!(records[0].timestamp_ms, Some(1_763_700_000_000));
    assert_eq!(records[1].text, b"END RequestId: 42");
    assert_eq!(records[1].timestamp_ms, Some(1_763_700_000_123));
}

#[tokio::test]
async fn lambda_event_form_with_gzip_and_base64() {
    let server = start(with_token(config())).await;
    let (name, value) = bearer();
    let reply = server
        .post(
            "/v1/cloudwatch",
            &[(name, &value), ("content-type", "application/json")],
            lambda_event(&data()),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    assert_eq!(reply.json(), serde_json::json!({"accepted": 2}));
    check_stored(&server);
}

#[tokio::test]
async fn decoded_json_form_gzip_compressed_body() {
    let server = start(config()).await;
    let reply = server
        .post(
            "/v1/cloudwatch",
            &[("content-encoding", "gzip")],
            gzip(data().as_bytes()),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    check_stored(&server);
}

#[tokio::test]
async fn control_message_is_acknowledged_and_not_stored() {
    let server = start(config()).await;
    for body in [CONTROL_MESSAGE.to_owned(), lambda_event(CONTROL_MESSAGE)] {
        let reply = server.post("/v1/cloudwatch", &[], body).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert_eq!(reply.json(), serde_json::json!({"accepted": 0}));
    }
    assert!(server.sink.batches().is_empty());
}

#[tokio::test]
async fn bad_base64_is_400() {
    let server = start(config()).await;
    let reply = server
        .post(
            "/v1/cloudwatch",
            &[],
            r#"{"awslogs": {"data": "H4sIAAAA%%%"}}"#,
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.error(),
        "awslogs.data is not valid base64: invalid character '%' at offset 8"
    );
}

#[tokio::test]
async fn bad_gzip_is_400() {
    let server = start(config()).await;
    let mut compressed = gzip(data().as_bytes());
    let n = compressed.len();
    compressed.truncate(n - 10);
    let body = serde_json::json!({"awslogs": {"data": b64(&compressed)}}).to_string();
    let reply = server.post("/v1/cloudwatch", &[], body).await;
    assert_eq!(reply.status, 400);
    assert!(
        reply
            .error()
            .starts_with("awslogs.data is not valid gzip: "),
        "{}",
        reply.error()
    );
    let reply = server
        .post("/v1/cloudwatch", &[("content-encoding", "gzip")], data())
        .await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.error().starts_with("body is not valid gzip: "),
        "{}",
        reply.error()
    );
    assert!(server.sink.batches().is_empty());
}

#[tokio::test]
async fn bad_json_is_400() {
    let server = start(config()).await;
    let reply = server
        .post(
            "/v1/cloudwatch",
            &[],
            r#"{"messageType": "DATA_MESSAGE", "logEvents": ["#,
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(
        reply
            .error()
            .starts_with("body is not valid JSON: EOF while parsing"),
        "{}",
        reply.error()
    );
    let reply = server
        .post(
            "/v1/cloudwatch",
            &[],
            lambda_event("{\"messageType\": DATA}"),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(
        reply
            .error()
            .starts_with("awslogs.data is not valid JSON: "),
        "{}",
        reply.error()
    );
    let reply = server
        .post(
            "/v1/cloudwatch",
            &[],
            r#"{"messageType": "DATA_MESSAGE", "logGroup": "g", "logStream": "s"}"#,
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.error(),
        "body is not a CloudWatch Logs subscription payload: DATA_MESSAGE without logEvents"
    );
    assert!(server.sink.batches().is_empty());
}

#[tokio::test]
async fn oversized_body_is_413() {
    let mut config = config();
    config.max_body_bytes = 100;
    let server = start(config).await;
    let reply = server
        .post("/v1/cloudwatch", &[], lambda_event(&data()))
        .await;
    assert_eq!(reply.status, 413, "{}", reply.text());
    assert_eq!(
        reply.error(),
        "the request body is larger than 100 bytes (server.max_body_bytes)"
    );
    assert!(server.sink.batches().is_empty());
}

#[tokio::test]
async fn gzip_bomb_in_awslogs_data_is_413() {
    let mut config = config();
    config.max_decoded_bytes = 4 << 20;
    let server = start(config).await;
    let body = serde_json::json!({"awslogs": {"data": b64(&gzip_bomb(1))}}).to_string();
    let reply = server.post("/v1/cloudwatch", &[], body).await;
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.error(),
        "awslogs.data decodes to more than 4194304 bytes (server.max_decoded_bytes)"
    );
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let server = start(config()).await;
    let reply = server
        .post("/v1/cloudwatch", &[("content-type", "text/plain")], data())
        .await;
    assert_eq!(reply.status, 415);
}

#[tokio::test]
async fn missing_or_wrong_token_is_401() {
    let server = start(with_token(config())).await;
    let reply = server
        .post("/v1/cloudwatch", &[], lambda_event(&data()))
        .await;
    assert_eq!(reply.status, 401);
    assert!(reply.headers.contains_key("www-authenticate"));
    let reply = server
        .post(
            "/v1/cloudwatch",
            &[("authorization", "Bearer nope")],
            lambda_event(&data()),
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error(), "invalid bearer token");
    assert!(server.sink.batches().is_empty());
}
