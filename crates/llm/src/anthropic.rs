//! Anthropic Messages API.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::LlmError;
use crate::http::{self, HttpTransport};
use crate::openai::scrub_error;
use crate::retry::{RetryPolicy, with_retries};
use crate::settings::LlmSettings;
use crate::types::{ChatRequest, ChatResponse, StopReason, Usage};
use crate::{LlmClient, refuse_unusable};

pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
pub const API_VERSION: &str = "2023-06-01";

#[derive(Debug)]
pub struct AnthropicClient {
    http: HttpTransport,
    endpoint: String,
    model: String,
    api_key: SecretString,
    retry: RetryPolicy,
}

impl AnthropicClient {
    pub fn new(settings: &LlmSettings) -> Result<Self, LlmError> {
        let api_key = settings.api_key.clone().ok_or_else(|| {
            LlmError::Config("no Anthropic API key: set ANTHROPIC_API_KEY".into())
        })?;
        if settings.model.trim().is_empty() {
            return Err(LlmError::Config("llm.model is empty".into()));
        }
        let base = settings
            .base_url
            .as_deref()
            .unwrap_or(DEFAULT_BASE_URL)
            .trim_end_matches('/');
        reqwest::Url::parse(base)
            .map_err(|e| LlmError::Config(format!("llm.base_url `{base}` is not a URL: {e}")))?;
        // ANTHROPIC_BASE_URL is the host without /v1, as in Anthropic's SDKs;
        // a base that already ends in /v1 is not given a second one.
        let endpoint = if base.ends_with("/v1") {
            format!("{base}/messages")
        } else {
            format!("{base}/v1/messages")
        };
        Ok(AnthropicClient {
            http: HttpTransport::new(settings)?,
            endpoint,
            model: settings.model.clone(),
            api_key,
            retry: RetryPolicy::from_settings(settings),
        })
    }

    async fn attempt(&self, body: &Value) -> Result<ChatResponse, LlmError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("x-api-key"),
            http::sensitive(self.api_key.expose_secret())?,
        );
        headers.insert(
            HeaderName::from_static("anthropic-version"),
            HeaderValue::from_static(API_VERSION),
        );
        let raw = self.http.post_json(&self.endpoint, headers, body).await?;
        let request_id = raw.header("request-id");
        if !raw.status.is_success() {
            let err = parse_error(raw.status, &raw.body, raw.retry_after());
            tracing::info!(provider = "anthropic", request_id = request_id.as_deref().unwrap_or(""), error = %err, "model call failed");
            return Err(scrub_error(err, Some(&self.api_key)));
        }
        let mut response = parse_response(&raw.body, &self.model)?;
        response.request_id = request_id.or(response.request_id);
        tracing::debug!(
            provider = "anthropic",
            request_id = response.request_id.as_deref().unwrap_or(""),
            input_tokens = response.usage.input_tokens,
            output_tokens = response.usage.output_tokens,
            "model answered"
        );
        Ok(response)
    }
}

#[async_trait::async_trait]
impl LlmClient for AnthropicClient {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let body = request_body(&self.model, request);
        let response = with_retries(&self.retry, "anthropic", || self.attempt(&body)).await?;
        refuse_unusable(response)
    }

    fn provider(&self) -> &'static str {
        "anthropic"
    }

    fn model(&self) -> &str {
        &self.model
    }
}

/// The Messages body: the system prompt is a top-level string, not a message.
pub(crate) fn request_body(model: &str, request: &ChatRequest) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
        .collect();
    let mut body = json!({
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": messages,
    });
    if !request.system.is_empty() {
        body["system"] = json!(request.system);
    }
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
    content: Vec<WireBlock>,
    stop_reason: Option<String>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireBlock {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

/// Decodes a 2xx body; text blocks are concatenated, others ignored.
pub(crate) fn parse_response(body: &[u8], requested_model: &str) -> Result<ChatResponse, LlmError> {
    let wire: WireResponse = http::decode("anthropic", body)?;
    let text: String = wire
        .content
        .iter()
        .filter(|b| b.kind == "text")
        .filter_map(|b| b.text.as_deref())
        .collect();
    let stop = wire.stop_reason.as_deref().map_or_else(
        || StopReason::Other("missing stop_reason".into()),
        StopReason::from_provider,
    );
    // Cached prompt tokens are reported apart from `input_tokens`; all of
    // them were part of the prompt, so the input count includes them.
    let usage = wire.usage.map_or_else(Usage::default, |u| Usage {
        input_tokens: u
            .input_tokens
            .saturating_add(u.cache_creation_input_tokens.unwrap_or(0))
            .saturating_add(u.cache_read_input_tokens.unwrap_or(0)),
        output_tokens: u.output_tokens,
    });
    Ok(ChatResponse {
        text,
        stop,
        usage,
        model: wire.model.unwrap_or_else(|| requested_model.to_owned()),
        request_id: wire.id,
        retries: 0,
    })
}

/// Decodes `{type: "error", error: {type, message}}`; 529 `overloaded_error`
/// is retryable, a billing error or an empty credit balance is not.
pub(crate) fn parse_error(
    status: StatusCode,
    body: &[u8],
    retry_after: Option<std::time::Duration>,
) -> LlmError {
    let parsed = serde_json::from_slice::<Value>(body).ok();
    let error = parsed.as_ref().map(|v| &v["error"]);
    let error_type = error.and_then(|e| e["type"].as_str()).map(str::to_owned);
    let message = error
        .and_then(|e| e["message"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| http::body_text(body));
    if error_type.as_deref() == Some("billing_error")
        || message.contains("credit balance is too low")
    {
        return LlmError::QuotaExhausted(message);
    }
    LlmError::Http {
        status: status.as_u16(),
        error_type,
        message,
        retryable: http::status_is_retryable(status),
        retry_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_tokens_count_as_input() {
        let r = parse_response(
            br#"{"content":[{"type":"text","text":"a"},{"type":"tool_use","id":"t","name":"n","input":{}},{"type":"text","text":"b"}],
                "stop_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":3,"cache_read_input_tokens":100}}"#,
            "claude",
        )
        .unwrap();
        assert_eq!(r.text, "ab");
        assert_eq!(r.usage.input_tokens, 110);
        assert_eq!(r.stop, StopReason::Done);
    }

    #[test]
    fn low_credit_is_quota() {
        let e = parse_error(
            StatusCode::BAD_REQUEST,
            br#"{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API."}}"#,
            None,
        );
        assert!(matches!(e, LlmError::QuotaExhausted(_)));
    }
}
