//! The signed JSON webhook against a local receiver that verifies signatures.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{FakeServer, PLANTED, Reply, fast_settings, notification, redactor};
use secrecy::SecretString;
use tracefix_notify::{
    NotificationKind, Notifier, NotifyError, Templates, WebhookNotifier, verify_webhook,
};

const SECRET: &str = "whsec_0123456789abcdef";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A receiver as a user would write one: 401 unless the signature verifies.
fn verifying(r: &common::Recorded) -> Reply {
    let Some(signature) = r.header("x-tracefix-signature") else {
        return Reply::text(401, "unsigned");
    };
    match verify_webhook(
        SECRET.as_bytes(),
        signature,
        &r.body,
        now(),
        Duration::from_secs(300),
    ) {
        Ok(()) => Reply::text(204, ""),
        Err(e) => Reply::text(401, &e.to_string()),
    }
}

fn notifier(server: &FakeServer, templates: Templates) -> WebhookNotifier {
    let mut s = fast_settings();
    s.webhook.url = Some(SecretString::from(format!(
        "{}/hooks/tracefix?token=urlSecret42",
        server.base_url
    )));
    s.webhook.secret = Some(SecretString::from(SECRET));
    WebhookNotifier::from_settings(&s, redactor(), Arc::new(templates))
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn deliveries_are_signed_and_carry_the_notification() {
    let server = FakeServer::start(verifying).await;
    let hook = notifier(&server, Templates::load(None).unwrap());
    let delivery = hook
        .notify(&notification(NotificationKind::NewGroup))
        .await
        .unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.path, "/hooks/tracefix?token=urlSecret42");
    assert_eq!(r.header("x-tracefix-event"), Some("new_group"));
    assert_eq!(
        r.header("x-tracefix-delivery"),
        delivery.external_id.as_deref()
    );
    let signature = r.header("x-tracefix-signature").unwrap();
    assert!(
        signature.starts_with("t=") && signature.contains(",v1="),
        "{signature}"
    );
    let body = r.json();
    assert_eq!(body["event"], "new_group");
    assert_eq!(body["kind"], "new_group");
    assert_eq!(
        body["delivery_id"].as_str(),
        delivery.external_id.as_deref()
    );
    assert_eq!(body["count"], 3);
    assert_eq!(
        body["fingerprint"],
        "3f2a9c0d1e7b44558899aabbccddeeff00112233445566778899aabbccddeeff"
    );
    let delivered_at = body["delivered_at"].as_str().unwrap();
    assert!(
        delivered_at.parse::<jiff::Timestamp>().is_ok(),
        "{delivered_at}"
    );
    assert!(body["message"].as_str().unwrap().contains("[REDACTED:"));
    assert!(!server.everything_received().contains(PLANTED));
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_receiver_and_not_retried() {
    let server = FakeServer::start(verifying).await;
    let mut s = fast_settings();
    s.webhook.url = Some(SecretString::from(format!(
        "{}/hooks/tracefix",
        server.base_url
    )));
    s.webhook.secret = Some(SecretString::from("whsec_wrong_wrong_wrong"));
    let hook =
        WebhookNotifier::from_settings(&s, redactor(), Arc::new(Templates::load(None).unwrap()))
            .unwrap()
            .unwrap();
    let err = hook
        .notify(&notification(NotificationKind::FixFailed))
        .await
        .unwrap_err();
    match &err {
        NotifyError::Http { status, body, .. } => {
            assert_eq!(*status, 401);
            assert_eq!(body, "no signature matches the body");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
    let shown = format!("{err} {err:?} {hook:?}");
    assert!(!shown.contains("whsec_wrong"), "{shown}");
}

#[tokio::test]
async fn server_errors_are_retried_under_one_delivery_id() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let server = FakeServer::start(move |r| {
        if counter.fetch_add(1, Ordering::SeqCst) < 2 {
            Reply::text(502, "bad gateway")
        } else {
            verifying(r)
        }
    })
    .await;
    let hook = notifier(&server, Templates::load(None).unwrap());
    let delivery = hook
        .notify(&notification(NotificationKind::Regression))
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for r in &requests {
        assert_eq!(
            r.header("x-tracefix-delivery"),
            delivery.external_id.as_deref()
        );
        assert_eq!(r.body, requests[0].body);
    }

    // Persistent failure: the last status comes back after the retries.
    let server = FakeServer::start(|_| Reply::text(503, "down for maintenance")).await;
    let err = notifier(&server, Templates::load(None).unwrap())
        .notify(&notification(NotificationKind::Regression))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, NotifyError::Http { status: 503, body, .. } if body == "down for maintenance"),
        "{err:?}"
    );
    assert!(err.is_transient());
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_user_template_shapes_the_body_and_is_still_redacted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("webhook.j2"),
        r#"{"alert": {{ title|tojson }}, "detail": {{ message|tojson }}, "kind": "{{ event }}", "id": "{{ delivery_id }}"}"#,
    )
    .unwrap();
    let server = FakeServer::start(verifying).await;
    let hook = notifier(&server, Templates::load(Some(dir.path())).unwrap());
    let delivery = hook
        .notify(&notification(NotificationKind::BudgetExhausted))
        .await
        .unwrap();
    let r = &server.requests()[0];
    let body = r.json();
    assert_eq!(
        body["alert"],
        "KeyError: 'shipping' in shop/orders.py shipping_cost"
    );
    assert_eq!(body["kind"], "budget_exhausted");
    assert_eq!(body["id"].as_str(), delivery.external_id.as_deref());
    assert_eq!(body.as_object().unwrap().len(), 4);
    assert!(!server.everything_received().contains(PLANTED));
}

#[test]
fn a_webhook_without_a_secret_is_refused() {
    let mut s = fast_settings();
    s.webhook.url = Some(SecretString::from(
        "https://example.com/hook?token=abc123secret",
    ));
    let err =
        WebhookNotifier::from_settings(&s, redactor(), Arc::new(Templates::load(None).unwrap()))
            .unwrap_err();
    assert!(err.to_string().contains("notify.webhook.secret"), "{err}");
    assert!(!err.to_string().contains("abc123secret"));
}
