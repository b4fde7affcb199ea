//! What a client needs to know: provider, model, endpoint, key, limits.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::error::LlmError;

/// The `llm.provider` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// OpenAI Chat Completions and compatible servers (Ollama, vLLM,
    /// llama.cpp, LM Studio).
    #[serde(rename = "openai")]
    OpenAi,
    Anthropic,
    Bedrock,
    /// No model: jobs stop before the call with their prompt stored.
    None,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Anthropic => "anthropic",
            Provider::Bedrock => "bedrock",
            Provider::None => "none",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = LlmError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "openai" => Ok(Provider::OpenAi),
            "anthropic" => Ok(Provider::Anthropic),
            "bedrock" => Ok(Provider::Bedrock),
            "none" => Ok(Provider::None),
            other => Err(LlmError::Config(format!(
                "unknown llm.provider `{other}` (expected openai, anthropic, bedrock or none)"
            ))),
        }
    }
}

/// Settings of one model client. `Debug` shows no key.
#[derive(Debug, Clone)]
pub struct LlmSettings {
    pub provider: Provider,
    /// Model name or id (`gpt-4.1`, `claude-sonnet-4-5`, `qwen2.5-coder:14b`,
    /// a Bedrock model or inference-profile id).
    pub model: String,
    /// OpenAI: up to and including `/v1`; Anthropic: without `/v1`;
    /// Bedrock: replaces `https://bedrock-runtime.{region}.amazonaws.com`.
    pub base_url: Option<String>,
    /// OpenAI or Anthropic key, or a Bedrock API key (sent as a bearer token).
    pub api_key: Option<SecretString>,
    /// AWS region for Bedrock.
    pub region: Option<String>,
    /// Limit for one HTTP attempt, body included.
    pub timeout: Duration,
    /// Retries after the first attempt for retryable failures.
    pub max_retries: u32,
    /// First backoff ceiling; doubles per retry up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// A server asking to wait longer than this is not waited for inside the
    /// call: the error (with its `retry_after`) goes back to the job queue.
    pub retry_after_max: Duration,
    /// The context window the server was started with (Ollama's `num_ctx`).
    /// The OpenAI-compatible route cannot set it per request; tracefix uses it
    /// to refuse prompts that cannot fit before sending them.
    pub num_ctx: Option<u32>,
}

impl LlmSettings {
    /// Settings with the defaults: 5-minute attempts, 4 retries with
    /// backoff from 1 s up to 60 s, server waits of up to 2 minutes honoured.
    pub fn new(provider: Provider, model: impl Into<String>) -> Self {
        LlmSettings {
            provider,
            model: model.into(),
            base_url: None,
            api_key: None,
            region: None,
            timeout: Duration::from_secs(300),
            max_retries: 4,
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            retry_after_max: Duration::from_secs(120),
            num_ctx: None,
        }
    }

    /// [`LlmSettings::new`] filled from the provider's usual environment
    /// variables (see [`LlmSettings::fill_from_env`]).
    pub fn from_env_defaults(
        provider: Provider,
        model: impl Into<String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let mut settings = LlmSettings::new(provider, model);
        settings.fill_from_env(env);
        settings
    }

    /// Fills what is unset from the variables the providers' own SDKs read:
    /// `OPENAI_API_KEY`, `OPENAI_BASE_URL`; `ANTHROPIC_API_KEY`,
    /// `ANTHROPIC_BASE_URL`; `AWS_BEARER_TOKEN_BEDROCK`, `AWS_REGION`,
    /// `AWS_DEFAULT_REGION`. Empty values count as unset. `env` is usually
    /// `|k| std::env::var(k).ok()`.
    pub fn fill_from_env(&mut self, env: impl Fn(&str) -> Option<String>) {
        let get = |key: &str| env(key).filter(|v| !v.trim().is_empty());
        let (key_var, url_var) = match self.provider {
            Provider::OpenAi => ("OPENAI_API_KEY", Some("OPENAI_BASE_URL")),
            Provider::Anthropic => ("ANTHROPIC_API_KEY", Some("ANTHROPIC_BASE_URL")),
            Provider::Bedrock => ("AWS_BEARER_TOKEN_BEDROCK", None),
            Provider::None => return,
        };
        if self.api_key.is_none() {
            self.api_key = get(key_var).map(SecretString::from);
        }
        if self.base_url.is_none() {
            self.base_url = url_var.and_then(get);
        }
        if self.provider == Provider::Bedrock && self.region.is_none() {
            self.region = get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn env_fills_only_what_is_unset() {
        let vars = env(&[
            ("OPENAI_API_KEY", "sk-env"),
            ("OPENAI_BASE_URL", "http://localhost:11434/v1"),
        ]);
        let s = LlmSettings::from_env_defaults(Provider::OpenAi, "m", &vars);
        assert_eq!(s.api_key.as_ref().unwrap().expose_secret(), "sk-env");
        assert_eq!(s.base_url.as_deref(), Some("http://localhost:11434/v1"));

        let mut explicit = LlmSettings::new(Provider::OpenAi, "m");
        explicit.api_key = Some(SecretString::from("sk-file"));
        explicit.fill_from_env(&vars);
        assert_eq!(explicit.api_key.unwrap().expose_secret(), "sk-file");
    }

    #[test]
    fn bedrock_reads_bearer_token_and_region_fallback() {
        let vars = env(&[
            ("AWS_BEARER_TOKEN_BEDROCK", "bedrock-key"),
            ("AWS_REGION", ""),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("OPENAI_API_KEY", "sk-other"),
        ]);
        let s = LlmSettings::from_env_defaults(Provider::Bedrock, "m", vars);
        assert_eq!(s.api_key.unwrap().expose_secret(), "bedrock-key");
        assert_eq!(s.region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.base_url, None);
    }

    #[test]
    fn provider_parses_and_debug_hides_the_key() {
        assert_eq!("OpenAI".parse::<Provider>().unwrap(), Provider::OpenAi);
        assert!("gemini".parse::<Provider>().is_err());
        let mut s = LlmSettings::new(Provider::Anthropic, "m");
        s.api_key = Some(SecretString::from("sk-ant-very-secret"));
        assert!(!format!("{s:?}").contains("very-secret"));
    }
}
