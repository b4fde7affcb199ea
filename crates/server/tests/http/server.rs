//! Launching, shutdown, health, metrics, back-pressure and timeouts.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tracefix_server::{MetricsRender, ServerConfig, ServerError, launch};

use crate::common::*;

#[tokio::test]
async fn non_loopback_without_token_is_refused_at_launch() {
    let config = ServerConfig::new("0.0.0.0:0".parse().unwrap());
    let result = launch(config, FakeSink::new(), None, async {}).await;
    let err = result.unwrap_err();
    assert!(matches!(err, ServerError::TokenRequired { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("server.token is required when server.listen is not a loopback address"),
        "{err}"
    );
    // An empty token is no token.
    let mut config = ServerConfig::new("[::]:0".parse().unwrap());
    config.token = Some(tracefix_server::SecretString::from(String::new()));
    let err = launch(config, FakeSink::new(), None, async {})
        .await
        .unwrap_err();
    assert!(matches!(err, ServerError::TokenRequired { .. }), "{err:?}");
}

#[tokio::test]
async fn launch_binds_loopback_and_stops_gracefully() {
    // Port 0 on loopback: no token needed; the shutdown future ends it.
    let config = ServerConfig::new("127.0.0.1:0".parse().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(launch(config, FakeSink::new(), None, async move {
        let _ = stopped.await;
    }));
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn healthz_needs_no_token() {
    let server = start(with_token(config())).await;
    let reply = server.get("/healthz", &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), "ok");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn metrics_render_the_callers_text_behind_the_token() {
    let render: MetricsRender = Arc::new(|| "# TYPE tracefix_up gauge\ntracefix_up 1\n".to_owned());
    let server = start_with(with_token(config()), FakeSink::new(), Some(render)).await;
    let reply = server.get("/metrics", &[]).await;
    assert_eq!(reply.status, 401);
    let (name, value) = bearer();
    let reply = server.get("/metrics", &[(name, &value)]).await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    assert_eq!(reply.text(), "# TYPE tracefix_up gauge\ntracefix_up 1\n");

    let server = start(config()).await;
    let reply = server.get("/metrics", &[]).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error(), "metrics are not enabled");
}

#[tokio::test]
async fn unknown_path_is_a_json_404() {
    let server = start(config()).await;
    let reply = server.post("/v1/other", &[], "x").await;
    assert_eq!(reply.status, 404);
    assert!(reply.error().starts_with("not found"));
}

#[tokio::test]
async fn wrong_method_is_a_json_405() {
    let server = start(config()).await;
    let reply = server.get("/v1/logs", &[]).await;
    assert_eq!(reply.status, 405);
    assert!(
        reply.error().starts_with("method not allowed"),
        "{}",
        reply.error()
    );
}

#[tokio::test]
async fn busy_sink_is_429_with_retry_after() {
    let server = start(config()).await;
    server.sink.set_mode(Mode::Busy(3));
    let reply = server.post("/v1/logs", &[], "a\n").await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.headers["retry-after"], "3");
    assert_eq!(reply.error(), "the store is behind; retry after 3 s");
    let reply = server
        .post(
            "/v1/cloudwatch",
            &[],
            lambda_event(&cloudwatch_data("g", "s", &[(1, "m")])),
        )
        .await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.headers["retry-after"], "3");
    assert!(server.sink.batches().is_empty());
}

#[tokio::test]
async fn unavailable_sink_is_503_without_its_reason() {
    let server = start(config()).await;
    server.sink.set_mode(Mode::Unavailable);
    let reply = server.post("/v1/logs", &[], "a\n").await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.error(), "the store is unavailable; retry later");
}

#[tokio::test]
async fn requests_past_max_in_flight_get_429_at_once() {
    let mut config = config();
    config.max_in_flight = 1;
    let gate = Arc::new(Semaphore::new(0));
    let server = start_with(config, FakeSink::gated(gate.clone()), None).await;
    let addr = server.addr;
    // The first request waits in the sink, holding the only slot.
    let first =
        tokio::spawn(async move { send(addr, "POST", "/v1/logs", &[], b"a\n".to_vec()).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let reply = server.post("/v1/logs", &[], "b\n").await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.headers["retry-after"], "1");
    assert_eq!(reply.error(), "too many requests in progress; retry later");
    gate.add_permits(1);
    let first = first.await.unwrap();
    assert_eq!(first.status, 202, "{}", first.text());
    assert_eq!(server.sink.batches().len(), 1);
}

#[tokio::test]
async fn stalled_body_is_408() {
    let mut config = config();
    config.body_timeout = Duration::from_millis(300);
    let server = start(config).await;
    let raw = b"POST /v1/logs HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nonly part";
    let (status, text) = raw_status(server.addr, raw).await;
    assert_eq!(status, 408, "{text}");
    assert!(server.sink.batches().is_empty());
}

#[tokio::test]
async fn shutdown_lets_a_request_in_progress_finish() {
    let gate = Arc::new(Semaphore::new(0));
    let server = start_with(config(), FakeSink::gated(gate.clone()), None).await;
    let addr = server.addr;
    let sink = server.sink.clone();
    let request =
        tokio::spawn(async move { send(addr, "POST", "/v1/logs", &[], b"a\n".to_vec()).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopping = tokio::spawn(server.stop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !stopping.is_finished(),
        "stopped with a request in progress"
    );
    gate.add_permits(1);
    let reply = request.await.unwrap();
    assert_eq!(reply.status, 202, "{}", reply.text());
    stopping.await.unwrap().unwrap();
    assert_eq!(sink.batches().len(), 1);
}
