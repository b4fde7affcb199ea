//! The domain types the store reads and writes. Times are unix milliseconds
//! (`i64`) everywhere: they look the same in SQLite and PostgreSQL.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::error::StoreError;

/// The job kind enqueued for new, queued and regressed groups. Its payload
/// is `{"group_id": "<uuid>", "reason": "new" | "queued" | "regressed"}`,
/// and the job's `group_id` is set.
pub const FIX_JOB_KIND: &str = "fix";

/// Per-minute occurrence counts are kept at least this long by default
/// (the issue asks for 30 days).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// Where an error group is in its life. Stored as the lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupStatus {
    /// First seen; its fix job was enqueued in the same transaction.
    New,
    /// A fix was asked for again (after `failed`, `ignored`, `proposed` or
    /// a retry); a fix job was enqueued in the same transaction.
    Queued,
    /// A worker holds its fix job.
    Fixing,
    /// A fix was proposed (a draft pull request exists).
    Proposed,
    Resolved,
    Ignored,
    /// Fixing gave up; `failure_reason` says why.
    Failed,
    /// Seen again after it was resolved; a fix job was enqueued.
    Regressed,
}

impl GroupStatus {
    pub const ALL: [GroupStatus; 8] = [
        GroupStatus::New,
        GroupStatus::Queued,
        GroupStatus::Fixing,
        GroupStatus::Proposed,
        GroupStatus::Resolved,
        GroupStatus::Ignored,
        GroupStatus::Failed,
        GroupStatus::Regressed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupStatus::New => "new",
            GroupStatus::Queued => "queued",
            GroupStatus::Fixing => "fixing",
            GroupStatus::Proposed => "proposed",
            GroupStatus::Resolved => "resolved",
            GroupStatus::Ignored => "ignored",
            GroupStatus::Failed => "failed",
            GroupStatus::Regressed => "regressed",
        }
    }
}

impl fmt::Display for GroupStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GroupStatus {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        GroupStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown group status {s:?}")))
    }
}

/// A job's place in the queue. Stored as the lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting; leasable once `visible_at` has passed.
    Ready,
    /// Held by a worker until `visible_at` (the lease expiry).
    Leased,
    Done,
    /// Out of attempts; `last_error` says why. `requeue` puts it back.
    Dead,
}

impl JobStatus {
    pub const ALL: [JobStatus; 4] = [
        JobStatus::Ready,
        JobStatus::Leased,
        JobStatus::Done,
        JobStatus::Dead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Ready => "ready",
            JobStatus::Leased => "leased",
            JobStatus::Done => "done",
            JobStatus::Dead => "dead",
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobStatus {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        JobStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown job status {s:?}")))
    }
}

/// One error event as ingest hands it to the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Occurrence {
    pub fingerprint: String,
    pub fingerprint_version: i32,
    pub language: String,
    pub exception_type: String,
    pub exception_message: String,
    /// The in-app frames, as JSON (the wire format is the caller's).
    pub frames: Value,
    /// When it happened (the log's time if known, else when it was read).
    pub timestamp_ms: i64,
    /// The source name (a file path, `-`, an HTTP endpoint).
    pub source: String,
    /// The raw text of the event, kept if it becomes a sample.
    pub sample: String,
}

/// A source's read position, stored in the transaction of the events it
/// produced. The position is opaque to the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub source_id: String,
    pub position: Value,
}

/// What one `record_occurrences` call did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    pub events: u64,
    /// Distinct groups the batch touched.
    pub groups: u64,
    pub new_groups: Vec<Uuid>,
    /// Groups that went from `resolved` to `regressed`.
    pub regressed_groups: Vec<Uuid>,
    /// Fix jobs enqueued (one per new or regressed group, unless the group
    /// already had a live fix job).
    pub jobs: Vec<Uuid>,
}

/// A deduplicated error: all occurrences with one fingerprint (of one
/// fingerprint version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorGroup {
    pub id: Uuid,
    pub fingerprint: String,
    pub fingerprint_version: i32,
    pub language: String,
    pub exception_type: String,
    pub exception_message: String,
    pub frames: Value,
    pub first_seen: i64,
    pub last_seen: i64,
    pub count: i64,
    pub status: GroupStatus,
    pub failure_reason: Option<String>,
    /// The source of the first occurrence.
    pub source: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A kept example of a group's events: the first few and the latest few.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// 1-based position among the group's occurrences, in arrival order.
    pub ordinal: i64,
    pub occurred_at: i64,
    pub source: String,
    pub text: String,
}

/// Occurrences of one group in one minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinuteCount {
    /// Start of the minute, unix ms.
    pub minute: i64,
    pub count: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupFilter {
    pub status: Option<GroupStatus>,
    pub limit: Option<u32>,
}

/// What [`crate::GroupStore::query_groups`] orders groups by. Ties are
/// broken by id in the same direction, so pages never overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupSort {
    #[default]
    LastSeen,
    FirstSeen,
    /// The total number of occurrences.
    Count,
}

impl GroupSort {
    pub const ALL: [GroupSort; 3] = [GroupSort::LastSeen, GroupSort::FirstSeen, GroupSort::Count];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupSort::LastSeen => "last_seen",
            GroupSort::FirstSeen => "first_seen",
            GroupSort::Count => "count",
        }
    }
}

impl FromStr for GroupSort {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        GroupSort::ALL
            .into_iter()
            .find(|sort| sort.as_str() == s)
            .ok_or_else(|| StoreError::InvalidInput(format!("unknown group sort {s:?}")))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

impl SortOrder {
    pub const ALL: [SortOrder; 2] = [SortOrder::Asc, SortOrder::Desc];

    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
        }
    }
}

impl FromStr for SortOrder {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        SortOrder::ALL
            .into_iter()
            .find(|order| order.as_str() == s)
            .ok_or_else(|| StoreError::InvalidInput(format!("unknown sort order {s:?}")))
    }
}

/// A filtered, sorted page of groups (the HTTP API's list). The default is
/// every group, most recently seen first, like [`GroupFilter`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupQuery {
    pub status: Option<GroupStatus>,
    /// Exact language name (`python`, `java`, …).
    pub language: Option<String>,
    /// A case-insensitive substring of the exception type or message, or a
    /// prefix of the fingerprint. `%` and `_` match themselves. Backends
    /// fold case with SQL `lower()`, which SQLite applies to ASCII only.
    pub text: Option<String>,
    pub sort: GroupSort,
    pub order: SortOrder,
    /// `None`: no limit.
    pub limit: Option<u32>,
    /// Groups to skip before the page starts.
    pub offset: u64,
}

impl GroupQuery {
    /// The `LIKE` patterns for [`Self::text`], lower-cased and escaped with
    /// `\` (use `ESCAPE '\'`): `(substring, prefix)`. `None` when there is
    /// no text filter (an empty text filters nothing).
    pub fn text_patterns(&self) -> Option<(String, String)> {
        let text = self.text.as_deref().filter(|t| !t.is_empty())?;
        let escaped = escape_like(&text.to_lowercase());
        Some((format!("%{escaped}%"), format!("{escaped}%")))
    }
}

/// Escapes `text` for a SQL `LIKE` pattern with `ESCAPE '\'`: the
/// wildcards `%` and `_` and the escape character itself match literally.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One page of [`GroupQuery`] results and how many groups match in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupPage {
    pub groups: Vec<ErrorGroup>,
    /// Matching groups, ignoring `limit` and `offset`.
    pub total: u64,
}

/// Number of groups per status; every status is present (zero if none).
pub type StatusCounts = std::collections::BTreeMap<GroupStatus, u64>;

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: String,
    pub payload: Value,
    pub group_id: Option<Uuid>,
    /// Defaults to [`StoreOptions::max_attempts`].
    pub max_attempts: Option<i32>,
    /// Not leasable before this time; defaults to now.
    pub visible_at: Option<i64>,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: Value) -> Self {
        NewJob {
            kind: kind.into(),
            payload,
            group_id: None,
            max_attempts: None,
            visible_at: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub payload: Value,
    pub status: JobStatus,
    /// Leases taken so far (a lease counts as an attempt).
    pub attempts: i32,
    pub max_attempts: i32,
    /// `ready`: leasable from then on; `leased`: when the lease expires.
    pub visible_at: i64,
    pub lease_token: Option<Uuid>,
    pub leased_by: Option<String>,
    pub last_error: Option<String>,
    pub group_id: Option<Uuid>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Proof of holding a job: its id and the fencing token of this lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lease {
    pub job_id: Uuid,
    pub token: Uuid,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeasedJob {
    pub job: Job,
    pub lease: Lease,
}

/// What `nack` did with the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NackOutcome {
    /// Back to `ready`, leasable again at `visible_at`.
    Retry { visible_at: i64 },
    /// Out of attempts: `dead`, with the error kept.
    Dead,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    pub status: Option<JobStatus>,
    pub group_id: Option<Uuid>,
    pub limit: Option<u32>,
}

/// Queue depth for `tracefix jobs` and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueDepth {
    /// Ready and visible now.
    pub ready: u64,
    /// Ready but waiting for a backoff or a delay.
    pub scheduled: u64,
    /// Leased, lease not yet expired.
    pub leased: u64,
    /// Leased, lease expired (leasable again).
    pub expired: u64,
    pub done: u64,
    pub dead: u64,
}

/// One try at fixing, recorded by the fixer.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAttempt {
    pub job_id: Uuid,
    pub group_id: Option<Uuid>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// The fixer's word for how it ended (its vocabulary is the fixer's).
    pub outcome: String,
    pub details: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixAttempt {
    pub id: Uuid,
    pub job_id: Uuid,
    pub group_id: Option<Uuid>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub outcome: String,
    pub details: Value,
}

/// A validated candidate as a branch, and its pull request once opened:
/// at most one per group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub group_id: Uuid,
    /// `tracefix/<short fingerprint>-<slug>`.
    pub branch: String,
    /// The commit the branch points at.
    pub head_commit: String,
    /// `github`, `gitlab`, `gitea` or `local`.
    pub forge: String,
    pub state: ProposalState,
    /// The forge's pull (merge) request number, once opened.
    pub number: Option<i64>,
    pub url: Option<String>,
    pub merge_commit: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProposalState {
    /// The branch is in the local repository only (`forge.kind = "local"`, no remote).
    Local,
    /// Pushed; no pull request yet (or the forge is `local`).
    Pushed,
    Open,
    Merged,
    /// Closed without merging: a person decides what next.
    Closed,
}

impl ProposalState {
    pub const ALL: [ProposalState; 5] = [
        ProposalState::Local,
        ProposalState::Pushed,
        ProposalState::Open,
        ProposalState::Merged,
        ProposalState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Local => "local",
            ProposalState::Pushed => "pushed",
            ProposalState::Open => "open",
            ProposalState::Merged => "merged",
            ProposalState::Closed => "closed",
        }
    }
}

impl fmt::Display for ProposalState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProposalState {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, StoreError> {
        ProposalState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown proposal state {s:?}")))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptFilter {
    pub job_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
}

/// Where "now" comes from. The store reads the clock for lease expiry,
/// backoff and bookkeeping times, so tests can move time instead of
/// sleeping. Nodes sharing PostgreSQL must keep their clocks in sync (NTP):
/// a skew of s shortens or lengthens their leases by s.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now_ms(&self) -> i64;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that moves only when told to (tests).
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(now_ms: i64) -> Self {
        ManualClock(AtomicI64::new(now_ms))
    }
    pub fn set(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(duration_ms(by), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A duration in whole milliseconds, saturating.
pub fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Settings every backend honours.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How many of a group's first occurrences keep their text.
    pub samples_first: u32,
    /// How many of its latest occurrences keep their text.
    pub samples_latest: u32,
    /// Default `max_attempts` of enqueued jobs (fix jobs included).
    pub max_attempts: i32,
    /// Size of the connection pool (SQLite in memory always uses one
    /// connection: each would otherwise be its own database).
    pub max_connections: u32,
    /// How long SQLite waits for the write lock before failing.
    pub busy_timeout: Duration,
    pub clock: Arc<dyn Clock>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            samples_first: 5,
            samples_latest: 5,
            max_attempts: 5,
            max_connections: 8,
            busy_timeout: Duration::from_secs(10),
            clock: Arc::new(SystemClock),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in GroupStatus::ALL {
            assert_eq!(status.as_str().parse::<GroupStatus>().unwrap(), status);
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                Value::from(status.as_str())
            );
        }
        for status in JobStatus::ALL {
            assert_eq!(status.as_str().parse::<JobStatus>().unwrap(), status);
        }
        assert!(matches!(
            "open".parse::<GroupStatus>(),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn like_patterns_escape_wildcards_and_fold_case() {
        assert_eq!(escape_like(r"50%_off\x"), r"50\%\_off\\x");
        let query = GroupQuery {
            text: Some("Key_Err%".into()),
            ..GroupQuery::default()
        };
        assert_eq!(
            query.text_patterns(),
            Some((r"%key\_err\%%".to_string(), r"key\_err\%%".to_string()))
        );
        let empty = GroupQuery {
            text: Some(String::new()),
            ..GroupQuery::default()
        };
        assert_eq!(empty.text_patterns(), None);
        assert_eq!(GroupQuery::default().text_patterns(), None);
    }

    #[test]
    fn sorts_and_orders_round_trip_through_their_names() {
        for sort in GroupSort::ALL {
            assert_eq!(sort.as_str().parse::<GroupSort>().unwrap(), sort);
        }
        for order in SortOrder::ALL {
            assert_eq!(order.as_str().parse::<SortOrder>().unwrap(), order);
        }
        assert!("size".parse::<GroupSort>().is_err());
        assert!("up".parse::<SortOrder>().is_err());
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(1_000);
        assert_eq!(clock.now_ms(), 1_000);
        clock.advance(Duration::from_secs(2));
        assert_eq!(clock.now_ms(), 3_000);
        clock.set(5);
        assert_eq!(clock.now_ms(), 5);
    }
}
