//! Slack against a local fake: incoming webhooks and chat.postMessage.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{FakeServer, PLANTED, Reply, fast_settings, notification, redactor};
use secrecy::SecretString;
use serde_json::json;
use tracefix_notify::{NotificationKind, Notifier, NotifyError, SlackNotifier, Templates};

const HOOK_PATH: &str = "/services/T0001/B0002/hookSecretXyz123";
const BOT_TOKEN: &str = "xoxb-1111-2222-botSecretAbc";

fn webhook_notifier(server: &FakeServer) -> SlackNotifier {
    let mut s = fast_settings();
    s.slack.webhook_url = Some(SecretString::from(format!(
        "{}{HOOK_PATH}",
        server.base_url
    )));
    SlackNotifier::from_settings(&s, redactor(), Arc::new(Templates::load(None).unwrap()))
        .unwrap()
        .unwrap()
}

fn api_notifier(server: &FakeServer, channel: &str) -> SlackNotifier {
    let mut s = fast_settings();
    s.slack.bot_token = Some(SecretString::from(BOT_TOKEN));
    s.slack.channel = channel.into();
    s.slack.api_base_url = format!("{}/api/", server.base_url);
    SlackNotifier::from_settings(&s, redactor(), Arc::new(Templates::load(None).unwrap()))
        .unwrap()
        .unwrap()
}

/// Slack's incoming-webhook behaviour: a payload without `text` is
/// `invalid_payload`, an unknown path `no_service`.
fn fake_incoming_webhook(r: &common::Recorded) -> Reply {
    if r.path != HOOK_PATH {
        return Reply::text(404, "no_service");
    }
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(&r.body) else {
        return Reply::text(400, "invalid_payload");
    };
    if !body["text"].is_string() || !body["blocks"].is_array() {
        return Reply::text(400, "invalid_payload");
    }
    Reply::text(200, "ok")
}

#[tokio::test]
async fn incoming_webhook_posts_text_and_blocks_redacted() {
    let server = FakeServer::start(fake_incoming_webhook).await;
    let notifier = webhook_notifier(&server);
    let mut n = notification(NotificationKind::PullRequestOpened);
    n.pull_request_url = Some("https://git.example.com/shop/pull/7".into());
    let delivery = notifier.notify(&n).await.unwrap();
    assert_eq!(delivery.external_id, None);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body = r.json();
    let text = body["text"].as_str().unwrap();
    assert!(text.contains("*Fix proposed*"), "{text}");
    assert!(text.contains("[REDACTED:"), "{text}");
    assert_eq!(body["blocks"][0]["type"], "section");
    assert_eq!(body["blocks"][0]["text"]["type"], "mrkdwn");
    let button = &body["blocks"][1]["elements"][0];
    assert_eq!(button["type"], "button");
    assert_eq!(button["url"], "https://git.example.com/shop/pull/7");
    assert!(!server.everything_received().contains(PLANTED));
}

#[tokio::test]
async fn incoming_webhook_errors_carry_slacks_string_but_not_the_url() {
    let server = FakeServer::start(|r| match r.path.as_str() {
        HOOK_PATH => Reply::text(410, "channel_is_archived"),
        _ => Reply::text(404, "no_service"),
    })
    .await;
    let err = webhook_notifier(&server)
        .notify(&notification(NotificationKind::NewGroup))
        .await
        .unwrap_err();
    match &err {
        NotifyError::Slack { status, error } => {
            assert_eq!(*status, 410);
            assert_eq!(error, "channel_is_archived");
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_transient());
    // 4xx answers are final.
    assert_eq!(server.requests().len(), 1);

    // A wrong path: Slack's `no_service`; the secret path appears nowhere.
    let mut s = fast_settings();
    s.slack.webhook_url = Some(SecretString::from(format!(
        "{}/services/T0001/B0002/wrongSecret999",
        server.base_url
    )));
    let wrong =
        SlackNotifier::from_settings(&s, redactor(), Arc::new(Templates::load(None).unwrap()))
            .unwrap()
            .unwrap();
    let err = wrong
        .notify(&notification(NotificationKind::NewGroup))
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?} {wrong:?}");
    assert!(shown.contains("no_service"), "{shown}");
    assert!(!shown.contains("wrongSecret999"), "{shown}");
}

#[tokio::test]
async fn unreachable_webhook_errors_do_not_show_the_url() {
    // Bind then drop a listener: nothing listens on that port afterwards.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut s = fast_settings();
    s.slack.webhook_url = Some(SecretString::from(format!(
        "http://127.0.0.1:{port}/services/T1/B1/unreachableSecret"
    )));
    let notifier =
        SlackNotifier::from_settings(&s, redactor(), Arc::new(Templates::load(None).unwrap()))
            .unwrap()
            .unwrap();
    let err = notifier
        .notify(&notification(NotificationKind::NewGroup))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Transport { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(
        !format!("{err} {err:?}").contains("unreachableSecret"),
        "{err}"
    );
}

#[tokio::test]
async fn rate_limits_are_retried_after_the_servers_wait() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let server = FakeServer::start(move |r| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::text(429, "rate_limited").header("Retry-After", "1")
        } else {
            fake_incoming_webhook(r)
        }
    })
    .await;
    webhook_notifier(&server)
        .notify(&notification(NotificationKind::Regression))
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let waited = requests[1].at - requests[0].at;
    assert!(
        waited >= Duration::from_millis(950),
        "waited only {waited:?}"
    );
    assert_eq!(requests[0].body, requests[1].body);
}

#[tokio::test]
async fn long_or_persistent_rate_limits_go_back_to_the_caller() {
    // Longer than retry_after_max (5 s): not waited for.
    let server =
        FakeServer::start(|_| Reply::text(429, "rate_limited").header("Retry-After", "120")).await;
    let err = webhook_notifier(&server)
        .notify(&notification(NotificationKind::NewGroup))
        .await
        .unwrap_err();
    match err {
        NotifyError::RateLimited {
            service,
            retry_after,
        } => {
            assert_eq!(service, "slack");
            assert_eq!(retry_after, Some(Duration::from_secs(120)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 1);

    // No Retry-After: backoff, then give up after max_retries (2).
    let server = FakeServer::start(|_| Reply::text(429, "rate_limited")).await;
    let err = webhook_notifier(&server)
        .notify(&notification(NotificationKind::NewGroup))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            NotifyError::RateLimited {
                retry_after: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 3);
}

/// chat.postMessage as Slack answers it: HTTP 200 either way, `ok` says.
fn fake_web_api(r: &common::Recorded) -> Reply {
    if r.path != "/api/chat.postMessage" {
        return Reply::json(404, json!({"ok": false, "error": "unknown_method"}));
    }
    if r.header("authorization") != Some(&format!("Bearer {BOT_TOKEN}")) {
        return Reply::json(200, json!({"ok": false, "error": "invalid_auth"}));
    }
    let body = r.json();
    match body["channel"].as_str() {
        Some("C0OPS") if body["text"].is_string() && body["blocks"].is_array() => Reply::json(
            200,
            json!({"ok": true, "channel": "C0OPS", "ts": "1732183200.000100"}),
        ),
        Some("C0OPS") => Reply::json(200, json!({"ok": false, "error": "invalid_blocks"})),
        _ => Reply::json(200, json!({"ok": false, "error": "channel_not_found"})),
    }
}

#[tokio::test]
async fn chat_post_message_returns_the_ts() {
    let server = FakeServer::start(fake_web_api).await;
    let notifier = api_notifier(&server, "C0OPS");
    let delivery = notifier
        .notify(&notification(NotificationKind::FixFailed))
        .await
        .unwrap();
    assert_eq!(delivery.external_id.as_deref(), Some("1732183200.000100"));
    let r = &server.requests()[0];
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let body = r.json();
    assert_eq!(body["channel"], "C0OPS");
    assert!(body["text"].as_str().unwrap().contains("*Fix failed*"));
    assert!(!server.everything_received().contains(PLANTED));
}

#[tokio::test]
async fn chat_post_message_ok_false_is_an_error_with_slacks_string() {
    let server = FakeServer::start(fake_web_api).await;
    let notifier = api_notifier(&server, "#nowhere");
    let err = notifier
        .notify(&notification(NotificationKind::NewGroup))
        .await
        .unwrap_err();
    match &err {
        NotifyError::Slack { status, error } => {
            assert_eq!(*status, 200);
            assert_eq!(error, "channel_not_found");
        }
        other => panic!("{other:?}"),
    }
    let shown = format!("{err} {err:?} {notifier:?}");
    assert!(!shown.contains("botSecretAbc"), "{shown}");
}
