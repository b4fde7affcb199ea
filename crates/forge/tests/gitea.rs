//! `GiteaForge` against a fake Gitea keeping pull requests and labels in
//! memory. The fake caps pages at two items, as a server with a small
//! `MAX_RESPONSE_ITEMS` would, so pagination is exercised.

mod support;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use support::{Fault, FaultMode, Script, json_response, query_value, segments, serve, with_faults};
use tracefix_forge::{
    Forge, ForgeError, ForgeKind, ForgeSettings, GiteaForge, PrState, PullRequestRequest,
    Resolution, forge_from_settings,
};

const TOKEN: &str = "gitea-faketoken-123456";
const PAGE_CAP: usize = 2;

#[derive(Debug, Clone)]
struct FakePull {
    number: u64,
    title: String,
    body: String,
    head: String,
    head_repo: String,
    base: String,
    open: bool,
    merged: bool,
    merge_commit_sha: Option<String>,
    labels: BTreeSet<u64>,
}

#[derive(Debug, Default)]
struct GiteaState {
    pulls: Vec<FakePull>,
    labels: Vec<(u64, String)>,
}

#[derive(Clone)]
struct Fake {
    script: Arc<Mutex<Script>>,
    state: Arc<Mutex<GiteaState>>,
    url: String,
}

impl Fake {
    async fn start() -> Fake {
        let fake = Fake {
            script: Arc::default(),
            state: Arc::default(),
            url: String::new(),
        };
        let addr = serve(Router::new().fallback(handle).with_state(fake.clone())).await;
        Fake {
            url: format!("http://{addr}/api/v1"),
            ..fake
        }
    }

    fn settings(&self) -> ForgeSettings {
        support::settings(ForgeKind::Gitea, "acme/shop", self.url.clone(), TOKEN)
    }

    fn client(&self) -> GiteaForge {
        GiteaForge::new(&self.settings()).unwrap()
    }

    fn pulls(&self) -> Vec<FakePull> {
        self.state.lock().unwrap().pulls.clone()
    }

    fn add(&self, head: &str, head_repo: &str, title: &str) -> u64 {
        let mut state = self.state.lock().unwrap();
        let number = state.pulls.len() as u64 + 1;
        state.pulls.push(FakePull {
            number,
            title: title.into(),
            body: String::new(),
            head: head.into(),
            head_repo: head_repo.into(),
            base: "main".into(),
            open: true,
            merged: false,
            merge_commit_sha: None,
            labels: BTreeSet::new(),
        });
        number
    }

    fn label(&self, name: &str) -> u64 {
        let mut state = self.state.lock().unwrap();
        let id = 100 + state.labels.len() as u64;
        state.labels.push((id, name.into()));
        id
    }

    fn label_names(&self, number: u64) -> BTreeSet<String> {
        let state = self.state.lock().unwrap();
        let pull = state.pulls.iter().find(|p| p.number == number).unwrap();
        pull.labels
            .iter()
            .map(|id| {
                state
                    .labels
                    .iter()
                    .find(|(i, _)| i == id)
                    .unwrap()
                    .1
                    .clone()
            })
            .collect()
    }
}

fn pull_json(base: &str, pull: &FakePull) -> Value {
    json!({
        "id": 5000 + pull.number,
        "number": pull.number,
        "title": pull.title,
        "body": pull.body,
        "state": if pull.open { "open" } else { "closed" },
        "merged": pull.merged,
        "merge_commit_sha": pull.merge_commit_sha,
        "html_url": format!("{base}/acme/shop/pulls/{}", pull.number),
        "head": {"ref": pull.head, "label": pull.head, "repo": {"full_name": pull.head_repo}},
        "base": {"ref": pull.base, "repo": {"full_name": "acme/shop"}},
    })
}

/// One page of `items` as Gitea pages them (1-based, limit capped).
fn page<T: Clone>(uri: &Uri, items: &[T]) -> Vec<T> {
    let page: usize = query_value(uri, "page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let limit: usize = query_value(uri, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(PAGE_CAP)
        .min(PAGE_CAP);
    items
        .iter()
        .skip((page - 1) * limit)
        .take(limit)
        .cloned()
        .collect()
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
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("token {TOKEN}"))
    {
        return json_response(
            401,
            json!({"message": "token is required", "url": "https://gitea.example.com/api/swagger"}),
        );
    }
    let base = fake.url.trim_end_matches("/api/v1").to_owned();
    let json_body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let segs = segments(uri.path());
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let ["api", "v1", "repos", "acme", "shop", rest @ ..] = segs.as_slice() else {
        return json_response(
            404,
            json!({"message": "The target couldn't be found.", "errors": []}),
        );
    };
    let mut state = fake.state.lock().unwrap();
    let find =
        |state: &GiteaState, n: &str| state.pulls.iter().position(|p| p.number.to_string() == n);
    match (method.as_str(), rest) {
        ("GET", []) => json_response(
            200,
            json!({"full_name": "acme/shop", "default_branch": "main"}),
        ),
        ("GET", ["labels"]) => {
            let all: Vec<Value> = state
                .labels
                .iter()
                .map(|(id, name)| json!({"id": id, "name": name, "color": "ededed"}))
                .collect();
            json_response(200, Value::Array(page(uri, &all)))
        }
        ("POST", ["labels"]) => {
            let name = json_body["name"].as_str().unwrap_or_default().to_owned();
            if json_body["color"].as_str().is_none_or(|c| c.is_empty()) {
                return json_response(422, json!({"message": "Color is required"}));
            }
            let id = 100 + state.labels.len() as u64;
            state.labels.push((id, name.clone()));
            json_response(201, json!({"id": id, "name": name, "color": "ededed"}))
        }
        ("GET", ["pulls"]) => {
            let open_only = query_value(uri, "state").as_deref() == Some("open");
            let all: Vec<Value> = state
                .pulls
                .iter()
                .filter(|p| !open_only || p.open)
                .map(|p| pull_json(&base, p))
                .collect();
            json_response(200, Value::Array(page(uri, &all)))
        }
        ("POST", ["pulls"]) => {
            let head = json_body["head"].as_str().unwrap_or_default().to_owned();
            let base_branch = json_body["base"].as_str().unwrap_or_default().to_owned();
            if state.pulls.iter().any(|p| {
                p.open && p.head == head && p.base == base_branch && p.head_repo == "acme/shop"
            }) {
                return json_response(
                    409,
                    json!({"message": "pull request already exists for these targets", "url": "x"}),
                );
            }
            let labels: BTreeSet<u64> = json_body["labels"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64)
                .collect();
            if labels
                .iter()
                .any(|id| !state.labels.iter().any(|(i, _)| i == id))
            {
                return json_response(422, json!({"message": "label does not exist"}));
            }
            let pull = FakePull {
                number: state.pulls.len() as u64 + 1,
                title: json_body["title"].as_str().unwrap_or_default().into(),
                body: json_body["body"].as_str().unwrap_or_default().into(),
                head,
                head_repo: "acme/shop".into(),
                base: base_branch,
                open: true,
                merged: false,
                merge_commit_sha: None,
                labels,
            };
            state.pulls.push(pull.clone());
            json_response(201, pull_json(&base, &pull))
        }
        ("PATCH", ["pulls", n]) => {
            let Some(i) = find(&state, n) else {
                return json_response(404, json!({"message": "not found"}));
            };
            let pull = &mut state.pulls[i];
            if let Some(title) = json_body["title"].as_str() {
                pull.title = title.into();
            }
            if let Some(body) = json_body["body"].as_str() {
                pull.body = body.into();
            }
            json_response(201, pull_json(&base, pull))
        }
        ("GET", ["pulls", n]) => match find(&state, n) {
            Some(i) => json_response(200, pull_json(&base, &state.pulls[i])),
            None => json_response(
                404,
                json!({"message": "pull request does not exist [id: 0, issue_id: 0, head_repo_id: 0, base_repo_id: 0, head_branch: , base_branch: ]"}),
            ),
        },
        ("POST", ["issues", n, "labels"]) => {
            let Some(i) = find(&state, n) else {
                return json_response(404, json!({"message": "not found"}));
            };
            let ids: Vec<u64> = json_body["labels"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64)
                .collect();
            state.pulls[i].labels.extend(ids);
            json_response(200, json!([]))
        }
        _ => json_response(404, json!({"message": "The target couldn't be found."})),
    }
}

fn request() -> PullRequestRequest {
    let mut req =
        PullRequestRequest::draft("tracefix/g-3", "Fix nil map in checkout", "Seen 40 times.");
    req.labels.push("bug".into());
    req
}

#[tokio::test]
async fn first_pull_request_with_labels_by_id_and_a_wip_title() {
    let fake = Fake::start().await;
    // Three other open pull requests and labels spread over several pages.
    for branch in ["feature/a", "feature/b", "feature/c"] {
        fake.add(branch, "acme/shop", branch);
    }
    fake.label("ui");
    fake.label("backend");
    let bug = fake.label("bug");
    let forge = forge_from_settings(&fake.settings()).unwrap().unwrap();
    assert_eq!(forge.kind(), "gitea");

    let (pr, created) = forge.open_or_update(&request()).await.unwrap();

    assert!(created);
    assert_eq!((pr.number, pr.state, pr.draft), (4, PrState::Open, true));
    assert_eq!(
        (pr.head_branch.as_str(), pr.base_branch.as_str()),
        ("tracefix/g-3", "main")
    );
    assert_eq!(fake.pulls()[3].title, "WIP: Fix nil map in checkout");
    assert_eq!(
        fake.label_names(4),
        BTreeSet::from(["bug".to_owned(), "tracefix".to_owned()])
    );
    let posted = fake
        .script
        .lock()
        .unwrap()
        .requests
        .iter()
        .find(|r| r.method == Method::POST && r.path.ends_with("/pulls"))
        .unwrap()
        .clone();
    let labels = posted.body.as_ref().unwrap()["labels"]
        .as_array()
        .unwrap()
        .clone();
    assert!(labels.contains(&json!(bug)));
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
async fn an_open_pull_request_on_a_later_page_is_updated() {
    let fake = Fake::start().await;
    for branch in ["feature/a", "feature/b", "feature/c"] {
        fake.add(branch, "acme/shop", branch);
    }
    fake.add("tracefix/g-3", "mallory/shop", "fork");
    let ours = fake.add("tracefix/g-3", "acme/shop", "WIP: old title");
    fake.label("tracefix");
    let (pr, created) = fake.client().open_or_update(&request()).await.unwrap();
    assert!(!created);
    assert_eq!(pr.number, ours);
    assert!(pr.draft);
    let stored = &fake.pulls()[ours as usize - 1];
    assert_eq!(stored.title, "WIP: Fix nil map in checkout");
    assert_eq!(stored.body, "Seen 40 times.");
    assert_eq!(
        fake.label_names(ours),
        BTreeSet::from(["bug".to_owned(), "tracefix".to_owned()])
    );
    assert_eq!(fake.pulls().len(), 5);
    assert_eq!(
        fake.script
            .lock()
            .unwrap()
            .count(Method::POST, "/api/v1/repos/acme/shop/pulls"),
        0
    );
}

#[tokio::test]
async fn created_but_the_answer_was_lost_adopts_the_pull_request() {
    let fake = Fake::start().await;
    fake.script.lock().unwrap().faults.push(
        Fault::new(
            Method::POST,
            "/api/v1/repos/acme/shop/pulls",
            502,
            json!({"message": "bad gateway"}),
        )
        .mode(FaultMode::After),
    );
    let (pr, created) = fake.client().open_or_update(&request()).await.unwrap();
    assert!(!created);
    assert_eq!(pr.number, 1);
    assert_eq!(fake.pulls().len(), 1);
    // The second call just updates.
    let (again, created) = fake.client().open_or_update(&request()).await.unwrap();
    assert!(!created && again.number == 1);
    assert_eq!(fake.pulls().len(), 1);
}

#[tokio::test]
async fn merged_and_closed_pull_requests_when_polled() {
    let fake = Fake::start().await;
    let merged = fake.add("tracefix/g-1", "acme/shop", "a");
    let closed = fake.add("tracefix/g-2", "acme/shop", "b");
    {
        let mut state = fake.state.lock().unwrap();
        state.pulls[0].open = false;
        state.pulls[0].merged = true;
        state.pulls[0].merge_commit_sha = Some("c0ffee".into());
        state.pulls[1].open = false;
    }
    let forge = fake.client();
    let pr = forge.get(merged).await.unwrap();
    assert_eq!(
        pr.resolution(),
        Resolution::Resolved {
            merge_commit: Some("c0ffee".into())
        }
    );
    let pr = forge.get(closed).await.unwrap();
    assert_eq!(
        (pr.state, pr.resolution()),
        (PrState::Closed, Resolution::NeedsHuman)
    );
    assert_eq!(forge.find_open("tracefix/g-1").await.unwrap(), None);
    let err = forge.get(9).await.unwrap_err();
    assert!(
        matches!(&err, ForgeError::Http { status: 404, message } if message.starts_with("pull request does not exist")),
        "{err:?}"
    );
}

#[tokio::test]
async fn refused_token_and_missing_settings() {
    let fake = Fake::start().await;
    let mut settings = fake.settings();
    settings.token = Some("wrong-token-000000".to_owned().into());
    let err = GiteaForge::new(&settings)
        .unwrap()
        .default_branch()
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "HTTP 401: token is required");
    let mut no_url = fake.settings();
    no_url.api_url = None;
    assert!(
        GiteaForge::new(&no_url)
            .unwrap_err()
            .to_string()
            .contains("forge.api_url is required")
    );
}
