//! Jira Cloud, REST v3: one issue per error group.
//!
//! Each issue carries the labels `tracefix` and `tracefix-<first 12 hex of
//! the fingerprint>`. Before creating one, the notifier searches for that
//! pair (`POST /rest/api/3/search/jql`); when an issue exists it gets a
//! comment instead. A pull request is linked with a remote link whose
//! `globalId` is derived from its URL, so that linking twice updates the same
//! link. Descriptions and comments are Atlassian Document Format built from
//! the rendered templates (see [`crate::adf`]). Jira's error bodies
//! (`{"errorMessages": [...], "errors": {"field": "message"}}`) are carried
//! in [`NotifyError::Jira`] as sent.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tracefix_redact::Redactor;

use crate::adf::{self, Block};
use crate::http::{Idempotence, RawResponse, Request, Transport, bound, sensitive};
use crate::settings::{NotifySettings, is_set};
use crate::slack::check_http_url;
use crate::templates::{
    JIRA_COMMENT, JIRA_DESCRIPTION, JIRA_SUMMARY, TemplateContext, Templates, redacted,
    short_fingerprint,
};
use crate::{Delivery, Notification, NotificationKind, Notifier, NotifyError};

const SERVICE: &str = "jira";
/// The label every tracefix issue carries.
pub const LABEL: &str = "tracefix";
/// Jira's limit on a summary.
const SUMMARY_MAX: usize = 255;
/// Jira's limit on an error message element kept in our error.
const ERROR_ITEM_MAX: usize = 500;

/// Creates or updates Jira issues. `Debug` shows no token.
pub struct JiraNotifier {
    base_url: String,
    project: String,
    issue_type: String,
    email: String,
    token: SecretString,
    transport: Transport,
    templates: Arc<Templates>,
}

impl std::fmt::Debug for JiraNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JiraNotifier")
            .field("base_url", &self.base_url)
            .field("project", &self.project)
            .field("issue_type", &self.issue_type)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// An issue found or created.
#[derive(Debug, Deserialize)]
struct IssueRef {
    key: String,
}

#[derive(Debug, Deserialize)]
struct SearchAnswer {
    #[serde(default)]
    issues: Vec<IssueRef>,
}

impl JiraNotifier {
    /// The notifier `[notify.jira]` describes, or `None` without a URL.
    pub fn from_settings(
        settings: &NotifySettings,
        redactor: Redactor,
        templates: Arc<Templates>,
    ) -> Result<Option<JiraNotifier>, NotifyError> {
        let jira = &settings.jira;
        let base_url = jira.url.trim().trim_end_matches('/');
        if base_url.is_empty() {
            return Ok(None);
        }
        check_http_url("notify.jira.url", base_url)?;
        let missing =
            |what: &str| NotifyError::Config(format!("notify.jira.url needs notify.jira.{what}"));
        if jira.project.trim().is_empty() {
            return Err(missing("project"));
        }
        if jira.email.trim().is_empty() {
            return Err(missing("email"));
        }
        if !is_set(jira.api_token.as_ref()) {
            return Err(missing("api_token (or JIRA_API_TOKEN)"));
        }
        let issue_type = match jira.issue_type.trim() {
            "" => "Bug",
            other => other,
        };
        let notifier = JiraNotifier {
            base_url: base_url.to_owned(),
            project: jira.project.trim().to_owned(),
            issue_type: issue_type.to_owned(),
            email: jira.email.trim().to_owned(),
            token: jira.api_token.clone().expect("checked by is_set"),
            transport: Transport::new(settings, redactor)?,
            templates,
        };
        notifier.auth()?;
        Ok(Some(notifier))
    }

    fn auth(&self) -> Result<HeaderValue, NotifyError> {
        let pair = format!("{}:{}", self.email, self.token.expose_secret());
        sensitive(&format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        ))
    }

    /// The `POST /rest/api/3/issue` body for `n`, redacted.
    pub fn issue_fields(&self, n: &Notification) -> Result<Value, NotifyError> {
        let label = group_label(n)?;
        let redactor = self.transport.redactor();
        let n = redacted(n, redactor);
        let ctx = TemplateContext::new(&n);
        let summary = redactor.redact_string(&self.templates.render(JIRA_SUMMARY, &ctx)?);
        let summary = bound(
            &summary.split_whitespace().collect::<Vec<_>>().join(" "),
            SUMMARY_MAX - 1,
        );
        let description = redactor.redact_string(&self.templates.render(JIRA_DESCRIPTION, &ctx)?);
        let mut blocks = adf::blocks_from_text(&description);
        if let Some(trace) = n.trace.as_deref().filter(|t| !t.trim().is_empty()) {
            blocks.push(Block::heading(3, "Trace"));
            blocks.push(Block::code(n.language.as_deref(), trace));
        }
        Ok(json!({"fields": {
            "project": {"key": self.project},
            "summary": summary,
            "description": adf::document(&blocks),
            "issuetype": {"name": self.issue_type},
            "labels": [LABEL, label],
        }}))
    }

    /// The comment body added to an existing issue, redacted. A regression's
    /// trace is attached (it may differ from the one in the description).
    pub fn comment_body(&self, n: &Notification) -> Result<Value, NotifyError> {
        let redactor = self.transport.redactor();
        let n = redacted(n, redactor);
        let text = redactor.redact_string(
            &self
                .templates
                .render(JIRA_COMMENT, &TemplateContext::new(&n))?,
        );
        let mut blocks = adf::blocks_from_text(&text);
        if n.kind == NotificationKind::Regression
            && let Some(trace) = n.trace.as_deref()
        {
            blocks.push(Block::code(n.language.as_deref(), trace));
        }
        Ok(json!({"body": adf::document(&blocks)}))
    }

    async fn post(
        &self,
        path: &str,
        idempotence: Idempotence,
        body: &Value,
    ) -> Result<RawResponse, NotifyError> {
        let url = format!("{}{path}", self.base_url);
        let body = serde_json::to_vec(body).map_err(|e| NotifyError::Decode {
            service: SERVICE,
            message: e.to_string(),
        })?;
        let auth = self.auth()?;
        let response = self
            .transport
            .post(SERVICE, idempotence, || {
                let mut headers = HeaderMap::new();
                headers.insert(AUTHORIZATION, auth.clone());
                headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
                Ok(Request {
                    url: &url,
                    headers,
                    body: &body,
                })
            })
            .await?;
        if response.status.is_success() {
            Ok(response)
        } else {
            Err(self.error(&response))
        }
    }

    fn error(&self, response: &RawResponse) -> NotifyError {
        let mut err = decode_error(response.status.as_u16(), &response.body);
        if let NotifyError::Jira {
            messages, errors, ..
        } = &mut err
        {
            for m in messages.iter_mut() {
                *m = self.transport.scrub(m, &[&self.token]);
            }
            for v in errors.values_mut() {
                *v = self.transport.scrub(v, &[&self.token]);
            }
        }
        err
    }

    async fn find_existing(&self, label: &str) -> Result<Option<String>, NotifyError> {
        let jql = format!(
            "project = {} AND labels = {} AND labels = {} ORDER BY created ASC",
            jql_string(&self.project),
            jql_string(LABEL),
            jql_string(label)
        );
        let response = self
            .post(
                "/rest/api/3/search/jql",
                Idempotence::Repeatable,
                &json!({"jql": jql, "fields": ["key"], "maxResults": 1}),
            )
            .await?;
        let answer: SearchAnswer = decode(&response.body, "search")?;
        answer
            .issues
            .into_iter()
            .next()
            .map(|issue| checked_key(issue.key))
            .transpose()
    }

    async fn link_pull_request(
        &self,
        key: &str,
        n: &Notification,
        url: &str,
    ) -> Result<(), NotifyError> {
        let redactor = self.transport.redactor();
        let url = redactor.redact_string(url.trim());
        if check_http_url("", &url).is_err() {
            return Err(NotifyError::InvalidNotification(
                "the pull request URL is not an http(s) URL".into(),
            ));
        }
        let title = bound(
            &format!("Pull request: {}", redactor.redact_string(&n.title)),
            250,
        );
        let global_id = format!(
            "tracefix-pr:{}",
            &hex(&Sha256::digest(url.as_bytes()))[..40]
        );
        self.post(
            &format!("/rest/api/3/issue/{key}/remotelink"),
            Idempotence::Repeatable,
            &json!({"globalId": global_id, "object": {"url": url, "title": title}}),
        )
        .await?;
        Ok(())
    }
}

#[async_trait]
impl Notifier for JiraNotifier {
    fn name(&self) -> &'static str {
        SERVICE
    }

    async fn notify(&self, n: &Notification) -> Result<Delivery, NotifyError> {
        let label = group_label(n)?;
        let key = match self.find_existing(&label).await? {
            Some(key) => {
                self.post(
                    &format!("/rest/api/3/issue/{key}/comment"),
                    Idempotence::RateLimitOnly,
                    &self.comment_body(n)?,
                )
                .await?;
                key
            }
            None => {
                let response = self
                    .post(
                        "/rest/api/3/issue",
                        Idempotence::RateLimitOnly,
                        &self.issue_fields(n)?,
                    )
                    .await?;
                let created: IssueRef = decode(&response.body, "create issue")?;
                checked_key(created.key)?
            }
        };
        if let Some(pr) = n
            .pull_request_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        {
            self.link_pull_request(&key, n, pr).await?;
        }
        Ok(Delivery {
            url: Some(format!("{}/browse/{key}", self.base_url)),
            external_id: Some(key),
        })
    }
}

/// `tracefix-<first 12 hex of the fingerprint>`.
pub fn group_label(n: &Notification) -> Result<String, NotifyError> {
    let short = short_fingerprint(&n.fingerprint);
    if short.len() < 8 {
        return Err(NotifyError::InvalidNotification(
            "Jira needs the group's fingerprint (at least 8 hex digits) to keep one issue per group".into(),
        ));
    }
    Ok(format!("{LABEL}-{short}"))
}

/// A JQL string literal.
fn jql_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// An issue key from Jira is put into request paths: it must look like one
/// (`OPS-12`), whatever the server sent.
fn checked_key(key: String) -> Result<String, NotifyError> {
    let valid = key.split_once('-').is_some_and(|(project, number)| {
        !project.is_empty()
            && project.len() <= 255
            && project
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !number.is_empty()
            && number.len() <= 18
            && number.bytes().all(|b| b.is_ascii_digit())
    });
    if valid {
        Ok(key)
    } else {
        Err(NotifyError::Decode {
            service: SERVICE,
            message: format!("{:?} is not an issue key", bound(&key, 40)),
        })
    }
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, NotifyError> {
    serde_json::from_slice(body).map_err(|e| NotifyError::Decode {
        service: SERVICE,
        message: format!(
            "{what} answer is not the expected JSON: {}",
            bound(&e.to_string(), 200)
        ),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A Jira error answer: `{"errorMessages": [...], "errors": {...}}` when the
/// body is that JSON, else the body's text as the one message. Every text is
/// bounded; nothing else is changed.
pub fn decode_error(status: u16, body: &[u8]) -> NotifyError {
    #[derive(Deserialize)]
    struct Body {
        #[serde(default, rename = "errorMessages")]
        error_messages: Vec<Value>,
        #[serde(default)]
        errors: BTreeMap<String, Value>,
    }
    let as_text = |v: &Value| match v {
        Value::String(s) => bound(s, ERROR_ITEM_MAX),
        other => bound(&other.to_string(), ERROR_ITEM_MAX),
    };
    let (messages, errors) = match serde_json::from_slice::<Body>(body) {
        Ok(parsed) if !parsed.error_messages.is_empty() || !parsed.errors.is_empty() => (
            parsed.error_messages.iter().take(20).map(as_text).collect(),
            parsed
                .errors
                .iter()
                .take(20)
                .map(|(k, v)| (bound(k, 100), as_text(v)))
                .collect(),
        ),
        _ => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            let messages = if text.is_empty() {
                Vec::new()
            } else {
                vec![bound(text, ERROR_ITEM_MAX)]
            };
            (messages, BTreeMap::new())
        }
    };
    NotifyError::Jira {
        status,
        messages,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::sample;

    fn notifier() -> JiraNotifier {
        let mut s = NotifySettings::default();
        s.jira.url = "https://example.atlassian.net/".into();
        s.jira.project = "OPS".into();
        s.jira.email = "bot@example.com".into();
        s.jira.api_token = Some(SecretString::from("ATATT3xFfGF0-token"));
        let redactor = Redactor::new(&Default::default()).unwrap();
        JiraNotifier::from_settings(&s, redactor, Arc::new(Templates::load(None).unwrap()))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn issue_body_snapshot_is_valid_adf() {
        let fields = notifier()
            .issue_fields(&sample(NotificationKind::NewGroup))
            .unwrap();
        adf::validate(&fields["fields"]["description"]).unwrap();
        insta::assert_snapshot!(serde_json::to_string_pretty(&fields).unwrap());
    }

    #[test]
    fn comment_snapshot_is_valid_adf() {
        let body = notifier()
            .comment_body(&sample(NotificationKind::Regression))
            .unwrap();
        adf::validate(&body["body"]).unwrap();
        insta::assert_snapshot!(serde_json::to_string_pretty(&body).unwrap());
    }

    #[test]
    fn settings_are_checked_and_debug_hides_the_token() {
        let n = notifier();
        let debug = format!("{n:?}");
        assert!(debug.contains("OPS") && !debug.contains("ATATT"), "{debug}");
        assert_eq!(n.base_url, "https://example.atlassian.net");
        let mut s = NotifySettings::default();
        s.jira.url = "https://example.atlassian.net".into();
        let templates = Arc::new(Templates::load(None).unwrap());
        let redactor = Redactor::new(&Default::default()).unwrap();
        let err = JiraNotifier::from_settings(&s, redactor, templates).unwrap_err();
        assert_eq!(
            err.to_string(),
            "notification settings: notify.jira.url needs notify.jira.project"
        );
    }

    #[test]
    fn labels_keys_and_jql() {
        let mut n = sample(NotificationKind::NewGroup);
        n.fingerprint = "3F2A9C0D1E7B4455aa".into();
        assert_eq!(group_label(&n).unwrap(), "tracefix-3f2a9c0d1e7b");
        n.fingerprint = "abc".into();
        assert!(matches!(
            group_label(&n),
            Err(NotifyError::InvalidNotification(_))
        ));
        assert_eq!(jql_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(checked_key("OPS-12".into()).unwrap(), "OPS-12");
        for bad in ["OPS-12/../../x", "OPS", "-1", "OPS-", "O PS-1", "OPS-1a"] {
            assert!(checked_key(bad.into()).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_bodies() {
        let err = decode_error(400, br#"{"errorMessages":[],"errors":{"summary":"You must specify a summary of the issue."}}"#);
        assert_eq!(
            err.to_string(),
            "jira: HTTP 400: summary: You must specify a summary of the issue."
        );
        let err = decode_error(
            401,
            b"Client must be authenticated to access this resource.",
        );
        assert_eq!(
            err.to_string(),
            "jira: HTTP 401: Client must be authenticated to access this resource."
        );
        let err = decode_error(500, b"");
        assert_eq!(err.to_string(), "jira: HTTP 500: (no error detail)");
        assert!(err.is_transient());
    }
}
