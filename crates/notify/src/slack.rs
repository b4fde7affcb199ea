//! Slack: an incoming webhook, or `chat.postMessage` with a bot token.
//!
//! Both take the same message: `{"text": ..., "blocks": [...]}` with the
//! rendered `slack.j2` as the fallback text and as one mrkdwn section, and
//! an actions block with a button to the pull request (and the group) when
//! there is one. Incoming webhooks answer `ok` as plain text, or an error
//! string (`invalid_payload`, `no_service`, `channel_is_archived`, ...) with
//! a 4xx status; the Web API answers HTTP 200 with `{"ok": false, "error":
//! "channel_not_found"}`. Both send 429 with `Retry-After` when rate limited.

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};
use tracefix_redact::Redactor;

use crate::http::{Idempotence, Request, Transport, bound, sensitive};
use crate::settings::{NotifySettings, is_set};
use crate::templates::{SLACK, TemplateContext, Templates, redacted};
use crate::{Delivery, Notification, Notifier, NotifyError};

const SERVICE: &str = "slack";
/// Block Kit limits: a section's text and a button's URL (`bound` may
/// add one character, the ellipsis).
const SECTION_TEXT_MAX: usize = 3000;
const FALLBACK_TEXT_MAX: usize = 4000;
const BUTTON_URL_MAX: usize = 3000;

enum Mode {
    Webhook {
        url: SecretString,
    },
    Api {
        token: SecretString,
        channel: String,
        endpoint: String,
    },
}

/// Posts notifications to Slack. `Debug` shows the mode and channel only.
pub struct SlackNotifier {
    mode: Mode,
    transport: Transport,
    templates: Arc<Templates>,
}

impl std::fmt::Debug for SlackNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("SlackNotifier");
        match &self.mode {
            Mode::Webhook { .. } => d.field("mode", &"incoming-webhook"),
            Mode::Api {
                channel, endpoint, ..
            } => d
                .field("mode", &"chat.postMessage")
                .field("channel", channel)
                .field("endpoint", endpoint),
        };
        d.finish_non_exhaustive()
    }
}

impl SlackNotifier {
    /// The notifier `[notify.slack]` describes, or `None` when neither a bot
    /// token nor a webhook URL is set.
    pub fn from_settings(
        settings: &NotifySettings,
        redactor: Redactor,
        templates: Arc<Templates>,
    ) -> Result<Option<SlackNotifier>, NotifyError> {
        let slack = &settings.slack;
        let mode = if is_set(slack.bot_token.as_ref()) {
            let token = slack.bot_token.clone().expect("checked by is_set");
            if slack.channel.trim().is_empty() {
                return Err(NotifyError::Config(
                    "notify.slack.bot_token needs notify.slack.channel".into(),
                ));
            }
            sensitive(&format!("Bearer {}", token.expose_secret()))?;
            let base = slack.api_base_url.trim().trim_end_matches('/');
            check_http_url("notify.slack.api_base_url", base)?;
            Mode::Api {
                token,
                channel: slack.channel.trim().to_owned(),
                endpoint: format!("{base}/chat.postMessage"),
            }
        } else if is_set(slack.webhook_url.as_ref()) {
            let url = slack.webhook_url.clone().expect("checked by is_set");
            check_http_url("notify.slack.webhook_url", url.expose_secret().trim())?;
            Mode::Webhook { url }
        } else {
            return Ok(None);
        };
        Ok(Some(SlackNotifier {
            mode,
            transport: Transport::new(settings, redactor)?,
            templates,
        }))
    }

    /// The message body (without `channel`), redacted.
    pub fn message(&self, n: &Notification) -> Result<Value, NotifyError> {
        build_message(&self.templates, self.transport.redactor(), n)
    }

    fn secrets(&self) -> Vec<&SecretString> {
        match &self.mode {
            Mode::Webhook { url } => vec![url],
            Mode::Api { token, .. } => vec![token],
        }
    }

    async fn post_webhook(&self, url: &SecretString, body: &[u8]) -> Result<Delivery, NotifyError> {
        let url = url.expose_secret().trim();
        let response = self
            .transport
            .post(SERVICE, Idempotence::Repeatable, || {
                Ok(Request {
                    url,
                    headers: json_headers(),
                    body,
                })
            })
            .await?;
        if response.status.is_success() {
            return Ok(Delivery::default());
        }
        let text = response.text();
        Err(NotifyError::Slack {
            status: response.status.as_u16(),
            error: if text.is_empty() {
                "(empty body)".to_owned()
            } else {
                self.transport.scrub(&text, &self.secrets())
            },
        })
    }

    async fn post_api(
        &self,
        token: &SecretString,
        endpoint: &str,
        body: &[u8],
    ) -> Result<Delivery, NotifyError> {
        let response = self
            .transport
            .post(SERVICE, Idempotence::Repeatable, || {
                let mut headers = json_headers();
                headers.insert(
                    AUTHORIZATION,
                    sensitive(&format!("Bearer {}", token.expose_secret()))?,
                );
                Ok(Request {
                    url: endpoint,
                    headers,
                    body,
                })
            })
            .await?;
        let status = response.status.as_u16();
        match serde_json::from_slice::<ApiAnswer>(&response.body) {
            Ok(answer) if answer.ok && response.status.is_success() => Ok(Delivery {
                external_id: answer.ts,
                url: None,
            }),
            Ok(answer) => Err(NotifyError::Slack {
                status,
                error: self.transport.scrub(
                    answer.error.as_deref().unwrap_or("(no error given)"),
                    &self.secrets(),
                ),
            }),
            Err(_) if !response.status.is_success() => Err(NotifyError::Slack {
                status,
                error: self.transport.scrub(&response.text(), &self.secrets()),
            }),
            Err(e) => Err(NotifyError::Decode {
                service: SERVICE,
                message: format!(
                    "chat.postMessage answer is not the expected JSON ({}): {}",
                    bound(&e.to_string(), 200),
                    self.transport
                        .scrub(&bound(&response.text(), 200), &self.secrets())
                ),
            }),
        }
    }
}

#[derive(Deserialize)]
struct ApiAnswer {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    ts: Option<String>,
}

#[async_trait]
impl Notifier for SlackNotifier {
    fn name(&self) -> &'static str {
        SERVICE
    }

    async fn notify(&self, n: &Notification) -> Result<Delivery, NotifyError> {
        let mut message = self.message(n)?;
        match &self.mode {
            Mode::Webhook { url } => {
                let body = to_bytes(&message)?;
                self.post_webhook(url, &body).await
            }
            Mode::Api {
                token,
                channel,
                endpoint,
            } => {
                message["channel"] = Value::String(channel.clone());
                let body = to_bytes(&message)?;
                self.post_api(token, endpoint, &body).await
            }
        }
    }
}

fn to_bytes(value: &Value) -> Result<Vec<u8>, NotifyError> {
    serde_json::to_vec(value).map_err(|e| NotifyError::Decode {
        service: SERVICE,
        message: e.to_string(),
    })
}

fn json_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    // Slack's Web API warns about JSON posted without a charset.
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers
}

pub(crate) fn check_http_url(setting: &str, url: &str) -> Result<(), NotifyError> {
    let lower = url.to_ascii_lowercase();
    if (lower.starts_with("https://") || lower.starts_with("http://"))
        && reqwest::Url::parse(url).is_ok()
    {
        Ok(())
    } else {
        // The value itself is not shown: it may be a secret.
        Err(NotifyError::Config(format!(
            "{setting} is not an http(s) URL"
        )))
    }
}

/// `{"text": ..., "blocks": [section, actions?]}`, every text redacted.
pub(crate) fn build_message(
    templates: &Templates,
    redactor: &Redactor,
    n: &Notification,
) -> Result<Value, NotifyError> {
    let n = redacted(n, redactor);
    let text = redactor.redact_string(&templates.render(SLACK, &TemplateContext::new(&n))?);
    let mut blocks = vec![json!({
        "type": "section",
        "text": {"type": "mrkdwn", "text": bound(&text, SECTION_TEXT_MAX - 1)},
    })];
    let mut buttons = Vec::new();
    for (label, url, style) in [
        (
            "View pull request",
            n.pull_request_url.as_deref(),
            Some("primary"),
        ),
        ("Open error group", n.group_url.as_deref(), None),
    ] {
        let Some(url) = url.map(str::trim).filter(|u| is_button_url(u)) else {
            continue;
        };
        let mut button = json!({
            "type": "button",
            "text": {"type": "plain_text", "text": label},
            "url": url,
        });
        if let Some(style) = style {
            button["style"] = json!(style);
        }
        buttons.push(button);
    }
    if !buttons.is_empty() {
        blocks.push(json!({"type": "actions", "elements": buttons}));
    }
    Ok(json!({"text": bound(&text, FALLBACK_TEXT_MAX - 1), "blocks": blocks}))
}

fn is_button_url(url: &str) -> bool {
    url.len() <= BUTTON_URL_MAX && check_http_url("", url).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NotificationKind;
    use crate::tests::sample;

    #[test]
    fn message_snapshot() {
        let templates = Templates::load(None).unwrap();
        let redactor = Redactor::new(&Default::default()).unwrap();
        let message = build_message(
            &templates,
            &redactor,
            &sample(NotificationKind::PullRequestOpened),
        )
        .unwrap();
        insta::assert_snapshot!(serde_json::to_string_pretty(&message).unwrap());
    }

    #[test]
    fn long_texts_fit_block_kit_limits() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SLACK), "{{ message }}").unwrap();
        let templates = Templates::load(Some(dir.path())).unwrap();
        let redactor = Redactor::new(&Default::default()).unwrap();
        let mut n = sample(NotificationKind::NewGroup);
        n.message = "word ".repeat(2000);
        let message = build_message(&templates, &redactor, &n).unwrap();
        let section = message["blocks"][0]["text"]["text"].as_str().unwrap();
        assert_eq!(section.chars().count(), SECTION_TEXT_MAX);
        assert!(section.ends_with('…'));
        assert!(message["text"].as_str().unwrap().chars().count() <= FALLBACK_TEXT_MAX);
    }

    #[test]
    fn non_web_urls_get_no_button() {
        let templates = Templates::load(None).unwrap();
        let redactor = Redactor::new(&Default::default()).unwrap();
        let mut n = sample(NotificationKind::NewGroup);
        n.pull_request_url = Some("javascript:alert(1)".into());
        n.group_url = None;
        let message = build_message(&templates, &redactor, &n).unwrap();
        assert_eq!(message["blocks"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn settings_choose_the_mode() {
        let templates = Arc::new(Templates::load(None).unwrap());
        let redactor = Redactor::new(&Default::default()).unwrap();
        let mut s = NotifySettings::default();
        assert!(
            SlackNotifier::from_settings(&s, redactor.clone(), templates.clone())
                .unwrap()
                .is_none()
        );
        s.slack.webhook_url = Some(SecretString::from("not a url T0/B0/secretpath"));
        let err =
            SlackNotifier::from_settings(&s, redactor.clone(), templates.clone()).unwrap_err();
        assert!(!err.to_string().contains("secretpath"), "{err}");
        s.slack.webhook_url = Some(SecretString::from(
            "https://hooks.slack.com/services/T0/B0/secretpath",
        ));
        let hook = SlackNotifier::from_settings(&s, redactor.clone(), templates.clone())
            .unwrap()
            .unwrap();
        assert!(format!("{hook:?}").contains("incoming-webhook"));
        s.slack.bot_token = Some(SecretString::from("xoxb-123-secret"));
        assert!(SlackNotifier::from_settings(&s, redactor.clone(), templates.clone()).is_err());
        s.slack.channel = "#ops".into();
        let api = SlackNotifier::from_settings(&s, redactor, templates)
            .unwrap()
            .unwrap();
        let debug = format!("{api:?}");
        assert!(debug.contains("chat.postMessage") && debug.contains("#ops"));
        assert!(!debug.contains("secret"), "{debug}");
    }
}
