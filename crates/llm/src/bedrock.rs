//! Amazon Bedrock Converse over plain HTTPS with a Bedrock API key (sent as
//! a bearer token). SigV4 and the AWS credential chain live in
//! `bedrock_sdk` behind the `aws` feature.

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap};
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

#[derive(Debug)]
pub struct BedrockClient {
    http: HttpTransport,
    endpoint: String,
    model: String,
    api_key: SecretString,
    retry: RetryPolicy,
}

impl BedrockClient {
    /// Needs `api_key` (a Bedrock API key) and a region or a base URL.
    pub fn new(settings: &LlmSettings) -> Result<Self, LlmError> {
        let api_key = settings.api_key.clone().ok_or_else(|| {
            LlmError::Config("no Bedrock API key: set AWS_BEARER_TOKEN_BEDROCK".into())
        })?;
        if settings.model.trim().is_empty() {
            return Err(LlmError::Config("llm.model is empty".into()));
        }
        let base = match (&settings.base_url, &settings.region) {
            (Some(base), _) => base.trim_end_matches('/').to_owned(),
            (None, Some(region)) if valid_region(region) => {
                format!("https://bedrock-runtime.{region}.amazonaws.com")
            }
            (None, Some(region)) => {
                return Err(LlmError::Config(format!(
                    "`{region}` is not an AWS region name"
                )));
            }
            (None, None) => {
                return Err(LlmError::Config(
                    "no AWS region for Bedrock: set llm.region or AWS_REGION".into(),
                ));
            }
        };
        reqwest::Url::parse(&base)
            .map_err(|e| LlmError::Config(format!("llm.base_url `{base}` is not a URL: {e}")))?;
        Ok(BedrockClient {
            http: HttpTransport::new(settings)?,
            endpoint: format!(
                "{base}/model/{}/converse",
                encode_path_segment(&settings.model)
            ),
            model: settings.model.clone(),
            api_key,
            retry: RetryPolicy::from_settings(settings),
        })
    }

    async fn attempt(&self, body: &Value) -> Result<ChatResponse, LlmError> {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, http::bearer(self.api_key.expose_secret())?);
        let raw = self.http.post_json(&self.endpoint, headers, body).await?;
        let request_id = raw.header("x-amzn-requestid");
        if !raw.status.is_success() {
            let err = parse_error(
                raw.status,
                raw.header("x-amzn-errortype").as_deref(),
                &raw.body,
                raw.retry_after(),
            );
            tracing::info!(provider = "bedrock", request_id = request_id.as_deref().unwrap_or(""), error = %err, "model call failed");
            return Err(scrub_error(err, Some(&self.api_key)));
        }
        let mut response = parse_response(&raw.body, &self.model)?;
        response.request_id = request_id;
        Ok(response)
    }
}

#[async_trait::async_trait]
impl LlmClient for BedrockClient {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let body = request_body(request);
        let response = with_retries(&self.retry, "bedrock", || self.attempt(&body)).await?;
        refuse_unusable(response)
    }

    fn provider(&self) -> &'static str {
        "bedrock"
    }

    fn model(&self) -> &str {
        &self.model
    }
}

/// The Converse body; the model id travels in the path.
pub(crate) fn request_body(request: &ChatRequest) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|m| json!({"role": m.role.as_str(), "content": [{"text": m.content}]}))
        .collect();
    let mut inference = json!({"maxTokens": request.max_tokens});
    if let Some(temperature) = request.temperature.filter(|t| t.is_finite()) {
        inference["temperature"] = http::json_f32(temperature);
    }
    let mut body = json!({"messages": messages, "inferenceConfig": inference});
    if !request.system.is_empty() {
        body["system"] = json!([{"text": request.system}]);
    }
    body
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireResponse {
    output: Option<WireOutput>,
    stop_reason: Option<String>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireOutput {
    message: Option<WireMessage>,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    content: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    cache_read_input_tokens: u64,
    #[serde(default)]
    cache_write_input_tokens: u64,
}

/// Decodes a 2xx Converse body; `text` blocks are concatenated (reasoning
/// and tool blocks are ignored). Converse does not echo the model.
pub(crate) fn parse_response(body: &[u8], model: &str) -> Result<ChatResponse, LlmError> {
    let wire: WireResponse = http::decode("bedrock", body)?;
    let message = wire
        .output
        .and_then(|o| o.message)
        .ok_or_else(|| LlmError::Decode("bedrock response has no output.message".into()))?;
    let text: String = message
        .content
        .iter()
        .filter_map(|block| block["text"].as_str())
        .collect();
    let stop = wire.stop_reason.as_deref().map_or_else(
        || StopReason::Other("missing stopReason".into()),
        StopReason::from_provider,
    );
    let usage = wire.usage.map_or_else(Usage::default, |u| Usage {
        input_tokens: u
            .input_tokens
            .saturating_add(u.cache_read_input_tokens)
            .saturating_add(u.cache_write_input_tokens),
        output_tokens: u.output_tokens,
    });
    Ok(ChatResponse {
        text,
        stop,
        usage,
        model: model.to_owned(),
        request_id: None,
        retries: 0,
    })
}

/// Exception names that mean "try again later", whatever the status.
const RETRYABLE_TYPES: &[&str] = &[
    "ThrottlingException",
    "ModelNotReadyException",
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelTimeoutException",
];

/// Decodes an error from `x-amzn-ErrorType` (which may carry a
/// `:namespace` suffix) or the body's `__type`, and `{"message"}`.
pub(crate) fn parse_error(
    status: StatusCode,
    error_type_header: Option<&str>,
    body: &[u8],
    retry_after: Option<std::time::Duration>,
) -> LlmError {
    let parsed = serde_json::from_slice::<Value>(body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v[name].as_str())
            .map(str::to_owned)
    };
    let error_type = error_type_header
        .map(str::to_owned)
        .or_else(|| field("__type"))
        .map(|t| {
            let t = t.split(':').next().unwrap_or_default();
            // `__type` may be namespaced: `com.amazon.coral.service#ThrottlingException`.
            t.rsplit('#').next().unwrap_or_default().to_owned()
        })
        .filter(|t| !t.is_empty());
    let message = field("message")
        .or_else(|| field("Message"))
        .unwrap_or_else(|| http::body_text(body));
    classify(status.as_u16(), error_type, message, retry_after)
}

/// The error for a failed Converse call, shared with the SDK adapter.
pub(crate) fn classify(
    status: u16,
    error_type: Option<String>,
    message: String,
    retry_after: Option<std::time::Duration>,
) -> LlmError {
    if error_type.as_deref() == Some("ServiceQuotaExceededException") {
        return LlmError::QuotaExhausted(message);
    }
    let retryable = StatusCode::from_u16(status).is_ok_and(http::status_is_retryable)
        || error_type
            .as_deref()
            .is_some_and(|t| RETRYABLE_TYPES.contains(&t));
    LlmError::Http {
        status,
        error_type,
        message,
        retryable,
        retry_after,
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters: model
/// ids contain `:` and inference-profile ARNs contain `/`.
pub(crate) fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Region names go into a host name, so only their own alphabet is allowed.
fn valid_region(region: &str) -> bool {
    !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_ids_are_encoded() {
        assert_eq!(
            encode_path_segment("us.anthropic.claude-3-5-sonnet-20240620-v1:0"),
            "us.anthropic.claude-3-5-sonnet-20240620-v1%3A0"
        );
        assert_eq!(
            encode_path_segment("arn:aws:bedrock:us-east-1:1:inference-profile/x"),
            "arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fx"
        );
    }

    #[test]
    fn error_type_from_header_or_body() {
        let e = parse_error(
            StatusCode::TOO_MANY_REQUESTS,
            Some("ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
            br#"{"message":"Too many requests"}"#,
            None,
        );
        assert!(
            matches!(&e, LlmError::Http { error_type: Some(t), retryable: true, message, .. } if t == "ThrottlingException" && message == "Too many requests")
        );
        let e = parse_error(
            StatusCode::from_u16(424).unwrap(),
            None,
            br#"{"__type":"com.amazon.coral#ModelTimeoutException","Message":"slow"}"#,
            None,
        );
        assert!(
            matches!(&e, LlmError::Http { error_type: Some(t), retryable: true, .. } if t == "ModelTimeoutException")
        );
        let e = parse_error(
            StatusCode::BAD_REQUEST,
            Some("ValidationException"),
            br#"{"message":"bad"}"#,
            None,
        );
        assert!(!e.is_retryable());
    }

    #[test]
    fn regions_are_checked() {
        assert!(valid_region("eu-central-1"));
        assert!(!valid_region("evil.com/x"));
        assert!(!valid_region(""));
    }
}
