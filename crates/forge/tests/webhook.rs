//! A webhook endpoint as the server would mount it: the signature is checked
//! on the raw body before anything is parsed.

mod support;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::json;
use tracefix_forge::{
    PrState, Resolution, SignatureError, WebhookEvent, github_signature, parse_github_webhook,
    verify_github_signature,
};

const SECRET: &[u8] = b"webhook-secret-for-tests";

type Seen = Arc<Mutex<Vec<WebhookEvent>>>;

async fn receive(
    State(seen): State<Seen>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Err(err) = verify_github_signature(SECRET, &body, header("x-hub-signature-256")) {
        let status = match err {
            SignatureError::EmptySecret => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNAUTHORIZED,
        };
        return (status, err.to_string());
    }
    match parse_github_webhook(header("x-github-event").unwrap_or(""), &body) {
        Ok(Some(event)) => {
            seen.lock().unwrap().push(event);
            (StatusCode::ACCEPTED, "followed".into())
        }
        Ok(None) => (StatusCode::OK, "ignored".into()),
        Err(err) => (StatusCode::BAD_REQUEST, err.to_string()),
    }
}

async fn endpoint() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let router = Router::new()
        .route("/webhooks/github", post(receive))
        .with_state(seen.clone());
    let addr = support::serve(router).await;
    (format!("http://{addr}/webhooks/github"), seen)
}

fn closed_payload(number: u64, merged: bool) -> Vec<u8> {
    json!({
        "action": "closed",
        "number": number,
        "pull_request": {
            "number": number, "state": "closed", "merged": merged,
            "merge_commit_sha": if merged { "5d41402abc4b2a76b9719d911017c592" } else { "e3b0c44298fc1c14" },
            "head": {"ref": format!("tracefix/g-{number}"), "sha": "abc"},
            "base": {"ref": "main"}
        },
        "repository": {"full_name": "acme/shop"},
        "sender": {"login": "reviewer"}
    })
    .to_string()
    .into_bytes()
}

async fn deliver(url: &str, event: &str, body: &[u8], signature: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("x-github-event", event)
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("x-hub-signature-256", signature);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn signed_deliveries_are_followed() {
    let (url, seen) = endpoint().await;
    let merged = closed_payload(3, true);
    let closed = closed_payload(4, false);
    assert_eq!(
        deliver(
            &url,
            "pull_request",
            &merged,
            Some(&github_signature(SECRET, &merged))
        )
        .await,
        (202, "followed".into())
    );
    assert_eq!(
        deliver(
            &url,
            "pull_request",
            &closed,
            Some(&github_signature(SECRET, &closed))
        )
        .await,
        (202, "followed".into())
    );
    let ping = br#"{"zen":"Keep it logically awesome.","hook_id":1}"#;
    assert_eq!(
        deliver(&url, "ping", ping, Some(&github_signature(SECRET, ping))).await,
        (200, "ignored".into())
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        (seen[0].number, seen[0].branch.as_str(), seen[0].state),
        (3, "tracefix/g-3", PrState::Merged)
    );
    assert_eq!(
        seen[0].resolution(),
        Resolution::Resolved {
            merge_commit: Some("5d41402abc4b2a76b9719d911017c592".into())
        }
    );
    assert_eq!(
        (seen[1].state, seen[1].merge_commit.as_deref()),
        (PrState::Closed, None)
    );
    assert_eq!(seen[1].resolution(), Resolution::NeedsHuman);
    assert_eq!(seen[1].repository.as_deref(), Some("acme/shop"));
}

#[tokio::test]
async fn unsigned_or_forged_deliveries_are_refused() {
    let (url, seen) = endpoint().await;
    let body = closed_payload(5, true);
    let forged = github_signature(b"someone else's secret", &body);
    let for_other_body = github_signature(SECRET, &closed_payload(6, true));

    let (status, text) = deliver(&url, "pull_request", &body, None).await;
    assert_eq!(
        (status, text.as_str()),
        (401, "the X-Hub-Signature-256 header is missing")
    );
    let (status, text) = deliver(&url, "pull_request", &body, Some(&forged)).await;
    assert_eq!(
        (status, text.as_str()),
        (401, "the webhook signature does not match")
    );
    let (status, _) = deliver(&url, "pull_request", &body, Some(&for_other_body)).await;
    assert_eq!(status, 401);
    for malformed in [
        "sha1=0123456789abcdef0123456789abcdef01234567",
        "sha256=nothex",
        "sha256=",
    ] {
        let (status, text) = deliver(&url, "pull_request", &body, Some(malformed)).await;
        assert_eq!(status, 401, "{malformed}");
        assert!(text.contains("is not `sha256=<64 hex digits>`"), "{text}");
    }
    assert!(seen.lock().unwrap().is_empty());

    // Signed but not the documented payload: refused as bad input.
    let junk = br#"{"action":"closed"}"#;
    let (status, text) = deliver(
        &url,
        "pull_request",
        junk,
        Some(&github_signature(SECRET, junk)),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        text.starts_with("could not decode: pull_request webhook payload"),
        "{text}"
    );
}
