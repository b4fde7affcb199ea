//! From a pushed branch to a pull request, and the pull request's life:
//! opening (or updating) it on the forge, following it by polling and by
//! GitHub's webhook, and moving the group when it is merged or closed.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tracefix_config::Settings;
use tracefix_fixer::{Fixer, PullRequestValues, markdown_fence};
use tracefix_forge::{Forge, ForgeError, ForgeKind, PrState, PullRequestRequest};
use tracefix_notify::{NotificationKind, Notifier};
use tracefix_store_any::{AttemptFilter, ErrorGroup, GroupStatus, Proposal, ProposalState, Store};
use uuid::Uuid;

use crate::table::rfc3339;

/// The forge client of `[forge]`, tokens from the environment where the
/// file has none; `None` for `local`.
pub fn forge_client(settings: &Settings) -> Result<Option<Arc<dyn Forge>>> {
    let f = &settings.forge;
    let kind: ForgeKind = f
        .kind
        .parse()
        .map_err(|e| anyhow::anyhow!("forge.kind: {e}"))?;
    if kind == ForgeKind::Local {
        return Ok(None);
    }
    let mut config = tracefix_forge::ForgeSettings::new(kind, f.repository.clone());
    if !f.api_url.trim().is_empty() {
        config.api_url = Some(f.api_url.clone());
    }
    if !f.token.is_empty() {
        config.token = Some(f.token.expose().to_string().into());
    }
    config.max_retries = f.max_retries;
    config.app_id = f.app_id;
    config.installation_id = f.installation_id;
    if let Some(path) = &f.app_private_key_file {
        let pem = std::fs::read_to_string(path)
            .with_context(|| format!("reading forge.app_private_key_file {}", path.display()))?;
        config.app_private_key = Some(pem.into());
    }
    let config = config.with_env_fallbacks(|name| std::env::var(name).ok());
    tracefix_forge::forge_from_settings(&config).context("[forge]")
}

/// What the forge step needs, shared by the job handler, the poller and
/// the webhook.
pub struct Publisher {
    pub forge: Arc<dyn Forge>,
    pub settings: Arc<Settings>,
    pub notifiers: Vec<Arc<dyn Notifier>>,
}

impl Publisher {
    /// Opens (or updates: one per branch, so one per group) the pull request
    /// of the group's pushed proposal, from its latest validated attempt,
    /// and records it. Errors are the forge's, with its own message.
    pub async fn open(
        &self,
        store: &dyn Store,
        fixer: &Fixer,
        group: &ErrorGroup,
        proposal: &Proposal,
        title: &str,
    ) -> Result<Proposal, OpenError> {
        if proposal.state == ProposalState::Local {
            return Err(OpenError::Final(format!(
                "the branch {} was not pushed (repo.remote {:?} does not exist), so no pull request can be opened",
                proposal.branch, self.settings.repo.remote
            )));
        }
        let attempts = store
            .list_attempts(&AttemptFilter {
                group_id: Some(group.id),
                ..AttemptFilter::default()
            })
            .await
            .map_err(|e| OpenError::Retry(e.to_string()))?;
        let details = attempts
            .iter()
            .rev()
            .find(|a| a.outcome == "validated")
            .map(|a| a.details.clone())
            .unwrap_or(Value::Null);
        let trace = store
            .samples(group.id)
            .await
            .ok()
            .and_then(|s| s.first().map(|s| s.text.clone()))
            .unwrap_or_default();
        let text = |key: &str| details[key].as_str().unwrap_or("").to_string();
        let files: Vec<String> = details["files_changed"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| f.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let (test_command, test_output) = (text("test_command"), text("test_output"));
        let fence = markdown_fence(&[&trace, &test_output]);
        let (first_seen, last_seen) = (rfc3339(group.first_seen), rfc3339(group.last_seen));
        let group_url = crate::notify::group_url(&self.settings, group.id);
        let exception = format!("{}: {}", group.exception_type, group.exception_message);
        let explanation = text("explanation");
        let model = text("model");
        let values = PullRequestValues {
            exception: &exception,
            count: u64::try_from(group.count).unwrap_or(0),
            first_seen: Some(&first_seen),
            last_seen: Some(&last_seen),
            explanation: &explanation,
            files: &files,
            test_command: (!test_command.is_empty()).then_some(test_command.as_str()),
            test_output: (!test_output.is_empty()).then_some(test_output.as_str()),
            trace: trace.trim_end(),
            model: &model,
            input_tokens: details["input_tokens"].as_u64().unwrap_or(0),
            output_tokens: details["output_tokens"].as_u64().unwrap_or(0),
            cost_usd: details["cost_usd"].as_f64().unwrap_or(0.0),
            attempts: attempts
                .iter()
                .filter(|a| a.outcome != "waiting")
                .count()
                .max(1),
            fingerprint: &group.fingerprint,
            group_url: group_url.as_deref(),
            fence: &fence,
        };
        let (title, body) = fixer
            .pull_request(title, &values)
            .map_err(|e| OpenError::Final(e.to_string()))?;
        let forge = &self.settings.forge;
        let request = PullRequestRequest {
            branch: proposal.branch.clone(),
            base: (!forge.base.trim().is_empty()).then(|| forge.base.clone()),
            title,
            body,
            draft: forge.draft,
            labels: forge.labels.clone(),
        };
        let (pr, created) =
            self.forge
                .open_or_update(&request)
                .await
                .map_err(|e| match e.is_retryable() {
                    true => OpenError::Retry(format!("{}: {e}", self.forge.kind())),
                    false => OpenError::Final(format!("{}: {e}", self.forge.kind())),
                })?;
        let saved = store
            .save_proposal(&Proposal {
                forge: self.forge.kind().to_string(),
                state: ProposalState::Open,
                number: i64::try_from(pr.number).ok(),
                url: Some(pr.url.clone()),
                ..proposal.clone()
            })
            .await
            .map_err(|e| OpenError::Retry(e.to_string()))?;
        tracing::info!(group = %group.id, url = %pr.url, created, "pull request open");
        if created {
            let mut n = crate::notify::notification(
                NotificationKind::PullRequestOpened,
                group,
                &self.settings,
                None,
            );
            n.pull_request_url = Some(pr.url.clone());
            crate::notify::send(&self.notifiers, &n).await;
        }
        Ok(saved)
    }
}

/// Why a pull request could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// The forge or the store may do it later (rate limit, 5xx, network).
    Retry(String),
    /// A person must look (a 422, a permission error, no remote).
    Final(String),
}

/// A pull request's state as the forge reports it, applied to its proposal
/// and group: merged → the group is resolved (the proposal keeps the merge
/// commit); closed → the group is failed and waits for a person.
pub async fn settle(
    store: &dyn Store,
    proposal: &Proposal,
    state: PrState,
    merge_commit: Option<String>,
) -> Result<&'static str> {
    let (proposal_state, group_to, reason) = match state {
        PrState::Open => return Ok("open"),
        PrState::Merged => (ProposalState::Merged, GroupStatus::Resolved, None),
        PrState::Closed => (
            ProposalState::Closed,
            GroupStatus::Failed,
            Some(format!(
                "pull request {} was closed without merging: a person decides (`tracefix retry ID` asks for a new fix)",
                proposal.url.as_deref().unwrap_or(&proposal.branch)
            )),
        ),
    };
    store
        .save_proposal(&Proposal {
            state: proposal_state,
            merge_commit,
            ..proposal.clone()
        })
        .await?;
    // Only from `proposed`: a group already moved on (a person resolved it,
    // a regression is being fixed) keeps its status.
    let moved = store
        .set_group_status(
            proposal.group_id,
            GroupStatus::Proposed,
            group_to,
            reason.as_deref(),
        )
        .await?;
    tracing::info!(group = %proposal.group_id, state = state.as_str(), moved, "pull request settled");
    Ok(state.as_str())
}

/// Polls every open pull request each `interval` until `shutdown`.
pub async fn follow(
    store: Arc<dyn Store>,
    forge: Arc<dyn Forge>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    loop {
        match store.proposals_in(ProposalState::Open).await {
            Ok(open) => {
                for proposal in open {
                    let Some(number) = proposal.number.and_then(|n| u64::try_from(n).ok()) else {
                        continue;
                    };
                    match forge.get(number).await {
                        Ok(pr) => {
                            if let Err(e) =
                                settle(store.as_ref(), &proposal, pr.state, pr.merge_commit).await
                            {
                                tracing::warn!(group = %proposal.group_id, error = %format!("{e:#}"), "could not record the pull request's state");
                            }
                        }
                        Err(e) => log_forge_error(&proposal.group_id, &e),
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "listing open pull requests failed"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
        }
    }
}

fn log_forge_error(group: &Uuid, e: &ForgeError) {
    tracing::warn!(group = %group, error = %e, "checking the pull request failed; will try again");
}

#[derive(Clone)]
struct WebhookState {
    store: Arc<dyn Store>,
    secret: Arc<[u8]>,
}

/// `POST /v1/webhooks/github`: GitHub's `pull_request` events, authenticated
/// by `X-Hub-Signature-256` (HMAC-SHA256 of the body with
/// `forge.webhook_secret`), not by the API's bearer token.
pub fn webhook_router(store: Arc<dyn Store>, secret: &str) -> Router {
    Router::new()
        .route("/v1/webhooks/github", post(github_webhook))
        .with_state(WebhookState {
            store,
            secret: Arc::from(secret.as_bytes()),
        })
}

async fn github_webhook(
    State(state): State<WebhookState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let reply = |status: StatusCode, value: Value| {
        (
            status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            value.to_string(),
        )
            .into_response()
    };
    if let Err(e) =
        tracefix_forge::verify_github_signature(&state.secret, &body, header("x-hub-signature-256"))
    {
        return reply(
            StatusCode::UNAUTHORIZED,
            json!({ "error": format!("X-Hub-Signature-256: {e}") }),
        );
    }
    let event = header("x-github-event").unwrap_or("");
    let parsed = match tracefix_forge::parse_github_webhook(event, &body) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => return reply(StatusCode::OK, json!({ "ignored": event })),
        Err(e) => return reply(StatusCode::BAD_REQUEST, json!({ "error": e.to_string() })),
    };
    let proposals = match state.store.proposals_in(ProposalState::Open).await {
        Ok(p) => p,
        Err(e) => {
            return reply(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "error": format!("store: {e}") }),
            );
        }
    };
    let number = i64::try_from(parsed.number).ok();
    let Some(proposal) = proposals
        .iter()
        .find(|p| p.branch == parsed.branch && (p.number.is_none() || p.number == number))
    else {
        return reply(
            StatusCode::OK,
            json!({ "ignored": "not an open tracefix pull request" }),
        );
    };
    match settle(
        state.store.as_ref(),
        proposal,
        parsed.state,
        parsed.merge_commit,
    )
    .await
    {
        Ok(settled) => reply(
            StatusCode::OK,
            json!({ "group": proposal.group_id, "pull_request": settled }),
        ),
        Err(e) => reply(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "error": format!("{e:#}") }),
        ),
    }
}
