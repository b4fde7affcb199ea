//! The pages' data, read from the store and shaped for the templates.
//! Every string here is raw text; the templates escape it.

use serde::Serialize;
use serde_json::Value;
use tracefix_store::{
    AttemptFilter, ErrorGroup, FixAttempt, GroupFilter, GroupStatus, Job, JobFilter, Proposal,
    QueueDepth, Store, StoreError,
};
use uuid::Uuid;

use crate::actions::{Action, has_live_job};
use crate::charts::{self, BarChart, Sparkline, Window};
use crate::highlight::{DiffLine, TraceLine, diff_lines, highlight_trace};

/// Groups on the list page at most.
pub const LIST_LIMIT: u32 = 200;
/// Trace lines shown at most (a sample is already capped by ingest).
const TRACE_LINES: usize = 400;
/// Jobs shown on a group page.
const JOBS_SHOWN: u32 = 10;

/// Unix ms as RFC 3339 in UTC to the second.
pub fn rfc3339_secs(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => format!("{ts:.0}"),
        Err(_) => ms.to_string(),
    }
}

/// At most `max` characters, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// What every page's frame needs.
#[derive(Debug, Clone, Serialize)]
pub struct Chrome {
    pub csrf: String,
    pub logged_in: bool,
}

#[derive(Debug, Serialize)]
pub struct GroupRow {
    pub id: Uuid,
    pub status: GroupStatus,
    pub exception_type: String,
    pub message: String,
    pub language: String,
    pub source: String,
    pub count: i64,
    pub first_seen: String,
    pub last_seen: String,
    pub spark: Sparkline,
}

#[derive(Debug, Serialize)]
pub struct StatusChip {
    pub name: &'static str,
    pub count: u64,
    pub active: bool,
}

#[derive(Debug, Serialize)]
pub struct ListPage {
    pub chrome: Chrome,
    pub groups: Vec<GroupRow>,
    pub statuses: Vec<StatusChip>,
    pub filter: Option<GroupStatus>,
    pub queue: QueueDepth,
    pub paused: bool,
    /// The list stopped at [`LIST_LIMIT`].
    pub truncated: bool,
}

pub async fn list_page(
    store: &dyn Store,
    chrome: Chrome,
    filter: Option<GroupStatus>,
    now_ms: i64,
) -> Result<ListPage, StoreError> {
    let groups = store
        .list_groups(&GroupFilter {
            status: filter,
            limit: Some(LIST_LIMIT),
        })
        .await?;
    let window = Window::ending_at(now_ms, 24);
    let mut rows = Vec::with_capacity(groups.len());
    for g in &groups {
        let counts = store
            .occurrence_counts(g.id, window.start_ms, window.end_ms())
            .await?;
        rows.push(GroupRow {
            id: g.id,
            status: g.status,
            exception_type: cut(&g.exception_type, 120),
            message: cut(&g.exception_message, 200),
            language: g.language.clone(),
            source: cut(&g.source, 80),
            count: g.count,
            first_seen: rfc3339_secs(g.first_seen),
            last_seen: rfc3339_secs(g.last_seen),
            spark: charts::sparkline(&window.bucket(&counts)),
        });
    }
    let counts = store.group_counts().await?;
    let statuses = GroupStatus::ALL
        .into_iter()
        .map(|s| StatusChip {
            name: s.as_str(),
            count: counts.get(&s).copied().unwrap_or(0),
            active: filter == Some(s),
        })
        .collect();
    Ok(ListPage {
        chrome,
        truncated: rows.len() as u32 >= LIST_LIMIT,
        groups: rows,
        statuses,
        filter,
        queue: store.queue_depth().await?,
        paused: store.paused().await?,
    })
}

#[derive(Debug, Serialize)]
pub struct GroupView {
    pub id: Uuid,
    pub status: GroupStatus,
    pub failure_reason: Option<String>,
    pub exception_type: String,
    pub exception_message: String,
    pub language: String,
    pub fingerprint: String,
    pub fingerprint_version: i32,
    pub count: i64,
    pub first_seen: String,
    pub last_seen: String,
    pub source: String,
}

#[derive(Debug, Serialize)]
pub struct TraceView {
    pub ordinal: i64,
    pub samples: usize,
    pub occurred_at: String,
    pub source: String,
    pub lines: Vec<TraceLine>,
    /// Lines beyond [`TRACE_LINES`], not shown.
    pub hidden_lines: usize,
}

#[derive(Debug, Serialize)]
pub struct JobView {
    pub id: Uuid,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub created_at: String,
    pub updated_at: String,
    pub last_error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AttemptView {
    pub job_id: Uuid,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub outcome: String,
    /// `ok`, `bad` or `wait`: the badge's colour.
    pub tone: &'static str,
    pub model: Option<String>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    /// `$0.0123`.
    pub cost: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CandidateView {
    pub validated: bool,
    pub outcome: String,
    pub explanation: Option<String>,
    pub files_changed: Vec<String>,
    pub diff: Vec<DiffLine>,
    pub test_command: Option<String>,
    /// `Some(true)`: the tests passed; `Some(false)`: they failed.
    pub tests_passed: Option<bool>,
    pub test_output: Option<String>,
    pub branch: Option<String>,
    pub commit: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ProposalView {
    pub branch: String,
    pub head_commit: String,
    pub forge: String,
    pub state: String,
    pub number: Option<i64>,
    /// Only an `http(s)://` URL becomes a link.
    pub url: Option<String>,
    pub merge_commit: Option<String>,
    pub updated_at: String,
}

#[derive(Debug, Serialize)]
pub struct ActionView {
    pub name: &'static str,
    pub label: &'static str,
    /// Asks for confirmation first (with JavaScript).
    pub confirm: Option<&'static str>,
    pub primary: bool,
}

#[derive(Debug, Serialize)]
pub struct GroupPage {
    pub chrome: Chrome,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub group: GroupView,
    pub trace: Option<TraceView>,
    pub chart: BarChart,
    pub jobs: Vec<JobView>,
    pub attempts: Vec<AttemptView>,
    pub candidate: Option<CandidateView>,
    pub proposal: Option<ProposalView>,
    pub actions: Vec<ActionView>,
}

/// The group page, or `None` when there is no such group.
pub async fn group_page(
    store: &dyn Store,
    chrome: Chrome,
    id: Uuid,
    now_ms: i64,
) -> Result<Option<GroupPage>, StoreError> {
    let Some(group) = store.group(id).await? else {
        return Ok(None);
    };
    let samples = store.samples(id).await?;
    let window = Window::ending_at(now_ms, 7 * 24);
    let counts = store
        .occurrence_counts(id, window.start_ms, window.end_ms())
        .await?;
    let jobs = store
        .list_jobs(&JobFilter {
            group_id: Some(id),
            limit: Some(JOBS_SHOWN),
            ..JobFilter::default()
        })
        .await?;
    let attempts = store
        .list_attempts(&AttemptFilter {
            group_id: Some(id),
            ..AttemptFilter::default()
        })
        .await?;
    let proposal = store.proposal(id).await?;
    let live_job = has_live_job(store, id).await?;

    // The latest sample shows the trace as it looks now.
    let trace = samples.iter().max_by_key(|s| s.ordinal).map(|s| {
        let mut lines = highlight_trace(&s.text);
        let hidden_lines = lines.len().saturating_sub(TRACE_LINES);
        lines.truncate(TRACE_LINES);
        TraceView {
            ordinal: s.ordinal,
            samples: samples.len(),
            occurred_at: rfc3339_secs(s.occurred_at),
            source: s.source.clone(),
            lines,
            hidden_lines,
        }
    });
    Ok(Some(GroupPage {
        chrome,
        notice: None,
        error: None,
        chart: charts::bar_chart(&window, &window.bucket(&counts)),
        trace,
        jobs: jobs.iter().map(job_view).collect(),
        attempts: attempts.iter().map(attempt_view).collect(),
        candidate: candidate(&attempts),
        proposal: proposal.as_ref().map(proposal_view),
        actions: Action::ALL
            .into_iter()
            .filter(|a| a.offered(group.status, live_job))
            .map(|a| ActionView {
                name: a.name(),
                label: a.label(),
                confirm: match a {
                    Action::Ignore => Some("Ignore this group? No fix will be tried."),
                    Action::Resolve => Some("Mark this group resolved?"),
                    _ => None,
                },
                primary: matches!(a, Action::Retry | Action::Reopen),
            })
            .collect(),
        group: group_view(&group),
    }))
}

fn group_view(g: &ErrorGroup) -> GroupView {
    GroupView {
        id: g.id,
        status: g.status,
        failure_reason: g.failure_reason.clone(),
        exception_type: g.exception_type.clone(),
        exception_message: g.exception_message.clone(),
        language: g.language.clone(),
        fingerprint: g.fingerprint.clone(),
        fingerprint_version: g.fingerprint_version,
        count: g.count,
        first_seen: rfc3339_secs(g.first_seen),
        last_seen: rfc3339_secs(g.last_seen),
        source: g.source.clone(),
    }
}

fn job_view(j: &Job) -> JobView {
    JobView {
        id: j.id,
        status: j.status.to_string(),
        attempts: j.attempts,
        max_attempts: j.max_attempts,
        created_at: rfc3339_secs(j.created_at),
        updated_at: rfc3339_secs(j.updated_at),
        last_error: j.last_error.as_deref().map(|e| cut(e, 300)),
    }
}

fn text(details: &Value, key: &str) -> Option<String> {
    details
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn attempt_view(a: &FixAttempt) -> AttemptView {
    let d = &a.details;
    let tone = match a.outcome.as_str() {
        "validated" => "ok",
        "waiting" | "running" => "wait",
        _ => "bad",
    };
    AttemptView {
        job_id: a.job_id,
        started_at: rfc3339_secs(a.started_at),
        finished_at: a.finished_at.map(rfc3339_secs),
        outcome: a.outcome.clone(),
        tone,
        model: text(d, "model"),
        input_tokens: d.get("input_tokens").and_then(Value::as_u64),
        output_tokens: d.get("output_tokens").and_then(Value::as_u64),
        cost: d
            .get("cost_usd")
            .and_then(Value::as_f64)
            .filter(|c| *c > 0.0)
            .map(|c| format!("${c:.4}")),
        detail: text(d, "detail")
            .or_else(|| text(d, "reason"))
            .map(|t| cut(&t, 400)),
    }
}

/// The fix to show: the latest validated attempt, else the latest attempt
/// that produced a diff.
fn candidate(attempts: &[FixAttempt]) -> Option<CandidateView> {
    let chosen = attempts
        .iter()
        .rev()
        .find(|a| a.outcome == "validated")
        .or_else(|| {
            attempts
                .iter()
                .rev()
                .find(|a| text(&a.details, "diff").is_some())
        })?;
    let d = &chosen.details;
    let validated = chosen.outcome == "validated";
    let test_output = text(d, "test_output");
    let tests_passed = if validated {
        Some(true)
    } else if chosen.outcome == "tests_failed" {
        Some(false)
    } else {
        None
    };
    Some(CandidateView {
        validated,
        outcome: chosen.outcome.clone(),
        explanation: text(d, "explanation"),
        files_changed: d
            .get("files_changed")
            .and_then(Value::as_array)
            .map(|files| {
                files
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        diff: text(d, "diff").map(|t| diff_lines(&t)).unwrap_or_default(),
        test_command: text(d, "test_command"),
        tests_passed,
        test_output,
        branch: text(d, "branch"),
        commit: text(d, "commit"),
    })
}

fn proposal_view(p: &Proposal) -> ProposalView {
    ProposalView {
        branch: p.branch.clone(),
        head_commit: p.head_commit.chars().take(12).collect(),
        forge: p.forge.clone(),
        state: p.state.to_string(),
        number: p.number,
        url: p.url.clone().filter(|u| is_web_url(u)),
        merge_commit: p.merge_commit.clone(),
        updated_at: rfc3339_secs(p.updated_at),
    }
}

/// An `http://` or `https://` URL: a `javascript:` or `data:` URL from a
/// misbehaving forge must not become a clickable link.
fn is_web_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_counts_characters() {
        assert_eq!(cut("héllo", 3), "hél…");
        assert_eq!(cut("abc", 3), "abc");
    }

    #[test]
    fn only_web_urls_link() {
        assert!(is_web_url("https://forge.example/o/r/pull/1"));
        assert!(is_web_url("HTTP://x"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("data:text/html,x"));
        assert!(!is_web_url("https://x\n.y"));
    }

    #[test]
    fn times_are_utc_rfc3339() {
        assert_eq!(rfc3339_secs(1_767_225_600_123), "2026-01-01T00:00:00Z");
    }
}
