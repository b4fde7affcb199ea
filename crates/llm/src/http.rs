//! The HTTP plumbing shared by the adapters: one reqwest client per model
//! client, bounded bodies, error classification, secret scrubbing.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::error::LlmError;
use crate::retry::parse_retry_after;
use crate::settings::LlmSettings;

/// Largest response body read; model answers are far smaller, and a broken
/// or hostile server must not exhaust memory.
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Provider error messages are cut to this many characters.
const MAX_MESSAGE_CHARS: usize = 2000;

#[derive(Debug, Clone)]
pub(crate) struct HttpTransport {
    client: reqwest::Client,
    timeout: Duration,
}

/// A response read in full.
pub(crate) struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(&self.headers, SystemTime::now())
    }
}

impl HttpTransport {
    pub fn new(settings: &LlmSettings) -> Result<Self, LlmError> {
        if settings.timeout.is_zero() {
            return Err(LlmError::Config("llm.timeout must be positive".into()));
        }
        let client = reqwest::Client::builder()
            .user_agent(concat!("tracefix/", env!("CARGO_PKG_VERSION")))
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(15)))
            .build()
            .map_err(|e| LlmError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(HttpTransport {
            client,
            timeout: settings.timeout,
        })
    }

    /// POSTs a JSON body and reads the whole answer, whatever its status.
    pub async fn post_json(
        &self,
        url: &str,
        mut headers: HeaderMap,
        body: &serde_json::Value,
    ) -> Result<RawResponse, LlmError> {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let bytes = serde_json::to_vec(body).map_err(|e| LlmError::Decode(e.to_string()))?;
        let mut response = self
            .client
            .post(url)
            .headers(headers)
            .body(bytes)
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(e))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(LlmError::Decode(format!(
                    "response body larger than {MAX_BODY_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    fn transport_error(&self, err: reqwest::Error) -> LlmError {
        if err.is_timeout() {
            return LlmError::Timeout(self.timeout);
        }
        // The source chain says what failed (refused, reset, DNS); the URL
        // is left out because it may carry credentials.
        let err = err.without_url();
        let mut message = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        LlmError::Transport(message)
    }
}

/// An `Authorization: Bearer` value, marked sensitive so that it is left
/// out of reqwest's and hyper's debug output.
pub(crate) fn bearer(key: &str) -> Result<HeaderValue, LlmError> {
    let mut value = HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| {
        LlmError::Config("the API key contains characters not allowed in an HTTP header".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The header value for a key sent as is (Anthropic's `x-api-key`).
pub(crate) fn sensitive(key: &str) -> Result<HeaderValue, LlmError> {
    let mut value = HeaderValue::from_str(key).map_err(|_| {
        LlmError::Config("the API key contains characters not allowed in an HTTP header".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Removes the key from text that came from the server (some echo it back
/// in authentication errors) and bounds its length.
pub(crate) fn scrub(text: &str, key: Option<&SecretString>) -> String {
    let mut text = text.trim().to_owned();
    if let Some(key) = key {
        let key = key.expose_secret();
        // Short keys would match ordinary words; Ollama's placeholders are not secrets.
        if key.len() >= 8 {
            text = text.replace(key, "[REDACTED]");
        }
    }
    bound(&text, MAX_MESSAGE_CHARS)
}

/// At most `max` characters, with an ellipsis when cut.
pub(crate) fn bound(text: &str, max: usize) -> String {
    if text.chars().count() > max {
        text.chars().take(max).collect::<String>() + "…"
    } else {
        text.to_owned()
    }
}

/// Whether a failed status is worth another try: request timeout, rate
/// limits, server errors and Anthropic's 529 "overloaded".
pub(crate) fn status_is_retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 529) || status.is_server_error()
}

/// The body as text for error messages when it is not the documented JSON
/// (a proxy's HTML page, "404 page not found").
pub(crate) fn body_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        "(empty body)".to_owned()
    } else {
        text.to_owned()
    }
}

/// Parses a success body, naming the provider in the error.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    provider: &str,
    body: &[u8],
) -> Result<T, LlmError> {
    serde_json::from_slice(body).map_err(|e| {
        let preview: String = String::from_utf8_lossy(body).chars().take(200).collect();
        // serde's messages quote offending values, which may be long.
        let reason = bound(&e.to_string(), 300);
        LlmError::Decode(format!(
            "{provider} response is not the expected JSON ({reason}): {preview}"
        ))
    })
}

/// An `f32` as the JSON number a person would write: `0.2`, not the
/// `0.20000000298023224` a widening to `f64` gives.
pub(crate) fn json_f32(value: f32) -> serde_json::Value {
    value
        .to_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_the_key_and_bounds_length() {
        let key = SecretString::from("sk-live-123456789");
        assert_eq!(
            scrub(
                " Incorrect API key provided: sk-live-123456789. ",
                Some(&key)
            ),
            "Incorrect API key provided: [REDACTED]."
        );
        let long = "x".repeat(5000);
        assert_eq!(scrub(&long, None).chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn retryable_statuses() {
        for code in [408, 429, 500, 502, 503, 504, 529] {
            assert!(
                status_is_retryable(StatusCode::from_u16(code).unwrap()),
                "{code}"
            );
        }
        for code in [400, 401, 403, 404, 413, 422] {
            assert!(
                !status_is_retryable(StatusCode::from_u16(code).unwrap()),
                "{code}"
            );
        }
    }

    #[test]
    fn bearer_values_are_sensitive() {
        assert!(bearer("k").unwrap().is_sensitive());
        assert!(bearer("bad\nkey").is_err());
    }

    #[test]
    fn f32_as_shortest_decimal() {
        assert_eq!(json_f32(0.2).to_string(), "0.2");
        assert_eq!(json_f32(1.0).to_string(), "1.0");
        assert!(json_f32(f32::NAN).is_null());
    }
}
