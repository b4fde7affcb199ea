//! Every route of the API on a real SQLite store: happy paths, filters,
//! every action including refused ones, bad input, tokens, and the
//! OpenAPI document against the route table.

mod support;

use std::collections::BTreeSet;

use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};
use support::*;
use tracefix_api::{ApiConfig, ROUTES, openapi_document};
use tracefix_core::{Config, Engine};
use tracefix_store::{GroupStatus, JobStatus};
use uuid::Uuid;

const PYTHON_CHAIN: &str = "Traceback (most recent call last):
  File \"/srv/app/shop.py\", line 8, in price_of
    return PRICES[sku]
KeyError: 'sku-9'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File \"/srv/app/views.py\", line 20, in checkout
    total = price_of(sku)
  File \"/srv/app/shop.py\", line 10, in price_of
    raise LookupError(sku)
LookupError: sku-9
";

/// Four groups seen at known offsets from now:
/// - `aa11` python KeyError, 3 events (first 5 h ago, last 1 h ago)
/// - `bb22` java NullPointerException, 1 event (2 h ago)
/// - `cc33` python ValueError "bad PRICE", 2 events (first 6 h ago, last 10 min ago)
/// - `dd44` go runtime error, 1 event (3 h ago)
async fn seeded() -> (Api, i64) {
    let api = Api::new().await;
    let now = now_ms();
    api.record(&[
        occurrence("aa11", now - 5 * HOUR),
        occurrence("aa11", now - 3 * HOUR),
        occurrence("aa11", now - HOUR),
        with(
            occurrence("bb22", now - 2 * HOUR),
            "java",
            "java.lang.NullPointerException",
            "50% off_sale",
        ),
        with(
            occurrence("cc33", now - 6 * HOUR),
            "python",
            "ValueError",
            "bad PRICE",
        ),
        with(
            occurrence("cc33", now - 600_000),
            "python",
            "ValueError",
            "bad PRICE",
        ),
        with(
            occurrence("dd44", now - 3 * HOUR),
            "go",
            "runtime error",
            "index out of range",
        ),
    ])
    .await;
    (api, now)
}

fn fingerprints(answer: &Answer) -> Vec<String> {
    answer.json["groups"]
        .as_array()
        .unwrap_or_else(|| panic!("groups in {}", answer.json))
        .iter()
        .map(|g| g["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

// ---- groups -------------------------------------------------------------

#[tokio::test]
async fn listing_groups_filters_sorts_and_pages() {
    let (api, _) = seeded().await;

    let all = api.get("/api/v1/groups").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(
        all.headers[CONTENT_TYPE], "application/json",
        "JSON content type"
    );
    assert_eq!(fingerprints(&all), ["cc33", "aa11", "bb22", "dd44"]);
    assert_eq!(
        (
            all.json["total"].clone(),
            all.json["limit"].clone(),
            all.json["offset"].clone()
        ),
        (json!(4), json!(50), json!(0))
    );

    let cases: &[(&str, &[&str])] = &[
        ("sort=count", &["aa11", "cc33", "dd44", "bb22"]),
        ("sort=count&order=asc", &["bb22", "dd44", "cc33", "aa11"]),
        (
            "sort=first_seen&order=asc",
            &["cc33", "aa11", "dd44", "bb22"],
        ),
        ("sort=first_seen", &["bb22", "dd44", "aa11", "cc33"]),
        (
            "sort=last_seen&order=asc",
            &["dd44", "bb22", "aa11", "cc33"],
        ),
        ("language=python", &["cc33", "aa11"]),
        ("q=price", &["cc33"]),
        ("q=KEYERROR", &["aa11"]),
        ("q=dd4", &["dd44"]),
        ("q=50%25", &["bb22"]),
        ("q=50_", &[]),
        ("q=%25", &["bb22"]),
        ("status=new&language=go", &["dd44"]),
        ("status=ignored", &[]),
        ("status=&q=", &["cc33", "aa11", "bb22", "dd44"]),
    ];
    for (query, expected) in cases {
        let answer = api.get(&format!("/api/v1/groups?{query}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.json);
        assert_eq!(fingerprints(&answer), *expected, "{query}");
        assert_eq!(answer.json["total"], expected.len(), "{query}");
    }

    // Pages of two over the count order, with the total of all matches.
    let first = api.get("/api/v1/groups?sort=count&limit=2").await;
    let second = api.get("/api/v1/groups?sort=count&limit=2&offset=2").await;
    let past = api.get("/api/v1/groups?sort=count&limit=2&offset=10").await;
    assert_eq!(fingerprints(&first), ["aa11", "cc33"]);
    assert_eq!(fingerprints(&second), ["dd44", "bb22"]);
    assert!(fingerprints(&past).is_empty());
    for page in [&first, &second, &past] {
        assert_eq!(page.json["total"], 4);
        assert_eq!(page.json["limit"], 2);
    }
    assert_eq!(second.json["offset"], 2);
}

#[tokio::test]
async fn a_listed_group_has_its_summary_fields() {
    let (api, _) = seeded().await;
    let aa = api.group_id("aa11").await;
    add_attempt_and_proposal(&api, aa).await;
    let answer = api.get("/api/v1/groups?language=python&sort=count").await;
    insta::assert_snapshot!(serde_json::to_string_pretty(&redact(&answer.json)).unwrap());
    let group = &answer.json["groups"][0];
    assert_eq!(group["id"], aa.to_string());
    assert_eq!(group["proposal"]["state"], "open");
    assert!(
        group["last_seen"].as_str().unwrap().ends_with('Z'),
        "UTC: {}",
        group["last_seen"]
    );
    assert_eq!(answer.json["groups"][1]["proposal"], Value::Null);
}

#[tokio::test]
async fn bad_list_parameters_are_400_naming_the_parameter() {
    let (api, _) = seeded().await;
    for (query, name) in [
        ("status=open", "status"),
        ("sort=size", "sort"),
        ("order=sideways", "order"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=-3", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=1.5", "offset"),
        ("language=c%2B%2B", "language"),
        ("colour=blue", "colour"),
        ("limit=1&limit=2", "limit"),
    ] {
        let answer = api.get(&format!("/api/v1/groups?{query}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            answer.error().contains(&format!("\"{name}\"")),
            "{query}: {}",
            answer.error()
        );
    }
    let long = "x".repeat(201);
    let answer = api.get(&format!("/api/v1/groups?q={long}")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.error().contains("\"q\""));
}

#[tokio::test]
async fn one_group_in_full() {
    let api = Api::new().await;
    let now = now_ms();
    let events = Engine::scan_bytes(Config::default(), PYTHON_CHAIN.as_bytes());
    let fingerprint = events[0].fingerprint.clone();
    let event = |at: i64| tracefix_store::Occurrence {
        fingerprint: fingerprint.clone(),
        exception_type: "LookupError".into(),
        exception_message: "sku-9".into(),
        sample: PYTHON_CHAIN.into(),
        ..occurrence("unused", at)
    };
    api.record(&[
        event(now - 2 * HOUR - 60_000),
        event(now - 2 * HOUR),
        event(now - 60_000),
    ])
    .await;
    // An event 8 days ago counts in total but not in the week's hours.
    api.record(&[event(now - 8 * 24 * HOUR)]).await;
    let id = api.group_id(&fingerprint).await;
    add_attempt_and_proposal(&api, id).await;

    let answer = api.get(&format!("/api/v1/groups/{id}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    let g = &answer.json;
    assert_eq!(g["id"], id.to_string());
    assert_eq!(g["count"], 4);
    assert_eq!(g["chain_source"], "sample");
    let types: Vec<&str> = g["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["KeyError", "LookupError"],
        "the whole chain, oldest first"
    );
    assert_eq!(g["chain"][1]["frames"][0]["function"], "checkout");
    assert_eq!(g["frames"][1]["function"], "price_of", "the stored frames");
    assert_eq!(g["location"]["file"], "shop.py");

    // Hourly: 168 hours ending with the current one; the week's 3 events.
    let hourly = g["hourly"].as_array().unwrap();
    assert_eq!(hourly.len(), 168);
    let total: i64 = hourly.iter().map(|h| h["count"].as_i64().unwrap()).sum();
    assert_eq!(total, 3);
    let mut expected = std::collections::BTreeMap::new();
    for at in [now - 2 * HOUR - 60_000, now - 2 * HOUR, now - 60_000] {
        *expected
            .entry(tracefix_api::views::rfc3339(at.div_euclid(HOUR) * HOUR))
            .or_insert(0i64) += 1;
    }
    let nonzero: std::collections::BTreeMap<String, i64> = hourly
        .iter()
        .filter(|h| h["count"] != 0)
        .map(|h| {
            (
                h["hour"].as_str().unwrap().to_string(),
                h["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(nonzero, expected);
    assert!(
        hourly
            .windows(2)
            .all(|w| w[0]["hour"].as_str() < w[1]["hour"].as_str())
    );

    // The attempt with what a reviewer reads, the pull request, the jobs.
    let attempt = &g["attempts"][0];
    assert_eq!(attempt["outcome"], "validated");
    assert_eq!(attempt["model"], "test-model");
    assert_eq!(
        (
            attempt["input_tokens"].clone(),
            attempt["output_tokens"].clone()
        ),
        (json!(1200), json!(300))
    );
    assert!(attempt["diff"].as_str().unwrap().contains("PRICES.get"));
    assert!(
        attempt["explanation"]
            .as_str()
            .unwrap()
            .contains("unknown SKU")
    );
    assert_eq!(attempt["test_output"], "3 passed");
    assert!(attempt.get("answer").is_none(), "the raw answer stays out");
    assert_eq!(g["proposal"]["url"], "https://github.example/shop/pull/7");
    assert_eq!(g["proposal"]["branch"], "tracefix/abc-keyerror");
    assert_eq!(g["proposal"]["state"], "open");
    assert_eq!(g["jobs"][0]["kind"], "fix");
    assert_eq!(g["samples"].as_array().unwrap().len(), 4);
    assert_eq!(g["samples"][0]["text"], PYTHON_CHAIN);

    let mut shown = g.clone();
    shown["hourly"] = json!("[168 hours]");
    shown["samples"] = json!(format!(
        "[{} samples]",
        g["samples"].as_array().unwrap().len()
    ));
    insta::assert_snapshot!(serde_json::to_string_pretty(&redact(&shown)).unwrap());
}

#[tokio::test]
async fn a_group_without_a_usable_sample_shows_the_stored_frames_as_its_chain() {
    let (api, _) = seeded().await;
    let id = api.group_id("bb22").await;
    let answer = api.get(&format!("/api/v1/groups/{id}")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json["chain_source"], "stored");
    assert_eq!(
        answer.json["chain"][0]["type"],
        "java.lang.NullPointerException"
    );
    assert_eq!(answer.json["chain"][0]["frames"], answer.json["frames"]);
    assert_eq!(answer.json["attempts"], json!([]));
    assert_eq!(answer.json["proposal"], Value::Null);
}

#[tokio::test]
async fn bad_and_unknown_ids_are_400_and_404() {
    let (api, _) = seeded().await;
    let unknown = Uuid::now_v7();
    for (method, uri) in [
        (Method::GET, "/api/v1/groups/42"),
        (Method::GET, "/api/v1/groups/not-a-uuid"),
        (Method::POST, "/api/v1/groups/42/ignore"),
        (Method::POST, "/api/v1/groups/0000/retry"),
        (Method::POST, "/api/v1/jobs/zzz/requeue"),
    ] {
        let answer = api.request(method, uri, Some(TOKEN), None).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(answer.error().contains("UUID"), "{uri}: {}", answer.error());
    }
    let answer = api.get(&format!("/api/v1/groups/{unknown}")).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(answer.error().contains(&unknown.to_string()));
    for action in ["retry", "ignore", "resolve", "reopen"] {
        let answer = api
            .post(&format!("/api/v1/groups/{unknown}/{action}"))
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{action}");
    }
    let answer = api.post(&format!("/api/v1/jobs/{unknown}/requeue")).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    // Routes without parameters refuse them.
    let id = api.group_id("aa11").await;
    let answer = api.get(&format!("/api/v1/groups/{id}?verbose=1")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.error().contains("\"verbose\""));
}

// ---- actions ------------------------------------------------------------

async fn act(api: &Api, id: Uuid, action: &str) -> Answer {
    api.post(&format!("/api/v1/groups/{id}/{action}")).await
}

#[tokio::test]
async fn ignore_resolve_and_reopen() {
    use GroupStatus::*;
    let (api, _) = seeded().await;
    let id = api.group_id("aa11").await;

    let answer = act(&api, id, "ignore").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(
        (
            &answer.json["from"],
            &answer.json["to"],
            &answer.json["changed"]
        ),
        (&json!("new"), &json!("ignored"), &json!(true))
    );
    assert_eq!(answer.json["group"]["status"], "ignored");
    assert_eq!(api.status_of(id).await, Ignored);

    // Again: nothing to do, said so.
    let again = act(&api, id, "ignore").await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json["changed"], false);

    // Reopen an ignored group: queued, with a fix job waiting.
    let live_before = api
        .jobs_of(id)
        .await
        .iter()
        .filter(|j| j.status == JobStatus::Ready)
        .count();
    let answer = act(&api, id, "reopen").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(
        (&answer.json["from"], &answer.json["to"]),
        (&json!("ignored"), &json!("queued"))
    );
    let live_after = api
        .jobs_of(id)
        .await
        .iter()
        .filter(|j| j.status == JobStatus::Ready)
        .count();
    assert_eq!(live_after, 1.max(live_before), "one live fix job");

    // Resolve, then reopen: queued again, with a fix job.
    let answer = act(&api, id, "resolve").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(api.status_of(id).await, Resolved);
    let answer = act(&api, id, "reopen").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(
        (&answer.json["from"], &answer.json["to"]),
        (&json!("resolved"), &json!("queued"))
    );
    assert_eq!(api.status_of(id).await, Queued);

    // Reopen anything else: 409 saying why.
    let answer = act(&api, id, "reopen").await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert!(
        answer.error().contains("only a resolved or ignored group"),
        "{}",
        answer.error()
    );
    assert!(answer.error().contains("queued"));
}

#[tokio::test]
async fn retry_follows_the_cli_rules() {
    use GroupStatus::*;
    let (api, _) = seeded().await;

    // new: its fix job is already waiting.
    let fresh = api.group_id("bb22").await;
    let answer = act(&api, fresh, "retry").await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert!(
        answer.error().contains("already waiting"),
        "{}",
        answer.error()
    );
    assert_eq!(api.status_of(fresh).await, New);

    // fixing while a worker holds the job: refused.
    let held = api.group_id("aa11").await;
    let lease = api.start_fixing(held).await;
    let answer = act(&api, held, "retry").await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert!(
        answer.error().contains("a worker holds its fix job"),
        "{}",
        answer.error()
    );

    // fixing left behind by a job that died on its last attempt: retry frees it.
    api.store
        .nack(&lease, "worker crashed", VISIBILITY)
        .await
        .unwrap();
    let answer = act(&api, held, "retry").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(
        (&answer.json["from"], &answer.json["to"]),
        (&json!("fixing"), &json!("queued"))
    );
    assert!(
        api.jobs_of(held)
            .await
            .iter()
            .any(|j| j.status == JobStatus::Ready),
        "a new fix job waits"
    );

    // failed → queued; queued again is no change.
    let failed = api.group_id("cc33").await;
    api.start_fixing(failed).await;
    api.walk(failed, &[Fixing, Failed]).await;
    let answer = act(&api, failed, "retry").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json["from"], "failed");
    let again = act(&api, failed, "retry").await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json["changed"], false);

    // A resolved group a person says is not fixed: retried like reopen.
    let resolved = api.group_id("dd44").await;
    api.walk(resolved, &[New, Resolved]).await;
    let answer = act(&api, resolved, "retry").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(api.status_of(resolved).await, Queued);
}

#[tokio::test]
async fn resolve_and_ignore_from_everywhere_the_machine_allows() {
    use GroupStatus::*;
    let (api, _) = seeded().await;
    let id = api.group_id("aa11").await;
    api.start_fixing(id).await;
    api.walk(id, &[Fixing, Proposed]).await;
    let answer = act(&api, id, "resolve").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json["from"], "proposed");
    let answer = act(&api, id, "ignore").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        (&answer.json["from"], &answer.json["to"]),
        (&json!("resolved"), &json!("ignored"))
    );
    let answer = act(&api, id, "resolve").await;
    assert_eq!(
        (&answer.json["from"], &answer.json["to"]),
        (&json!("ignored"), &json!("resolved"))
    );
    assert_eq!(api.status_of(id).await, Resolved);
}

// ---- jobs and queue ------------------------------------------------------

#[tokio::test]
async fn jobs_list_filter_and_requeue() {
    use GroupStatus::*;
    let (api, _) = seeded().await;
    let all = api.get("/api/v1/jobs").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.json["jobs"].as_array().unwrap().len(), 4);

    // A fix job dies; its group fails (as the worker pool does).
    let id = api.group_id("aa11").await;
    let lease = api.start_fixing(id).await;
    api.store
        .nack(&lease, "model unreachable", VISIBILITY)
        .await
        .unwrap();
    api.walk(id, &[Fixing, Failed]).await;

    let dead = api.get("/api/v1/jobs?status=dead").await;
    let jobs = dead.json["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["last_error"], "model unreachable");
    let job_id = jobs[0]["id"].as_str().unwrap().to_string();
    let of_group = api.get(&format!("/api/v1/jobs?group={id}&limit=5")).await;
    assert_eq!(of_group.json["jobs"].as_array().unwrap().len(), 1);
    assert_eq!(of_group.json["limit"], 5);

    let answer = api.post(&format!("/api/v1/jobs/{job_id}/requeue")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(answer.json["job"]["status"], "ready");
    assert_eq!(answer.json["job"]["attempts"], 0);
    assert_eq!(answer.json["group_requeued"], id.to_string());
    assert_eq!(api.status_of(id).await, Queued);

    // Not dead any more: 409.
    let answer = api.post(&format!("/api/v1/jobs/{job_id}/requeue")).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert!(answer.error().contains("not dead"), "{}", answer.error());

    for (query, name) in [
        ("status=stuck", "status"),
        ("group=7", "group"),
        ("limit=0", "limit"),
        ("kind=fix", "kind"),
    ] {
        let answer = api.get(&format!("/api/v1/jobs?{query}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            answer.error().contains(&format!("\"{name}\"")),
            "{query}: {}",
            answer.error()
        );
    }
}

#[tokio::test]
async fn queue_and_its_pause_switch() {
    let (api, _) = seeded().await;
    api.store.set_concurrency_limit(Some(3)).await.unwrap();
    let queue = api.get("/api/v1/queue").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert_eq!(
        queue.json,
        json!({
            "depth": { "ready": 4, "scheduled": 0, "leased": 0, "expired": 0, "done": 0, "dead": 0 },
            "paused": false,
            "concurrency_limit": 3,
        })
    );

    let paused = api
        .put_json("/api/v1/queue/pause", r#"{"paused": true}"#)
        .await;
    assert_eq!(paused.status, StatusCode::OK, "{}", paused.json);
    assert_eq!(paused.json["paused"], true);
    assert!(api.store.paused().await.unwrap());
    assert!(
        api.store
            .lease("w", 1, VISIBILITY)
            .await
            .unwrap()
            .is_empty(),
        "paused for workers"
    );
    let resumed = api
        .put_json("/api/v1/queue/pause", r#"{"paused": false}"#)
        .await;
    assert_eq!(resumed.json["paused"], false);
    assert!(!api.store.paused().await.unwrap());
}

#[tokio::test]
async fn bad_pause_bodies() {
    let (api, _) = seeded().await;
    let put = |content_type: &'static str, body: Vec<u8>| {
        let api = &api;
        async move {
            api.request(
                Method::PUT,
                "/api/v1/queue/pause",
                Some(TOKEN),
                Some((content_type, body)),
            )
            .await
        }
    };
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "application/json",
            b"{\"paused\": tru".to_vec(),
            StatusCode::BAD_REQUEST,
            "not JSON",
        ),
        (
            "application/json",
            b"not json".to_vec(),
            StatusCode::BAD_REQUEST,
            "not JSON",
        ),
        (
            "application/json",
            b"".to_vec(),
            StatusCode::BAD_REQUEST,
            "not JSON",
        ),
        (
            "application/json",
            br#"{"paused": "yes"}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "boolean",
        ),
        (
            "application/json",
            br#"{}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing field `paused`",
        ),
        (
            "application/json",
            br#"{"paused": true, "for": 5}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown field `for`",
        ),
        (
            "application/json",
            br#"[true]"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a JSON object",
        ),
        (
            "text/plain",
            br#"{"paused": true}"#.to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/json",
        ),
        (
            "",
            br#"{"paused": true}"#.to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "got none",
        ),
        (
            "application/json",
            vec![b' '; 64 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
            "too large",
        ),
    ];
    for (content_type, body, status, says) in cases {
        let shown = String::from_utf8_lossy(&body[..body.len().min(30)]).to_string();
        let answer = put(content_type, body).await;
        assert_eq!(
            answer.status, status,
            "{content_type} {shown}: {}",
            answer.json
        );
        assert!(answer.error().contains(says), "{shown}: {}", answer.error());
    }
    assert!(
        !api.store.paused().await.unwrap(),
        "no bad body changed the switch"
    );
    let answer = api
        .request(
            Method::PUT,
            "/api/v1/queue/pause?now=1",
            Some(TOKEN),
            Some(("application/json", br#"{"paused": true}"#.to_vec())),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}

// ---- authentication -------------------------------------------------------

#[tokio::test]
async fn every_protected_route_wants_the_token() {
    let (api, _) = seeded().await;
    for route in ROUTES {
        let what = format!("{:?} {}", route.method, route.path);
        let with_token = api.call_route(route, Some(TOKEN)).await;
        assert_ne!(with_token.status, StatusCode::UNAUTHORIZED, "{what}");
        for token in [
            None,
            Some("wrong"),
            Some(""),
            Some("test-token-012345678"),
            Some("test-token-01234567890"),
        ] {
            let answer = api.call_route(route, token).await;
            if route.auth {
                assert_eq!(
                    answer.status,
                    StatusCode::UNAUTHORIZED,
                    "{what} with {token:?}"
                );
                assert!(
                    answer.headers[WWW_AUTHENTICATE]
                        .to_str()
                        .unwrap()
                        .starts_with("Bearer"),
                    "{what}"
                );
                let expected = if token.is_none() {
                    "missing"
                } else {
                    "invalid"
                };
                assert!(
                    answer.error().contains(expected),
                    "{what}: {}",
                    answer.error()
                );
            } else {
                assert_eq!(answer.status, StatusCode::OK, "{what} is open");
            }
        }
        // Another scheme is no bearer token.
        let uri = route.path.replace("{id}", &Uuid::now_v7().to_string());
        let request = axum::http::Request::builder()
            .method(route.method.as_http())
            .uri(uri)
            .header("authorization", format!("Basic {TOKEN}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let answer = api.send(request).await;
        if route.auth {
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what} with Basic");
        }
    }
    // The scheme's case does not matter; the token's does.
    let request = |value: String| {
        axum::http::Request::builder()
            .uri("/api/v1/queue")
            .header("authorization", value)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    assert_eq!(
        api.send(request(format!("bEaReR {TOKEN}"))).await.status,
        StatusCode::OK
    );
    assert_eq!(
        api.send(request(format!("Bearer {}", TOKEN.to_uppercase())))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // The refusal comes before the request is looked at: no state changed.
    assert!(!api.store.paused().await.unwrap());
}

#[tokio::test]
async fn without_a_token_the_api_is_open_and_an_empty_token_admits_no_one() {
    let open = Api::with_config(ApiConfig::default()).await;
    for route in ROUTES {
        let answer = open.call_route(route, None).await;
        assert_ne!(answer.status, StatusCode::UNAUTHORIZED, "{}", route.path);
    }
    let closed = Api::with_config(ApiConfig {
        token: Some(SecretString::from("")),
        public_url: None,
    })
    .await;
    for route in ROUTES.iter().filter(|r| r.auth) {
        for token in [None, Some("")] {
            let answer = closed.call_route(route, token).await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{} {token:?}",
                route.path
            );
        }
    }
}

// ---- the OpenAPI document --------------------------------------------------

#[tokio::test]
async fn the_document_describes_exactly_the_routes_served() {
    let api = Api::with_config(ApiConfig {
        token: Some(SecretString::from(TOKEN)),
        public_url: Some("https://tracefix.example.com".into()),
    })
    .await;
    let served = api
        .request(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(
        served.json["servers"][0]["url"],
        "https://tracefix.example.com"
    );
    let document = served.json;
    assert_eq!(document["openapi"], "3.1.0");

    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let mut documented = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (key, _) in item.as_object().unwrap() {
            if METHODS.contains(&key.as_str()) {
                documented.insert((key.clone(), path.clone()));
            }
        }
    }
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.openapi_name().to_string(), r.path.to_string()))
        .collect();
    assert_eq!(
        documented, table,
        "the document's operations are the route table"
    );

    for route in ROUTES {
        let what = format!("{} {}", route.method.openapi_name(), route.path);
        let operation = &document["paths"][route.path][route.method.openapi_name()];
        // Each documented operation has a handler: the router answers it
        // with the API's JSON, not with its own 404 or 405.
        let answer = api.call_route(route, Some(TOKEN)).await;
        assert_ne!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{what}");
        assert_eq!(answer.headers[CONTENT_TYPE], "application/json", "{what}");
        assert!(answer.json.is_object(), "{what}");
        // Security as served.
        let open = operation["security"] == json!([]);
        assert_eq!(open, !route.auth, "{what}: security");
        let responses = operation["responses"].as_object().unwrap();
        assert!(responses.contains_key("200"), "{what}");
        assert_eq!(
            responses.contains_key("401"),
            route.auth,
            "{what}: 401 documented"
        );
        // Path parameters are declared.
        let declared: Vec<&str> = operation["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        let in_path: Vec<&str> = route
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        assert_eq!(declared, in_path, "{what}: path parameters");
        // An answer the route gave is one the document lists.
        assert!(
            responses.contains_key(answer.status.as_str()),
            "{what}: answered {} which is not documented",
            answer.status
        );
    }

    // Every $ref points at something.
    let mut refs = Vec::new();
    collect_refs(&document, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let pointer = r.strip_prefix('#').expect("local refs only");
        assert!(document.pointer(pointer).is_some(), "dangling {r}");
    }
    assert_eq!(document, {
        let mut d = openapi_document(&ApiConfig::default());
        d["servers"] = json!([{ "url": "https://tracefix.example.com" }]);
        d
    });
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    out.push(v.as_str().unwrap().to_string());
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn unknown_paths_and_methods_are_not_the_apis() {
    let api = Api::new().await;
    // No fallback: the router's own 404 (the main server's fallback
    // answers in production).
    let answer = api
        .request(Method::GET, "/api/v1/nothing", Some(TOKEN), None)
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let answer = api
        .request(Method::DELETE, "/api/v1/groups", Some(TOKEN), None)
        .await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
}
