//! The Anthropic Messages adapter against a scripted local server.

mod common;

use std::time::Duration;

use common::{FakeServer, KEY, Reply, settings};
use tracefix_llm::{
    AnthropicClient, ChatRequest, LlmClient, LlmError, Message, Pricing, Provider, StopReason,
};

const MODEL: &str = "claude-sonnet-4-5";

fn ok_body(text: &str, stop: &str, input: u64, output: u64) -> String {
    serde_json::json!({
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop,
        "stop_sequence": null,
        "usage": {"input_tokens": input, "output_tokens": output}
    })
    .to_string()
}

fn error_body(kind: &str, message: &str) -> String {
    serde_json::json!({"type": "error", "error": {"type": kind, "message": message}}).to_string()
}

fn request() -> ChatRequest {
    ChatRequest {
        system: "You fix bugs.".into(),
        messages: vec![Message::user("Traceback: KeyError 'user_id'")],
        max_tokens: 1024,
        temperature: Some(0.0),
    }
}

fn client_for(server: &FakeServer) -> AnthropicClient {
    AnthropicClient::new(&settings(Provider::Anthropic, MODEL, &server.url)).unwrap()
}

#[tokio::test]
async fn success_sends_the_documented_request_and_reads_usage() {
    let server = FakeServer::start(vec![
        Reply::json(200, ok_body("the fix", "end_turn", 1200, 300)).header("request-id", "req_011"),
    ])
    .await;
    let response = client_for(&server).complete(&request()).await.unwrap();
    assert_eq!(response.text, "the fix");
    assert_eq!(response.stop, StopReason::Done);
    assert_eq!(
        (response.usage.input_tokens, response.usage.output_tokens),
        (1200, 300)
    );
    assert_eq!(response.request_id.as_deref(), Some("req_011"));
    assert_eq!(response.model, "claude-sonnet-4-5-20250929");
    // $3 / $15 per million tokens.
    let cost = response.usage.cost_usd(&Pricing {
        input_per_mtok: 3.0,
        output_per_mtok: 15.0,
    });
    assert!((cost - 0.0081).abs() < 1e-12, "{cost}");
    insta::assert_snapshot!(server.requests()[0].render());
}

#[tokio::test]
async fn overloaded_529_is_retried() {
    let server = FakeServer::start(vec![
        Reply::json(529, error_body("overloaded_error", "Overloaded")),
        Reply::json(200, ok_body("ok", "end_turn", 1, 1)),
    ])
    .await;
    let response = client_for(&server).complete(&request()).await.unwrap();
    assert_eq!(response.retries, 1);
}

#[tokio::test]
async fn rate_limit_honours_retry_after() {
    let server = FakeServer::start(vec![
        Reply::json(
            429,
            error_body(
                "rate_limit_error",
                "Number of request tokens has exceeded your per-minute rate limit",
            ),
        )
        .header("retry-after", "1"),
        Reply::json(200, ok_body("ok", "end_turn", 1, 1)),
    ])
    .await;
    let response = client_for(&server).complete(&request()).await.unwrap();
    assert_eq!(response.retries, 1);
    assert!(
        server.gap(0) >= Duration::from_millis(950),
        "{:?}",
        server.gap(0)
    );
}

#[tokio::test]
async fn overload_that_does_not_end_exhausts_retries() {
    let server = FakeServer::start(vec![
        Reply::json(529, error_body("overloaded_error", "Overloaded")),
        Reply::json(500, error_body("api_error", "Internal server error")),
        Reply::json(529, error_body("overloaded_error", "Overloaded")),
    ])
    .await;
    let err = client_for(&server).complete(&request()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "gave up after 3 attempts: HTTP 529 (overloaded_error): Overloaded"
    );
    assert_eq!(err.status(), Some(529));
}

#[tokio::test]
async fn max_tokens_is_truncated() {
    let server = FakeServer::start(vec![Reply::json(
        200,
        ok_body("<<<<<<< SEARCH\ndef f", "max_tokens", 800, 1024),
    )])
    .await;
    let err = client_for(&server).complete(&request()).await.unwrap_err();
    let LlmError::Truncated { partial } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(partial.stop, StopReason::Truncated);
    assert_eq!(err.usage().output_tokens, 1024);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn refusal_is_refused() {
    let server = FakeServer::start(vec![Reply::json(200, ok_body("", "refusal", 50, 2))]).await;
    let err = client_for(&server).complete(&request()).await.unwrap_err();
    assert!(
        matches!(&err, LlmError::Refused { reason, .. } if reason == "refusal"),
        "{err:?}"
    );
}

#[tokio::test]
async fn invalid_request_message_is_surfaced_and_not_retried() {
    let server = FakeServer::start(vec![Reply::json(
        400,
        error_body(
            "invalid_request_error",
            "max_tokens: 999999 > 64000, which is the maximum allowed",
        ),
    )])
    .await;
    let err = client_for(&server).complete(&request()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "HTTP 400 (invalid_request_error): max_tokens: 999999 > 64000, which is the maximum allowed"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn billing_error_is_quota() {
    let server = FakeServer::start(vec![Reply::json(
        400,
        error_body(
            "invalid_request_error",
            "Your credit balance is too low to access the Anthropic API.",
        ),
    )])
    .await;
    let err = client_for(&server).complete(&request()).await.unwrap_err();
    assert!(matches!(err, LlmError::QuotaExhausted(_)), "{err:?}");
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let server = FakeServer::start(vec![Reply::json(200, "<html>proxy says hi</html>")]).await;
    let err = client_for(&server).complete(&request()).await.unwrap_err();
    assert!(
        matches!(&err, LlmError::Decode(m) if m.contains("proxy says hi")),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_key_never_leaks_into_errors() {
    let server = FakeServer::start(vec![Reply::json(
        401,
        error_body("authentication_error", &format!("invalid x-api-key {KEY}")),
    )])
    .await;
    let err = client_for(&server).complete(&request()).await.unwrap_err();
    assert!(!err.to_string().contains(KEY));
    assert!(!format!("{err:?}").contains(KEY));
}

#[test]
fn a_key_is_required() {
    let mut s = settings(Provider::Anthropic, MODEL, "http://127.0.0.1:1");
    s.api_key = None;
    assert!(
        AnthropicClient::new(&s)
            .unwrap_err()
            .to_string()
            .contains("ANTHROPIC_API_KEY")
    );
}
