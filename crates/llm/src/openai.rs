//! OpenAI Chat Completions, and the servers that speak it: Ollama, vLLM,
//! llama.cpp's `llama-server`, LM Studio.

use reqwest::header::{AUTHORIZATION, HeaderMap};
use reqwest::{StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::LlmError;
use crate::http::{self, HttpTransport, RawResponse};
use crate::retry::{RetryPolicy, with_retries};
use crate::settings::LlmSettings;
use crate::types::{ChatRequest, ChatResponse, StopReason, Usage};
use crate::{LlmClient, refuse_unusable};

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// Sent to local servers when no key is configured: Ollama and LM Studio
/// accept any bearer token, and some clients break on an empty one.
const PLACEHOLDER_KEY: &str = "tracefix-no-key";
/// Below this estimated prompt size a server's count is not compared: short
/// prompts fit every default context window.
const TRUNCATION_CHECK_MIN_TOKENS: u64 = 1500;

#[derive(Debug)]
pub struct OpenAiClient {
    http: HttpTransport,
    base_url: String,
    endpoint: String,
    model: String,
    api_key: Option<SecretString>,
    retry: RetryPolicy,
    num_ctx: Option<u32>,
}

impl OpenAiClient {
    pub fn new(settings: &LlmSettings) -> Result<Self, LlmError> {
        let base_url = settings
            .base_url
            .as_deref()
            .unwrap_or(DEFAULT_BASE_URL)
            .trim_end_matches('/')
            .to_owned();
        let url = Url::parse(&base_url).map_err(|e| {
            LlmError::Config(format!("llm.base_url `{base_url}` is not a URL: {e}"))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(LlmError::Config(format!(
                "llm.base_url `{base_url}` must be http or https"
            )));
        }
        if settings.api_key.is_none() && !is_local_host(&url) {
            return Err(LlmError::Config(format!(
                "no API key for {base_url}: set OPENAI_API_KEY (any non-empty value works for a \
                 server that does not check keys)"
            )));
        }
        if settings.model.trim().is_empty() {
            return Err(LlmError::Config("llm.model is empty".into()));
        }
        Ok(OpenAiClient {
            http: HttpTransport::new(settings)?,
            endpoint: format!("{base_url}/chat/completions"),
            base_url,
            model: settings.model.clone(),
            api_key: settings.api_key.clone(),
            retry: RetryPolicy::from_settings(settings),
            num_ctx: settings.num_ctx,
        })
    }

    async fn attempt(&self, request: &ChatRequest, body: &Value) -> Result<ChatResponse, LlmError> {
        let key = self
            .api_key
            .as_ref()
            .map_or(PLACEHOLDER_KEY, |k| k.expose_secret());
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, http::bearer(key)?);
        let raw = self.http.post_json(&self.endpoint, headers, body).await?;
        if !raw.status.is_success() {
            return Err(self.error_from(&raw));
        }
        let mut response = parse_response(&raw.body, &self.model)?;
        response.request_id = raw.header("x-request-id").or(response.request_id);
        tracing::debug!(
            provider = "openai",
            request_id = response.request_id.as_deref().unwrap_or(""),
            input_tokens = response.usage.input_tokens,
            output_tokens = response.usage.output_tokens,
            "model answered"
        );
        check_prompt_not_cut(request, response)
    }

    fn error_from(&self, raw: &RawResponse) -> LlmError {
        let mut err = parse_error(raw.status, &raw.body, raw.retry_after());
        if let LlmError::Http {
            status: 404,
            message,
            ..
        } = &mut err
        {
            if self.base_url.ends_with("/v1") {
                message.push_str(&format!(
                    " (check that the model `{}` exists on the server)",
                    self.model
                ));
            } else {
                message.push_str(&format!(
                    " (check that the base URL ends in /v1: `{}` does not; Ollama's is \
                     http://localhost:11434/v1)",
                    self.base_url
                ));
            }
        }
        scrub_error(err, self.api_key.as_ref())
    }
}

#[async_trait::async_trait]
impl LlmClient for OpenAiClient {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        if let Some(num_ctx) = self.num_ctx {
            let estimated = request.estimated_prompt_tokens();
            if estimated > u64::from(num_ctx) {
                return Err(LlmError::PromptTooLong { estimated, num_ctx });
            }
        }
        let body = request_body(&self.model, request);
        let response = with_retries(&self.retry, "openai", || self.attempt(request, &body)).await?;
        refuse_unusable(response)
    }

    fn provider(&self) -> &'static str {
        "openai"
    }

    fn model(&self) -> &str {
        &self.model
    }
}

/// The Chat Completions body. `max_tokens` rather than
/// `max_completion_tokens`: every compatible server understands it.
pub(crate) fn request_body(model: &str, request: &ChatRequest) -> Value {
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    if !request.system.is_empty() {
        messages.push(json!({"role": "system", "content": request.system}));
    }
    for message in &request.messages {
        messages.push(json!({"role": message.role.as_str(), "content": message.content}));
    }
    let mut body = json!({
        "model": model,
        "messages": messages,
        "max_tokens": request.max_tokens,
    });
    if let Some(temperature) = request.temperature.filter(|t| t.is_finite()) {
        body["temperature"] = http::json_f32(temperature);
    }
    body
}

#[derive(Deserialize)]
struct WireResponse {
    id: Option<String>,
    model: Option<String>,
    #[serde(default)]
    choices: Vec<WireChoice>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireChoice {
    message: Option<WireMessage>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    content: Option<String>,
    refusal: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

/// Decodes a 2xx body. Only the first choice counts (tracefix asks for one).
pub(crate) fn parse_response(body: &[u8], requested_model: &str) -> Result<ChatResponse, LlmError> {
    let wire: WireResponse = http::decode("openai", body)?;
    let choice = wire
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| LlmError::Decode("openai response has no choices".into()))?;
    let message = choice.message.unwrap_or(WireMessage {
        content: None,
        refusal: None,
    });
    let stop = match (message.refusal, choice.finish_reason.as_deref()) {
        (Some(refusal), _) if !refusal.is_empty() => StopReason::Refused(refusal),
        (_, Some(reason)) => StopReason::from_provider(reason),
        // Some servers omit it; an answer of unknown completeness is not "done".
        (_, None) => StopReason::Other("missing finish_reason".into()),
    };
    let usage = wire.usage.map_or_else(Usage::default, |u| Usage {
        input_tokens: u.prompt_tokens.unwrap_or(0),
        output_tokens: u.completion_tokens.unwrap_or(0),
    });
    Ok(ChatResponse {
        text: message.content.unwrap_or_default(),
        stop,
        usage,
        model: wire.model.unwrap_or_else(|| requested_model.to_owned()),
        request_id: wire.id,
        retries: 0,
    })
}

/// Decodes an error answer. Compatible servers vary: OpenAI, Ollama and
/// llama.cpp send `{error: {message, type, code}}`, Ollama's native API
/// `{error: "..."}`, vLLM's FastAPI layer `{detail: ...}`, proxies plain text.
pub(crate) fn parse_error(
    status: StatusCode,
    body: &[u8],
    retry_after: Option<std::time::Duration>,
) -> LlmError {
    let (error_type, code, message) = match serde_json::from_slice::<Value>(body) {
        Ok(value) => {
            let error = &value["error"];
            let text = |v: &Value| match v {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            };
            let message = text(&error["message"])
                .or_else(|| error.as_str().map(str::to_owned))
                .or_else(|| text(&value["detail"]))
                .or_else(|| text(&value["message"]))
                .unwrap_or_else(|| http::body_text(body));
            (text(&error["type"]), text(&error["code"]), message)
        }
        Err(_) => (None, None, http::body_text(body)),
    };
    let quota = [&error_type, &code]
        .iter()
        .any(|v| v.as_deref() == Some("insufficient_quota"));
    if status == StatusCode::TOO_MANY_REQUESTS && quota {
        return LlmError::QuotaExhausted(message);
    }
    LlmError::Http {
        status: status.as_u16(),
        error_type: code.or(error_type),
        message,
        retryable: http::status_is_retryable(status),
        retry_after,
    }
}

/// Fails the attempt when the server counted far fewer prompt tokens than
/// were sent, which is how Ollama's silent truncation to `num_ctx` shows.
fn check_prompt_not_cut(
    request: &ChatRequest,
    response: ChatResponse,
) -> Result<ChatResponse, LlmError> {
    let estimated = request.estimated_prompt_tokens();
    let reported = response.usage.input_tokens;
    if reported > 0
        && estimated > TRUNCATION_CHECK_MIN_TOKENS
        && reported.saturating_mul(2) < estimated
    {
        return Err(LlmError::PromptTruncatedByServer {
            reported,
            estimated,
            partial: Box::new(response),
        });
    }
    Ok(response)
}

pub(crate) fn scrub_error(err: LlmError, key: Option<&SecretString>) -> LlmError {
    match err {
        LlmError::Http {
            status,
            error_type,
            message,
            retryable,
            retry_after,
        } => LlmError::Http {
            status,
            error_type: error_type.map(|t| http::bound(&http::scrub(&t, key), 100)),
            message: http::scrub(&message, key),
            retryable,
            retry_after,
        },
        LlmError::QuotaExhausted(message) => LlmError::QuotaExhausted(http::scrub(&message, key)),
        other => other,
    }
}

/// Hosts where a keyless server is expected: loopback, private and
/// link-local addresses, `localhost`, `*.local` and single-label names such
/// as a compose service called `ollama`.
fn is_local_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_private() || ip.is_link_local(),
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.is_unique_local() || ip.is_unicast_link_local()
        }
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            name == "localhost"
                || name.ends_with(".localhost")
                || name.ends_with(".local")
                || !name.contains('.')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_hosts() {
        for local in [
            "http://localhost:11434/v1",
            "http://127.0.0.1:8000/v1",
            "http://[::1]:1234/v1",
            "http://192.168.1.20:8080/v1",
            "http://ollama:11434/v1",
            "http://gpu.local/v1",
        ] {
            assert!(is_local_host(&Url::parse(local).unwrap()), "{local}");
        }
        for remote in [
            "https://api.openai.com/v1",
            "https://8.8.8.8/v1",
            "https://openrouter.ai/api/v1",
        ] {
            assert!(!is_local_host(&Url::parse(remote).unwrap()), "{remote}");
        }
    }

    #[test]
    fn error_shapes_of_compatible_servers() {
        let s = StatusCode::BAD_REQUEST;
        let msg = |e: LlmError| match e {
            LlmError::Http { message, .. } => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            msg(parse_error(
                s,
                br#"{"error":{"message":"bad","type":"x"}}"#,
                None
            )),
            "bad"
        );
        assert_eq!(
            msg(parse_error(s, br#"{"error":"model not found"}"#, None)),
            "model not found"
        );
        assert_eq!(
            msg(parse_error(s, br#"{"detail":"Not Found"}"#, None)),
            "Not Found"
        );
        assert_eq!(
            msg(parse_error(s, b"404 page not found\n", None)),
            "404 page not found"
        );
        assert_eq!(msg(parse_error(s, b"", None)), "(empty body)");
        let quota = parse_error(
            StatusCode::TOO_MANY_REQUESTS,
            br#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
            None,
        );
        assert!(matches!(quota, LlmError::QuotaExhausted(_)));
    }

    #[test]
    fn missing_finish_reason_is_not_done() {
        let r = parse_response(br#"{"choices":[{"message":{"content":"hi"}}]}"#, "m").unwrap();
        assert_eq!(r.stop, StopReason::Other("missing finish_reason".into()));
        assert_eq!(r.model, "m");
        assert_eq!(r.usage, Usage::default());
    }
}
