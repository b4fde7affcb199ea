//! HTTP plumbing shared by the forge clients: one reqwest client per forge
//! client, bounded bodies, the retry loop, the forges' error messages and
//! secret scrubbing.

use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::ForgeError;
use crate::retry::{Failure, RetryPolicy, classify};
use crate::settings::ForgeSettings;

/// Largest response body read: forge answers are small, and a broken or
/// hostile server must not exhaust memory.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Forge messages are cut to this many characters.
const MAX_MESSAGE_CHARS: usize = 2000;

/// A credential sent as one header, e.g. `Authorization: Bearer <t>` or
/// `PRIVATE-TOKEN: <t>`. The header value is marked sensitive so reqwest's
/// and hyper's debug output leave it out; the raw secret is kept only to
/// scrub it from messages a server might echo it in.
#[derive(Debug, Clone)]
pub(crate) struct Credential {
    name: HeaderName,
    value: HeaderValue,
    secret: SecretString,
}

impl Credential {
    /// `name: {prefix}{secret}`.
    pub fn new(name: HeaderName, prefix: &str, secret: &SecretString) -> Result<Self, ForgeError> {
        let mut value = HeaderValue::from_str(&format!("{prefix}{}", secret.expose_secret()))
            .map_err(|_| {
                ForgeError::Config(
                    "the token contains characters not allowed in an HTTP header".into(),
                )
            })?;
        value.set_sensitive(true);
        Ok(Credential {
            name,
            value,
            secret: secret.clone(),
        })
    }

    pub fn bearer(secret: &SecretString) -> Result<Self, ForgeError> {
        Self::new(reqwest::header::AUTHORIZATION, "Bearer ", secret)
    }
}

/// A response read in full.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub(crate) struct Transport {
    client: reqwest::Client,
    root: Url,
    retry: RetryPolicy,
    timeout: Duration,
    /// `github`, `gitlab` or `gitea`, for logs and messages.
    forge: &'static str,
    /// Sent with every request (GitHub's `Accept` and API version).
    common_headers: HeaderMap,
}

impl Transport {
    pub fn new(
        settings: &ForgeSettings,
        forge: &'static str,
        common_headers: HeaderMap,
    ) -> Result<Self, ForgeError> {
        settings.validate_limits()?;
        let client = reqwest::Client::builder()
            .user_agent(concat!("tracefix/", env!("CARGO_PKG_VERSION")))
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(15)))
            .build()
            .map_err(|e| ForgeError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Transport {
            client,
            root: settings.api_root()?,
            retry: RetryPolicy::from_settings(settings),
            timeout: settings.timeout,
            forge,
            common_headers,
        })
    }

    /// The API root followed by `segments`, each percent-encoded as one
    /// path segment (so GitLab's `group/name` becomes `group%2Fname`).
    pub fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.root.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Sends a request, retrying rate limits, server errors and transport
    /// errors as the policy allows, and returns a 2xx answer or the error.
    pub async fn execute(
        &self,
        method: Method,
        url: Url,
        credential: Option<&Credential>,
        body: Option<&serde_json::Value>,
    ) -> Result<RawResponse, ForgeError> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| ForgeError::Decode(e.to_string()))?;
        let mut retry = 0u32;
        loop {
            let (err, wait) = match self
                .send_once(&method, &url, credential, body.as_deref())
                .await
            {
                Ok(response) if response.status.is_success() => return Ok(response),
                Ok(response) => {
                    let now = SystemTime::now();
                    let message = error_message(&response, credential);
                    let status = response.status.as_u16();
                    match classify(response.status, &response.headers, now) {
                        Failure::Permanent => return Err(ForgeError::Http { status, message }),
                        Failure::Transient => (ForgeError::Http { status, message }, None),
                        Failure::RateLimited { reset_at } => {
                            let wait =
                                reset_at.map(|at| at.duration_since(now).unwrap_or(Duration::ZERO));
                            let err = ForgeError::RateLimited { reset_at, message };
                            if wait.is_some_and(|w| w > self.retry.rate_limit_max_wait) {
                                // Too long to hold a worker: the job is rescheduled instead.
                                return Err(err);
                            }
                            (err, wait)
                        }
                    }
                }
                Err(err @ ForgeError::Transport(_)) => (err, None),
                Err(err) => return Err(err),
            };
            if retry >= self.retry.max_retries {
                return Err(ForgeError::RetriesExhausted {
                    attempts: retry + 1,
                    last: Box::new(err),
                });
            }
            let wait = wait.unwrap_or_else(|| self.retry.jittered(retry, fastrand::f64()));
            tracing::warn!(
                forge = self.forge,
                %method,
                path = url.path(),
                error = %err,
                retry = retry + 1,
                wait_ms = wait.as_millis() as u64,
                "forge call failed; retrying"
            );
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }

    /// `execute` followed by decoding the JSON answer.
    pub async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        credential: Option<&Credential>,
        body: Option<&serde_json::Value>,
    ) -> Result<T, ForgeError> {
        let response = self.execute(method, url, credential, body).await?;
        decode(self.forge, &response.body)
    }

    async fn send_once(
        &self,
        method: &Method,
        url: &Url,
        credential: Option<&Credential>,
        body: Option<&[u8]>,
    ) -> Result<RawResponse, ForgeError> {
        let mut request = self
            .client
            .request(method.clone(), url.clone())
            .headers(self.common_headers.clone());
        if !self.common_headers.contains_key(ACCEPT) {
            request = request.header(ACCEPT, "application/json");
        }
        if let Some(credential) = credential {
            request = request.header(credential.name.clone(), credential.value.clone());
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let mut response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(e))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(ForgeError::Decode(format!(
                    "{} response body larger than {MAX_BODY_BYTES} bytes",
                    self.forge
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

    fn transport_error(&self, err: reqwest::Error) -> ForgeError {
        if err.is_timeout() {
            return ForgeError::Transport(format!("no answer within {:?}", self.timeout));
        }
        // The source chain says what failed (refused, reset, DNS); the URL
        // is left out because it may carry query parameters worth hiding.
        let err = err.without_url();
        let mut message = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        ForgeError::Transport(message)
    }
}

/// The forge's own message for a failed answer, scrubbed and bounded.
fn error_message(response: &RawResponse, credential: Option<&Credential>) -> String {
    let message = forge_message(&response.body).unwrap_or_else(|| {
        let text = String::from_utf8_lossy(&response.body);
        let text = text.trim();
        if text.is_empty() {
            response
                .status
                .canonical_reason()
                .unwrap_or("(empty body)")
                .to_owned()
        } else {
            text.to_owned()
        }
    });
    scrub(&message, credential.map(|c| &c.secret))
}

/// Extracts the human message from a forge's error JSON:
/// - GitHub: `{"message": "Validation Failed", "errors": [{"message": ".."},
///   {"resource": "PullRequest", "field": "base", "code": "invalid"}]}`
/// - GitLab: `{"message": ".."}`, `{"message": [".."]}`,
///   `{"message": {"field": [".."]}}` or `{"error": ".."}`
/// - Gitea: `{"message": "..", "errors": [".."]}`
///
/// Returns `None` when the body is not JSON or holds none of these.
pub fn forge_message(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let mut parts: Vec<String> = Vec::new();
    for key in ["message", "error", "error_description"] {
        if let Some(value) = json.get(key) {
            flatten_message(value, None, &mut parts);
        }
    }
    let mut details = Vec::new();
    if let Some(serde_json::Value::Array(errors)) = json.get("errors") {
        for error in errors {
            match error {
                serde_json::Value::Object(fields) => {
                    if let Some(message) = fields.get("message").and_then(|m| m.as_str()) {
                        details.push(message.to_owned());
                    } else {
                        // GitHub's coded validation errors: name what was wrong.
                        let described: Vec<String> = ["resource", "field", "code"]
                            .iter()
                            .filter_map(|k| fields.get(*k).and_then(|v| v.as_str()))
                            .map(str::to_owned)
                            .collect();
                        if !described.is_empty() {
                            details.push(described.join(" "));
                        }
                    }
                }
                other => flatten_message(other, None, &mut details),
            }
        }
    }
    details.retain(|d| !parts.contains(d));
    parts.extend(details);
    parts.retain(|p| !p.trim().is_empty());
    if parts.is_empty() {
        return None;
    }
    let head = parts.remove(0);
    Some(if parts.is_empty() {
        head
    } else {
        format!("{head}: {}", parts.join("; "))
    })
}

fn flatten_message(value: &serde_json::Value, field: Option<&str>, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(match field {
            Some(field) => format!("{field} {s}"),
            None => s.clone(),
        }),
        serde_json::Value::Array(items) => {
            for item in items {
                flatten_message(item, field, out);
            }
        }
        serde_json::Value::Object(fields) => {
            for (key, item) in fields {
                flatten_message(item, Some(key), out);
            }
        }
        serde_json::Value::Number(_) | serde_json::Value::Bool(_) | serde_json::Value::Null => {}
    }
}

/// Removes the secret from text that came from the server and bounds its
/// length.
pub(crate) fn scrub(text: &str, secret: Option<&SecretString>) -> String {
    let mut text = text.trim().to_owned();
    if let Some(secret) = secret {
        let secret = secret.expose_secret();
        // Very short values would match ordinary words.
        if secret.len() >= 8 {
            text = text.replace(secret, "[REDACTED]");
        }
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        text = text.chars().take(MAX_MESSAGE_CHARS).collect::<String>() + "…";
    }
    text
}

/// Parses a success body, naming the forge in the error.
pub(crate) fn decode<T: DeserializeOwned>(forge: &str, body: &[u8]) -> Result<T, ForgeError> {
    serde_json::from_slice(body).map_err(|e| {
        let preview: String = String::from_utf8_lossy(body).chars().take(200).collect();
        ForgeError::Decode(format!(
            "{forge} response is not the expected JSON ({e}): {preview}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::ForgeKind;

    #[test]
    fn messages_of_each_forge() {
        let github = br#"{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for acme:tracefix/g1."}],"documentation_url":"https://docs.github.com/rest"}"#;
        assert_eq!(
            forge_message(github).unwrap(),
            "Validation Failed: A pull request already exists for acme:tracefix/g1."
        );
        let coded = br#"{"message":"Validation Failed","errors":[{"resource":"PullRequest","field":"base","code":"invalid"}]}"#;
        assert_eq!(
            forge_message(coded).unwrap(),
            "Validation Failed: PullRequest base invalid"
        );
        let gitlab = br#"{"message":["Another open merge request already exists for this source branch: !7"]}"#;
        assert_eq!(
            forge_message(gitlab).unwrap(),
            "Another open merge request already exists for this source branch: !7"
        );
        let gitlab_fields = br#"{"message":{"target_branch":["is invalid"]}}"#;
        assert_eq!(
            forge_message(gitlab_fields).unwrap(),
            "target_branch is invalid"
        );
        assert_eq!(
            forge_message(br#"{"error":"insufficient_scope"}"#).unwrap(),
            "insufficient_scope"
        );
        let gitea = br#"{"message":"pull request already exists for these targets","errors":["[Error]"],"url":"x"}"#;
        assert_eq!(
            forge_message(gitea).unwrap(),
            "pull request already exists for these targets: [Error]"
        );
        assert_eq!(forge_message(b"<html>bad gateway</html>"), None);
        assert_eq!(forge_message(br#"{"documentation_url":"x"}"#), None);
    }

    #[test]
    fn scrub_removes_the_token_and_bounds_length() {
        let token = SecretString::from("ghp_0123456789abcdef");
        assert_eq!(
            scrub(" Bad credentials: ghp_0123456789abcdef ", Some(&token)),
            "Bad credentials: [REDACTED]"
        );
        assert_eq!(
            scrub(&"x".repeat(5000), None).chars().count(),
            MAX_MESSAGE_CHARS + 1
        );
    }

    #[test]
    fn endpoints_encode_each_segment() {
        let mut settings = ForgeSettings::new(ForgeKind::Gitlab, "group/sub/name");
        settings.api_url = Some("https://gitlab.example.com/api/v4/".into());
        let transport = Transport::new(&settings, "gitlab", HeaderMap::new()).unwrap();
        assert_eq!(
            transport
                .endpoint(&["projects", "group/sub/name", "merge_requests"])
                .as_str(),
            "https://gitlab.example.com/api/v4/projects/group%2Fsub%2Fname/merge_requests"
        );
        let github = Transport::new(
            &ForgeSettings::new(ForgeKind::Github, "o/r"),
            "github",
            HeaderMap::new(),
        )
        .unwrap();
        assert_eq!(
            github.endpoint(&["repos", "o", "r"]).as_str(),
            "https://api.github.com/repos/o/r"
        );
    }

    #[test]
    fn credentials_are_sensitive_and_checked() {
        let secret = SecretString::from("abc");
        let credential = Credential::bearer(&secret).unwrap();
        assert!(credential.value.is_sensitive());
        assert!(!format!("{credential:?}").contains("abc"));
        assert!(Credential::bearer(&SecretString::from("bad\ntoken")).is_err());
    }
}
