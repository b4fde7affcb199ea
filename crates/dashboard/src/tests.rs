//! The dashboard in-process (tower `oneshot`) over a real SQLite store,
//! with a pinned clock so pages and charts are stable.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use secrecy::SecretString;
use serde_json::json;
use tower::ServiceExt;
use tracefix_core::{Config, Engine};
use tracefix_store::{
    AttemptFilter, GroupStatus, JobFilter, JobStatus, ManualClock, NewAttempt, Occurrence,
    Proposal, ProposalState, Store, StoreOptions,
};
use tracefix_store_sqlite::SqliteStore;
use uuid::Uuid;

use crate::{DashboardConfig, router_with_clock};

/// 2026-01-08T12:34:56Z.
const NOW: i64 = 1_767_875_696_000;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

const PYTHON_TRACE: &str = "2026-01-08 12:00:01 ERROR shop: request failed
Traceback (most recent call last):
  File \"/srv/app/shop/cart.py\", line 42, in total
    return sum(price_of(i) for i in items)
  File \"/usr/lib/python3.12/json/decoder.py\", line 8, in decode
    raise KeyError(key)
KeyError: '<script>alert(1)</script>'
";

const JAVA_TRACE: &str = "java.lang.IllegalStateException: cart is empty
\tat com.shop.Cart.total(Cart.java:12)
\tat java.base/java.util.ArrayList.forEach(ArrayList.java:1596)
\tat com.shop.Main.main(Main.java:5)
";

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    /// Python group: new, three occurrences, no attempts.
    python: Uuid,
    /// Java group: failed after two attempts, with a proposal.
    java: Uuid,
}

fn occurrence(trace: &str, at: i64, source: &str) -> Occurrence {
    let events = Engine::scan_bytes(Config::default(), trace.as_bytes());
    assert_eq!(events.len(), 1, "one trace in {trace}");
    let event = &events[0];
    let exception = event.exception();
    let frames: Vec<_> = exception
        .frames
        .iter()
        .filter(|f| f.in_app)
        .map(|f| json!({ "file": f.file, "path": f.path, "line": f.line, "function": f.function, "in_app": true }))
        .collect();
    Occurrence {
        fingerprint: event.fingerprint.clone(),
        fingerprint_version: event.fingerprint_version as i32,
        language: event.language.as_str().into(),
        exception_type: exception.ty.clone(),
        exception_message: exception.message_first_line().into(),
        frames: json!(frames),
        timestamp_ms: at,
        source: source.into(),
        sample: event.text.clone(),
    }
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(NOW - 3 * 24 * HOUR));
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(
            &url,
            StoreOptions {
                clock: clock.clone(),
                ..StoreOptions::default()
            },
        )
        .await
        .unwrap(),
    );
    let batch = [
        occurrence(JAVA_TRACE, NOW - 3 * 24 * HOUR, "logs/java.log"),
        occurrence(PYTHON_TRACE, NOW - 2 * 24 * HOUR - 5 * HOUR, "logs/app.log"),
        occurrence(PYTHON_TRACE, NOW - 3 * HOUR, "logs/app.log"),
        occurrence(PYTHON_TRACE, NOW - 3 * HOUR + MINUTE, "logs/app.log"),
        occurrence(PYTHON_TRACE, NOW - 20 * MINUTE, "logs/app.log"),
    ];
    store.record_occurrences(&batch, None).await.unwrap();
    let groups = store.list_groups(&Default::default()).await.unwrap();
    let id_of = |ty: &str| groups.iter().find(|g| g.exception_type == ty).unwrap().id;
    let (python, java) = (id_of("KeyError"), id_of("java.lang.IllegalStateException"));

    // The Java group went through a fixer run: two attempts, a validated
    // candidate pushed as a pull request, then closed (failed).
    clock.set(NOW - 2 * 24 * HOUR);
    store
        .set_group_status(java, GroupStatus::New, GroupStatus::Fixing, None)
        .await
        .unwrap();
    let leased = store
        .lease("worker-1", 2, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    // The Python group's job goes back untried: only the Java one ran.
    for other in leased.iter().filter(|l| l.job.group_id != Some(java)) {
        store.release(&other.lease).await.unwrap();
    }
    let job = leased
        .iter()
        .find(|l| l.job.group_id == Some(java))
        .expect("the java group's job is leased")
        .clone();
    store
        .insert_attempt(&NewAttempt {
            job_id: job.job.id,
            group_id: Some(java),
            started_at: NOW - 2 * 24 * HOUR,
            finished_at: Some(NOW - 2 * 24 * HOUR + MINUTE),
            outcome: "tests_failed".into(),
            details: json!({
                "outcome": "tests_failed", "detail": "CartTest.total failed: expected 0 but was <null>",
                "model": "claude-test", "input_tokens": 1200, "output_tokens": 300, "cost_usd": 0.0081,
                "diff": "--- a/Cart.java\n+++ b/Cart.java\n@@ -1 +1 @@\n-old\n+first try",
                "test_output": "FAILED CartTest.total",
            }),
        })
        .await
        .unwrap();
    store
        .insert_attempt(&NewAttempt {
            job_id: job.job.id,
            group_id: Some(java),
            started_at: NOW - 2 * 24 * HOUR + MINUTE,
            finished_at: Some(NOW - 2 * 24 * HOUR + 3 * MINUTE),
            outcome: "validated".into(),
            details: json!({
                "outcome": "validated", "detail": "", "model": "claude-test",
                "input_tokens": 1500, "output_tokens": 420, "cost_usd": 0.0112,
                "explanation": "An empty cart has no items: return zero <b>before</b> summing.",
                "files_changed": ["src/main/java/com/shop/Cart.java"],
                "diff": "diff --git a/src/main/java/com/shop/Cart.java b/src/main/java/com/shop/Cart.java\n--- a/src/main/java/com/shop/Cart.java\n+++ b/src/main/java/com/shop/Cart.java\n@@ -10,3 +10,4 @@ class Cart {\n   int total() {\n-    throw new IllegalStateException(\"cart is empty\");\n+    if (items.isEmpty()) return 0;\n+    return items.stream().mapToInt(Item::price).sum();\n   }",
                "test_command": "mvn -q test",
                "test_output": "Tests run: 12, Failures: 0 <ok>",
                "branch": "tracefix/abc123-cart-is-empty", "commit": "0123456789abcdef0123",
            }),
        })
        .await
        .unwrap();
    store.ack(&job.lease).await.unwrap();
    store
        .set_group_status(java, GroupStatus::Fixing, GroupStatus::Proposed, None)
        .await
        .unwrap();
    store
        .save_proposal(&Proposal {
            group_id: java,
            branch: "tracefix/abc123-cart-is-empty".into(),
            head_commit: "0123456789abcdef0123".into(),
            forge: "github".into(),
            state: ProposalState::Closed,
            number: Some(7),
            url: Some("https://github.example/shop/shop/pull/7".into()),
            merge_commit: None,
            created_at: 0,
            updated_at: 0,
        })
        .await
        .unwrap();
    store
        .set_group_status(
            java,
            GroupStatus::Proposed,
            GroupStatus::Failed,
            Some("the pull request was closed without merging"),
        )
        .await
        .unwrap();
    clock.set(NOW);
    Fixture {
        _dir: dir,
        store,
        clock,
        python,
        java,
    }
}

impl Fixture {
    fn app(&self, token: Option<&str>) -> Router {
        router_with_clock(
            self.store.clone(),
            DashboardConfig {
                token: token.map(SecretString::from),
                secure_cookies: false,
            },
            self.clock.clone(),
        )
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

fn post(path: &str, form: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "dash.example")
        .body(Body::from(form.to_string()))
        .unwrap()
}

fn with_cookie(mut request: Request<Body>, cookie: &str) -> Request<Body> {
    request
        .headers_mut()
        .insert(header::COOKIE, cookie.parse().unwrap());
    request
}

/// The form token embedded in a page.
fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a form token") + 19;
    html[start..start + 64].to_string()
}

#[tokio::test]
async fn the_list_page() {
    let f = fixture().await;
    let answer = send(&f.app(None), get("/")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.headers[header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    let csp = answer.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    // Three occurrences in the last 24 hours for the Python group, none
    // for the Java one.
    assert!(
        answer
            .body
            .contains("aria-label=\"3 in the last 24 hours\"")
    );
    assert!(
        answer
            .body
            .contains("aria-label=\"0 in the last 24 hours\"")
    );
    insta::with_settings!({filters => vec![
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[id]"),
        (r#"value="[0-9a-f]{64}""#, r#"value="[csrf]""#),
    ]}, {
        insta::assert_snapshot!("list", answer.body);
    });

    let filtered = send(&f.app(None), get("/?status=failed")).await;
    assert!(filtered.body.contains("IllegalStateException"));
    assert!(!filtered.body.contains("KeyError"));
    let unknown = send(&f.app(None), get("/?status=bogus")).await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert!(unknown.body.contains("KeyError") && unknown.body.contains("IllegalState"));
}

#[tokio::test]
async fn the_group_page() {
    let f = fixture().await;
    let answer = send(&f.app(None), get(&format!("/groups/{}", f.java))).await;
    assert_eq!(answer.status, StatusCode::OK);
    let body = &answer.body;
    insta::with_settings!({filters => vec![
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[id]"),
        (r#"value="[0-9a-f]{64}""#, r#"value="[csrf]""#),
    ]}, {
        insta::assert_snapshot!("group", body);
    });
    // The trace with in-app frames marked and locations emphasised.
    assert!(body.contains(
        r#"<span class="line frame in-app" title="in-app frame">	at com.shop.Cart.total(<span class="loc">Cart.java:12</span>)</span>"#
    ));
    assert!(
        body.contains(
            r#"<span class="line frame">	at java.base&#x2f;java.util.ArrayList.forEach("#
        )
    );
    // The diff with its line classes, the test result, the PR link.
    assert!(
        body.contains(r#"<span class="line added">+    if (items.isEmpty()) return 0;</span>"#)
    );
    assert!(body.contains(r#"<span class="line removed">-    throw new IllegalStateException(&quot;cart is empty&quot;);</span>"#));
    assert!(body.contains(r#"<span class="badge tone-ok">passed</span> <code>mvn -q test</code>"#));
    assert!(body.contains("<details class=\"test-output\"><summary>Test output</summary><pre><code>Tests run: 12, Failures: 0 &lt;ok&gt;</code></pre></details>"));
    assert!(body.contains(r#"<a href="https:&#x2f;&#x2f;github.example&#x2f;shop&#x2f;shop&#x2f;pull&#x2f;7" rel="noopener noreferrer" target="_blank" id="pr-link">#7</a>"#));
    assert!(body.contains("1200 in + 300 out tokens · $0.0081"));
    assert!(
        body.contains(r#"data-action="retry""#),
        "failed groups can be retried"
    );
}

#[tokio::test]
async fn log_text_is_escaped() {
    let f = fixture().await;
    let app = f.app(None);
    for path in ["/".to_string(), format!("/groups/{}", f.python)] {
        let answer = send(&app, get(&path)).await;
        assert!(
            answer
                .body
                .contains("KeyError: &#x27;&lt;script&gt;alert(1)&lt;&#x2f;script&gt;&#x27;")
                || answer
                    .body
                    .contains("&#x27;&lt;script&gt;alert(1)&lt;&#x2f;script&gt;&#x27;"),
            "{path}: {}",
            answer.body
        );
        assert!(!answer.body.contains("<script>alert"), "{path}");
        // The only script element is the dashboard's own file.
        assert_eq!(answer.body.matches("<script").count(), 1, "{path}");
    }
    let group = send(&app, get(&format!("/groups/{}", f.java))).await;
    assert!(
        group
            .body
            .contains("return zero &lt;b&gt;before&lt;&#x2f;b&gt; summing.")
    );
}

#[tokio::test]
async fn a_pull_request_url_that_is_not_a_web_url_is_not_a_link() {
    let f = fixture().await;
    let mut proposal = f.store.proposal(f.java).await.unwrap().unwrap();
    proposal.url = Some("javascript:alert(1)".into());
    f.store.save_proposal(&proposal).await.unwrap();
    let answer = send(&f.app(None), get(&format!("/groups/{}", f.java))).await;
    assert!(!answer.body.contains("javascript:"), "{}", answer.body);
    assert!(!answer.body.contains("id=\"pr-link\""));
    assert!(
        answer
            .body
            .contains("<code>tracefix&#x2f;abc123-cart-is-empty</code>")
    );
}

#[tokio::test]
async fn retry_queues_a_fix_job() {
    let f = fixture().await;
    let app = f.app(None);
    let page = send(&app, get(&format!("/groups/{}", f.java))).await;
    let csrf = csrf_of(&page.body);
    let answer = send(
        &app,
        post(
            &format!("/groups/{}/retry", f.java),
            &format!("csrf={csrf}"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(
        answer.location(),
        format!("/groups/{}?done=retry&from=failed", f.java)
    );
    let group = f.store.group(f.java).await.unwrap().unwrap();
    assert_eq!(group.status, GroupStatus::Queued);
    let ready = f
        .store
        .list_jobs(&JobFilter {
            status: Some(JobStatus::Ready),
            group_id: Some(f.java),
            limit: None,
        })
        .await
        .unwrap();
    assert_eq!(ready.len(), 1, "a fix job waits");

    let after = send(&app, get(answer.location())).await;
    assert!(
        after
            .body
            .contains("The group went from failed to queued. A fix job is waiting for a worker.")
    );
    assert!(
        after
            .body
            .contains(r#"<span class="badge status-queued" id="status">queued</span>"#)
    );
    assert!(
        after
            .body
            .contains(r#"<span class="badge job-ready">ready</span>"#)
    );
    assert!(
        !after.body.contains(r#"data-action="retry""#),
        "no retry while queued"
    );
    assert_eq!(
        f.store
            .list_attempts(&AttemptFilter {
                group_id: Some(f.java),
                ..Default::default()
            })
            .await
            .unwrap()
            .len(),
        2,
        "the history stays"
    );
}

#[tokio::test]
async fn ignore_then_reopen_and_refusals() {
    let f = fixture().await;
    let app = f.app(None);
    let csrf = csrf_of(&send(&app, get(&format!("/groups/{}", f.python))).await.body);
    let act = |action: &str| {
        post(
            &format!("/groups/{}/{action}", f.python),
            &format!("csrf={csrf}"),
        )
    };

    // A new group's job is already waiting: retry is refused with why.
    let refused = send(&app, act("retry")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused
            .body
            .contains("The group cannot be retried: it is new (its fix job is already waiting)"),
        "{}",
        refused.body
    );

    assert_eq!(
        send(&app, act("ignore")).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        f.store.group(f.python).await.unwrap().unwrap().status,
        GroupStatus::Ignored
    );
    assert_eq!(
        send(&app, act("resolve")).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        f.store.group(f.python).await.unwrap().unwrap().status,
        GroupStatus::Resolved
    );
    // Resolved → queued goes through ignored (the state machine has no
    // direct edge).
    let reopened = send(&app, act("reopen")).await;
    assert_eq!(
        reopened.location(),
        format!("/groups/{}?done=reopen&from=resolved", f.python)
    );
    assert_eq!(
        f.store.group(f.python).await.unwrap().unwrap().status,
        GroupStatus::Queued
    );

    assert_eq!(
        send(&app, act("delete")).await.status,
        StatusCode::NOT_FOUND
    );
    let nobody = post(
        &format!("/groups/{}/ignore", Uuid::now_v7()),
        &format!("csrf={csrf}"),
    );
    assert_eq!(send(&app, nobody).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        send(&app, get("/groups/not-an-id")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&app, get(&format!("/groups/{}", Uuid::now_v7())))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn forged_posts_are_refused() {
    let f = fixture().await;
    let app = f.app(None);
    let csrf = csrf_of(&send(&app, get(&format!("/groups/{}", f.java))).await.body);
    let path = format!("/groups/{}/ignore", f.java);

    let missing = send(&app, post(&path, "")).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let wrong = send(&app, post(&path, &format!("csrf={}", "0".repeat(64)))).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let mut cross = post(&path, &format!("csrf={csrf}"));
    cross
        .headers_mut()
        .insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    assert_eq!(send(&app, cross).await.status, StatusCode::FORBIDDEN);
    let mut cross_site = post(&path, &format!("csrf={csrf}"));
    cross_site
        .headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    assert_eq!(send(&app, cross_site).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        f.store.group(f.java).await.unwrap().unwrap().status,
        GroupStatus::Failed,
        "nothing changed"
    );

    // The same form from this origin goes through.
    let mut same = post(&path, &format!("csrf={csrf}"));
    same.headers_mut()
        .insert(header::ORIGIN, "http://dash.example".parse().unwrap());
    assert_eq!(send(&app, same).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        f.store.group(f.java).await.unwrap().unwrap().status,
        GroupStatus::Ignored
    );
}

#[tokio::test]
async fn login_and_logout_with_a_token() {
    let f = fixture().await;
    let app = f.app(Some("s3cret"));

    // Every page wants a login; static files do not.
    let home = send(&app, get("/")).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/login");
    let group = send(&app, get(&format!("/groups/{}?x=1", f.java))).await;
    assert_eq!(
        group.location(),
        format!("/login?next=%2Fgroups%2F{}%3Fx%3D1", f.java)
    );
    let action = send(&app, post(&format!("/groups/{}/retry", f.java), "csrf=x")).await;
    assert_eq!(action.location(), "/login");
    assert_eq!(
        f.store.group(f.java).await.unwrap().unwrap().status,
        GroupStatus::Failed
    );
    assert_eq!(
        send(&app, get("/static/app.css")).await.status,
        StatusCode::OK
    );

    let form = send(&app, get("/login?next=/groups/x")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body
            .contains(r#"name="next" value="&#x2f;groups&#x2f;x""#),
        "{}",
        form.body
    );
    let csrf = csrf_of(&form.body);

    let wrong = send(&app, post("/login", &format!("csrf={csrf}&token=guess"))).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("That token is not right."));
    assert!(!wrong.headers.contains_key(header::SET_COOKIE));
    let forged = send(&app, post("/login", "token=s3cret")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "login CSRF");

    let ok = send(
        &app,
        post(
            "/login",
            &format!("csrf={csrf}&token=s3cret&next=%2F%2Fevil.example"),
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location(), "/", "no open redirect");
    let set_cookie = ok.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let cookie = set_cookie.split(';').next().unwrap().to_string();

    let home = send(&app, with_cookie(get("/"), &cookie)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("id=\"logout\""));
    let session_csrf = csrf_of(&home.body);
    assert_ne!(session_csrf, csrf, "a session has its own form token");

    // The bearer token works without a session (and needs no form token).
    let bearer = Request::get("/")
        .header(header::AUTHORIZATION, "Bearer s3cret")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, bearer).await.status, StatusCode::OK);

    // Logout needs the session's form token.
    let forged = send(
        &app,
        with_cookie(post("/logout", &format!("csrf={csrf}")), &cookie),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let out = send(
        &app,
        with_cookie(post("/logout", &format!("csrf={session_csrf}")), &cookie),
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/login");
    assert!(
        out.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let again = send(&app, with_cookie(get("/"), &cookie)).await;
    assert_eq!(again.location(), "/login", "the session is gone");
}

#[tokio::test]
async fn without_a_token_there_is_no_login() {
    let f = fixture().await;
    let app = f.app(None);
    let login = send(&app, get("/login")).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(login.location(), "/");
    let home = send(&app, get("/")).await;
    assert!(!home.body.contains("id=\"logout\""));
    assert_eq!(
        send(&app, get("/static/app.js")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, get("/static/nope.js")).await.status,
        StatusCode::NOT_FOUND
    );
}
