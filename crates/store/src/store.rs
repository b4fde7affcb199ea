//! The store interface. Implemented by `tracefix-store-sqlite` and
//! `tracefix-store-postgres`; opened by URL with `tracefix-store-any`.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use uuid::Uuid;

use crate::error::Result;
use crate::model::*;

/// Error groups: ingest (with its outbox and checkpoints) and queries.
#[async_trait]
pub trait GroupStore: Send + Sync {
    /// Records a batch of events in one transaction: upserts their groups,
    /// adds to counts and per-minute buckets, keeps samples, and enqueues a
    /// fix job for every group that is new or goes from `resolved` to
    /// `regressed` (the transactional outbox). Repeats only update counts.
    /// The same transaction stores `checkpoint` when given, so a source's
    /// read position and the events it produced commit together or not at
    /// all.
    async fn record_occurrences(
        &self,
        batch: &[Occurrence],
        checkpoint: Option<&Checkpoint>,
    ) -> Result<IngestReport>;

    /// The last position stored for a source.
    async fn checkpoint(&self, source_id: &str) -> Result<Option<Value>>;

    async fn group(&self, id: Uuid) -> Result<Option<ErrorGroup>>;

    async fn group_by_fingerprint(
        &self,
        fingerprint: &str,
        fingerprint_version: i32,
    ) -> Result<Option<ErrorGroup>>;

    /// Groups, most recently seen first.
    async fn list_groups(&self, filter: &GroupFilter) -> Result<Vec<ErrorGroup>>;

    /// A page of groups filtered by status, language and text, sorted, and
    /// the number of groups matching in all (for pagination). Parameters
    /// are bound, never spliced into SQL.
    async fn query_groups(&self, query: &GroupQuery) -> Result<GroupPage>;

    /// Compare-and-set: moves the group from `from` to `to` only if its
    /// status is still `from`, and says whether it did. A change the state
    /// machine forbids is an [`crate::StoreError::InvalidTransition`];
    /// `failed` needs a `reason`. Entering `queued` enqueues a fix job in
    /// the same transaction (unless the group already has a live one).
    async fn set_group_status(
        &self,
        id: Uuid,
        from: GroupStatus,
        to: GroupStatus,
        reason: Option<&str>,
    ) -> Result<bool>;

    /// Number of groups in every status.
    async fn group_counts(&self) -> Result<StatusCounts>;

    /// The kept samples of a group, by ordinal.
    async fn samples(&self, group_id: Uuid) -> Result<Vec<Sample>>;

    /// Per-minute counts of a group with `from_ms <= minute < to_ms`.
    async fn occurrence_counts(
        &self,
        group_id: Uuid,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<MinuteCount>>;

    /// Deletes per-minute buckets that start before `before_ms` (retention;
    /// see [`crate::DEFAULT_RETENTION`]). Returns how many went.
    async fn purge_occurrences(&self, before_ms: i64) -> Result<u64>;

    /// [`Self::purge_occurrences`] for buckets older than `retention` by
    /// the store's clock (run it periodically with
    /// [`crate::DEFAULT_RETENTION`]).
    async fn purge_expired_occurrences(&self, retention: Duration) -> Result<u64>;
}

/// The durable job queue, its switches, and the fixer's attempt log.
///
/// The concurrency limit here is global (all processes on the store); a
/// per-process limit is the caller's (a semaphore around its workers).
///
/// A lease hands out a fresh fencing token per job; `ack`, `nack`,
/// `extend` and `release` succeed only with the job's current token, else
/// [`crate::StoreError::LeaseLost`]. A token stays valid until the job is
/// leased again, so a worker whose lease expired may still finish if no one
/// else took the job.
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Adds a job. Returns `None` when it is a fix job for a group that
    /// already has a live (ready or leased) one.
    async fn enqueue(&self, job: &NewJob) -> Result<Option<Uuid>>;

    /// Leases up to `max` visible jobs (ready, or leased with an expired
    /// lease) for `visibility`, each with a fresh token and one more
    /// attempt, oldest visible first. Returns nothing while paused, and
    /// never more than the global concurrency limit minus the unexpired
    /// leases. An expired lease that had used its last attempt makes the
    /// job dead instead.
    async fn lease(&self, worker: &str, max: u32, visibility: Duration) -> Result<Vec<LeasedJob>>;

    /// Done.
    async fn ack(&self, lease: &Lease) -> Result<()>;

    /// Failed this attempt: back to ready after `retry_after` (see
    /// [`crate::BackoffPolicy`]), or dead when out of attempts; `error` is
    /// kept either way.
    async fn nack(&self, lease: &Lease, error: &str, retry_after: Duration) -> Result<NackOutcome>;

    /// Heartbeat: the lease now expires `visibility` from now; returns the
    /// new expiry.
    async fn extend(&self, lease: &Lease, visibility: Duration) -> Result<i64>;

    /// Gives the job back untried (graceful shutdown): ready now, and the
    /// attempt this lease took is returned.
    async fn release(&self, lease: &Lease) -> Result<()>;

    /// Puts the job back untried until `until_ms` (a budget, a threshold):
    /// the attempt this lease took is returned and `reason` is kept as its
    /// last error, so `tracefix jobs` shows why it waits.
    async fn defer(&self, lease: &Lease, until_ms: i64, reason: &str) -> Result<()>;

    /// Puts a dead job back to ready with its attempts reset (its last
    /// error is kept). Returns false when the job is not dead.
    async fn requeue(&self, job_id: Uuid) -> Result<bool>;

    async fn job(&self, id: Uuid) -> Result<Option<Job>>;

    /// Jobs, newest first.
    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>>;

    async fn queue_depth(&self) -> Result<QueueDepth>;

    /// The global pause switch, shared by every process on the store.
    async fn set_paused(&self, paused: bool) -> Result<()>;
    async fn paused(&self) -> Result<bool>;

    /// The global limit on unexpired leases (`None`: unlimited).
    async fn set_concurrency_limit(&self, limit: Option<u32>) -> Result<()>;
    async fn concurrency_limit(&self) -> Result<Option<u32>>;

    async fn insert_attempt(&self, attempt: &NewAttempt) -> Result<Uuid>;

    /// Creates or replaces the group's proposal (one per group; its
    /// `created_at` is kept on replace) and returns it as stored.
    async fn save_proposal(&self, proposal: &Proposal) -> Result<Proposal>;

    async fn proposal(&self, group_id: Uuid) -> Result<Option<Proposal>>;

    /// Proposals in `state`, oldest first (the lifecycle polls `open` ones).
    async fn proposals_in(&self, state: ProposalState) -> Result<Vec<Proposal>>;

    /// Attempts, oldest first.
    async fn list_attempts(&self, filter: &AttemptFilter) -> Result<Vec<FixAttempt>>;
}

/// A whole store: groups and queue in one database, so that the outbox
/// can write both in one transaction.
#[async_trait]
pub trait Store: GroupStore + JobQueue + std::fmt::Debug {
    /// Which backend this is ("sqlite" or "postgres").
    fn backend(&self) -> &'static str;

    /// Closes the pool, waiting for connections in use to come back.
    async fn close(&self);
}
