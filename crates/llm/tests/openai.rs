//! The OpenAI-compatible adapter against a scripted local server.

mod common;

use std::time::{Duration, Instant};

use common::{FakeServer, KEY, Reply, settings};
use tracefix_llm::{
    ChatRequest, LlmClient, LlmError, Message, OpenAiClient, Pricing, Provider, StopReason,
};

const MODEL: &str = "qwen2.5-coder:14b";

fn ok_body(content: &str, finish: &str, prompt: u64, completion: u64) -> String {
    serde_json::json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    })
    .to_string()
}

fn request() -> ChatRequest {
    ChatRequest {
        system: "You fix bugs.".into(),
        messages: vec![
            Message::user("Traceback: ZeroDivisionError"),
            Message::assistant("Which file?"),
            Message::user("app/calc.py"),
        ],
        max_tokens: 512,
        temperature: Some(0.2),
    }
}

async fn client_for(server: &FakeServer) -> OpenAiClient {
    OpenAiClient::new(&settings(
        Provider::OpenAi,
        MODEL,
        &format!("{}/v1", server.url),
    ))
    .unwrap()
}

#[tokio::test]
async fn success_sends_the_documented_request_and_reads_usage() {
    let server = FakeServer::start(vec![
        Reply::json(200, ok_body("the fix", "stop", 42, 7)).header("x-request-id", "req-abc"),
    ])
    .await;
    let client = client_for(&server).await;
    let response = client.complete(&request()).await.unwrap();

    assert_eq!(response.text, "the fix");
    assert_eq!(response.stop, StopReason::Done);
    assert_eq!(
        (response.usage.input_tokens, response.usage.output_tokens),
        (42, 7)
    );
    assert_eq!(response.request_id.as_deref(), Some("req-abc"));
    assert_eq!(response.model, MODEL);
    assert_eq!(response.retries, 0);
    let cost = response.usage.cost_usd(&Pricing {
        input_per_mtok: 1_000_000.0,
        output_per_mtok: 2_000_000.0,
    });
    assert_eq!(cost, 42.0 + 14.0);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0]
            .header("user-agent")
            .unwrap()
            .starts_with("tracefix/")
    );
    insta::assert_snapshot!(requests[0].render());
}

#[tokio::test]
async fn rate_limit_waits_for_retry_after_then_succeeds() {
    let server = FakeServer::start(vec![
        Reply::json(429, r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#)
            .header("retry-after", "1"),
        Reply::json(200, ok_body("ok", "stop", 3, 1)),
    ])
    .await;
    let response = client_for(&server)
        .await
        .complete(&request())
        .await
        .unwrap();
    assert_eq!(response.retries, 1);
    // The backoff alone would wait at most 20 ms.
    assert!(
        server.gap(0) >= Duration::from_millis(950),
        "{:?}",
        server.gap(0)
    );
}

#[tokio::test]
async fn retry_after_ms_takes_precedence() {
    let server = FakeServer::start(vec![
        Reply::json(429, r#"{"error":{"message":"slow down"}}"#)
            .header("retry-after-ms", "300")
            .header("retry-after", "4"),
        Reply::json(200, ok_body("ok", "stop", 3, 1)),
    ])
    .await;
    let started = Instant::now();
    client_for(&server)
        .await
        .complete(&request())
        .await
        .unwrap();
    assert!(server.gap(0) >= Duration::from_millis(290));
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn server_errors_are_retried() {
    let server = FakeServer::start(vec![
        Reply::json(500, r#"{"error":{"message":"internal"}}"#),
        Reply::json(502, "<html>bad gateway</html>"),
        Reply::json(200, ok_body("ok", "stop", 3, 1)),
    ])
    .await;
    let response = client_for(&server)
        .await
        .complete(&request())
        .await
        .unwrap();
    assert_eq!(response.retries, 2);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn retries_run_out() {
    let server = FakeServer::start(vec![
        Reply::json(503, r#"{"error":{"message":"overloaded one"}}"#),
        Reply::json(503, r#"{"error":{"message":"overloaded two"}}"#),
        Reply::json(503, r#"{"error":{"message":"overloaded three"}}"#),
        Reply::json(200, ok_body("never reached", "stop", 3, 1)),
    ])
    .await;
    let err = client_for(&server)
        .await
        .complete(&request())
        .await
        .unwrap_err();
    match &err {
        LlmError::RetriesExhausted { last, attempts } => {
            assert_eq!(*attempts, 3);
            assert!(
                matches!(**last, LlmError::Http { status: 503, ref message, .. } if message == "overloaded three")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_server_wait_beyond_the_limit_goes_back_to_the_caller() {
    let server = FakeServer::start(vec![
        Reply::json(429, r#"{"error":{"message":"come back tomorrow"}}"#)
            .header("retry-after", "3600"),
    ])
    .await;
    let err = client_for(&server)
        .await
        .complete(&request())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Http { status: 429, .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn truncated_output_is_an_error_with_its_usage() {
    let server = FakeServer::start(vec![Reply::json(
        200,
        ok_body("def fix(:\n    retu", "length", 900, 512),
    )])
    .await;
    let err = client_for(&server)
        .await
        .complete(&request())
        .await
        .unwrap_err();
    let LlmError::Truncated { partial } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(partial.stop, StopReason::Truncated);
    assert_eq!(partial.text, "def fix(:\n    retu");
    assert_eq!(err.usage().output_tokens, 512);
    assert_eq!(server.requests().len(), 1, "truncation is not retried");
}

#[tokio::test]
async fn content_filter_and_refusal_are_refused() {
    let refusal = serde_json::json!({
        "choices": [{"message": {"role": "assistant", "content": null, "refusal": "I can't help with that."}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5}
    })
    .to_string();
    let server = FakeServer::start(vec![
        Reply::json(200, ok_body("", "content_filter", 10, 0)),
        Reply::json(200, refusal),
    ])
    .await;
    let client = client_for(&server).await;
    let err = client.complete(&request()).await.unwrap_err();
    assert!(
        matches!(&err, LlmError::Refused { reason, .. } if reason == "content_filter"),
        "{err:?}"
    );
    let err = client.complete(&request()).await.unwrap_err();
    assert!(
        matches!(&err, LlmError::Refused { reason, .. } if reason == "I can't help with that."),
        "{err:?}"
    );
}

#[tokio::test]
async fn exhausted_quota_is_not_retried() {
    let server = FakeServer::start(vec![
        Reply::json(
            429,
            r#"{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#,
        ),
        Reply::json(200, ok_body("never", "stop", 1, 1)),
    ])
    .await;
    let err = client_for(&server)
        .await
        .complete(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LlmError::QuotaExhausted(m) if m.starts_with("You exceeded your current quota")),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn provider_message_is_surfaced_and_the_key_scrubbed() {
    let server = FakeServer::start(vec![Reply::json(
        401,
        format!(r#"{{"error":{{"message":"Incorrect API key provided: {KEY}.","type":"invalid_request_error","code":"invalid_api_key"}}}}"#),
    )])
    .await;
    let err = client_for(&server)
        .await
        .complete(&request())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "HTTP 401 (invalid_api_key): Incorrect API key provided: [REDACTED]."
    );
    assert!(!format!("{err:?}").contains(KEY));
    assert_eq!(server.requests().len(), 1, "401 is not retried");
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let server = FakeServer::start(vec![Reply::json(200, r#"{"choices": [ {"message": "#)]).await;
    let err = client_for(&server)
        .await
        .complete(&request())
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Decode(_)), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn slow_answers_time_out_and_are_retried() {
    let server = FakeServer::start(vec![
        Reply::json(200, ok_body("late", "stop", 1, 1)).delayed(Duration::from_millis(800)),
        Reply::json(200, ok_body("late", "stop", 1, 1)).delayed(Duration::from_millis(800)),
    ])
    .await;
    let mut s = settings(Provider::OpenAi, MODEL, &format!("{}/v1", server.url));
    s.timeout = Duration::from_millis(150);
    s.max_retries = 1;
    let started = Instant::now();
    let err = OpenAiClient::new(&s)
        .unwrap()
        .complete(&request())
        .await
        .unwrap_err();
    match err {
        LlmError::RetriesExhausted { last, attempts: 2 } => {
            assert!(matches!(*last, LlmError::Timeout(d) if d == Duration::from_millis(150)))
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_millis(700));
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    // Bind then drop a listener: nothing listens on that port afterwards.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut s = settings(
        Provider::OpenAi,
        MODEL,
        &format!("http://127.0.0.1:{port}/v1"),
    );
    s.max_retries = 1;
    let err = OpenAiClient::new(&s)
        .unwrap()
        .complete(&request())
        .await
        .unwrap_err();
    match err {
        LlmError::RetriesExhausted { last, attempts: 2 } => {
            assert!(matches!(*last, LlmError::Transport(_)), "{last:?}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn ollama_prompt_truncation_is_detected() {
    // About 6,000 tokens sent; Ollama kept its default 2048-token window.
    let long = "frame at app/module.py line 10 in handler\n".repeat(600);
    let server =
        FakeServer::start(vec![Reply::json(200, ok_body("a fix", "stop", 2048, 40))]).await;
    let err = client_for(&server)
        .await
        .complete(&ChatRequest::new("system", long, 256))
        .await
        .unwrap_err();
    let LlmError::PromptTruncatedByServer {
        reported,
        estimated,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*reported, 2048);
    assert!(*estimated > 4096, "{estimated}");
    let text = err.to_string();
    assert!(text.contains("PARAMETER num_ctx"), "{text}");
    assert_eq!(
        err.usage().input_tokens,
        2048,
        "the partial call is still accounted"
    );
}

#[tokio::test]
async fn an_honest_prompt_count_passes() {
    let long = "frame at app/module.py line 10 in handler\n".repeat(600);
    let server =
        FakeServer::start(vec![Reply::json(200, ok_body("a fix", "stop", 7900, 40))]).await;
    let response = client_for(&server)
        .await
        .complete(&ChatRequest::new("system", long, 256))
        .await
        .unwrap();
    assert_eq!(response.usage.input_tokens, 7900);
}

#[tokio::test]
async fn num_ctx_refuses_a_prompt_that_cannot_fit_before_sending() {
    let server = FakeServer::start(vec![]).await;
    let mut s = settings(Provider::OpenAi, MODEL, &format!("{}/v1", server.url));
    s.num_ctx = Some(2048);
    let err = OpenAiClient::new(&s)
        .unwrap()
        .complete(&ChatRequest::new("", "word ".repeat(20_000), 10))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LlmError::PromptTooLong { num_ctx: 2048, .. }),
        "{err:?}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_404_without_v1_in_the_base_url_says_so() {
    let server = FakeServer::start(vec![Reply {
        status: 404,
        headers: vec![("content-type".into(), "text/plain".into())],
        body: "404 page not found".into(),
        delay: Duration::ZERO,
    }])
    .await;
    // The base URL is used as given: no /v1 is added behind the user's back.
    let mut s = settings(Provider::OpenAi, MODEL, &server.url);
    s.api_key = None;
    let err = OpenAiClient::new(&s)
        .unwrap()
        .complete(&request())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("HTTP 404: 404 page not found"), "{text}");
    assert!(
        text.contains("check that the base URL ends in /v1"),
        "{text}"
    );
    let requests = server.requests();
    assert_eq!(requests[0].path, "/chat/completions");
    // A local server without a configured key gets a placeholder key.
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer tracefix-no-key")
    );
}

#[tokio::test]
async fn a_404_for_an_unknown_model_names_the_model() {
    let server = FakeServer::start(vec![Reply::json(
        404,
        r#"{"error":{"message":"model \"qwen2.5-coder:14b\" not found, try pulling it first","type":"api_error","param":null,"code":null}}"#,
    )])
    .await;
    let err = client_for(&server)
        .await
        .complete(&request())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("not found, try pulling it first"), "{text}");
    assert!(!text.contains("ends in /v1"), "{text}");
}

#[test]
fn a_remote_server_needs_a_key() {
    let mut s = settings(Provider::OpenAi, MODEL, "https://api.openai.com/v1");
    s.api_key = None;
    let err = OpenAiClient::new(&s).unwrap_err();
    assert!(err.to_string().contains("OPENAI_API_KEY"), "{err}");
}
