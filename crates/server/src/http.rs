//! Routes, authentication, limits and replies. Decoding is in `decode`;
//! this module only moves bytes between HTTP and the decoders and the sink.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HeaderName, RETRY_AFTER,
    WWW_AUTHENTICATE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::decode::{self, Budget, CloudWatch, DecodeError, LogsFormat};
use crate::{Batch, IngestSink, MetricsRender, Record, ServerConfig, SinkError};

const STREAM_HEADER: HeaderName = HeaderName::from_static("x-tracefix-stream");
const FIREHOSE_REQUEST_ID: HeaderName = HeaderName::from_static("x-amz-firehose-request-id");
const FIREHOSE_ACCESS_KEY: HeaderName = HeaderName::from_static("x-amz-firehose-access-key");
const FIREHOSE_SOURCE_ARN: HeaderName = HeaderName::from_static("x-amz-firehose-source-arn");
const MAX_STREAM_NAME: usize = 256;

struct AppState {
    config: ServerConfig,
    sink: Arc<dyn IngestSink>,
    metrics: Option<MetricsRender>,
    in_flight: Arc<Semaphore>,
}

/// The routes, without listening: `launch` serves this, and tests may drive
/// it directly. `config.listen` is not used and the token rule is not
/// checked here (see [`ServerConfig::validate`]).
pub fn router(
    config: &ServerConfig,
    sink: Arc<dyn IngestSink>,
    metrics: Option<MetricsRender>,
) -> Router {
    let state = Arc::new(AppState {
        config: config.clone(),
        sink,
        metrics,
        in_flight: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
    });
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(render_metrics))
        .route("/v1/logs", post(logs))
        .route("/v1/cloudwatch", post(cloudwatch))
        .route("/v1/firehose", post(firehose))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// An error reply: `{"error": message}`, or Firehose's own shape on
/// `/v1/firehose`.
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    message: String,
    retry_after: Option<u64>,
    bearer_challenge: bool,
}

impl Failure {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after: None,
            bearer_challenge: false,
        }
    }

    fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    fn log(self, endpoint: &str, request_id: Option<&str>) -> Self {
        let status = self.status.as_u16();
        if self.status.is_server_error() {
            tracing::warn!(endpoint, status, request_id, error = %self.message, "request failed");
        } else if self.status == StatusCode::UNAUTHORIZED {
            // Debug only: anyone can cause these.
            tracing::debug!(endpoint, status, error = %self.message, "request refused");
        } else {
            tracing::info!(endpoint, status, request_id, error = %self.message, "request refused");
        }
        self
    }

    fn headers(&self, response: &mut Response) {
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.bearer_challenge {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tracefix\""),
            );
        }
    }

    fn plain(self) -> Response {
        let mut response = json(
            self.status,
            &ErrorReply {
                error: &self.message,
            },
        );
        self.headers(&mut response);
        response
    }

    fn firehose(self, request_id: &str) -> Response {
        let mut response = json(
            self.status,
            &FirehoseReply {
                request_id,
                timestamp: now_ms(),
                error_message: Some(&self.message),
            },
        );
        self.headers(&mut response);
        response
    }
}

impl From<DecodeError> for Failure {
    fn from(e: DecodeError) -> Self {
        let status = match e {
            DecodeError::Invalid(_) => StatusCode::BAD_REQUEST,
            DecodeError::TooLarge { .. }
            | DecodeError::TooManyRecords { .. }
            | DecodeError::StreamNamesTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            DecodeError::UnsupportedContentType { .. }
            | DecodeError::UnsupportedContentEncoding(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        };
        Self::new(status, e.to_string())
    }
}

#[derive(Serialize)]
struct ErrorReply<'a> {
    error: &'a str,
}

#[derive(Serialize)]
struct Accepted {
    accepted: usize,
}

/// Firehose's required reply: `requestId` echoes the request's, `timestamp`
/// is when we answered, `errorMessage` only on failure.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FirehoseReply<'a> {
    request_id: &'a str,
    timestamp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<&'a str>,
}

fn json(status: StatusCode, body: &impl Serialize) -> Response {
    // These replies are plain structs of strings and numbers: serializing
    // them cannot fail.
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        bytes,
    )
        .into_response()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn unauthorized(message: &str, bearer_challenge: bool) -> Failure {
    Failure {
        bearer_challenge,
        ..Failure::new(StatusCode::UNAUTHORIZED, message)
    }
}

/// The token of `Authorization: Bearer <token>`; the scheme is
/// case-insensitive (RFC 9110), the token is not.
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, token) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| token.trim_ascii())
}

/// A header's value, if present; only visible ASCII is accepted.
fn header_str(headers: &HeaderMap, name: &HeaderName) -> Result<Option<String>, Failure> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(text) => Ok(Some(text.to_owned())),
        Err(_) => Err(Failure::new(
            StatusCode::BAD_REQUEST,
            format!("the {name} header is not visible ASCII"),
        )),
    }
}

fn check_stream_name(name: &str, from: &str) -> Result<(), Failure> {
    if name.is_empty() || name.len() > MAX_STREAM_NAME || name.chars().any(char::is_control) {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            format!("{from} must be 1 to {MAX_STREAM_NAME} bytes without control characters"),
        ));
    }
    Ok(())
}

/// CloudWatch and Firehose bodies are JSON (Firehose always says so).
fn check_json_content_type(content_type: Option<&str>) -> Result<(), DecodeError> {
    let Some(given) = content_type else {
        return Ok(());
    };
    let media = given.split(';').next().unwrap_or_default().trim();
    if media.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(DecodeError::UnsupportedContentType {
            given: given.chars().take(64).collect(),
            accepted: "application/json, or none",
        })
    }
}

impl AppState {
    fn check_bearer(&self, headers: &HeaderMap) -> Result<(), Failure> {
        let Some(token) = self.config.token() else {
            return Ok(());
        };
        match headers.get(AUTHORIZATION).map(|v| bearer(v.as_bytes())) {
            None => Err(unauthorized("missing Authorization: Bearer token", true)),
            // Constant time, so the token cannot be guessed byte by byte.
            Some(Some(given)) if bool::from(given.ct_eq(token)) => Ok(()),
            Some(_) => Err(unauthorized("invalid bearer token", true)),
        }
    }

    /// Firehose sends its configured access key in its own header; without
    /// a key configured, `/v1/firehose` takes the bearer token like the rest.
    fn check_firehose_key(&self, headers: &HeaderMap) -> Result<(), Failure> {
        let Some(key) = self.config.firehose_access_key() else {
            return self.check_bearer(headers);
        };
        match headers.get(FIREHOSE_ACCESS_KEY) {
            None => Err(unauthorized("missing X-Amz-Firehose-Access-Key", false)),
            Some(given) if bool::from(given.as_bytes().ct_eq(key)) => Ok(()),
            Some(_) => Err(unauthorized("invalid X-Amz-Firehose-Access-Key", false)),
        }
    }

    /// A slot among `max_in_flight`; none free is `429` at once, rather than
    /// queueing bodies in memory.
    fn permit(&self) -> Result<OwnedSemaphorePermit, Failure> {
        self.in_flight.clone().try_acquire_owned().map_err(|_| {
            Failure::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too many requests in progress; retry later",
            )
            .retry_after(1)
        })
    }

    fn budget(&self) -> Budget {
        Budget::new(self.config.max_decoded_bytes, self.config.max_records)
    }

    /// Reads the whole body, refusing past `max_body_bytes` (up front when
    /// `Content-Length` says so) or after `body_timeout`.
    async fn read_body(&self, request: Request) -> Result<Vec<u8>, Failure> {
        let limit = self.config.max_body_bytes;
        let too_large = || {
            Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than {limit} bytes (server.max_body_bytes)"),
            )
        };
        let declared = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut body = request.into_body();
        let mut buf = Vec::with_capacity(declared.map_or(0, |n| n as usize));
        let read = async {
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| {
                    Failure::new(
                        StatusCode::BAD_REQUEST,
                        format!("could not read the request body: {e}"),
                    )
                })?;
                if let Ok(data) = frame.into_data() {
                    if buf.len() + data.len() > limit {
                        return Err(too_large());
                    }
                    buf.extend_from_slice(&data);
                }
            }
            Ok(())
        };
        match tokio::time::timeout(self.config.body_timeout, read).await {
            Ok(result) => result?,
            Err(_) => {
                return Err(Failure::new(
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "the request body did not arrive within {} s",
                        self.config.body_timeout.as_secs()
                    ),
                ));
            }
        }
        Ok(buf)
    }

    /// Hands a whole request's records to the sink; nothing for an empty one.
    async fn submit(&self, endpoint: &'static str, records: Vec<Record>) -> Result<usize, Failure> {
        let count = records.len();
        if count == 0 {
            return Ok(0);
        }
        match self.sink.submit(Batch { endpoint, records }).await {
            Ok(()) => Ok(count),
            Err(SinkError::Busy { retry_after_secs }) => Err(Failure::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("the store is behind; retry after {retry_after_secs} s"),
            )
            .retry_after(retry_after_secs)),
            Err(SinkError::Unavailable(reason)) => {
                // The reason may describe our internals: log it, don't send it.
                tracing::warn!(endpoint, %reason, "ingest sink unavailable");
                Err(Failure::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the store is unavailable; retry later",
                ))
            }
        }
    }
}

/// Decoding is CPU work on up to `max_decoded_bytes`: it runs on the
/// blocking pool so the async workers keep serving.
async fn decode_blocking<T: Send + 'static>(
    decode: impl FnOnce() -> Result<T, DecodeError> + Send + 'static,
) -> Result<T, Failure> {
    match tokio::task::spawn_blocking(decode).await {
        Ok(result) => result.map_err(Failure::from),
        Err(e) => {
            tracing::error!(error = %e, "a request decoder failed");
            Err(Failure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error while decoding the request",
            ))
        }
    }
}

async fn healthz() -> &'static str {
    "ok"
}

async fn render_metrics(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Err(failure) = state.check_bearer(&headers) {
        return failure.log("/metrics", None).plain();
    }
    match &state.metrics {
        Some(render) => (
            [(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            )],
            render(),
        )
            .into_response(),
        None => Failure::new(StatusCode::NOT_FOUND, "metrics are not enabled").plain(),
    }
}

async fn not_found() -> Response {
    Failure::new(
        StatusCode::NOT_FOUND,
        "not found; endpoints: POST /v1/logs, POST /v1/cloudwatch, POST /v1/firehose, GET /healthz, GET /metrics",
    )
    .plain()
}

/// axum's own 405 has an empty body; every error here is JSON.
async fn method_not_allowed() -> Response {
    Failure::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed: /v1/logs, /v1/cloudwatch and /v1/firehose take POST; /healthz and /metrics take GET",
    )
    .plain()
}

#[derive(Deserialize)]
struct LogsQuery {
    stream: Option<String>,
}

/// `?stream=NAME`, else `X-Tracefix-Stream`, else `http`.
fn logs_stream(request: &Request) -> Result<String, Failure> {
    let query = Query::<LogsQuery>::try_from_uri(request.uri()).map_err(|e| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            format!("the query string is not valid: {}", e.body_text()),
        )
    })?;
    if let Some(name) = query.0.stream {
        check_stream_name(&name, "the stream query parameter")?;
        return Ok(name);
    }
    match header_str(request.headers(), &STREAM_HEADER)? {
        Some(name) => {
            check_stream_name(&name, "the X-Tracefix-Stream header")?;
            Ok(name)
        }
        None => Ok("http".to_owned()),
    }
}

async fn logs(State(state): State<Arc<AppState>>, request: Request) -> Response {
    match ingest_logs(&state, request).await {
        Ok(accepted) => json(StatusCode::ACCEPTED, &Accepted { accepted }),
        Err(failure) => failure.log("/v1/logs", None).plain(),
    }
}

async fn ingest_logs(state: &AppState, request: Request) -> Result<usize, Failure> {
    state.check_bearer(request.headers())?;
    let _permit = state.permit()?;
    // Everything the headers decide is checked before the body is read.
    let content_type = header_str(request.headers(), &CONTENT_TYPE)?;
    LogsFormat::from_content_type(content_type.as_deref())?;
    let encoding = header_str(request.headers(), &CONTENT_ENCODING)?;
    decode::check_content_encoding(encoding.as_deref())?;
    let stream = logs_stream(&request)?;
    let body = state.read_body(request).await?;
    let mut budget = state.budget();
    let records = decode_blocking(move || {
        let body = decode::body(&body, encoding.as_deref(), &mut budget)?;
        decode::logs(&body, content_type.as_deref(), &stream, &mut budget)
    })
    .await?;
    state.submit("/v1/logs", records).await
}

async fn cloudwatch(State(state): State<Arc<AppState>>, request: Request) -> Response {
    match ingest_cloudwatch(&state, request).await {
        Ok(Some(accepted)) => json(StatusCode::ACCEPTED, &Accepted { accepted }),
        // A CONTROL_MESSAGE: acknowledged, nothing stored.
        Ok(None) => json(StatusCode::OK, &Accepted { accepted: 0 }),
        Err(failure) => failure.log("/v1/cloudwatch", None).plain(),
    }
}

async fn ingest_cloudwatch(state: &AppState, request: Request) -> Result<Option<usize>, Failure> {
    state.check_bearer(request.headers())?;
    let _permit = state.permit()?;
    check_json_content_type(header_str(request.headers(), &CONTENT_TYPE)?.as_deref())?;
    let encoding = header_str(request.headers(), &CONTENT_ENCODING)?;
    decode::check_content_encoding(encoding.as_deref())?;
    let body = state.read_body(request).await?;
    let mut budget = state.budget();
    let decoded = decode_blocking(move || {
        let body = decode::body(&body, encoding.as_deref(), &mut budget)?;
        decode::cloudwatch(&body, &mut budget)
    })
    .await?;
    match decoded {
        CloudWatch::Data(records) => state.submit("/v1/cloudwatch", records).await.map(Some),
        CloudWatch::Control => Ok(None),
    }
}

async fn firehose(State(state): State<Arc<AppState>>, request: Request) -> Response {
    // The reply must echo the header's id; the body's is the fallback for
    // a client that sends only that.
    let header_id = request
        .headers()
        .get(FIREHOSE_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut body_id = None;
    let result = ingest_firehose(&state, request, &mut body_id).await;
    let request_id = header_id.or(body_id).unwrap_or_default();
    match result {
        Ok(accepted) => {
            tracing::debug!(request_id, accepted, "Firehose delivery stored");
            json(
                StatusCode::OK,
                &FirehoseReply {
                    request_id: &request_id,
                    timestamp: now_ms(),
                    error_message: None,
                },
            )
        }
        Err(failure) => failure
            .log("/v1/firehose", Some(&request_id))
            .firehose(&request_id),
    }
}

async fn ingest_firehose(
    state: &AppState,
    request: Request,
    body_id: &mut Option<String>,
) -> Result<usize, Failure> {
    state.check_firehose_key(request.headers())?;
    let _permit = state.permit()?;
    check_json_content_type(header_str(request.headers(), &CONTENT_TYPE)?.as_deref())?;
    let encoding = header_str(request.headers(), &CONTENT_ENCODING)?;
    decode::check_content_encoding(encoding.as_deref())?;
    let source = match header_str(request.headers(), &FIREHOSE_SOURCE_ARN)? {
        Some(arn) => {
            check_stream_name(&arn, "the X-Amz-Firehose-Source-Arn header")?;
            arn
        }
        None => "firehose".to_owned(),
    };
    let body = state.read_body(request).await?;
    let mut budget = state.budget();
    let decoded = decode_blocking(move || {
        let body = decode::body(&body, encoding.as_deref(), &mut budget)?;
        decode::firehose(&body, &source, &mut budget)
    })
    .await?;
    *body_id = decoded.request_id;
    state.submit("/v1/firehose", decoded.records).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_is_case_insensitive_and_token_exact() {
        assert_eq!(bearer(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer(b"bearer  abc "), Some(&b"abc"[..]));
        assert_eq!(bearer(b"Basic abc"), None);
        assert_eq!(bearer(b"Bearer"), None);
    }

    #[test]
    fn json_content_type_check() {
        assert!(check_json_content_type(None).is_ok());
        assert!(check_json_content_type(Some("application/json; charset=utf-8")).is_ok());
        assert!(check_json_content_type(Some("text/plain")).is_err());
    }

    #[test]
    fn decode_errors_map_to_statuses() {
        let status = |e: DecodeError| Failure::from(e).status;
        assert_eq!(
            status(DecodeError::Invalid("x".into())),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            status(DecodeError::TooManyRecords { limit: 1 }),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            status(DecodeError::UnsupportedContentEncoding("br".into())),
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
    }

    #[test]
    fn stream_names_are_bounded() {
        assert!(check_stream_name("app/web-1", "s").is_ok());
        assert!(check_stream_name("", "s").is_err());
        assert!(check_stream_name("a\u{7}b", "s").is_err());
        assert!(check_stream_name(&"x".repeat(257), "s").is_err());
    }
}
