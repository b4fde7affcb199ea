//! The Bedrock Converse adapter (API key) against a scripted local server.

mod common;

use std::time::Duration;

use common::{FakeServer, Reply, settings};
use tracefix_llm::{BedrockClient, ChatRequest, LlmClient, LlmError, Provider, StopReason};

const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

fn ok_body(text: &str, stop: &str, input: u64, output: u64) -> String {
    serde_json::json!({
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": input, "outputTokens": output, "totalTokens": input + output},
        "metrics": {"latencyMs": 1234}
    })
    .to_string()
}

fn aws_error(status: u16, kind: &str, message: &str) -> Reply {
    Reply::json(status, serde_json::json!({"message": message}).to_string())
        .header("x-amzn-ErrorType", kind)
}

fn request() -> ChatRequest {
    ChatRequest {
        temperature: Some(0.5),
        ..ChatRequest::new(
            "You fix bugs.",
            "panic: index out of range [3] with length 3",
            2048,
        )
    }
}

fn client_for(server: &FakeServer) -> BedrockClient {
    BedrockClient::new(&settings(Provider::Bedrock, MODEL, &server.url)).unwrap()
}

#[tokio::test]
async fn success_sends_the_documented_request_and_reads_usage() {
    let server = FakeServer::start(vec![
        Reply::json(200, ok_body("the fix", "end_turn", 900, 120))
            .header("x-amzn-RequestId", "4b1c-aws"),
    ])
    .await;
    let response = client_for(&server).complete(&request()).await.unwrap();
    assert_eq!(response.text, "the fix");
    assert_eq!(response.stop, StopReason::Done);
    assert_eq!(
        (response.usage.input_tokens, response.usage.output_tokens),
        (900, 120)
    );
    assert_eq!(response.request_id.as_deref(), Some("4b1c-aws"));
    assert_eq!(response.model, MODEL);
    // The model id is percent-encoded in the path.
    assert_eq!(
        server.requests()[0].path,
        "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse"
    );
    insta::assert_snapshot!(server.requests()[0].render());
}

#[tokio::test]
async fn throttling_and_model_not_ready_are_retried() {
    let server = FakeServer::start(vec![
        aws_error(
            429,
            "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
            "Too many requests, please wait before trying again.",
        ),
        aws_error(429, "ModelNotReadyException", "Model is not ready"),
        Reply::json(200, ok_body("ok", "end_turn", 1, 1)),
    ])
    .await;
    let response = client_for(&server).complete(&request()).await.unwrap();
    assert_eq!(response.retries, 2);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = FakeServer::start(vec![
        aws_error(503, "ServiceUnavailableException", "busy").header("retry-after", "1"),
        Reply::json(200, ok_body("ok", "end_turn", 1, 1)),
    ])
    .await;
    client_for(&server).complete(&request()).await.unwrap();
    assert!(server.gap(0) >= Duration::from_millis(950));
}

#[tokio::test]
async fn model_timeout_424_is_retried_until_exhausted() {
    let server = FakeServer::start(vec![
        aws_error(408, "ModelTimeoutException", "timed out"),
        aws_error(424, "ModelTimeoutException", "timed out"),
        aws_error(424, "ModelTimeoutException", "timed out again"),
    ])
    .await;
    let err = client_for(&server).complete(&request()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "gave up after 3 attempts: HTTP 424 (ModelTimeoutException): timed out again"
    );
}

#[tokio::test]
async fn validation_errors_are_surfaced_and_not_retried() {
    let server = FakeServer::start(vec![aws_error(
        400,
        "ValidationException",
        "The provided model identifier is invalid.",
    )])
    .await;
    let err = client_for(&server).complete(&request()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "HTTP 400 (ValidationException): The provided model identifier is invalid."
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn service_quota_is_not_retried() {
    let server = FakeServer::start(vec![aws_error(
        400,
        "ServiceQuotaExceededException",
        "quota",
    )])
    .await;
    let err = client_for(&server).complete(&request()).await.unwrap_err();
    assert!(matches!(err, LlmError::QuotaExhausted(_)), "{err:?}");
}

#[tokio::test]
async fn max_tokens_is_truncated_and_guardrails_refuse() {
    let server = FakeServer::start(vec![
        Reply::json(200, ok_body("partial", "max_tokens", 10, 2048)),
        Reply::json(200, ok_body("blocked", "guardrail_intervened", 10, 3)),
        Reply::json(200, ok_body("", "content_filtered", 10, 0)),
    ])
    .await;
    let client = client_for(&server);
    let err = client.complete(&request()).await.unwrap_err();
    assert!(
        matches!(&err, LlmError::Truncated { partial } if partial.stop == StopReason::Truncated)
    );
    assert_eq!(err.usage().output_tokens, 2048);
    let err = client.complete(&request()).await.unwrap_err();
    assert!(
        matches!(&err, LlmError::Refused { reason, .. } if reason == "guardrail_intervened"),
        "{err:?}"
    );
    let err = client.complete(&request()).await.unwrap_err();
    assert!(
        matches!(&err, LlmError::Refused { reason, .. } if reason == "content_filtered"),
        "{err:?}"
    );
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let server =
        FakeServer::start(vec![Reply::json(200, r#"{"output": {"message": null}}"#)]).await;
    let err = client_for(&server).complete(&request()).await.unwrap_err();
    assert!(matches!(err, LlmError::Decode(_)), "{err:?}");
}

#[test]
fn the_default_endpoint_needs_a_region() {
    let mut s = settings(Provider::Bedrock, MODEL, "unused");
    s.base_url = None;
    let err = BedrockClient::new(&s).unwrap_err();
    assert!(err.to_string().contains("AWS_REGION"), "{err}");
    s.region = Some("eu-central-1".into());
    assert!(BedrockClient::new(&s).is_ok());
}
