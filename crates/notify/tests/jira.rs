//! Jira REST v3 against a local fake that keeps issues, labels, comments and
//! remote links, and answers errors the way Jira does.

mod common;

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use common::{FakeServer, PLANTED, Recorded, Reply, fast_settings, notification, redactor};
use secrecy::SecretString;
use serde_json::{Value, json};
use tracefix_notify::{JiraNotifier, NotificationKind, Notifier, NotifyError, Templates, adf};

const EMAIL: &str = "bot@example.com";
const TOKEN: &str = "ATATT3xFfGF0jiraSecretToken";

#[derive(Default)]
struct Jira {
    issues: Vec<Issue>,
}

struct Issue {
    key: String,
    labels: Vec<String>,
    fields: Value,
    comments: Vec<Value>,
    links: Vec<Value>,
}

fn jira_error(status: u16, messages: &[&str], errors: Value) -> Reply {
    Reply::json(status, json!({"errorMessages": messages, "errors": errors}))
}

impl Jira {
    fn handle(&mut self, r: &Recorded, base: &str) -> Reply {
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{EMAIL}:{TOKEN}"))
        );
        if r.header("authorization") != Some(expected.as_str()) {
            return Reply::text(401, "Client must be authenticated to access this resource.");
        }
        let path = r.path.as_str();
        if path == "/rest/api/3/search/jql" {
            let jql = r.json()["jql"].as_str().unwrap_or("").to_owned();
            // The fake understands exactly the clauses tracefix sends.
            let wanted: Vec<String> = jql
                .split(" AND ")
                .filter_map(|c| c.strip_prefix("labels = \""))
                .map(|l| l.split('"').next().unwrap().to_owned())
                .collect();
            if !jql.starts_with("project = \"OPS\"") || wanted.len() != 2 {
                return jira_error(400, &["Error in the JQL Query."], json!({}));
            }
            let found: Vec<Value> = self
                .issues
                .iter()
                .filter(|i| wanted.iter().all(|w| i.labels.contains(w)))
                .take(1)
                .map(|i| json!({"id": "10001", "key": i.key}))
                .collect();
            return Reply::json(200, json!({"issues": found, "isLast": true}));
        }
        if path == "/rest/api/3/issue" {
            let body = r.json();
            let fields = &body["fields"];
            if fields["summary"].as_str().is_none_or(str::is_empty) {
                return jira_error(
                    400,
                    &[],
                    json!({"summary": "You must specify a summary of the issue."}),
                );
            }
            if fields["issuetype"]["name"] != "Bug" {
                return jira_error(400, &[], json!({"issuetype": "Specify a valid issue type"}));
            }
            if let Err(e) = adf::validate(&fields["description"]) {
                return jira_error(
                    400,
                    &[],
                    json!({"description": format!("Operation value must be an Atlassian Document: {e}")}),
                );
            }
            let key = format!("OPS-{}", self.issues.len() + 1);
            self.issues.push(Issue {
                key: key.clone(),
                labels: fields["labels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l.as_str().unwrap().to_owned())
                    .collect(),
                fields: fields.clone(),
                comments: Vec::new(),
                links: Vec::new(),
            });
            return Reply::json(
                201,
                json!({"id": "10001", "key": key, "self": format!("{base}/rest/api/3/issue/10001")}),
            );
        }
        let rest = path.strip_prefix("/rest/api/3/issue/").unwrap_or("");
        let (key, action) = rest.split_once('/').unwrap_or((rest, ""));
        let Some(issue) = self.issues.iter_mut().find(|i| i.key == key) else {
            return jira_error(
                404,
                &["Issue does not exist or you do not have permission to see it."],
                json!({}),
            );
        };
        match action {
            "comment" => {
                let body = r.json()["body"].clone();
                if let Err(e) = adf::validate(&body) {
                    return jira_error(400, &[&format!("Comment body is not ADF: {e}")], json!({}));
                }
                issue.comments.push(body);
                Reply::json(201, json!({"id": "20001"}))
            }
            "remotelink" => {
                let body = r.json();
                let global = body["globalId"].clone();
                match issue.links.iter().position(|l| l["globalId"] == global) {
                    Some(i) => issue.links[i] = body,
                    None => issue.links.push(body),
                }
                Reply::json(
                    201,
                    json!({"id": 30001, "self": format!("{base}/rest/api/3/issue/{key}/remotelink/30001")}),
                )
            }
            _ => Reply::text(404, "not found"),
        }
    }
}

async fn fake_jira() -> (FakeServer, Arc<Mutex<Jira>>) {
    let state = Arc::new(Mutex::new(Jira::default()));
    let shared = state.clone();
    let base = Arc::new(Mutex::new(String::new()));
    let base_for_handler = base.clone();
    let server = FakeServer::start(move |r| {
        let base = base_for_handler.lock().unwrap().clone();
        shared.lock().unwrap().handle(r, &base)
    })
    .await;
    *base.lock().unwrap() = server.base_url.clone();
    (server, state)
}

fn notifier(server: &FakeServer, issue_type: &str, token: &str) -> JiraNotifier {
    let mut s = fast_settings();
    s.jira.url = format!("{}/", server.base_url);
    s.jira.project = "OPS".into();
    s.jira.email = EMAIL.into();
    s.jira.api_token = Some(SecretString::from(token));
    s.jira.issue_type = issue_type.into();
    JiraNotifier::from_settings(&s, redactor(), Arc::new(Templates::load(None).unwrap()))
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn one_issue_per_group_then_comments_and_a_pull_request_link() {
    let (server, state) = fake_jira().await;
    let jira = notifier(&server, "Bug", TOKEN);

    let first = jira
        .notify(&notification(NotificationKind::NewGroup))
        .await
        .unwrap();
    assert_eq!(first.external_id.as_deref(), Some("OPS-1"));
    assert_eq!(first.url, Some(format!("{}/browse/OPS-1", server.base_url)));

    let mut opened = notification(NotificationKind::PullRequestOpened);
    opened.status = "proposed".into();
    opened.pull_request_url = Some("https://git.example.com/shop/pull/7".into());
    let second = jira.notify(&opened).await.unwrap();
    assert_eq!(second.external_id.as_deref(), Some("OPS-1"));
    // Linking twice updates the same link (same globalId).
    jira.notify(&opened).await.unwrap();

    // Another group gets its own issue.
    let mut other = notification(NotificationKind::NewGroup);
    other.fingerprint = "aa11bb22cc33dd44".into();
    let third = jira.notify(&other).await.unwrap();
    assert_eq!(third.external_id.as_deref(), Some("OPS-2"));

    let state = state.lock().unwrap();
    assert_eq!(state.issues.len(), 2);
    let issue = &state.issues[0];
    assert_eq!(issue.labels, ["tracefix", "tracefix-3f2a9c0d1e7b"]);
    assert_eq!(issue.fields["project"]["key"], "OPS");
    assert_eq!(
        issue.fields["summary"],
        "[tracefix] KeyError: 'shipping' in shop/orders.py shipping_cost"
    );
    let description = &issue.fields["description"];
    let code = description["content"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "codeBlock")
        .expect("the trace as a code block");
    assert_eq!(code["attrs"]["language"], "python");
    assert!(
        code["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("[REDACTED:")
    );
    assert_eq!(issue.comments.len(), 2);
    assert_eq!(issue.links.len(), 1);
    assert_eq!(
        issue.links[0]["object"]["url"],
        "https://git.example.com/shop/pull/7"
    );
    assert!(
        issue.links[0]["object"]["title"]
            .as_str()
            .unwrap()
            .starts_with("Pull request: KeyError")
    );
    assert_eq!(
        state.issues[1].labels,
        ["tracefix", "tracefix-aa11bb22cc33"]
    );
    drop(state);

    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths[..5],
        [
            "/rest/api/3/search/jql",
            "/rest/api/3/issue",
            "/rest/api/3/search/jql",
            "/rest/api/3/issue/OPS-1/comment",
            "/rest/api/3/issue/OPS-1/remotelink",
        ]
    );
    let search = server.requests()[0].json();
    assert_eq!(search["fields"], json!(["key"]));
    assert_eq!(search["maxResults"], 1);
    assert_eq!(
        search["jql"],
        "project = \"OPS\" AND labels = \"tracefix\" AND labels = \"tracefix-3f2a9c0d1e7b\" ORDER BY created ASC"
    );
    assert!(!server.everything_received().contains(PLANTED));
}

#[tokio::test]
async fn jira_error_bodies_are_surfaced_verbatim() {
    let (server, _) = fake_jira().await;
    let err = notifier(&server, "Story", TOKEN)
        .notify(&notification(NotificationKind::NewGroup))
        .await
        .unwrap_err();
    match &err {
        NotifyError::Jira {
            status,
            messages,
            errors,
        } => {
            assert_eq!(*status, 400);
            assert!(messages.is_empty());
            assert_eq!(errors["issuetype"], "Specify a valid issue type");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "jira: HTTP 400: issuetype: Specify a valid issue type"
    );
    // Creating is not repeated after a refusal.
    assert_eq!(server.requests().len(), 2);

    let err = notifier(&server, "Bug", "ATATT3xWrongTokenValue")
        .notify(&notification(NotificationKind::NewGroup))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "jira: HTTP 401: Client must be authenticated to access this resource."
    );
    assert!(!format!("{err:?}").contains("WrongToken"));
}

#[tokio::test]
async fn a_create_that_fails_on_the_server_is_not_repeated() {
    // A 500 after a create may still have created the issue: no retry.
    let server = FakeServer::start(|r| match r.path.as_str() {
        "/rest/api/3/search/jql" => Reply::json(200, json!({"issues": []})),
        _ => Reply::json(
            500,
            json!({"errorMessages": ["Internal server error"], "errors": {}}),
        ),
    })
    .await;
    let err = notifier(&server, "Bug", TOKEN)
        .notify(&notification(NotificationKind::NewGroup))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "jira: HTTP 500: Internal server error");
    assert!(err.is_transient());
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_hostile_issue_key_is_not_put_into_a_path() {
    let server = FakeServer::start(|r| match r.path.as_str() {
        "/rest/api/3/search/jql" => {
            Reply::json(200, json!({"issues": [{"key": "OPS-1/../../../admin"}]}))
        }
        _ => Reply::json(201, json!({})),
    })
    .await;
    let err = notifier(&server, "Bug", TOKEN)
        .notify(&notification(NotificationKind::NewGroup))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Decode { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_notification_without_a_fingerprint_is_refused_before_any_request() {
    let (server, _) = fake_jira().await;
    let mut n = notification(NotificationKind::BudgetExhausted);
    n.fingerprint = String::new();
    let err = notifier(&server, "Bug", TOKEN)
        .notify(&n)
        .await
        .unwrap_err();
    assert!(
        matches!(err, NotifyError::InvalidNotification(_)),
        "{err:?}"
    );
    assert!(server.requests().is_empty());
}
