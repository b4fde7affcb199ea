//! `GitlabForge` against a fake GitLab keeping merge requests in memory.

mod support;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use support::{
    Fault, FaultMode, HeaderSpec, Script, json_response, query_value, serve, with_faults,
};
use tracefix_forge::{
    Forge, ForgeError, ForgeKind, ForgeSettings, GitlabForge, PrState, PullRequestRequest,
    Resolution, forge_from_settings,
};

const TOKEN: &str = "glpat-faketoken12345";
/// The project path as GitLab wants it in URLs: one encoded segment.
const PROJECT: &str = "/api/v4/projects/acme%2Fbackend%2Fshop";
const PROJECT_ID: u64 = 31;

#[derive(Debug, Clone)]
struct FakeMr {
    iid: u64,
    title: String,
    description: String,
    source: String,
    source_project_id: u64,
    target: String,
    /// opened | closed | merged
    state: String,
    merge_commit_sha: Option<String>,
    labels: BTreeSet<String>,
}

#[derive(Clone)]
struct Fake {
    script: Arc<Mutex<Script>>,
    mrs: Arc<Mutex<Vec<FakeMr>>>,
    url: String,
}

impl Fake {
    async fn start() -> Fake {
        let fake = Fake {
            script: Arc::default(),
            mrs: Arc::default(),
            url: String::new(),
        };
        let addr = serve(Router::new().fallback(handle).with_state(fake.clone())).await;
        Fake {
            url: format!("http://{addr}/api/v4"),
            ..fake
        }
    }

    fn settings(&self) -> ForgeSettings {
        support::settings(
            ForgeKind::Gitlab,
            "acme/backend/shop",
            self.url.clone(),
            TOKEN,
        )
    }

    fn client(&self) -> GitlabForge {
        GitlabForge::new(&self.settings()).unwrap()
    }

    fn mrs(&self) -> Vec<FakeMr> {
        self.mrs.lock().unwrap().clone()
    }

    fn add(&self, source: &str, source_project_id: u64, title: &str, state: &str) -> u64 {
        let mut mrs = self.mrs.lock().unwrap();
        let iid = mrs.len() as u64 + 1;
        mrs.push(FakeMr {
            iid,
            title: title.into(),
            description: String::new(),
            source: source.into(),
            source_project_id,
            target: "main".into(),
            state: state.into(),
            merge_commit_sha: None,
            labels: BTreeSet::from(["triage".to_owned()]),
        });
        iid
    }
}

fn mr_json(base: &str, mr: &FakeMr) -> Value {
    json!({
        "id": 1000 + mr.iid,
        "iid": mr.iid,
        "project_id": PROJECT_ID,
        "source_project_id": mr.source_project_id,
        "title": mr.title,
        "description": mr.description,
        "state": mr.state,
        "source_branch": mr.source,
        "target_branch": mr.target,
        "draft": mr.title.starts_with("Draft:"),
        "work_in_progress": mr.title.starts_with("Draft:"),
        "merge_commit_sha": mr.merge_commit_sha,
        "squash_commit_sha": null,
        "sha": format!("head{}", mr.iid),
        "labels": mr.labels,
        "web_url": format!("{base}/acme/backend/shop/-/merge_requests/{}", mr.iid),
    })
}

fn labels_of(value: &Value) -> impl Iterator<Item = String> + '_ {
    value
        .as_str()
        .unwrap_or_default()
        .split(',')
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
}

async fn handle(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let script = fake.script.clone();
    with_faults(&script, &method, &uri, &headers, &body, || {
        route(&fake, &method, &uri, &headers, &body)
    })
    .await
}

fn route(fake: &Fake, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Response {
    if headers.get("private-token").and_then(|v| v.to_str().ok()) != Some(TOKEN) {
        return json_response(401, json!({"message": "401 Unauthorized"}));
    }
    let base = fake.url.trim_end_matches("/api/v4").to_owned();
    let json_body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let Some(rest) = uri.path().strip_prefix(PROJECT) else {
        return json_response(404, json!({"message": "404 Project Not Found"}));
    };
    let mut mrs = fake.mrs.lock().unwrap();
    let rest: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match (method.as_str(), rest.as_slice()) {
        ("GET", []) => json_response(
            200,
            json!({"id": PROJECT_ID, "path_with_namespace": "acme/backend/shop", "default_branch": "develop"}),
        ),
        ("GET", ["merge_requests"]) => {
            let state = query_value(uri, "state");
            let source = query_value(uri, "source_branch");
            let list: Vec<Value> = mrs
                .iter()
                .filter(|m| state.as_ref().is_none_or(|s| *s == m.state))
                .filter(|m| source.as_ref().is_none_or(|s| *s == m.source))
                .map(|m| mr_json(&base, m))
                .collect();
            json_response(200, Value::Array(list))
        }
        ("POST", ["merge_requests"]) => {
            let source = json_body["source_branch"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if let Some(existing) = mrs.iter().find(|m| {
                m.state == "opened" && m.source == source && m.source_project_id == PROJECT_ID
            }) {
                return json_response(
                    409,
                    json!({"message": [format!("Another open merge request already exists for this source branch: !{}", existing.iid)]}),
                );
            }
            let mr = FakeMr {
                iid: mrs.len() as u64 + 1,
                title: json_body["title"].as_str().unwrap_or_default().into(),
                description: json_body["description"].as_str().unwrap_or_default().into(),
                source,
                source_project_id: PROJECT_ID,
                target: json_body["target_branch"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                state: "opened".into(),
                merge_commit_sha: None,
                labels: labels_of(&json_body["labels"]).collect(),
            };
            mrs.push(mr.clone());
            json_response(201, mr_json(&base, &mr))
        }
        ("PUT", ["merge_requests", iid]) => {
            let Some(mr) = mrs.iter_mut().find(|m| m.iid.to_string() == *iid) else {
                return json_response(404, json!({"message": "404 Not found"}));
            };
            if let Some(title) = json_body["title"].as_str() {
                mr.title = title.into();
            }
            if let Some(description) = json_body["description"].as_str() {
                mr.description = description.into();
            }
            mr.labels.extend(labels_of(&json_body["add_labels"]));
            json_response(200, mr_json(&base, mr))
        }
        ("GET", ["merge_requests", iid]) => match mrs.iter().find(|m| m.iid.to_string() == *iid) {
            Some(mr) => json_response(200, mr_json(&base, mr)),
            None => json_response(404, json!({"message": "404 Not found"})),
        },
        _ => json_response(404, json!({"error": "404 Not Found"})),
    }
}

fn request() -> PullRequestRequest {
    PullRequestRequest::draft(
        "tracefix/g-7",
        "Fix KeyError in orders.ship",
        "Seen 3 times.",
    )
}

#[tokio::test]
async fn first_merge_request_is_a_labelled_draft_against_the_default_branch() {
    let fake = Fake::start().await;
    let forge = forge_from_settings(&fake.settings()).unwrap().unwrap();
    assert_eq!(forge.kind(), "gitlab");
    let (mr, created) = forge.open_or_update(&request()).await.unwrap();
    assert!(created);
    assert_eq!((mr.number, mr.state, mr.draft), (1, PrState::Open, true));
    assert_eq!(
        (mr.head_branch.as_str(), mr.base_branch.as_str()),
        ("tracefix/g-7", "develop")
    );
    assert!(
        mr.url.ends_with("/acme/backend/shop/-/merge_requests/1"),
        "{}",
        mr.url
    );
    let stored = &fake.mrs()[0];
    assert_eq!(stored.title, "Draft: Fix KeyError in orders.ship");
    assert_eq!(stored.labels, BTreeSet::from(["tracefix".to_owned()]));
    let log: Vec<String> = fake
        .script
        .lock()
        .unwrap()
        .requests
        .iter()
        .map(|r| r.describe())
        .collect();
    insta::assert_snapshot!(log.join("\n\n"));
}

#[tokio::test]
async fn an_open_merge_request_is_updated_keeping_its_draft_state() {
    let fake = Fake::start().await;
    fake.add("tracefix/g-7", 99, "a fork's MR", "opened");
    fake.add("tracefix/g-7", PROJECT_ID, "old", "closed");
    // Marked ready by a human: the update must not turn it back into a draft.
    let ready = fake.add("tracefix/g-7", PROJECT_ID, "Fix (ready)", "opened");
    let (mr, created) = fake.client().open_or_update(&request()).await.unwrap();
    assert!(!created);
    assert_eq!(mr.number, ready);
    assert!(!mr.draft);
    let stored = &fake.mrs()[2];
    assert_eq!(stored.title, "Fix KeyError in orders.ship");
    assert_eq!(stored.description, "Seen 3 times.");
    assert_eq!(
        stored.labels,
        BTreeSet::from(["tracefix".to_owned(), "triage".to_owned()])
    );
    assert_eq!(fake.mrs().len(), 3, "no new merge request");

    // A draft one stays a draft.
    let fake = Fake::start().await;
    let draft = fake.add("tracefix/g-7", PROJECT_ID, "Draft: old", "opened");
    let (mr, created) = fake.client().open_or_update(&request()).await.unwrap();
    assert!(!created && mr.number == draft && mr.draft);
    assert_eq!(fake.mrs()[0].title, "Draft: Fix KeyError in orders.ship");
    let put = fake
        .script
        .lock()
        .unwrap()
        .requests
        .iter()
        .find(|r| r.method == Method::PUT)
        .unwrap()
        .describe();
    insta::assert_snapshot!(put);
}

#[tokio::test]
async fn created_but_the_answer_was_lost_adopts_the_merge_request() {
    let fake = Fake::start().await;
    fake.script.lock().unwrap().faults.push(
        Fault::new(
            Method::POST,
            &format!("{PROJECT}/merge_requests"),
            500,
            json!({"message": "500 Internal Server Error"}),
        )
        .mode(FaultMode::After),
    );
    let (mr, created) = fake.client().open_or_update(&request()).await.unwrap();
    assert!(!created);
    assert_eq!(mr.number, 1);
    assert_eq!(fake.mrs().len(), 1);
    assert_eq!(
        fake.script
            .lock()
            .unwrap()
            .count(Method::POST, &format!("{PROJECT}/merge_requests")),
        2
    );
}

#[tokio::test]
async fn rate_limit_429_with_ratelimit_reset() {
    let fake = Fake::start().await;
    fake.script.lock().unwrap().faults.push(
        Fault::new(Method::GET, PROJECT, 429, json!({"message": "Retry later"}))
            .header("ratelimit-remaining", HeaderSpec::Fixed("0".into()))
            .header("ratelimit-reset", HeaderSpec::EpochSecondsFromNow(0)),
    );
    let started = Instant::now();
    assert_eq!(fake.client().default_branch().await.unwrap(), "develop");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(fake.script.lock().unwrap().count(Method::GET, PROJECT), 2);
}

#[tokio::test]
async fn merged_and_closed_merge_requests_when_polled() {
    let fake = Fake::start().await;
    let merged = fake.add("tracefix/g-1", PROJECT_ID, "a", "merged");
    fake.mrs.lock().unwrap()[0].merge_commit_sha = Some("0a1b2c3d".into());
    let closed = fake.add("tracefix/g-2", PROJECT_ID, "b", "closed");
    let forge = fake.client();
    let mr = forge.get(merged).await.unwrap();
    assert_eq!(mr.state, PrState::Merged);
    assert_eq!(
        mr.resolution(),
        Resolution::Resolved {
            merge_commit: Some("0a1b2c3d".into())
        }
    );
    let mr = forge.get(closed).await.unwrap();
    assert_eq!(
        (mr.state, mr.merge_commit.clone(), mr.resolution()),
        (PrState::Closed, None, Resolution::NeedsHuman)
    );
    assert_eq!(forge.find_open("tracefix/g-2").await.unwrap(), None);
    let err = forge.get(42).await.unwrap_err();
    assert!(
        matches!(&err, ForgeError::Http { status: 404, message } if message == "404 Not found"),
        "{err:?}"
    );
}

#[tokio::test]
async fn refused_token_surfaces_gitlabs_message() {
    let fake = Fake::start().await;
    let mut settings = fake.settings();
    settings.token = Some("glpat-wrong000000".to_owned().into());
    let err = GitlabForge::new(&settings)
        .unwrap()
        .default_branch()
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "HTTP 401: 401 Unauthorized");
    let mut no_token = fake.settings();
    no_token.token = None;
    assert!(
        GitlabForge::new(&no_token)
            .unwrap_err()
            .to_string()
            .contains("GITLAB_TOKEN")
    );
}
