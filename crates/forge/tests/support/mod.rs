//! What the fake forges share: a request log, scripted faults, a server on
//! 127.0.0.1 and client settings with short backoffs.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde_json::Value;
use tracefix_forge::{ForgeKind, ForgeSettings};

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    /// Path and query, as sent (percent-encoding kept).
    pub target: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Option<Value>,
    pub at: SystemTime,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `METHOD target` and the pretty body, for snapshots.
    pub fn describe(&self) -> String {
        let mut out = format!("{} {}", self.method, self.target);
        if let Some(body) = &self.body {
            out.push('\n');
            out.push_str(&serde_json::to_string_pretty(body).unwrap());
        }
        out
    }
}

/// When a scripted fault answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultMode {
    /// Instead of the real handling.
    Instead,
    /// After the real handling took effect: the effect happened but the
    /// client sees the fault (a 502 from a proxy after the create went
    /// through).
    After,
    /// After the real handling, never answer: the client is cut off as if
    /// it crashed right after sending.
    AfterThenHang,
}

/// A header value computed when the fault fires.
#[derive(Debug, Clone)]
pub enum HeaderSpec {
    Fixed(String),
    /// Unix seconds this far from the moment of answering, rounded up.
    EpochSecondsFromNow(u64),
}

#[derive(Debug, Clone)]
pub struct Fault {
    pub method: Method,
    pub path: String,
    pub mode: FaultMode,
    pub status: u16,
    pub headers: Vec<(&'static str, HeaderSpec)>,
    pub body: Value,
    /// How many matching requests it answers.
    pub times: usize,
}

impl Fault {
    pub fn new(method: Method, path: &str, status: u16, body: Value) -> Self {
        Fault {
            method,
            path: path.to_owned(),
            mode: FaultMode::Instead,
            status,
            headers: Vec::new(),
            body,
            times: 1,
        }
    }

    pub fn mode(mut self, mode: FaultMode) -> Self {
        self.mode = mode;
        self
    }

    pub fn header(mut self, name: &'static str, value: HeaderSpec) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn times(mut self, times: usize) -> Self {
        self.times = times;
        self
    }

    pub fn response(&self) -> Response {
        let mut response = json_response(self.status, self.body.clone());
        for (name, spec) in &self.headers {
            let value = match spec {
                HeaderSpec::Fixed(v) => v.clone(),
                HeaderSpec::EpochSecondsFromNow(secs) => {
                    let now = SystemTime::now()
                        .duration_since(SystemTime::UNIX_EPOCH)
                        .unwrap();
                    // Rounded up so the reset is at least `secs` away.
                    (now.as_secs() + u64::from(now.subsec_nanos() > 0) + secs).to_string()
                }
            };
            response.headers_mut().insert(*name, value.parse().unwrap());
        }
        response
    }
}

/// The log and the pending faults of one fake.
#[derive(Debug, Default)]
pub struct Script {
    pub requests: Vec<Recorded>,
    pub faults: Vec<Fault>,
}

impl Script {
    pub fn record(&mut self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) {
        self.requests.push(Recorded {
            method: method.clone(),
            target: uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            path: uri.path().to_owned(),
            headers: headers.clone(),
            body: if body.is_empty() {
                None
            } else {
                Some(
                    serde_json::from_slice(body)
                        .unwrap_or(Value::String(String::from_utf8_lossy(body).into_owned())),
                )
            },
            at: SystemTime::now(),
        });
    }

    /// The next fault for this request, consuming one of its uses.
    pub fn take_fault(&mut self, method: &Method, path: &str) -> Option<Fault> {
        let index = self
            .faults
            .iter()
            .position(|f| f.method == method && f.path == path && f.times > 0)?;
        let fault = self.faults[index].clone();
        self.faults[index].times -= 1;
        if self.faults[index].times == 0 {
            self.faults.remove(index);
        }
        Some(fault)
    }

    pub fn count(&self, method: Method, path: &str) -> usize {
        self.requests
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }
}

/// Applies a fault around `handle`.
pub async fn with_faults(
    script: &Arc<Mutex<Script>>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    handle: impl FnOnce() -> Response,
) -> Response {
    let fault = {
        let mut script = script.lock().unwrap();
        script.record(method, uri, headers, body);
        script.take_fault(method, uri.path())
    };
    match fault {
        None => handle(),
        Some(fault) => match fault.mode {
            FaultMode::Instead => fault.response(),
            FaultMode::After => {
                let _ = handle();
                fault.response()
            }
            FaultMode::AfterThenHang => {
                let _ = handle();
                std::future::pending::<()>().await;
                unreachable!()
            }
        },
    }
}

pub async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    addr
}

/// Settings for a fake on `addr`: short backoffs, rate limits waited up to
/// five seconds.
pub fn settings(kind: ForgeKind, repository: &str, api_url: String, token: &str) -> ForgeSettings {
    let mut s = ForgeSettings::new(kind, repository);
    s.api_url = Some(api_url);
    s.token = Some(SecretString::from(token.to_owned()));
    s.timeout = Duration::from_secs(5);
    s.max_retries = 3;
    s.retry_base = Duration::from_millis(10);
    s.retry_max = Duration::from_millis(40);
    s.rate_limit_max_wait = Duration::from_secs(5);
    s
}

pub fn json_response(status: u16, body: Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub fn segments(path: &str) -> Vec<String> {
    path.trim_start_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

pub fn query(uri: &Uri) -> Vec<(String, String)> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

pub fn query_value(uri: &Uri, key: &str) -> Option<String> {
    query(uri)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}
