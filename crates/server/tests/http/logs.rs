//! `POST /v1/logs`.

use crate::common::*;

fn texts(server: &Server) -> Vec<(String, Vec<u8>)> {
    server
        .sink
        .batches()
        .into_iter()
        .flat_map(|b| {
            assert_eq!(b.endpoint, "/v1/logs");
            b.records
        })
        .map(|r| {
            assert_eq!(r.timestamp_ms, None);
            (r.stream, r.text)
        })
        .collect()
}

#[tokio::test]
async fn text_lines_are_stored_one_record_per_line() {
    let server = start(config()).await;
    let mut body = format!("INFO starting\n{TRACEBACK}").into_bytes();
    body.extend_from_slice(b"\xff raw byte line\n");
    let reply = server.post("/v1/logs", &[], body).await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    assert_eq!(reply.json(), serde_json::json!({"accepted": 6}));
    let stored = texts(&server);
    assert_eq!(stored.len(), 6);
    assert!(stored.iter().all(|(stream, _)| stream == "http"));
    assert_eq!(stored[1].1, b"Traceback (most recent call last):");
    assert_eq!(stored[5].1, b"\xff raw byte line");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn stream_comes_from_the_query_or_the_header() {
    let server = start(config()).await;
    let reply = server
        .post(
            "/v1/logs?stream=web%2F1",
            &[("x-tracefix-stream", "ignored")],
            "a\n",
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    let reply = server
        .post("/v1/logs", &[("x-tracefix-stream", "worker-2")], "b\n")
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    let streams: Vec<String> = texts(&server).into_iter().map(|(s, _)| s).collect();
    assert_eq!(streams, ["web/1", "worker-2"]);
    let reply = server.post("/v1/logs?stream=", &[], "c\n").await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.error().contains("stream query parameter"),
        "{}",
        reply.error()
    );
}

#[tokio::test]
async fn gzip_json_lines_keep_each_raw_line() {
    let server = start(config()).await;
    let lines =
        "{\"level\":\"error\",\"exc\":\"Traceback ...\\nKeyError: 'x'\"}\n\n{\"level\":\"info\"}\n";
    let reply = server
        .post(
            "/v1/logs",
            &[
                ("content-type", "application/x-ndjson"),
                ("content-encoding", "gzip"),
            ],
            gzip(lines.as_bytes()),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    assert_eq!(reply.json()["accepted"], 2);
    let stored = texts(&server);
    assert_eq!(
        stored[0].1,
        b"{\"level\":\"error\",\"exc\":\"Traceback ...\\nKeyError: 'x'\"}"
    );
    assert_eq!(stored[1].1, b"{\"level\":\"info\"}");
}

#[tokio::test]
async fn one_bad_json_line_stores_nothing() {
    let server = start(config()).await;
    let body = "{\"a\": 1}\n{\"b\": 2}\nnot json\n{\"c\": 3}\n";
    let reply = server
        .post(
            "/v1/logs",
            &[("content-type", "application/x-ndjson")],
            body,
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.error(),
        "line 3 is not valid JSON: expected ident at column 2"
    );
    assert!(server.sink.batches().is_empty());
}

#[tokio::test]
async fn bad_gzip_is_400() {
    let server = start(config()).await;
    let mut data = gzip(TRACEBACK.as_bytes());
    data.truncate(data.len() / 2);
    let reply = server
        .post("/v1/logs", &[("content-encoding", "gzip")], data)
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
async fn oversized_body_is_413() {
    let mut config = config();
    config.max_body_bytes = 1024;
    let server = start(config).await;
    let reply = server.post("/v1/logs", &[], vec![b'x'; 1025]).await;
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.error(),
        "the request body is larger than 1024 bytes (server.max_body_bytes)"
    );
    // Exactly at the limit is fine.
    let reply = server.post("/v1/logs", &[], vec![b'x'; 1024]).await;
    assert_eq!(reply.status, 202, "{}", reply.text());
}

#[tokio::test]
async fn oversized_chunked_body_is_413_without_content_length() {
    let mut config = config();
    config.max_body_bytes = 1024;
    let server = start(config).await;
    let chunk = format!("400\r\n{}\r\n", "y".repeat(1024));
    let raw = format!(
        "POST /v1/logs HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n{chunk}{chunk}0\r\n\r\n"
    );
    let (status, text) = raw_status(server.addr, raw.as_bytes()).await;
    assert_eq!(status, 413, "{text}");
    assert!(server.sink.batches().is_empty());
}

#[tokio::test]
async fn gzip_bomb_is_413() {
    let mut config = config();
    config.max_decoded_bytes = 4 << 20;
    let server = start(config).await;
    // 64 MiB of newlines once inflated, under 100 KiB sent.
    let bomb = gzip_bomb(4);
    assert!(bomb.len() < 100 << 10, "{}", bomb.len());
    let reply = server
        .post("/v1/logs", &[("content-encoding", "gzip")], bomb)
        .await;
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.error(),
        "body decodes to more than 4194304 bytes (server.max_decoded_bytes)"
    );
    assert!(server.sink.batches().is_empty());
}

#[tokio::test]
async fn too_many_records_is_413() {
    let mut config = config();
    config.max_records = 3;
    let server = start(config).await;
    let reply = server.post("/v1/logs", &[], "a\nb\nc\nd\n").await;
    assert_eq!(reply.status, 413);
    assert_eq!(
        reply.error(),
        "the request holds more than 3 records (server.max_records)"
    );
}

#[tokio::test]
async fn unsupported_type_or_encoding_is_415() {
    let server = start(config()).await;
    let reply = server
        .post("/v1/logs", &[("content-type", "application/xml")], "<a/>")
        .await;
    assert_eq!(reply.status, 415);
    assert!(
        reply
            .error()
            .starts_with("unsupported Content-Type \"application/xml\"")
    );
    let reply = server
        .post("/v1/logs", &[("content-encoding", "br")], "x")
        .await;
    assert_eq!(reply.status, 415);
    assert!(
        reply
            .error()
            .starts_with("unsupported Content-Encoding \"br\"")
    );
}

#[tokio::test]
async fn empty_body_stores_nothing() {
    let server = start(config()).await;
    let reply = server.post("/v1/logs", &[], "").await;
    assert_eq!(reply.status, 202);
    assert_eq!(reply.json()["accepted"], 0);
    assert!(server.sink.batches().is_empty());
}

#[tokio::test]
async fn missing_or_wrong_token_is_401() {
    let server = start(with_token(config())).await;
    let reply = server.post("/v1/logs", &[], "a\n").await;
    assert_eq!(reply.status, 401);
    assert!(
        reply.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert_eq!(reply.error(), "missing Authorization: Bearer token");
    let reply = server
        .post(
            "/v1/logs",
            &[("authorization", "Bearer Tf-Test-Token-5f2C9b")],
            "a\n",
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error(), "invalid bearer token");
    assert!(!reply.text().contains("Token"), "{}", reply.text());
    let (name, value) = bearer();
    let reply = server
        .post(
            "/v1/logs",
            &[("authorization", &value.to_lowercase())],
            "a\n",
        )
        .await;
    assert_eq!(reply.status, 401, "the token itself is case-sensitive");
    assert!(server.sink.batches().is_empty());
    let reply = server.post("/v1/logs", &[(name, &value)], "a\n").await;
    assert_eq!(reply.status, 202, "{}", reply.text());
}
