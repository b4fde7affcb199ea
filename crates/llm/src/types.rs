//! Provider-neutral request and response types.

use serde::{Deserialize, Serialize};

/// One model call: a system prompt and a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// Sent as the provider's system prompt; omitted from the wire when empty.
    pub system: String,
    pub messages: Vec<Message>,
    /// Upper bound on generated tokens. Output that reaches it is truncated
    /// and reported as such, never as a finished answer.
    pub max_tokens: u32,
    pub temperature: Option<f32>,
}

impl ChatRequest {
    /// A single-turn request.
    pub fn new(system: impl Into<String>, user: impl Into<String>, max_tokens: u32) -> Self {
        ChatRequest {
            system: system.into(),
            messages: vec![Message::user(user)],
            max_tokens,
            temperature: None,
        }
    }

    /// Rough prompt size in tokens, for sanity checks only (never billing).
    ///
    /// Four characters per token, except that a run of whitespace counts as one
    /// character: tokenizers fold indentation, and code is full of it, so
    /// counting every space would overestimate and raise false alarms.
    pub fn estimated_prompt_tokens(&self) -> u64 {
        let chars = squeezed_len(&self.system)
            + self
                .messages
                .iter()
                .map(|m| squeezed_len(&m.content))
                .sum::<u64>();
        chars / 4
    }
}

fn squeezed_len(text: &str) -> u64 {
    let mut count = 0u64;
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !in_space {
                count += 1;
            }
            in_space = true;
        } else {
            count += 1;
            in_space = false;
        }
    }
    count
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn user(content: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: content.into(),
        }
    }

    pub fn assistant(content: impl Into<String>) -> Self {
        Message {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// Why the model stopped, normalised across providers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// A natural end (`stop`, `end_turn`, `stop_sequence`).
    Done,
    /// Cut off by the token limit or the context window (`length`,
    /// `max_tokens`, `model_context_window_exceeded`): never apply.
    Truncated,
    /// Declined or filtered (`content_filter`, `refusal`,
    /// `guardrail_intervened`, `content_filtered`); holds the provider's word.
    Refused(String),
    /// Anything else (`tool_calls`, `tool_use`, `pause_turn`, unknown values),
    /// kept verbatim.
    Other(String),
}

impl StopReason {
    /// Maps a provider's stop or finish reason. The vocabularies of OpenAI,
    /// Anthropic and Bedrock do not collide, so one table serves all three.
    pub fn from_provider(reason: &str) -> StopReason {
        match reason {
            "stop" | "end_turn" | "stop_sequence" => StopReason::Done,
            "length" | "max_tokens" | "model_context_window_exceeded" => StopReason::Truncated,
            "content_filter" | "refusal" | "guardrail_intervened" | "content_filtered" => {
                StopReason::Refused(reason.to_owned())
            }
            other => StopReason::Other(other.to_owned()),
        }
    }
}

/// Tokens billed for one attempt, as the provider reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl Usage {
    /// Estimated cost in US dollars at the given prices.
    pub fn cost_usd(&self, pricing: &Pricing) -> f64 {
        (self.input_tokens as f64 * pricing.input_per_mtok
            + self.output_tokens as f64 * pricing.output_per_mtok)
            / 1_000_000.0
    }

    pub fn total_tokens(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }
}

/// Prices in US dollars per million tokens; configured by the user because
/// published prices change and local models cost nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Pricing {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
}

/// A model's answer to one call.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatResponse {
    /// The text blocks of the answer, concatenated.
    pub text: String,
    pub stop: StopReason,
    pub usage: Usage,
    /// The model that answered, as the provider named it.
    pub model: String,
    /// The provider's request id (`x-request-id`, `request-id`,
    /// `x-amzn-RequestId`), for support tickets.
    pub request_id: Option<String>,
    /// How many retries preceded this answer (0 when the first try worked).
    pub retries: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stop_reasons_normalise() {
        assert_eq!(StopReason::from_provider("stop"), StopReason::Done);
        assert_eq!(StopReason::from_provider("end_turn"), StopReason::Done);
        assert_eq!(StopReason::from_provider("length"), StopReason::Truncated);
        assert_eq!(
            StopReason::from_provider("max_tokens"),
            StopReason::Truncated
        );
        assert_eq!(
            StopReason::from_provider("content_filtered"),
            StopReason::Refused("content_filtered".into())
        );
        assert_eq!(
            StopReason::from_provider("guardrail_intervened"),
            StopReason::Refused("guardrail_intervened".into())
        );
        assert_eq!(
            StopReason::from_provider("tool_use"),
            StopReason::Other("tool_use".into())
        );
    }

    #[test]
    fn cost_is_per_million_tokens() {
        let usage = Usage {
            input_tokens: 12_000,
            output_tokens: 800,
        };
        let pricing = Pricing {
            input_per_mtok: 3.0,
            output_per_mtok: 15.0,
        };
        // 12k * $3/M + 800 * $15/M = 0.036 + 0.012
        assert!((usage.cost_usd(&pricing) - 0.048).abs() < 1e-12);
        assert_eq!(usage.cost_usd(&Pricing::default()), 0.0);
    }

    #[test]
    fn estimate_folds_whitespace_runs() {
        let indented = ChatRequest::new("", format!("{}x", " ".repeat(4000)), 10);
        assert_eq!(indented.estimated_prompt_tokens(), 0);
        let dense = ChatRequest::new("abcd", "efgh", 10);
        assert_eq!(dense.estimated_prompt_tokens(), 2);
    }

    proptest! {
        #[test]
        fn estimate_never_exceeds_chars(system in ".{0,200}", user in ".{0,200}") {
            let req = ChatRequest::new(system.clone(), user.clone(), 1);
            let chars = (system.chars().count() + user.chars().count()) as u64;
            prop_assert!(req.estimated_prompt_tokens() * 4 <= chars);
        }

        #[test]
        fn cost_is_monotonic(a in 0u64..10_000_000, b in 0u64..10_000_000, extra in 0u64..1000) {
            let p = Pricing { input_per_mtok: 2.5, output_per_mtok: 10.0 };
            let base = Usage { input_tokens: a, output_tokens: b };
            let more = Usage { input_tokens: a + extra, output_tokens: b + extra };
            prop_assert!(more.cost_usd(&p) >= base.cost_usd(&p));
        }
    }
}
