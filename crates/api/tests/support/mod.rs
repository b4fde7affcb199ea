//! A router over a real SQLite store in a temp dir, driven in-process.

#![allow(dead_code)] // each test file uses a part

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use secrecy::SecretString;
use serde_json::{Value, json};
use tower::ServiceExt;
use tracefix_api::{ApiConfig, HttpMethod, Route, router};
use tracefix_store::{
    GroupStatus, JobFilter, NewAttempt, Occurrence, Proposal, ProposalState, Store, StoreOptions,
};
use tracefix_store_sqlite::SqliteStore;
use uuid::Uuid;

pub const TOKEN: &str = "test-token-0123456789";
pub const HOUR: i64 = 3_600_000;
pub const VISIBILITY: Duration = Duration::from_secs(60);

pub struct Api {
    pub store: Arc<dyn Store>,
    pub app: Router,
    _dir: tempfile::TempDir,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

impl Answer {
    /// The `error` message of an error answer.
    pub fn error(&self) -> &str {
        self.json["error"]
            .as_str()
            .unwrap_or_else(|| panic!("an error answer, got {}: {}", self.status, self.json))
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

impl Api {
    /// An API with the bearer token [`TOKEN`]; jobs get one attempt so a
    /// nack makes them dead.
    pub async fn new() -> Api {
        Api::with_config(ApiConfig {
            token: Some(SecretString::from(TOKEN)),
            public_url: None,
        })
        .await
    }

    pub async fn with_config(config: ApiConfig) -> Api {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("store.db").display());
        let store = SqliteStore::open(
            &url,
            StoreOptions {
                max_attempts: 1,
                ..StoreOptions::default()
            },
        )
        .await
        .unwrap();
        let store: Arc<dyn Store> = Arc::new(store);
        let app = router(store.clone(), config);
        Api {
            store,
            app,
            _dir: dir,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Answer {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            builder = builder.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some((content_type, bytes)) => {
                if !content_type.is_empty() {
                    builder = builder.header(CONTENT_TYPE, content_type);
                }
                builder.body(Body::from(bytes)).unwrap()
            }
            None => builder.body(Body::empty()).unwrap(),
        };
        self.send(request).await
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
        };
        Answer {
            status,
            headers,
            json,
        }
    }

    pub async fn get(&self, uri: &str) -> Answer {
        self.request(Method::GET, uri, Some(TOKEN), None).await
    }

    pub async fn post(&self, uri: &str) -> Answer {
        self.request(Method::POST, uri, Some(TOKEN), None).await
    }

    pub async fn put_json(&self, uri: &str, body: &str) -> Answer {
        self.request(
            Method::PUT,
            uri,
            Some(TOKEN),
            Some(("application/json", body.as_bytes().to_vec())),
        )
        .await
    }

    /// Calls `route` with a fresh id in its path and a valid body.
    pub async fn call_route(&self, route: &Route, token: Option<&str>) -> Answer {
        let uri = route.path.replace("{id}", &Uuid::now_v7().to_string());
        let body = (route.method == HttpMethod::Put)
            .then(|| ("application/json", br#"{"paused": false}"#.to_vec()));
        self.request(route.method.as_http(), &uri, token, body)
            .await
    }

    /// Records `events` and returns the group of each fingerprint.
    pub async fn record(&self, events: &[Occurrence]) {
        self.store.record_occurrences(events, None).await.unwrap();
    }

    pub async fn group_id(&self, fingerprint: &str) -> Uuid {
        self.store
            .group_by_fingerprint(fingerprint, 1)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    pub async fn status_of(&self, id: Uuid) -> GroupStatus {
        self.store.group(id).await.unwrap().unwrap().status
    }

    /// Moves a group along `path` by compare-and-set.
    pub async fn walk(&self, id: Uuid, path: &[GroupStatus]) {
        for pair in path.windows(2) {
            let reason = (pair[1] == GroupStatus::Failed).then_some("tests failed");
            assert!(
                self.store
                    .set_group_status(id, pair[0], pair[1], reason)
                    .await
                    .unwrap(),
                "{} -> {}",
                pair[0],
                pair[1]
            );
        }
    }

    /// Leases the group's fix job and moves the group to `fixing`, as a
    /// worker does; returns the lease.
    pub async fn start_fixing(&self, id: Uuid) -> tracefix_store::Lease {
        let leased = self.store.lease("worker-1", 100, VISIBILITY).await.unwrap();
        let mut mine = None;
        for l in leased {
            if l.job.group_id == Some(id) {
                mine = Some(l);
            } else {
                // Not this group's: given back untried.
                self.store.release(&l.lease).await.unwrap();
            }
        }
        let mine = mine.expect("the group's fix job is leasable");
        let from = self.status_of(id).await;
        self.walk(id, &[from, GroupStatus::Fixing]).await;
        mine.lease
    }

    pub async fn jobs_of(&self, id: Uuid) -> Vec<tracefix_store::Job> {
        self.store
            .list_jobs(&JobFilter {
                group_id: Some(id),
                ..JobFilter::default()
            })
            .await
            .unwrap()
    }
}

/// A Python event; `fingerprint` also names the exception message.
pub fn occurrence(fingerprint: &str, timestamp_ms: i64) -> Occurrence {
    Occurrence {
        fingerprint: fingerprint.into(),
        fingerprint_version: 1,
        language: "python".into(),
        exception_type: "KeyError".into(),
        exception_message: format!("'{fingerprint}'"),
        frames: json!([
            { "file": "/srv/app/views.py", "path": "views.py", "line": 20, "function": "checkout", "in_app": true },
            { "file": "/srv/app/shop.py", "path": "shop.py", "line": 8, "function": "price_of", "in_app": true },
        ]),
        timestamp_ms,
        source: "logs/app.log".into(),
        sample: format!("KeyError: '{fingerprint}'"),
    }
}

pub fn with(
    base: Occurrence,
    language: &str,
    exception_type: &str,
    exception_message: &str,
) -> Occurrence {
    Occurrence {
        language: language.into(),
        exception_type: exception_type.into(),
        exception_message: exception_message.into(),
        ..base
    }
}

pub async fn add_attempt_and_proposal(api: &Api, id: Uuid) {
    let job = api.jobs_of(id).await[0].id;
    api.store
        .insert_attempt(&NewAttempt {
            job_id: job,
            group_id: Some(id),
            started_at: 1_767_225_600_000,
            finished_at: Some(1_767_225_660_000),
            outcome: "validated".into(),
            details: json!({
                "outcome": "validated",
                "model": "test-model",
                "input_tokens": 1200,
                "output_tokens": 300,
                "cost_usd": 0.0042,
                "answer": "the raw model answer stays out of the API",
                "diff": "--- a/shop.py\n+++ b/shop.py\n@@ -8 +8 @@\n-    return PRICES[sku]\n+    return PRICES.get(sku, 0)\n",
                "explanation": "An unknown SKU raised KeyError; it now prices at 0.",
                "test_output": "3 passed",
                "test_command": "pytest -q",
                "files_changed": ["shop.py"],
                "branch": "tracefix/abc-keyerror",
                "commit": "c0ffee",
            }),
        })
        .await
        .unwrap();
    api.store
        .save_proposal(&Proposal {
            group_id: id,
            branch: "tracefix/abc-keyerror".into(),
            head_commit: "c0ffee".into(),
            forge: "github".into(),
            state: ProposalState::Open,
            number: Some(7),
            url: Some("https://github.example/shop/pull/7".into()),
            merge_commit: None,
            created_at: 1_767_225_660_000,
            updated_at: 1_767_225_660_000,
        })
        .await
        .unwrap();
}

/// Replaces what changes from run to run (ids, times) with placeholders,
/// for snapshots.
pub fn redact(value: &Value) -> Value {
    match value {
        Value::String(s) if Uuid::try_parse(s).is_ok() => Value::from("[id]"),
        Value::String(s) if s.parse::<jiff::Timestamp>().is_ok() => Value::from("[time]"),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), redact(v))).collect())
        }
        other => other.clone(),
    }
}
