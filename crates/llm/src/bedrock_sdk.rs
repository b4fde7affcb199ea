//! Bedrock Converse through the AWS SDK: SigV4 with the standard credential
//! chain (environment, profile, SSO, web identity, ECS/IMDS) and region.
//! Built only with the `aws` feature.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_bedrockruntime::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseOutput, InferenceConfiguration, Message as SdkMessage,
    SystemContentBlock,
};
use tokio::sync::OnceCell;

use crate::error::LlmError;
use crate::retry::{RetryPolicy, with_retries};
use crate::settings::LlmSettings;
use crate::types::{ChatRequest, ChatResponse, Role, StopReason, Usage};
use crate::{LlmClient, bedrock, refuse_unusable};

#[derive(Debug)]
pub struct BedrockSdkClient {
    model: String,
    region: Option<String>,
    endpoint_url: Option<String>,
    timeout: Duration,
    retry: RetryPolicy,
    /// Loading the AWS configuration is asynchronous (it may query IMDS or
    /// SSO), so it happens on the first call rather than at construction.
    client: OnceCell<aws_sdk_bedrockruntime::Client>,
}

impl BedrockSdkClient {
    pub fn new(settings: &LlmSettings) -> Result<Self, LlmError> {
        if settings.model.trim().is_empty() {
            return Err(LlmError::Config("llm.model is empty".into()));
        }
        Ok(BedrockSdkClient {
            model: settings.model.clone(),
            region: settings.region.clone(),
            endpoint_url: settings.base_url.clone(),
            timeout: settings.timeout,
            retry: RetryPolicy::from_settings(settings),
            client: OnceCell::new(),
        })
    }

    async fn client(&self) -> &aws_sdk_bedrockruntime::Client {
        self.client
            .get_or_init(|| async {
                // The SDK's own retries are off: the shared retry loop
                // applies the same policy to every provider.
                let mut loader = aws_config::defaults(BehaviorVersion::latest())
                    .retry_config(RetryConfig::disabled())
                    .timeout_config(
                        TimeoutConfig::builder()
                            .operation_attempt_timeout(self.timeout)
                            .build(),
                    );
                if let Some(region) = &self.region {
                    loader = loader.region(aws_config::Region::new(region.clone()));
                }
                let shared = loader.load().await;
                let mut config = aws_sdk_bedrockruntime::config::Builder::from(&shared);
                if let Some(url) = &self.endpoint_url {
                    config = config.endpoint_url(url);
                }
                aws_sdk_bedrockruntime::Client::from_conf(config.build())
            })
            .await
    }

    async fn attempt(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let client = self.client().await;
        let mut call = client.converse().model_id(&self.model);
        for message in &request.messages {
            let role = match message.role {
                Role::User => ConversationRole::User,
                Role::Assistant => ConversationRole::Assistant,
            };
            let message = SdkMessage::builder()
                .role(role)
                .content(ContentBlock::Text(message.content.clone()))
                .build()
                .map_err(|e| LlmError::Config(e.to_string()))?;
            call = call.messages(message);
        }
        if !request.system.is_empty() {
            call = call.system(SystemContentBlock::Text(request.system.clone()));
        }
        let mut inference = InferenceConfiguration::builder()
            .max_tokens(i32::try_from(request.max_tokens).unwrap_or(i32::MAX));
        if let Some(temperature) = request.temperature {
            inference = inference.temperature(temperature);
        }
        let output = call
            .inference_config(inference.build())
            .send()
            .await
            .map_err(|e| self.error_from(e))?;

        let text: String = match output.output() {
            Some(ConverseOutput::Message(message)) => message
                .content()
                .iter()
                .filter_map(|block| block.as_text().ok())
                .map(String::as_str)
                .collect(),
            _ => {
                return Err(LlmError::Decode(
                    "bedrock response has no output message".into(),
                ));
            }
        };
        let usage = output.usage().map_or_else(Usage::default, |u| {
            let tokens = |n: i32| u64::try_from(n).unwrap_or(0);
            Usage {
                input_tokens: tokens(u.input_tokens())
                    + tokens(u.cache_read_input_tokens().unwrap_or(0))
                    + tokens(u.cache_write_input_tokens().unwrap_or(0)),
                output_tokens: tokens(u.output_tokens()),
            }
        });
        Ok(ChatResponse {
            text,
            stop: StopReason::from_provider(output.stop_reason().as_str()),
            usage,
            model: self.model.clone(),
            request_id: None,
            retries: 0,
        })
    }

    fn error_from<E, R>(&self, err: SdkError<E, R>) -> LlmError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + HasStatus,
    {
        match &err {
            SdkError::TimeoutError(_) => LlmError::Timeout(self.timeout),
            SdkError::DispatchFailure(failure) if failure.is_timeout() => {
                LlmError::Timeout(self.timeout)
            }
            SdkError::DispatchFailure(_) => {
                LlmError::Transport(DisplayErrorContext(&err).to_string())
            }
            SdkError::ResponseError(_) => LlmError::Decode(DisplayErrorContext(&err).to_string()),
            SdkError::ConstructionFailure(_) => {
                LlmError::Config(DisplayErrorContext(&err).to_string())
            }
            SdkError::ServiceError(service) => bedrock::classify(
                service.raw().status_code(),
                service.err().code().map(str::to_owned),
                service
                    .err()
                    .message()
                    .map_or_else(|| DisplayErrorContext(&err).to_string(), str::to_owned),
                None,
            ),
            _ => LlmError::Transport(DisplayErrorContext(&err).to_string()),
        }
    }
}

/// The HTTP status of the SDK's raw response type.
trait HasStatus {
    fn status_code(&self) -> u16;
}

impl HasStatus for aws_sdk_bedrockruntime::config::http::HttpResponse {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

#[async_trait::async_trait]
impl LlmClient for BedrockSdkClient {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let response = with_retries(&self.retry, "bedrock", || self.attempt(request)).await?;
        refuse_unusable(response)
    }

    fn provider(&self) -> &'static str {
        "bedrock"
    }

    fn model(&self) -> &str {
        &self.model
    }
}
