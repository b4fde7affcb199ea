//! Errors of a model call.

use std::time::Duration;

use crate::types::{ChatResponse, Usage};

/// Why a model call produced no applicable answer.
///
/// `complete()` returns `Ok` only for an answer that may be used: output cut
/// off by the token limit ([`LlmError::Truncated`]), a refusal
/// ([`LlmError::Refused`]) and a prompt the server silently shortened
/// ([`LlmError::PromptTruncatedByServer`]) are errors, so a caller cannot
/// apply them by forgetting a check. These three carry the partial response,
/// whose usage was billed: [`LlmError::usage`] gives it for cost accounting.
///
/// Messages never contain the API key: provider messages are scrubbed of it.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// The provider answered with an error status. `message` is the
    /// provider's own message.
    #[error("HTTP {status}{}: {message}", error_type.as_deref().map(|t| format!(" ({t})")).unwrap_or_default())]
    Http {
        status: u16,
        /// The provider's error type or code (`rate_limit_error`,
        /// `ThrottlingException`, `model_not_found`, ...).
        error_type: Option<String>,
        message: String,
        retryable: bool,
        /// What the server asked for in `retry-after` / `retry-after-ms`.
        retry_after: Option<Duration>,
    },
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// Connection refused, reset, DNS, TLS...
    #[error("transport error: {0}")]
    Transport(String),
    /// The body was not the JSON the provider's API documents.
    #[error("could not decode the response: {0}")]
    Decode(String),
    /// The account is out of credit or quota: retrying will not help.
    #[error("quota exhausted: {0}")]
    QuotaExhausted(String),
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted { last: Box<LlmError>, attempts: u32 },
    /// The output hit `max_tokens` (or the context window): a failed attempt
    /// that must never be applied.
    #[error(
        "the answer was cut off by the token limit ({} output tokens); it is not used",
        partial.usage.output_tokens
    )]
    Truncated { partial: Box<ChatResponse> },
    /// The model or a filter declined (`content_filter`, `refusal`,
    /// `guardrail_intervened`, `content_filtered`).
    #[error("the model refused or the answer was filtered ({reason})")]
    Refused {
        reason: String,
        partial: Box<ChatResponse>,
    },
    /// The server counted far fewer prompt tokens than were sent: it cut the
    /// prompt to its context window, so the answer rests on a partial prompt.
    #[error(
        "the server counted {reported} prompt tokens for a prompt of about {estimated}: it \
         probably cut the prompt to its context window. Ollama's default context (num_ctx, \
         2048 or 4096 tokens) truncates long prompts silently and its OpenAI-compatible /v1 \
         route ignores a per-request num_ctx: raise it on the server, in a Modelfile \
         (`PARAMETER num_ctx 32768`, then `ollama create`) or with OLLAMA_CONTEXT_LENGTH, \
         then set llm.num_ctx to match"
    )]
    PromptTruncatedByServer {
        reported: u64,
        estimated: u64,
        partial: Box<ChatResponse>,
    },
    /// The prompt cannot fit the context window configured in `num_ctx`;
    /// nothing was sent.
    #[error(
        "the prompt (about {estimated} tokens) does not fit the configured context window \
         (num_ctx = {num_ctx}); raise num_ctx on the server and in llm.num_ctx, or send less context"
    )]
    PromptTooLong { estimated: u64, num_ctx: u32 },
    #[error("configuration: {0}")]
    Config(String),
}

impl LlmError {
    /// Whether the same request may succeed if tried again later.
    pub fn is_retryable(&self) -> bool {
        match self {
            LlmError::Http { retryable, .. } => *retryable,
            LlmError::Timeout(_) | LlmError::Transport(_) => true,
            LlmError::RetriesExhausted { last, .. } => last.is_retryable(),
            _ => false,
        }
    }

    /// The wait the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            LlmError::Http { retry_after, .. } => *retry_after,
            LlmError::RetriesExhausted { last, .. } => last.retry_after(),
            _ => None,
        }
    }

    /// The response the provider billed although it is not usable.
    pub fn partial(&self) -> Option<&ChatResponse> {
        match self {
            LlmError::Truncated { partial }
            | LlmError::Refused { partial, .. }
            | LlmError::PromptTruncatedByServer { partial, .. } => Some(partial),
            _ => None,
        }
    }

    /// Tokens billed for a failed attempt (zero for errors before generation).
    pub fn usage(&self) -> Usage {
        self.partial().map(|p| p.usage).unwrap_or_default()
    }

    /// The HTTP status, looking through retries.
    pub fn status(&self) -> Option<u16> {
        match self {
            LlmError::Http { status, .. } => Some(*status),
            LlmError::RetriesExhausted { last, .. } => last.status(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_status_type_and_message() {
        let err = LlmError::Http {
            status: 429,
            error_type: Some("rate_limit_error".into()),
            message: "slow down".into(),
            retryable: true,
            retry_after: Some(Duration::from_secs(2)),
        };
        assert_eq!(err.to_string(), "HTTP 429 (rate_limit_error): slow down");
        let wrapped = LlmError::RetriesExhausted {
            last: Box::new(err),
            attempts: 3,
        };
        assert_eq!(
            wrapped.to_string(),
            "gave up after 3 attempts: HTTP 429 (rate_limit_error): slow down"
        );
        assert!(wrapped.is_retryable());
        assert_eq!(wrapped.retry_after(), Some(Duration::from_secs(2)));
        assert_eq!(wrapped.status(), Some(429));
    }
}
