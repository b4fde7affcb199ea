//! One function per endpoint. Extractor rejections are taken as `Result`s
//! so that every error, bad input included, is the API's JSON.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tracefix_store::{AttemptFilter, JobFilter};

use crate::ApiState;
use crate::actions::{self, GroupAction};
use crate::error::ApiError;
use crate::params::{self, PauseBody};
use crate::views::{self, rfc3339};

type Pairs = Result<Query<Vec<(String, String)>>, QueryRejection>;
type Id = Result<Path<String>, PathRejection>;
type Answer = Result<Response, ApiError>;

/// Jobs shown with one group (its latest).
const GROUP_JOBS: u32 = 20;

fn pairs(query: Pairs) -> Result<Vec<(String, String)>, ApiError> {
    query.map(|Query(pairs)| pairs).map_err(|e| {
        ApiError::BadRequest(format!("the query string is malformed: {}", e.body_text()))
    })
}

fn id(path: Id, what: &str) -> Result<uuid::Uuid, ApiError> {
    let Path(text) = path
        .map_err(|e| ApiError::BadRequest(format!("the path is malformed: {}", e.body_text())))?;
    params::path_id(&text, what)
}

fn ok(value: Value) -> Answer {
    Ok(json_response(StatusCode::OK, value))
}

fn json_response(status: StatusCode, value: Value) -> Response {
    (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        value.to_string(),
    )
        .into_response()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub(crate) async fn list_groups(State(state): State<Arc<ApiState>>, query: Pairs) -> Answer {
    let query = params::group_query(&pairs(query)?)?;
    let page = state.store.query_groups(&query).await?;
    let mut groups = Vec::with_capacity(page.groups.len());
    for group in &page.groups {
        let proposal = state.store.proposal(group.id).await?;
        groups.push(views::group_summary(group, proposal.as_ref()));
    }
    ok(json!({
        "groups": groups,
        "total": page.total,
        "limit": query.limit,
        "offset": query.offset,
    }))
}

pub(crate) async fn get_group(
    State(state): State<Arc<ApiState>>,
    path: Id,
    query: Pairs,
) -> Answer {
    let id = id(path, "group")?;
    params::no_params(&pairs(query)?)?;
    let store = &state.store;
    let group = store
        .group(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("there is no group {id}")))?;
    let samples = store.samples(id).await?;
    let now = now_ms();
    let minutes = store
        .occurrence_counts(id, views::hourly_window_start(now), now.saturating_add(1))
        .await?;
    let attempts = store
        .list_attempts(&AttemptFilter {
            group_id: Some(id),
            ..AttemptFilter::default()
        })
        .await?;
    let proposal = store.proposal(id).await?;
    let jobs = store
        .list_jobs(&JobFilter {
            group_id: Some(id),
            limit: Some(GROUP_JOBS),
            ..JobFilter::default()
        })
        .await?;
    // Detection is linear in the text and the text is capped
    // (`views::MAX_REDETECT_BYTES`): cheap enough to run inline.
    let (chain, chain_source) = views::chain(&group, &samples);
    let mut value = views::group_summary(&group, proposal.as_ref());
    value["created_at"] = rfc3339(group.created_at).into();
    value["updated_at"] = rfc3339(group.updated_at).into();
    value["frames"] = group.frames.clone();
    value["chain"] = chain;
    value["chain_source"] = chain_source.into();
    value["samples"] = samples.iter().map(views::sample_json).collect();
    value["hourly"] = views::hourly_json(&views::hourly(&minutes, now));
    value["attempts"] = attempts.iter().map(views::attempt_json).collect();
    value["proposal"] = proposal.as_ref().map_or(Value::Null, views::proposal_json);
    value["jobs"] = jobs.iter().map(views::job_json).collect();
    ok(value)
}

pub(crate) async fn group_action(
    State(state): State<Arc<ApiState>>,
    path: Id,
    query: Pairs,
    action: GroupAction,
) -> Answer {
    let id = id(path, "group")?;
    params::no_params(&pairs(query)?)?;
    let outcome = actions::apply(&*state.store, id, action).await?;
    let proposal = state.store.proposal(id).await?;
    ok(json!({
        "group": views::group_summary(&outcome.group, proposal.as_ref()),
        "action": action.as_str(),
        "from": outcome.from,
        "to": outcome.to,
        "changed": outcome.changed,
    }))
}

pub(crate) async fn list_jobs(State(state): State<Arc<ApiState>>, query: Pairs) -> Answer {
    let filter = params::job_filter(&pairs(query)?)?;
    let jobs = state.store.list_jobs(&filter).await?;
    ok(json!({
        "jobs": jobs.iter().map(views::job_json).collect::<Vec<_>>(),
        "limit": filter.limit,
    }))
}

pub(crate) async fn requeue_job(
    State(state): State<Arc<ApiState>>,
    path: Id,
    query: Pairs,
) -> Answer {
    let id = id(path, "job")?;
    params::no_params(&pairs(query)?)?;
    let outcome = actions::requeue_job(&*state.store, id).await?;
    ok(json!({
        "job": views::job_json(&outcome.job),
        "group_requeued": outcome.group_requeued,
    }))
}

async fn queue_value(state: &ApiState) -> Result<Value, ApiError> {
    let store = &state.store;
    Ok(views::queue_json(
        &store.queue_depth().await?,
        store.paused().await?,
        store.concurrency_limit().await?,
    ))
}

pub(crate) async fn get_queue(State(state): State<Arc<ApiState>>, query: Pairs) -> Answer {
    params::no_params(&pairs(query)?)?;
    ok(queue_value(&state).await?)
}

pub(crate) async fn set_paused(
    State(state): State<Arc<ApiState>>,
    query: Pairs,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    params::no_params(&pairs(query)?)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge("the body is too large for {\"paused\": bool}".into())
        } else {
            ApiError::BadRequest(format!("the body could not be read: {}", e.body_text()))
        }
    })?;
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let PauseBody { paused } = params::json_body(content_type, &body)?;
    state.store.set_paused(paused).await?;
    tracing::info!(paused, "queue pause switch set through the API");
    ok(queue_value(&state).await?)
}

pub(crate) async fn openapi(State(state): State<Arc<ApiState>>) -> Response {
    (
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        state.openapi.clone(),
    )
        .into_response()
}
