//! Every notifier from one settings value, through `notify_all`, with user
//! templates: one failing channel does not stop the others, and no planted
//! secret reaches any server.

mod common;

use std::time::Duration;

use common::{FakeServer, PLANTED, Reply, fast_settings, notification, redactor};
use secrecy::SecretString;
use serde_json::json;
use tracefix_notify::{NotificationKind, NotifyError, notifiers_from_settings, notify_all};

#[tokio::test]
async fn all_channels_with_user_templates_and_one_failure() {
    let slack = FakeServer::start(|_| Reply::text(200, "ok")).await;
    // The webhook receiver is down: its failure must not stop Jira.
    let webhook = FakeServer::start(|_| Reply::text(404, "no such hook")).await;
    let jira = FakeServer::start(|r| match r.path.as_str() {
        "/rest/api/3/search/jql" => Reply::json(200, json!({"issues": []})),
        "/rest/api/3/issue" => Reply::json(201, json!({"id": "1", "key": "OPS-9", "self": "x"})),
        _ => Reply::json(404, json!({"errorMessages": ["unexpected"]})),
    })
    .await;

    let templates = tempfile::tempdir().unwrap();
    std::fs::write(
        templates.path().join("slack.j2"),
        "CUSTOM {{ event }} {{ exception_type }}: {{ message }} (token in template: {{ reason }})\n",
    )
    .unwrap();
    std::fs::write(
        templates.path().join("jira_summary.j2"),
        "Custom summary {{ short_fingerprint }}",
    )
    .unwrap();
    std::fs::write(
        templates.path().join("jira_description.j2"),
        "# Custom\n{{ message }}\n",
    )
    .unwrap();

    let mut s = fast_settings();
    s.slack.webhook_url = Some(SecretString::from(format!(
        "{}/services/T/B/slackSecret",
        slack.base_url
    )));
    s.webhook.url = Some(SecretString::from(format!("{}/hook", webhook.base_url)));
    s.webhook.secret = Some(SecretString::from("whsec_abcdef"));
    s.jira.url = jira.base_url.clone();
    s.jira.project = "OPS".into();
    s.jira.email = "bot@example.com".into();
    s.jira.api_token = Some(SecretString::from("jira-token-value"));
    s.retry_after_max = Duration::from_secs(1);

    let notifiers = notifiers_from_settings(&s, redactor(), Some(templates.path())).unwrap();
    let names: Vec<_> = notifiers.iter().map(|n| n.name()).collect();
    assert_eq!(names, ["slack", "webhook", "jira"]);
    let debug = format!("{notifiers:?}");
    for secret in ["slackSecret", "whsec_abcdef", "jira-token-value"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }

    let n = notification(NotificationKind::NewGroup);
    let results = notify_all(&notifiers, &n).await;
    assert_eq!(results.len(), 3);
    assert!(results[0].1.is_ok(), "{:?}", results[0]);
    assert!(
        matches!(results[1].1, Err(NotifyError::Http { status: 404, .. })),
        "{:?}",
        results[1]
    );
    assert_eq!(
        results[2].1.as_ref().unwrap().external_id.as_deref(),
        Some("OPS-9")
    );

    let text = slack.requests()[0].json()["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        text.starts_with("CUSTOM new_group KeyError: 'shipping' (request token [REDACTED:"),
        "{text}"
    );
    let create = jira.requests()[1].json();
    assert_eq!(create["fields"]["summary"], "Custom summary 3f2a9c0d1e7b");
    assert_eq!(
        create["fields"]["description"]["content"][0]["type"],
        "heading"
    );
    for server in [&slack, &webhook, &jira] {
        assert!(!server.everything_received().contains(PLANTED));
    }
}

#[test]
fn half_configured_channels_are_errors() {
    let mut s = fast_settings();
    s.slack.bot_token = Some(SecretString::from("xoxb-1-2-3"));
    let err = notifiers_from_settings(&s, redactor(), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "notification settings: notify.slack.bot_token needs notify.slack.channel"
    );

    let mut s = fast_settings();
    s.jira.url = "https://example.atlassian.net".into();
    s.jira.project = "OPS".into();
    s.jira.email = "bot@example.com".into();
    let err = notifiers_from_settings(&s, redactor(), None).unwrap_err();
    assert!(err.to_string().contains("JIRA_API_TOKEN"), "{err}");

    // A broken user template is reported when the notifiers are built.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("slack.j2"), "{% for %}").unwrap();
    let err = notifiers_from_settings(&fast_settings(), redactor(), Some(dir.path())).unwrap_err();
    assert!(err.to_string().starts_with("template slack.j2"), "{err}");
}
