//! tracefix's model clients.
//!
//! One [`LlmClient`] trait with an adapter per provider, chosen by
//! `llm.provider`: [`OpenAiClient`] (Chat Completions, also Ollama, vLLM,
//! llama.cpp and LM Studio), [`AnthropicClient`] (Messages) and
//! [`BedrockClient`] (Converse with a Bedrock API key; SigV4 and the AWS
//! credential chain with the `aws` feature). `none` has no client: the job
//! stops before the call with its prompt stored.
//!
//! Every adapter retries 408, 429 (not quota), 5xx and 529 answers,
//! timeouts and connection errors with exponential backoff and full jitter,
//! honouring `retry-after`. `complete()` succeeds only with an answer that
//! may be used: truncated output, refusals and prompts cut by the server are
//! errors that still carry the billed usage (see [`LlmError`]).

mod anthropic;
mod bedrock;
#[cfg(feature = "aws")]
mod bedrock_sdk;
mod error;
mod http;
mod openai;
mod retry;
mod settings;
mod types;

pub use anthropic::AnthropicClient;
pub use bedrock::BedrockClient;
#[cfg(feature = "aws")]
pub use bedrock_sdk::BedrockSdkClient;
pub use error::LlmError;
pub use openai::OpenAiClient;
pub use settings::{LlmSettings, Provider};
pub use types::{ChatRequest, ChatResponse, Message, Pricing, Role, StopReason, Usage};

/// A model that answers chat requests.
#[async_trait::async_trait]
pub trait LlmClient: Send + Sync + std::fmt::Debug {
    /// One call, retried as the settings allow. `Ok` only for a usable
    /// answer: its `stop` is [`StopReason::Done`] or [`StopReason::Other`]
    /// (never `Truncated` or `Refused`, which come back as errors).
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError>;
    /// `openai`, `anthropic` or `bedrock`.
    fn provider(&self) -> &'static str;
    /// The configured model name or id.
    fn model(&self) -> &str;
}

/// The client for `llm.provider`, or `None` for provider `none`.
pub fn client_from_settings(
    settings: &LlmSettings,
) -> Result<Option<Box<dyn LlmClient>>, LlmError> {
    let client: Box<dyn LlmClient> = match settings.provider {
        Provider::None => return Ok(None),
        Provider::OpenAi => Box::new(OpenAiClient::new(settings)?),
        Provider::Anthropic => Box::new(AnthropicClient::new(settings)?),
        Provider::Bedrock if settings.api_key.is_some() => Box::new(BedrockClient::new(settings)?),
        #[cfg(feature = "aws")]
        Provider::Bedrock => Box::new(BedrockSdkClient::new(settings)?),
        #[cfg(not(feature = "aws"))]
        Provider::Bedrock => {
            return Err(LlmError::Config(
                "Bedrock without an API key needs the AWS credential chain, which this build \
                 lacks: set AWS_BEARER_TOKEN_BEDROCK, or build tracefix with `--features aws`"
                    .into(),
            ));
        }
    };
    Ok(Some(client))
}

/// Turns answers that must not be applied into errors.
pub(crate) fn refuse_unusable(response: ChatResponse) -> Result<ChatResponse, LlmError> {
    match &response.stop {
        StopReason::Truncated => Err(LlmError::Truncated {
            partial: Box::new(response),
        }),
        StopReason::Refused(reason) => Err(LlmError::Refused {
            reason: reason.clone(),
            partial: Box::new(response),
        }),
        StopReason::Done | StopReason::Other(_) => Ok(response),
    }
}

/// Decodes a provider's success body as the adapters do, without the
/// network: for fuzzing and for tools that replay stored answers.
pub fn decode_response(provider: Provider, body: &[u8]) -> Result<ChatResponse, LlmError> {
    match provider {
        Provider::OpenAi => openai::parse_response(body, ""),
        Provider::Anthropic => anthropic::parse_response(body, ""),
        Provider::Bedrock => bedrock::parse_response(body, ""),
        Provider::None => Err(LlmError::Config("provider none has no responses".into())),
    }
}

/// Decodes a provider's error answer as the adapters do (without
/// `retry-after`, which comes from headers); messages are bounded.
pub fn decode_error(
    provider: Provider,
    status: u16,
    error_type_header: Option<&str>,
    body: &[u8],
) -> LlmError {
    let Ok(status) = reqwest::StatusCode::from_u16(status) else {
        return LlmError::Decode(format!("invalid HTTP status {status}"));
    };
    let err = match provider {
        Provider::OpenAi => openai::parse_error(status, body, None),
        Provider::Anthropic => anthropic::parse_error(status, body, None),
        Provider::Bedrock => bedrock::parse_error(status, error_type_header, body, None),
        Provider::None => LlmError::Config("provider none has no responses".into()),
    };
    openai::scrub_error(err, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_none_has_no_client() {
        let settings = LlmSettings::new(Provider::None, "");
        assert!(client_from_settings(&settings).unwrap().is_none());
    }

    #[test]
    fn unusable_answers_become_errors_with_usage() {
        let response = |stop| ChatResponse {
            text: "partial".into(),
            stop,
            usage: Usage {
                input_tokens: 5,
                output_tokens: 7,
            },
            model: "m".into(),
            request_id: None,
            retries: 0,
        };
        let err = refuse_unusable(response(StopReason::Truncated)).unwrap_err();
        assert!(matches!(err, LlmError::Truncated { .. }));
        assert_eq!(err.usage().output_tokens, 7);
        let err = refuse_unusable(response(StopReason::Refused("refusal".into()))).unwrap_err();
        assert!(matches!(err, LlmError::Refused { ref reason, .. } if reason == "refusal"));
        assert!(refuse_unusable(response(StopReason::Done)).is_ok());
    }

    #[test]
    fn decoded_errors_stay_bounded() {
        let long = "x".repeat(10_000);
        let body = serde_json::json!({"error": {"message": long, "type": long}}).to_string();
        let err = decode_error(Provider::OpenAi, 400, None, body.as_bytes());
        assert!(err.to_string().chars().count() < 2200);
        let body = serde_json::json!({"choices": [], "usage": {"prompt_tokens": long}}).to_string();
        let err = decode_response(Provider::OpenAi, body.as_bytes()).unwrap_err();
        assert!(matches!(err, LlmError::Decode(_)));
        assert!(err.to_string().chars().count() < 1000, "{err}");
    }

    #[cfg(not(feature = "aws"))]
    #[test]
    fn bedrock_without_key_needs_the_aws_feature() {
        let mut settings = LlmSettings::new(Provider::Bedrock, "m");
        settings.region = Some("us-east-1".into());
        let err = client_from_settings(&settings).unwrap_err();
        assert!(err.to_string().contains("--features aws"), "{err}");
    }
}
