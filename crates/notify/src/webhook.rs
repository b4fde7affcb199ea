//! The generic JSON webhook, signed with HMAC-SHA256 (see
//! [`crate::signature`] for the scheme a receiver verifies).
//!
//! The body is the notification as JSON plus `event`, `delivery_id` and
//! `delivered_at`, or what the user's `webhook.j2` renders (which must be
//! JSON). Every string in it is redacted. Retried on 429, 5xx and transport
//! failures with backoff, under the same `X-Tracefix-Delivery` id so that the
//! receiver can drop duplicates; other 4xx answers are final.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tracefix_redact::Redactor;

use crate::http::{Idempotence, Request, Transport, sensitive};
use crate::settings::{NotifySettings, is_set};
use crate::signature::{DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign_webhook};
use crate::slack::check_http_url;
use crate::templates::{TemplateContext, Templates, WEBHOOK, redacted};
use crate::{Delivery, Notification, Notifier, NotifyError};

const SERVICE: &str = "webhook";

/// Posts signed JSON. `Debug` shows neither the URL nor the secret.
pub struct WebhookNotifier {
    url: SecretString,
    secret: SecretString,
    transport: Transport,
    templates: Arc<Templates>,
}

impl std::fmt::Debug for WebhookNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookNotifier")
            .field("custom_template", &self.templates.has_webhook())
            .finish_non_exhaustive()
    }
}

impl WebhookNotifier {
    /// The notifier `[notify.webhook]` describes, or `None` without a URL.
    /// A URL without a secret is an error: unsigned requests could not be
    /// told apart from forged ones.
    pub fn from_settings(
        settings: &NotifySettings,
        redactor: Redactor,
        templates: Arc<Templates>,
    ) -> Result<Option<WebhookNotifier>, NotifyError> {
        let hook = &settings.webhook;
        if !is_set(hook.url.as_ref()) {
            return Ok(None);
        }
        let url = hook.url.clone().expect("checked by is_set");
        check_http_url("notify.webhook.url", url.expose_secret().trim())?;
        if !is_set(hook.secret.as_ref()) {
            return Err(NotifyError::Config(
                "notify.webhook.url needs notify.webhook.secret (requests are signed)".into(),
            ));
        }
        Ok(Some(WebhookNotifier {
            url,
            secret: hook.secret.clone().expect("checked by is_set"),
            transport: Transport::new(settings, redactor)?,
            templates,
        }))
    }

    /// The body sent for `n`, redacted.
    pub fn body(
        &self,
        n: &Notification,
        delivery_id: &str,
        delivered_at: &str,
    ) -> Result<Value, NotifyError> {
        build_body(
            &self.templates,
            self.transport.redactor(),
            n,
            delivery_id,
            delivered_at,
        )
    }
}

#[async_trait]
impl Notifier for WebhookNotifier {
    fn name(&self) -> &'static str {
        SERVICE
    }

    async fn notify(&self, n: &Notification) -> Result<Delivery, NotifyError> {
        let delivery_id = uuid::Uuid::now_v7().to_string();
        let delivered_at = jiff::Timestamp::now().to_string();
        let body =
            serde_json::to_vec(&self.body(n, &delivery_id, &delivered_at)?).map_err(|e| {
                NotifyError::Decode {
                    service: SERVICE,
                    message: e.to_string(),
                }
            })?;
        let url = self.url.expose_secret().trim();
        let event = HeaderValue::from_static(n.kind.as_str());
        let delivery = HeaderValue::from_str(&delivery_id).expect("a UUID is a valid header value");
        let response = self
            .transport
            .post(SERVICE, Idempotence::Repeatable, || {
                // Signed per attempt: a retry after a long Retry-After still
                // falls inside the receiver's timestamp tolerance.
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                let signature = sign_webhook(self.secret.expose_secret().as_bytes(), now, &body);
                let mut headers = HeaderMap::new();
                headers.insert(SIGNATURE_HEADER, sensitive(&signature)?);
                headers.insert(EVENT_HEADER, event.clone());
                headers.insert(DELIVERY_HEADER, delivery.clone());
                Ok(Request {
                    url,
                    headers,
                    body: &body,
                })
            })
            .await?;
        if response.status.is_success() {
            return Ok(Delivery {
                external_id: Some(delivery_id),
                url: None,
            });
        }
        Err(NotifyError::Http {
            service: SERVICE,
            status: response.status.as_u16(),
            body: self
                .transport
                .scrub(&response.text(), &[&self.url, &self.secret]),
        })
    }
}

pub(crate) fn build_body(
    templates: &Templates,
    redactor: &Redactor,
    n: &Notification,
    delivery_id: &str,
    delivered_at: &str,
) -> Result<Value, NotifyError> {
    let n = redacted(n, redactor);
    let mut value = if templates.has_webhook() {
        let mut ctx = TemplateContext::new(&n);
        ctx.delivery_id = Some(delivery_id.to_owned());
        ctx.delivered_at = Some(delivered_at.to_owned());
        let text = templates.render(WEBHOOK, &ctx)?;
        serde_json::from_str(&text).map_err(|e| NotifyError::Template {
            name: WEBHOOK.to_owned(),
            message: format!("did not render JSON: {e}"),
        })?
    } else {
        let mut value = serde_json::to_value(&n).map_err(|e| NotifyError::Decode {
            service: SERVICE,
            message: e.to_string(),
        })?;
        value["event"] = Value::from(n.kind.as_str());
        value["delivery_id"] = Value::from(delivery_id);
        value["delivered_at"] = Value::from(delivered_at);
        value
    };
    // The template's own text is redacted too, string by string, so that
    // the JSON stays valid.
    redact_strings(&mut value, redactor);
    Ok(value)
}

fn redact_strings(value: &mut Value, redactor: &Redactor) {
    match value {
        Value::String(s) => {
            let r = redactor.redact(s);
            if !r.findings.is_empty() {
                *s = r.text.into_owned();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_strings(v, redactor)),
        Value::Object(map) => map.values_mut().for_each(|v| redact_strings(v, redactor)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NotificationKind;
    use crate::tests::sample;

    #[test]
    fn default_body_snapshot() {
        let templates = Templates::load(None).unwrap();
        let redactor = Redactor::new(&Default::default()).unwrap();
        let body = build_body(
            &templates,
            &redactor,
            &sample(NotificationKind::FixFailed),
            "0190b6c4-0000-7000-8000-000000000001",
            "2026-11-21T12:00:00Z",
        )
        .unwrap();
        insta::assert_snapshot!(serde_json::to_string_pretty(&body).unwrap());
    }

    #[test]
    fn template_output_must_be_json_and_is_redacted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(WEBHOOK),
            r#"{"summary": "{{ title }}", "static": "password=hunter2hunter2", "id": "{{ delivery_id }}"}"#,
        )
        .unwrap();
        let templates = Templates::load(Some(dir.path())).unwrap();
        let redactor = Redactor::new(&Default::default()).unwrap();
        let n = sample(NotificationKind::Regression);
        let body = build_body(&templates, &redactor, &n, "d-1", "now").unwrap();
        assert_eq!(body["summary"], n.title);
        assert_eq!(body["id"], "d-1");
        assert_eq!(body["static"], "password=[REDACTED:key-value-secret]");
        std::fs::write(dir.path().join(WEBHOOK), "not json {{ title }}").unwrap();
        let templates = Templates::load(Some(dir.path())).unwrap();
        let err = build_body(&templates, &redactor, &n, "d-1", "now").unwrap_err();
        assert!(err.to_string().contains("did not render JSON"), "{err}");
    }
}
