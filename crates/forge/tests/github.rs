//! `GithubForge` against a fake GitHub that keeps pull requests in memory,
//! checks headers and credentials like GitHub does, and answers faults on
//! request.

mod support;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use secrecy::SecretString;
use serde_json::{Value, json};
use support::{
    Fault, FaultMode, HeaderSpec, Script, json_response, query_value, segments, serve, with_faults,
};
use tracefix_forge::{
    Forge, ForgeError, ForgeKind, ForgeSettings, GithubForge, PrState, PullRequestRequest,
    Resolution, app_jwt, forge_from_settings,
};

const OWNER: &str = "acme";
const REPO: &str = "shop";
const TOKEN: &str = "ghp_faketoken1234567890";
const APP_ID: u64 = 4242;
const INSTALLATION: u64 = 77;
const PRIVATE_KEY: &str = include_str!("fixtures/test-app-key.pem");
const PRIVATE_KEY_PKCS8: &str = include_str!("fixtures/test-app-key.pkcs8.pem");
const PUBLIC_KEY: &str = include_str!("fixtures/test-app-key.pub.pem");

#[derive(Debug, Clone)]
struct FakePull {
    number: u64,
    title: String,
    body: String,
    head: String,
    head_repo: String,
    base: String,
    draft: bool,
    open: bool,
    merged: bool,
    merge_commit_sha: String,
    labels: BTreeSet<String>,
}

#[derive(Debug)]
struct GithubState {
    default_branch: String,
    drafts_supported: bool,
    pulls: Vec<FakePull>,
    /// Installation tokens issued to the App, and which are still valid.
    issued_tokens: Vec<String>,
    revoked: BTreeSet<String>,
    token_ttl: Duration,
}

#[derive(Clone)]
struct Fake {
    script: Arc<Mutex<Script>>,
    state: Arc<Mutex<GithubState>>,
    url: String,
}

impl Fake {
    async fn start() -> Fake {
        let fake = Fake {
            script: Arc::default(),
            state: Arc::new(Mutex::new(GithubState {
                default_branch: "main".into(),
                drafts_supported: true,
                pulls: Vec::new(),
                issued_tokens: Vec::new(),
                revoked: BTreeSet::new(),
                token_ttl: Duration::from_secs(3600),
            })),
            url: String::new(),
        };
        let router = Router::new().fallback(handle).with_state(fake.clone());
        let addr = serve(router).await;
        Fake {
            url: format!("http://{addr}/api/v3"),
            ..fake
        }
    }

    fn settings(&self) -> ForgeSettings {
        support::settings(ForgeKind::Github, "acme/shop", self.url.clone(), TOKEN)
    }

    fn client(&self) -> GithubForge {
        GithubForge::new(&self.settings()).unwrap()
    }

    fn fault(&self, fault: Fault) {
        self.script.lock().unwrap().faults.push(fault);
    }

    fn requests(&self) -> Vec<support::Recorded> {
        self.script.lock().unwrap().requests.clone()
    }

    fn count(&self, method: Method, path: &str) -> usize {
        self.script.lock().unwrap().count(method, path)
    }

    fn pulls(&self) -> Vec<FakePull> {
        self.state.lock().unwrap().pulls.clone()
    }

    fn open_pulls(&self) -> Vec<FakePull> {
        self.pulls().into_iter().filter(|p| p.open).collect()
    }

    fn add_pull(&self, head: &str, head_repo: &str, title: &str) -> u64 {
        let mut state = self.state.lock().unwrap();
        let number = state.pulls.len() as u64 + 1;
        state.pulls.push(FakePull {
            number,
            title: title.into(),
            body: "old body".into(),
            head: head.into(),
            head_repo: head_repo.into(),
            base: "main".into(),
            draft: false,
            open: true,
            merged: false,
            merge_commit_sha: format!("testmerge{number}"),
            labels: BTreeSet::from(["human".to_owned()]),
        });
        number
    }

    fn set_closed(&self, number: u64, merged_as: Option<&str>) {
        let mut state = self.state.lock().unwrap();
        let pull = state.pulls.iter_mut().find(|p| p.number == number).unwrap();
        pull.open = false;
        if let Some(sha) = merged_as {
            pull.merged = true;
            pull.merge_commit_sha = sha.into();
        }
    }
}

fn pull_json(base_url: &str, pull: &FakePull) -> Value {
    json!({
        "number": pull.number,
        "html_url": format!("{base_url}/acme/shop/pull/{}", pull.number),
        "state": if pull.open { "open" } else { "closed" },
        "title": pull.title,
        "body": pull.body,
        "draft": pull.draft,
        "merged": pull.merged,
        "merged_at": if pull.merged { json!("2026-11-02T10:00:00Z") } else { Value::Null },
        "merge_commit_sha": pull.merge_commit_sha,
        "head": {"ref": pull.head, "label": format!("{}:{}", pull.head_repo.split('/').next().unwrap(), pull.head), "repo": {"full_name": pull.head_repo}},
        "base": {"ref": pull.base, "repo": {"full_name": "acme/shop"}},
        "labels": pull.labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>(),
    })
}

fn message(status: u16, message: &str) -> Response {
    json_response(
        status,
        json!({"message": message, "documentation_url": "https://docs.github.com/rest"}),
    )
}

fn validation_failed(detail: &str) -> Response {
    json_response(
        422,
        json!({"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "custom", "message": detail}],
               "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"}),
    )
}

/// Verifies an App JWT as GitHub would: RS256 under the App's public key,
/// unexpired, issued by the App, valid for at most ten minutes.
/// Refusals are GitHub's 401 messages.
fn verify_app_jwt(headers: &HeaderMap) -> Result<(), String> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| "A JSON web token could not be decoded".to_owned())?;
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(PUBLIC_KEY.as_bytes()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[APP_ID.to_string()]);
    validation.set_required_spec_claims(&["exp", "iat", "iss"]);
    let data = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map_err(|e| format!("'Issuer' claim or signature invalid: {e}"))?;
    let iat = data.claims["iat"].as_u64().unwrap();
    let exp = data.claims["exp"].as_u64().unwrap();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    if exp - iat > 600 || iat > now {
        return Err("'Expiration time' claim ('exp') is too far in the future".to_owned());
    }
    Ok(())
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
    // GitHub refuses requests without a User-Agent.
    if headers.get("user-agent").is_none() {
        return message(
            403,
            "Request forbidden by administrative rules. Please make sure your request has a User-Agent header",
        );
    }
    if headers.get("accept").and_then(|v| v.to_str().ok()) != Some("application/vnd.github+json")
        || headers
            .get("x-github-api-version")
            .and_then(|v| v.to_str().ok())
            != Some("2022-11-28")
    {
        return message(
            400,
            "expected the GitHub media type and API version headers",
        );
    }
    let segs = segments(uri.path());
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let ["api", "v3", rest @ ..] = segs.as_slice() else {
        return message(404, "Not Found");
    };
    let base_url = fake.url.trim_end_matches("/api/v3").to_owned();
    let json_body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let mut state = fake.state.lock().unwrap();

    // App endpoints authenticate with the JWT.
    match (method.as_str(), rest) {
        ("GET", ["repos", OWNER, REPO, "installation"]) => {
            return match verify_app_jwt(headers) {
                Ok(()) => json_response(200, json!({"id": INSTALLATION, "app_id": APP_ID})),
                Err(refusal) => message(401, &refusal),
            };
        }
        ("POST", ["app", "installations", id, "access_tokens"]) => {
            if let Err(refusal) = verify_app_jwt(headers) {
                return message(401, &refusal);
            }
            if *id != INSTALLATION.to_string() {
                return message(404, "Not Found");
            }
            let token = format!("ghs_installation{}", state.issued_tokens.len() + 1);
            state.issued_tokens.push(token.clone());
            let expires = jiff::Timestamp::try_from(SystemTime::now() + state.token_ttl).unwrap();
            return json_response(
                201,
                json!({"token": token, "expires_at": expires.to_string(), "permissions": {"pull_requests": "write"}}),
            );
        }
        _ => {}
    }

    let presented = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let valid = presented == TOKEN
        || (state.issued_tokens.iter().any(|t| t == presented)
            && !state.revoked.contains(presented));
    if !valid {
        return message(401, "Bad credentials");
    }

    match (method.as_str(), rest) {
        ("GET", ["repos", OWNER, REPO]) => json_response(
            200,
            json!({"full_name": "acme/shop", "default_branch": state.default_branch}),
        ),
        ("GET", ["repos", OWNER, REPO, "pulls"]) => {
            let want_open = query_value(uri, "state").as_deref() == Some("open");
            let head = query_value(uri, "head");
            let list: Vec<Value> = state
                .pulls
                .iter()
                .filter(|p| !want_open || p.open)
                .filter(|p| match &head {
                    Some(h) => {
                        *h == format!("{}:{}", p.head_repo.split('/').next().unwrap(), p.head)
                    }
                    None => true,
                })
                .map(|p| {
                    let mut v = pull_json(&base_url, p);
                    // Lists carry merged_at but not merged.
                    v.as_object_mut().unwrap().remove("merged");
                    v
                })
                .collect();
            json_response(200, Value::Array(list))
        }
        ("POST", ["repos", OWNER, REPO, "pulls"]) => {
            let head = json_body["head"].as_str().unwrap_or_default().to_owned();
            let base = json_body["base"].as_str().unwrap_or_default().to_owned();
            let draft = json_body["draft"].as_bool().unwrap_or(false);
            if state
                .pulls
                .iter()
                .any(|p| p.open && p.head == head && p.base == base && p.head_repo == "acme/shop")
            {
                return validation_failed(&format!(
                    "A pull request already exists for acme:{head}."
                ));
            }
            if draft && !state.drafts_supported {
                return validation_failed(
                    "Draft pull requests are not supported in this repository.",
                );
            }
            let number = state.pulls.len() as u64 + 1;
            let pull = FakePull {
                number,
                title: json_body["title"].as_str().unwrap_or_default().into(),
                body: json_body["body"].as_str().unwrap_or_default().into(),
                head,
                head_repo: "acme/shop".into(),
                base,
                draft,
                open: true,
                merged: false,
                merge_commit_sha: format!("testmerge{number}"),
                labels: BTreeSet::new(),
            };
            state.pulls.push(pull.clone());
            json_response(201, pull_json(&base_url, &pull))
        }
        ("PATCH", ["repos", OWNER, REPO, "pulls", n]) => {
            let Some(pull) = state.pulls.iter_mut().find(|p| p.number.to_string() == *n) else {
                return message(404, "Not Found");
            };
            if let Some(title) = json_body["title"].as_str() {
                pull.title = title.into();
            }
            if let Some(body) = json_body["body"].as_str() {
                pull.body = body.into();
            }
            let pull = pull.clone();
            json_response(200, pull_json(&base_url, &pull))
        }
        ("GET", ["repos", OWNER, REPO, "pulls", n]) => {
            match state.pulls.iter().find(|p| p.number.to_string() == *n) {
                Some(pull) => json_response(200, pull_json(&base_url, pull)),
                None => message(404, "Not Found"),
            }
        }
        ("POST", ["repos", OWNER, REPO, "issues", n, "labels"]) => {
            let Some(pull) = state.pulls.iter_mut().find(|p| p.number.to_string() == *n) else {
                return message(404, "Not Found");
            };
            for label in json_body["labels"].as_array().into_iter().flatten() {
                pull.labels.insert(label.as_str().unwrap().to_owned());
            }
            json_response(
                200,
                json!(
                    pull.labels
                        .iter()
                        .map(|l| json!({"name": l}))
                        .collect::<Vec<_>>()
                ),
            )
        }
        _ => message(404, "Not Found"),
    }
}

fn request() -> PullRequestRequest {
    PullRequestRequest::draft(
        "tracefix/g-1",
        "Fix ZeroDivisionError in cart.total",
        "tracefix found this error 12 times.",
    )
}

#[tokio::test]
async fn first_pull_request_is_a_labelled_draft_against_the_default_branch() {
    let fake = Fake::start().await;
    fake.state.lock().unwrap().default_branch = "trunk".into();
    let forge = forge_from_settings(&fake.settings()).unwrap().unwrap();
    assert_eq!(forge.kind(), "github");

    let (pr, created) = forge.open_or_update(&request()).await.unwrap();

    assert!(created);
    assert_eq!(pr.number, 1);
    assert_eq!(pr.state, PrState::Open);
    assert!(pr.draft);
    assert_eq!(pr.head_branch, "tracefix/g-1");
    assert_eq!(pr.base_branch, "trunk");
    assert_eq!(pr.merge_commit, None);
    assert!(pr.url.ends_with("/acme/shop/pull/1"), "{}", pr.url);
    let pulls = fake.pulls();
    assert_eq!(pulls.len(), 1);
    assert_eq!(pulls[0].labels, BTreeSet::from(["tracefix".to_owned()]));

    let requests = fake.requests();
    for r in &requests {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert!(r.header("user-agent").unwrap().starts_with("tracefix/"));
    }
    let log: Vec<String> = requests.iter().map(|r| r.describe()).collect();
    insta::assert_snapshot!(log.join("\n\n"));
}

#[tokio::test]
async fn an_open_pull_request_from_the_branch_is_updated_not_duplicated() {
    let fake = Fake::start().await;
    // The same branch name on a fork must not be mistaken for ours.
    fake.add_pull("tracefix/g-1", "mallory/shop", "fork's pull request");
    let existing = fake.add_pull("tracefix/g-1", "acme/shop", "old title");
    let forge = fake.client();

    let (pr, created) = forge.open_or_update(&request()).await.unwrap();

    assert!(!created);
    assert_eq!(pr.number, existing);
    assert!(!pr.draft, "an update leaves the draft state alone");
    assert_eq!(fake.count(Method::POST, "/api/v3/repos/acme/shop/pulls"), 0);
    let pull = &fake.pulls()[1];
    assert_eq!(pull.title, "Fix ZeroDivisionError in cart.total");
    assert_eq!(pull.body, "tracefix found this error 12 times.");
    assert_eq!(
        pull.labels,
        BTreeSet::from(["human".to_owned(), "tracefix".to_owned()])
    );
    let patch = fake
        .requests()
        .into_iter()
        .find(|r| r.method == Method::PATCH)
        .unwrap();
    insta::assert_snapshot!(patch.describe());
}

#[tokio::test]
async fn calling_twice_leaves_one_pull_request() {
    let fake = Fake::start().await;
    let forge = fake.client();
    let (first, created) = forge.open_or_update(&request()).await.unwrap();
    assert!(created);
    let mut again = request();
    again.title = "Fix ZeroDivisionError in cart.total (attempt 2)".into();
    let (second, created) = forge.open_or_update(&again).await.unwrap();
    assert!(!created);
    assert_eq!(first.number, second.number);
    assert_eq!(fake.pulls().len(), 1);
    assert_eq!(fake.pulls()[0].title, again.title);
}

#[tokio::test]
async fn rate_limit_403_waits_for_the_reset() {
    let fake = Fake::start().await;
    fake.fault(
        Fault::new(
            Method::GET,
            "/api/v3/repos/acme/shop/pulls",
            403,
            json!({"message": "API rate limit exceeded for user ID 1."}),
        )
        .header("x-ratelimit-remaining", HeaderSpec::Fixed("0".into()))
        .header("x-ratelimit-limit", HeaderSpec::Fixed("5000".into()))
        .header("x-ratelimit-reset", HeaderSpec::EpochSecondsFromNow(1)),
    );
    let forge = fake.client();
    let started = Instant::now();

    let (pr, created) = forge.open_or_update(&request()).await.unwrap();

    assert!(created && pr.number == 1);
    let lists: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == Method::GET && r.path == "/api/v3/repos/acme/shop/pulls")
        .collect();
    assert_eq!(lists.len(), 2, "one refused, one retried");
    // The retry came no earlier than the advertised reset second.
    // The fake advertised `ceil(answer time) + 1`, and answered after the
    // first request arrived.
    let first = lists[0].at.duration_since(SystemTime::UNIX_EPOCH).unwrap();
    let reset_second = first.as_secs() + u64::from(first.subsec_nanos() > 0) + 1;
    let retried_at = lists[1].at.duration_since(SystemTime::UNIX_EPOCH).unwrap();
    assert!(
        retried_at.as_secs() >= reset_second,
        "retried at {retried_at:?}, reset at {reset_second}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn rate_limit_far_away_is_returned_with_its_reset() {
    let fake = Fake::start().await;
    fake.fault(
        Fault::new(
            Method::GET,
            "/api/v3/repos/acme/shop/pulls",
            403,
            json!({"message": "API rate limit exceeded for installation ID 77."}),
        )
        .header("x-ratelimit-remaining", HeaderSpec::Fixed("0".into()))
        .header("x-ratelimit-reset", HeaderSpec::EpochSecondsFromNow(3600)),
    );
    let err = fake.client().open_or_update(&request()).await.unwrap_err();
    let ForgeError::RateLimited { reset_at, message } = &err else {
        panic!("expected RateLimited, got {err:?}");
    };
    assert_eq!(message, "API rate limit exceeded for installation ID 77.");
    let wait = reset_at.unwrap().duration_since(SystemTime::now()).unwrap();
    assert!(
        wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3602),
        "{wait:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(fake.requests().len(), 1, "not retried");
}

#[tokio::test]
async fn secondary_rate_limit_429_honours_retry_after() {
    let fake = Fake::start().await;
    fake.fault(
        Fault::new(
            Method::POST,
            "/api/v3/repos/acme/shop/pulls",
            429,
            json!({"message": "You have exceeded a secondary rate limit."}),
        )
        .header("retry-after", HeaderSpec::Fixed("1".into())),
    );
    let started = Instant::now();
    let (pr, created) = fake.client().open_or_update(&request()).await.unwrap();
    assert!(created && pr.number == 1);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(fake.count(Method::POST, "/api/v3/repos/acme/shop/pulls"), 2);
    assert_eq!(fake.pulls().len(), 1);
}

#[tokio::test]
async fn forbidden_without_rate_limit_headers_is_not_retried() {
    let fake = Fake::start().await;
    fake.fault(
        Fault::new(
            Method::POST,
            "/api/v3/repos/acme/shop/pulls",
            403,
            json!({"message": "Resource not accessible by personal access token"}),
        )
        .header("x-ratelimit-remaining", HeaderSpec::Fixed("4990".into()))
        .header("x-ratelimit-reset", HeaderSpec::EpochSecondsFromNow(600)),
    );
    let err = fake.client().open_or_update(&request()).await.unwrap_err();
    assert!(
        matches!(&err, ForgeError::Http { status: 403, message } if message == "Resource not accessible by personal access token"),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(fake.count(Method::POST, "/api/v3/repos/acme/shop/pulls"), 1);
    assert!(fake.pulls().is_empty());
}

#[tokio::test]
async fn validation_failures_carry_githubs_message() {
    let fake = Fake::start().await;
    // GitHub says one exists, yet none can be found from this repository
    // (say, it is on another base): nothing to update, so the 422 stands.
    fake.fault(
        Fault::new(
            Method::POST,
            "/api/v3/repos/acme/shop/pulls",
            422,
            json!({"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for acme:tracefix/g-1."}]}),
        ),
    );
    let err = fake.client().open_or_update(&request()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "HTTP 422: Validation Failed: A pull request already exists for acme:tracefix/g-1."
    );
    assert_eq!(
        fake.count(Method::POST, "/api/v3/repos/acme/shop/pulls"),
        1,
        "422 is not retried"
    );

    fake.fault(Fault::new(
        Method::POST,
        "/api/v3/repos/acme/shop/pulls",
        422,
        json!({"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "custom", "message": "No commits between main and tracefix/g-1"}]}),
    ));
    let err = fake.client().open_or_update(&request()).await.unwrap_err();
    assert!(
        matches!(&err, ForgeError::Http { status: 422, message } if message == "Validation Failed: No commits between main and tracefix/g-1"),
        "{err:?}"
    );
    assert!(fake.pulls().is_empty());
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let fake = Fake::start().await;
    fake.fault(
        Fault::new(
            Method::GET,
            "/api/v3/repos/acme/shop",
            503,
            json!({"message": "Service Unavailable"}),
        )
        .times(2),
    );
    let (pr, created) = fake.client().open_or_update(&request()).await.unwrap();
    assert!(created && pr.base_branch == "main");
    assert_eq!(fake.count(Method::GET, "/api/v3/repos/acme/shop"), 3);
}

#[tokio::test]
async fn server_errors_beyond_the_retries_are_reported() {
    let fake = Fake::start().await;
    fake.fault(
        Fault::new(
            Method::GET,
            "/api/v3/repos/acme/shop/pulls/1",
            502,
            json!({"message": "Server Error"}),
        )
        .times(10),
    );
    let err = fake.client().get(1).await.unwrap_err();
    assert!(
        matches!(&err, ForgeError::RetriesExhausted { attempts: 4, last } if last.status() == Some(502)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "gave up after 4 attempts: HTTP 502: Server Error"
    );
}

#[tokio::test]
async fn created_but_the_answer_was_lost_still_one_pull_request() {
    let fake = Fake::start().await;
    // The create goes through but a proxy answers 502: the retried POST is
    // refused as a duplicate, and the existing pull request is adopted.
    fake.fault(
        Fault::new(
            Method::POST,
            "/api/v3/repos/acme/shop/pulls",
            502,
            json!({"message": "Bad Gateway"}),
        )
        .mode(FaultMode::After),
    );
    let (pr, created) = fake.client().open_or_update(&request()).await.unwrap();
    assert!(!created, "the acknowledged call is the one that found it");
    assert_eq!(pr.number, 1);
    assert_eq!(fake.pulls().len(), 1);
    assert_eq!(
        fake.pulls()[0].labels,
        BTreeSet::from(["tracefix".to_owned()])
    );
}

#[tokio::test]
async fn crash_between_push_and_pull_request_then_retry_leaves_one() {
    let fake = Fake::start().await;
    // The worker dies while the create is in flight (the forge created it).
    fake.fault(
        Fault::new(
            Method::POST,
            "/api/v3/repos/acme/shop/pulls",
            502,
            json!({}),
        )
        .mode(FaultMode::AfterThenHang),
    );
    let crashed = tokio::spawn({
        let forge = fake.client();
        async move { forge.open_or_update(&request()).await }
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    while fake.pulls().is_empty() {
        assert!(Instant::now() < deadline, "the create never arrived");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    crashed.abort();
    assert!(crashed.await.unwrap_err().is_cancelled());

    // The job is retried by a fresh worker.
    let (pr, created) = fake.client().open_or_update(&request()).await.unwrap();
    assert!(!created);
    assert_eq!(pr.number, 1);
    assert_eq!(fake.open_pulls().len(), 1);
    assert_eq!(fake.count(Method::POST, "/api/v3/repos/acme/shop/pulls"), 1);
}

#[tokio::test]
async fn concurrent_workers_converge_on_one_pull_request() {
    let fake = Fake::start().await;
    let a = fake.client();
    let b = fake.client();
    let req = request();
    let (ra, rb) = tokio::join!(a.open_or_update(&req), b.open_or_update(&req));
    let (pa, ca) = ra.unwrap();
    let (pb, cb) = rb.unwrap();
    assert_eq!(pa.number, pb.number);
    assert!(ca ^ cb, "exactly one call created it: {ca} {cb}");
    assert_eq!(fake.pulls().len(), 1);
}

#[tokio::test]
async fn drafts_fall_back_to_ready_when_the_plan_refuses_them() {
    let fake = Fake::start().await;
    fake.state.lock().unwrap().drafts_supported = false;
    let (pr, created) = fake.client().open_or_update(&request()).await.unwrap();
    assert!(created);
    assert!(!pr.draft);
    let posts: Vec<Option<bool>> = fake
        .requests()
        .iter()
        .filter(|r| r.method == Method::POST && r.path == "/api/v3/repos/acme/shop/pulls")
        .map(|r| r.body.as_ref().unwrap()["draft"].as_bool())
        .collect();
    assert_eq!(posts, [Some(true), Some(false)]);
}

#[tokio::test]
async fn explicit_base_skips_the_default_branch_lookup() {
    let fake = Fake::start().await;
    let mut req = request();
    req.base = Some("release-2.x".into());
    req.draft = false;
    req.labels = vec!["tracefix".into(), "bug".into()];
    let (pr, _) = fake.client().open_or_update(&req).await.unwrap();
    assert_eq!(pr.base_branch, "release-2.x");
    assert!(!pr.draft);
    assert_eq!(fake.count(Method::GET, "/api/v3/repos/acme/shop"), 0);
    assert_eq!(
        fake.pulls()[0].labels,
        BTreeSet::from(["bug".to_owned(), "tracefix".to_owned()])
    );
}

#[tokio::test]
async fn merged_and_closed_pull_requests_when_polled() {
    let fake = Fake::start().await;
    let forge = fake.client();
    let merged = fake.add_pull("tracefix/g-1", "acme/shop", "a");
    let closed = fake.add_pull("tracefix/g-2", "acme/shop", "b");
    let open = fake.add_pull("tracefix/g-3", "acme/shop", "c");
    fake.set_closed(merged, Some("9f1c2d3e4b5a69788796a5b4c3d2e1f0a9b8c7d6"));
    fake.set_closed(closed, None);

    let pr = forge.get(merged).await.unwrap();
    assert_eq!(pr.state, PrState::Merged);
    assert_eq!(
        pr.resolution(),
        Resolution::Resolved {
            merge_commit: Some("9f1c2d3e4b5a69788796a5b4c3d2e1f0a9b8c7d6".into())
        }
    );
    let pr = forge.get(closed).await.unwrap();
    assert_eq!((pr.state, pr.merge_commit.clone()), (PrState::Closed, None));
    assert_eq!(pr.resolution(), Resolution::NeedsHuman);
    let pr = forge.get(open).await.unwrap();
    assert_eq!(
        (pr.state, pr.merge_commit.clone(), pr.resolution()),
        (PrState::Open, None, Resolution::Pending)
    );
    // A closed pull request is not "open from the branch": a new one is opened.
    assert_eq!(forge.find_open("tracefix/g-2").await.unwrap(), None);
    let err = forge.get(99).await.unwrap_err();
    assert!(
        matches!(&err, ForgeError::Http { status: 404, message } if message == "Not Found"),
        "{err:?}"
    );
}

#[tokio::test]
async fn bad_token_is_reported_without_the_token() {
    let fake = Fake::start().await;
    let mut settings = fake.settings();
    settings.token = Some(SecretString::from("ghp_wrongtoken0000"));
    let forge = GithubForge::new(&settings).unwrap();
    let err = forge.default_branch().await.unwrap_err();
    assert_eq!(err.to_string(), "HTTP 401: Bad credentials");
    assert!(!format!("{forge:?}").contains("ghp_wrongtoken0000"));
    assert!(!format!("{err:?}").contains("ghp_wrongtoken0000"));
}

fn app_settings(fake: &Fake) -> ForgeSettings {
    let mut settings = fake.settings();
    settings.token = None;
    settings.app_id = Some(APP_ID);
    settings.app_private_key = Some(SecretString::from(PRIVATE_KEY));
    settings
}

#[tokio::test]
async fn github_app_exchanges_a_jwt_once_and_caches_the_installation_token() {
    let fake = Fake::start().await;
    let forge = GithubForge::new(&app_settings(&fake)).unwrap();
    assert!(!format!("{forge:?}").contains("PRIVATE KEY"));

    let (pr, created) = forge.open_or_update(&request()).await.unwrap();
    assert!(created);
    assert_eq!(forge.get(pr.number).await.unwrap().state, PrState::Open);

    assert_eq!(
        fake.count(Method::GET, "/api/v3/repos/acme/shop/installation"),
        1
    );
    assert_eq!(
        fake.count(Method::POST, "/api/v3/app/installations/77/access_tokens"),
        1
    );
    let api_calls: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| !r.path.contains("/installation"))
        .collect();
    assert!(api_calls.len() >= 5);
    for call in api_calls {
        assert_eq!(
            call.header("authorization"),
            Some("Bearer ghs_installation1"),
            "{}",
            call.target
        );
    }
}

#[tokio::test]
async fn github_app_tokens_near_expiry_or_revoked_are_replaced() {
    let fake = Fake::start().await;
    let mut settings = app_settings(&fake);
    settings.installation_id = Some(INSTALLATION);
    settings.app_private_key = Some(SecretString::from(PRIVATE_KEY_PKCS8));
    // Tokens valid for 30 s are inside the one-minute margin: never reused.
    fake.state.lock().unwrap().token_ttl = Duration::from_secs(30);
    let forge = GithubForge::new(&settings).unwrap();
    forge.default_branch().await.unwrap();
    forge.default_branch().await.unwrap();
    assert_eq!(
        fake.count(Method::POST, "/api/v3/app/installations/77/access_tokens"),
        2
    );
    assert_eq!(
        fake.count(Method::GET, "/api/v3/repos/acme/shop/installation"),
        0,
        "configured id used"
    );

    // A long-lived token revoked behind our back: a 401, a new token, success.
    fake.state.lock().unwrap().token_ttl = Duration::from_secs(3600);
    forge.default_branch().await.unwrap();
    let current = fake
        .state
        .lock()
        .unwrap()
        .issued_tokens
        .last()
        .unwrap()
        .clone();
    fake.state.lock().unwrap().revoked.insert(current);
    assert_eq!(forge.default_branch().await.unwrap(), "main");
    assert_eq!(
        fake.count(Method::POST, "/api/v3/app/installations/77/access_tokens"),
        4
    );
}

#[tokio::test]
async fn github_app_jwt_verifies_with_the_public_key() {
    let now = SystemTime::now();
    for key in [PRIVATE_KEY, PRIVATE_KEY_PKCS8] {
        let jwt = app_jwt(APP_ID, key.as_bytes(), now).unwrap();
        let decoding = jsonwebtoken::DecodingKey::from_rsa_pem(PUBLIC_KEY.as_bytes()).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.set_issuer(&["4242"]);
        let claims = jsonwebtoken::decode::<Value>(&jwt, &decoding, &validation)
            .unwrap()
            .claims;
        let secs = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert_eq!(claims["iat"].as_u64(), Some(secs - 60));
        assert_eq!(claims["exp"].as_u64(), Some(secs + 540));
        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    }
}

#[tokio::test]
async fn github_app_not_installed_is_an_auth_error() {
    let fake = Fake::start().await;
    fake.fault(Fault::new(
        Method::GET,
        "/api/v3/repos/acme/shop/installation",
        404,
        json!({"message": "Not Found"}),
    ));
    let forge = GithubForge::new(&app_settings(&fake)).unwrap();
    let err = forge.default_branch().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "authentication: GitHub App: finding the App's installation on acme/shop failed with HTTP 404: Not Found"
    );
}
