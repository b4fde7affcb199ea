//! Local fake servers: each answers through a handler (a closure over its own
//! state) and records every request it received.

#![allow(dead_code)] // each test binary uses a different part

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use tracefix_notify::{Notification, NotificationKind, NotifySettings};
use tracefix_redact::{RedactOptions, Redactor};

/// A GitHub token shape the redactor knows; planted in exception messages.
pub const PLANTED: &str = "ghp_R2d2C3poBb8LukeLeia0123456789HanSolo";

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }

    pub fn text(status: u16, body: &str) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: body.into(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

#[derive(Clone)]
struct Shared {
    handler: Arc<Handler>,
    recorded: Arc<Mutex<Vec<Recorded>>>,
}

pub struct FakeServer {
    pub base_url: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeServer {
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> FakeServer {
        let shared = Shared {
            handler: Arc::new(handler),
            recorded: Arc::new(Mutex::new(Vec::new())),
        };
        let recorded = shared.recorded.clone();
        let app = axum::Router::new().fallback(answer).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeServer {
            base_url: format!("http://{addr}"),
            recorded,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.lock().unwrap().clone()
    }

    /// Every byte every request carried (path, headers, body), as text.
    pub fn everything_received(&self) -> String {
        self.requests()
            .iter()
            .map(|r| {
                let headers: Vec<String> =
                    r.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!(
                    "{} {}\n{}\n{}\n",
                    r.method,
                    r.path,
                    headers.join("\n"),
                    r.text()
                )
            })
            .collect()
    }
}

async fn answer(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let recorded = Recorded {
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: body.to_vec(),
        at: Instant::now(),
    };
    let reply = (shared.handler)(&recorded);
    shared.recorded.lock().unwrap().push(recorded);
    let mut response = Response::builder().status(StatusCode::from_u16(reply.status).unwrap());
    for (k, v) in &reply.headers {
        response = response.header(k, v);
    }
    response.body(Body::from(reply.body)).unwrap()
}

/// Settings with fast retries (tests must stay quick).
pub fn fast_settings() -> NotifySettings {
    NotifySettings {
        timeout: Duration::from_secs(5),
        max_retries: 2,
        retry_base: Duration::from_millis(10),
        retry_max: Duration::from_millis(20),
        retry_after_max: Duration::from_secs(5),
        ..NotifySettings::default()
    }
}

pub fn redactor() -> Redactor {
    Redactor::new(&RedactOptions::default()).unwrap()
}

/// The shop example's group, with a token planted in its message, trace
/// and reason.
pub fn notification(kind: NotificationKind) -> Notification {
    Notification {
        kind,
        group_id: "0190b6c4-5e2f-7a10-9c3d-4f5e6a7b8c9d".into(),
        fingerprint: "3f2a9c0d1e7b44558899aabbccddeeff00112233445566778899aabbccddeeff".into(),
        title: "KeyError: 'shipping' in shop/orders.py shipping_cost".into(),
        exception_type: "KeyError".into(),
        message: format!("'shipping' (request token {PLANTED})"),
        count: 3,
        first_seen: "2026-11-21T10:00:00Z".into(),
        last_seen: "2026-11-21T11:30:00Z".into(),
        status: "new".into(),
        pull_request_url: None,
        reason: Some(format!("model said: use {PLANTED}")),
        group_url: Some("https://tracefix.example.com/groups/0190b6c4".into()),
        trace: Some(format!(
            "Traceback (most recent call last):\n  File \"shop/orders.py\", line 24, in shipping_cost\n    headers = {{'Authorization': 'token {PLANTED}'}}\nKeyError: 'shipping'"
        )),
        language: Some("python".into()),
    }
}
