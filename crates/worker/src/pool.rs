//! The worker pool: lease, run with heartbeats, settle each lease.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracefix_store::{
    BackoffPolicy, FIX_JOB_KIND, GroupStatus, Lease, LeasedJob, NackOutcome, Store, StoreError,
};
use tracing::{debug, error, info, warn};
use uuid::Uuid;

use crate::{JobContext, JobHandler, JobOutcome};

/// How a pool works. `tracefix run` fills it from `[worker]`.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// The name leases are taken under (shown by `tracefix jobs`).
    pub worker_id: String,
    /// Jobs run at once by this pool (the global limit is the store's).
    pub concurrency: usize,
    /// How long a lease lasts without a heartbeat.
    pub lease: Duration,
    /// How often a running job's lease is extended (below `lease`).
    pub heartbeat: Duration,
    /// Delay before a failed job is retried.
    pub backoff: BackoffPolicy,
    /// How long to wait before leasing again when nothing was leasable.
    pub poll: Duration,
    /// On shutdown, how long running jobs may finish before their leases
    /// are released.
    pub shutdown_grace: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            worker_id: format!("worker-{}", std::process::id()),
            concurrency: 2,
            lease: Duration::from_secs(300),
            heartbeat: Duration::from_secs(60),
            backoff: BackoffPolicy::default(),
            poll: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// What a pool did, by how each lease ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolReport {
    /// Leases taken.
    pub leased: u64,
    /// Handler succeeded; acked.
    pub done: u64,
    /// Handler failed; nacked, to be retried after a backoff.
    pub retried: u64,
    /// Handler failed on the last attempt; the job is dead.
    pub dead: u64,
    /// The lease was lost while running (or at the end): not acked.
    pub lease_lost: u64,
    /// Given back untried or unfinished at shutdown.
    pub released: u64,
    /// Fix jobs whose group no longer wants a fix (ignored, resolved, …):
    /// acked without running the handler.
    pub skipped: u64,
    /// The store failed while settling a lease; the lease will expire and
    /// the job be leased again.
    pub store_errors: u64,
}

#[derive(Debug, Default)]
struct Counters {
    leased: AtomicU64,
    done: AtomicU64,
    retried: AtomicU64,
    dead: AtomicU64,
    lease_lost: AtomicU64,
    released: AtomicU64,
    skipped: AtomicU64,
    store_errors: AtomicU64,
}

/// How one lease ended, for counters and the `tracefix_jobs_total` metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settled {
    Done,
    Retried,
    Dead,
    LeaseLost,
    Released,
    Skipped,
    StoreError,
}

impl Settled {
    fn label(self) -> &'static str {
        match self {
            Settled::Done => "done",
            Settled::Retried => "retried",
            Settled::Dead => "dead",
            Settled::LeaseLost => "lease_lost",
            Settled::Released => "released",
            Settled::Skipped => "skipped",
            Settled::StoreError => "store_error",
        }
    }
}

impl Counters {
    fn count(&self, settled: Settled) {
        let counter = match settled {
            Settled::Done => &self.done,
            Settled::Retried => &self.retried,
            Settled::Dead => &self.dead,
            Settled::LeaseLost => &self.lease_lost,
            Settled::Released => &self.released,
            Settled::Skipped => &self.skipped,
            Settled::StoreError => &self.store_errors,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("tracefix_jobs_total", "outcome" => settled.label()).increment(1);
    }

    fn report(&self) -> PoolReport {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        PoolReport {
            leased: get(&self.leased),
            done: get(&self.done),
            retried: get(&self.retried),
            dead: get(&self.dead),
            lease_lost: get(&self.lease_lost),
            released: get(&self.released),
            skipped: get(&self.skipped),
            store_errors: get(&self.store_errors),
        }
    }
}

struct Shared {
    store: Arc<dyn Store>,
    handler: Arc<dyn JobHandler>,
    config: PoolConfig,
    counters: Counters,
    shutdown: CancellationToken,
    /// Cancelled when the shutdown grace period is over.
    hard_stop: CancellationToken,
}

/// Leases jobs and runs them with a [`JobHandler`].
///
/// - At most `concurrency` jobs run at once in this pool (a semaphore); the
///   store adds its global limit and pause switch to every `lease`.
/// - A running job's lease is extended every `heartbeat`. If `extend`
///   says the lease is lost, the handler is cancelled and the job is not
///   acked (another worker holds it now).
/// - Success: ack. Failure: nack with a [`BackoffPolicy`] delay (the store
///   makes the job dead after its last attempt).
/// - Fix jobs move their group `new`/`queued`/`regressed` → `fixing` when
///   leased (compare-and-set); a group already `fixing` (an earlier lease
///   expired) is taken over; a group in any other status no longer wants a
///   fix, so the job is acked without running. When the job ends the group
///   goes where the [`JobOutcome`] says; on a failure to `queued` (the job
///   waits for its retry) or, when the job is dead, to `failed`; when the
///   lease is released at shutdown back to `queued`.
/// - Shutdown (the token given to [`WorkerPool::run`]): stop leasing, let
///   running jobs finish for up to `shutdown_grace`, then cancel them and
///   release their leases.
pub struct WorkerPool {
    shared: Arc<Shared>,
}

impl WorkerPool {
    pub fn new(store: Arc<dyn Store>, handler: Arc<dyn JobHandler>, config: PoolConfig) -> Self {
        WorkerPool {
            shared: Arc::new(Shared {
                store,
                handler,
                config,
                counters: Counters::default(),
                shutdown: CancellationToken::new(),
                hard_stop: CancellationToken::new(),
            }),
        }
    }

    /// Runs until `shutdown` is cancelled and every lease is settled.
    pub async fn run(self, shutdown: CancellationToken) -> PoolReport {
        let shared = self.shared;
        let config = &shared.config;
        let semaphore = Arc::new(Semaphore::new(config.concurrency.max(1)));
        let mut tasks = JoinSet::new();
        info!(
            worker = %config.worker_id,
            concurrency = config.concurrency,
            lease_secs = config.lease.as_secs_f64(),
            "worker pool started"
        );

        loop {
            while let Some(done) = tasks.try_join_next() {
                log_task_end(done);
            }
            // One permit first (waiting for a running job to end), then
            // whatever else is free: lease as many jobs as can run now.
            let first = tokio::select! {
                permit = semaphore.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
                () = shutdown.cancelled() => break,
            };
            let mut permits = vec![first];
            while let Ok(permit) = semaphore.clone().try_acquire_owned() {
                permits.push(permit);
            }
            let want = u32::try_from(permits.len()).unwrap_or(u32::MAX);
            // Not raced against shutdown: a lease committed by the database
            // but dropped here would sit unused until it expired.
            let leased = shared
                .store
                .lease(&config.worker_id, want, config.lease)
                .await;
            let jobs = match leased {
                Ok(jobs) => jobs,
                Err(e) => {
                    warn!(error = %error_chain(&e), "leasing jobs failed; trying again");
                    drop(permits);
                    idle(&shutdown, config.poll).await;
                    continue;
                }
            };
            if shutdown.is_cancelled() {
                for job in &jobs {
                    if let Err(e) = shared.store.release(&job.lease).await {
                        warn!(job = %job.job.id, error = %error_chain(&e), "releasing an unstarted lease failed; it will expire");
                    }
                }
                break;
            }
            let idle_now = jobs.is_empty();
            for (job, permit) in jobs.into_iter().zip(permits.drain(..)) {
                shared.counters.leased.fetch_add(1, Ordering::Relaxed);
                let shared = shared.clone();
                tasks.spawn(async move {
                    metrics::gauge!("tracefix_jobs_running").increment(1.0);
                    let job_id = job.job.id;
                    let settled = process(&shared, job).await;
                    debug!(job = %job_id, outcome = settled.label(), "job settled");
                    shared.counters.count(settled);
                    metrics::gauge!("tracefix_jobs_running").decrement(1.0);
                    drop(permit);
                });
            }
            drop(permits);
            if idle_now {
                idle(&shutdown, config.poll).await;
            }
        }

        shared.shutdown.cancel();
        if !tasks.is_empty() {
            info!(
                running = tasks.len(),
                grace_secs = config.shutdown_grace.as_secs_f64(),
                "worker pool stopping; waiting for running jobs"
            );
            let drained = tokio::time::timeout(config.shutdown_grace, async {
                while let Some(done) = tasks.join_next().await {
                    log_task_end(done);
                }
            })
            .await;
            if drained.is_err() {
                // Grace is over: cancel the rest; each releases its lease.
                shared.hard_stop.cancel();
                while let Some(done) = tasks.join_next().await {
                    log_task_end(done);
                }
            }
        }
        let report = shared.counters.report();
        info!(worker = %config.worker_id, ?report, "worker pool stopped");
        report
    }
}

fn log_task_end(result: Result<(), tokio::task::JoinError>) {
    if let Err(e) = result {
        error!(error = %e, "a job task ended abnormally");
    }
}

async fn idle(shutdown: &CancellationToken, poll: Duration) {
    tokio::select! {
        () = tokio::time::sleep(poll) => {}
        () = shutdown.cancelled() => {}
    }
}

/// Runs one leased job to its end and settles its lease.
async fn process(shared: &Shared, leased: LeasedJob) -> Settled {
    let store = &shared.store;
    let lease = leased.lease;
    let job_id = leased.job.id;
    let fix_group = (leased.job.kind == FIX_JOB_KIND)
        .then_some(leased.job.group_id)
        .flatten();

    if let Some(group_id) = fix_group {
        match claim_group(store.as_ref(), group_id).await {
            Ok(Claim::Ours) => {}
            Ok(Claim::Gone(status)) => {
                info!(
                    job = %job_id, group = %group_id, status = ?status,
                    "the group no longer wants a fix; job done without running"
                );
                return ack(store.as_ref(), &lease, Settled::Skipped).await;
            }
            Err(e) => {
                return fail(shared, &leased, None, &format!("claiming the group: {e}")).await;
            }
        }
    }

    let cancelled = CancellationToken::new();
    let ctx = JobContext {
        store: store.clone(),
        worker_id: shared.config.worker_id.clone(),
        cancelled: cancelled.clone(),
        shutdown: shared.shutdown.clone(),
    };
    let handler = shared.handler.clone();
    let job = leased.clone();
    // Its own task, so that a panic is caught and an abort cancels it.
    let mut task = tokio::spawn(async move { handler.handle(&job, &ctx).await });

    enum Ended {
        Ran(Result<Result<JobOutcome, crate::HandlerError>, tokio::task::JoinError>),
        LeaseLost,
        Stopped,
    }
    let ended = tokio::select! {
        result = &mut task => Ended::Ran(result),
        () = heartbeat(store.as_ref(), &lease, &shared.config) => Ended::LeaseLost,
        () = shared.hard_stop.cancelled() => Ended::Stopped,
    };
    match ended {
        Ended::LeaseLost => {
            cancelled.cancel();
            task.abort();
            warn!(job = %job_id, "lease lost while running; the job was cancelled and not acked");
            Settled::LeaseLost
        }
        Ended::Stopped => {
            cancelled.cancel();
            task.abort();
            let _ = task.await;
            if let Some(group_id) = fix_group {
                // Back to waiting before the job is (the job is still
                // leased, so no second job is enqueued).
                set_status(
                    store.as_ref(),
                    group_id,
                    GroupStatus::Fixing,
                    GroupStatus::Queued,
                    None,
                )
                .await;
            }
            match store.release(&lease).await {
                Ok(()) => {
                    info!(job = %job_id, "shutdown: lease released");
                    Settled::Released
                }
                Err(StoreError::LeaseLost { .. }) => Settled::LeaseLost,
                Err(e) => {
                    warn!(job = %job_id, error = %error_chain(&e), "releasing the lease failed; it will expire");
                    Settled::StoreError
                }
            }
        }
        Ended::Ran(Ok(Ok(JobOutcome::Wait { until_ms, reason }))) => {
            if let Some(group_id) = fix_group {
                // While the job is still leased, so entering `queued`
                // enqueues nothing: this job is the one that waits.
                set_status(
                    store.as_ref(),
                    group_id,
                    GroupStatus::Fixing,
                    GroupStatus::Queued,
                    None,
                )
                .await;
            }
            match store.defer(&lease, until_ms, &reason).await {
                Ok(()) => {
                    info!(job = %job_id, until_ms, reason, "job waits");
                    Settled::Released
                }
                Err(StoreError::LeaseLost { .. }) => Settled::LeaseLost,
                Err(e) => {
                    warn!(job = %job_id, error = %error_chain(&e), "deferring the job failed; its lease will expire");
                    Settled::StoreError
                }
            }
        }
        Ended::Ran(Ok(Ok(outcome))) => {
            if let Some(group_id) = fix_group {
                let (to, reason) = match outcome {
                    JobOutcome::Group { status, reason }
                        if matches!(
                            status,
                            GroupStatus::Proposed
                                | GroupStatus::Failed
                                | GroupStatus::Resolved
                                | GroupStatus::Ignored
                        ) =>
                    {
                        (status, reason)
                    }
                    JobOutcome::Group { status, .. } => (
                        GroupStatus::Failed,
                        Some(format!(
                            "the fix handler asked for {status}, which a finished fix job cannot set"
                        )),
                    ),
                    JobOutcome::Wait { .. } => unreachable!("handled above"),
                    JobOutcome::Done => (
                        GroupStatus::Failed,
                        Some("the fix handler finished without a result".to_string()),
                    ),
                };
                set_status(
                    store.as_ref(),
                    group_id,
                    GroupStatus::Fixing,
                    to,
                    reason.as_deref(),
                )
                .await;
            }
            ack(store.as_ref(), &lease, Settled::Done).await
        }
        Ended::Ran(Ok(Err(e))) => fail(shared, &leased, fix_group, &e.chain()).await,
        Ended::Ran(Err(e)) => {
            let message = if e.is_panic() {
                let panic = e.into_panic();
                let text = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".into());
                format!("the job handler panicked: {text}")
            } else {
                "the job handler was cancelled".to_string()
            };
            fail(shared, &leased, fix_group, &message).await
        }
    }
}

enum Claim {
    /// The group is `fixing` and this lease works on it.
    Ours,
    /// The group left the statuses that want a fix.
    Gone(Option<GroupStatus>),
}

/// Moves a fix job's group to `fixing`, re-reading when another process
/// changed it between the read and the compare-and-set.
async fn claim_group(store: &dyn Store, group_id: Uuid) -> Result<Claim, StoreError> {
    for _ in 0..3 {
        let Some(group) = store.group(group_id).await? else {
            return Ok(Claim::Gone(None));
        };
        match group.status {
            // An earlier lease expired mid-fix; this lease takes over.
            GroupStatus::Fixing => return Ok(Claim::Ours),
            from @ (GroupStatus::New | GroupStatus::Queued | GroupStatus::Regressed) => {
                if store
                    .set_group_status(group_id, from, GroupStatus::Fixing, None)
                    .await?
                {
                    return Ok(Claim::Ours);
                }
            }
            other => return Ok(Claim::Gone(Some(other))),
        }
    }
    Err(StoreError::Conflict(format!(
        "group {group_id} kept changing while a worker tried to claim it"
    )))
}

/// A compare-and-set whose failure is logged, not fatal: the job's own
/// settlement matters more, and a group changed by someone else (a user
/// ignoring it mid-fix) is theirs to keep.
async fn set_status(
    store: &dyn Store,
    group_id: Uuid,
    from: GroupStatus,
    to: GroupStatus,
    reason: Option<&str>,
) {
    match store.set_group_status(group_id, from, to, reason).await {
        Ok(true) => debug!(group = %group_id, %from, %to, "group status changed"),
        Ok(false) => info!(
            group = %group_id, %from, %to,
            "group status was changed by someone else; left as it is"
        ),
        Err(e) => warn!(
            group = %group_id, %from, %to, error = %error_chain(&e),
            "changing the group status failed"
        ),
    }
}

async fn ack(store: &dyn Store, lease: &Lease, settled: Settled) -> Settled {
    match store.ack(lease).await {
        Ok(()) => settled,
        Err(StoreError::LeaseLost { .. }) => {
            warn!(job = %lease.job_id, "lease lost before the ack; another worker holds the job");
            Settled::LeaseLost
        }
        Err(e) => {
            warn!(job = %lease.job_id, error = %error_chain(&e), "ack failed; the lease will expire and the job run again");
            Settled::StoreError
        }
    }
}

/// Nacks with a backoff delay; moves a fix job's group to `queued` (retry)
/// or `failed` (dead).
async fn fail(
    shared: &Shared,
    leased: &LeasedJob,
    fix_group: Option<Uuid>,
    error: &str,
) -> Settled {
    let store = shared.store.as_ref();
    let job = &leased.job;
    let attempt = u32::try_from(job.attempts).unwrap_or(1);
    let delay = shared.config.backoff.delay_random(attempt);
    if let Some(group_id) = fix_group {
        // While the job is still leased, so entering `queued` enqueues
        // nothing: this job is the one that waits.
        set_status(
            store,
            group_id,
            GroupStatus::Fixing,
            GroupStatus::Queued,
            None,
        )
        .await;
    }
    match store.nack(&leased.lease, error, delay).await {
        Ok(NackOutcome::Retry { .. }) => {
            warn!(
                job = %job.id, attempt = job.attempts, max_attempts = job.max_attempts,
                retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error, "job failed; will retry"
            );
            Settled::Retried
        }
        Ok(NackOutcome::Dead) => {
            error!(job = %job.id, attempts = job.attempts, error, "job failed on its last attempt; it is dead");
            if let Some(group_id) = fix_group {
                let reason = format!("fixing failed {} times; last error: {error}", job.attempts);
                set_status(
                    store,
                    group_id,
                    GroupStatus::Queued,
                    GroupStatus::Failed,
                    Some(&reason),
                )
                .await;
            }
            Settled::Dead
        }
        Err(StoreError::LeaseLost { .. }) => Settled::LeaseLost,
        Err(e) => {
            warn!(job = %job.id, error = %error_chain(&e), "nack failed; the lease will expire and the job run again");
            Settled::StoreError
        }
    }
}

/// Extends the lease every `heartbeat`; returns only when it is lost.
/// Other errors are logged and retried at the next beat: the lease stays
/// ours until someone else leases the job.
async fn heartbeat(store: &dyn Store, lease: &Lease, config: &PoolConfig) {
    let every = config.heartbeat.max(Duration::from_millis(10));
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match store.extend(lease, config.lease).await {
            Ok(_) => {}
            Err(StoreError::LeaseLost { .. }) => return,
            Err(e) => warn!(job = %lease.job_id, error = %error_chain(&e), "heartbeat failed"),
        }
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Instant;

    use async_trait::async_trait;
    use serde_json::json;
    use tracefix_store::{
        JobFilter, JobStatus, ManualClock, NewJob, Occurrence, QueueDepth, StoreOptions,
    };

    use super::*;
    use crate::{HandlerError, NOOP_OUTCOME, NoopFixHandler, RecordedRun, RecordingHandler};

    struct TestStore {
        store: Arc<dyn Store>,
        _dir: tempfile::TempDir,
    }

    async fn store_with(options: StoreOptions) -> TestStore {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = tracefix_store_any::open_with(&url, options).await.unwrap();
        TestStore { store, _dir: dir }
    }

    async fn store() -> TestStore {
        store_with(StoreOptions::default()).await
    }

    fn config(concurrency: usize) -> PoolConfig {
        PoolConfig {
            worker_id: "test-worker".into(),
            concurrency,
            lease: Duration::from_secs(30),
            heartbeat: Duration::from_millis(50),
            backoff: BackoffPolicy {
                base: Duration::from_millis(40),
                max: Duration::from_millis(80),
            },
            poll: Duration::from_millis(20),
            shutdown_grace: Duration::from_secs(5),
        }
    }

    struct Running {
        shutdown: CancellationToken,
        task: tokio::task::JoinHandle<PoolReport>,
    }

    impl Running {
        async fn stop(self) -> PoolReport {
            self.shutdown.cancel();
            tokio::time::timeout(Duration::from_secs(20), self.task)
                .await
                .expect("the pool stops")
                .unwrap()
        }
    }

    fn start(store: &Arc<dyn Store>, handler: Arc<dyn JobHandler>, config: PoolConfig) -> Running {
        let shutdown = CancellationToken::new();
        let pool = WorkerPool::new(store.clone(), handler, config);
        let task = tokio::spawn(pool.run(shutdown.clone()));
        Running { shutdown, task }
    }

    async fn wait_for(store: &Arc<dyn Store>, what: &str, done: impl Fn(&QueueDepth) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let depth = store.queue_depth().await.unwrap();
            if done(&depth) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {depth:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn enqueue(store: &Arc<dyn Store>, payload: serde_json::Value) -> Uuid {
        store
            .enqueue(&NewJob::new("test", payload))
            .await
            .unwrap()
            .unwrap()
    }

    fn runs_by_job(runs: &[RecordedRun]) -> BTreeMap<Uuid, Vec<RecordedRun>> {
        let mut by_job: BTreeMap<Uuid, Vec<RecordedRun>> = BTreeMap::new();
        for run in runs {
            by_job.entry(run.job_id).or_default().push(run.clone());
        }
        by_job
    }

    /// Most runs in progress at one moment (an end and a start in the same
    /// millisecond do not overlap).
    fn max_overlap(runs: &[RecordedRun]) -> usize {
        let mut edges: Vec<(i64, i32)> = runs
            .iter()
            .flat_map(|r| [(r.start_ms, 1), (r.end_ms, -1)])
            .collect();
        edges.sort();
        let (mut now, mut max) = (0i32, 0i32);
        for (_, delta) in edges {
            now += delta;
            max = max.max(now);
        }
        usize::try_from(max).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_job_runs_once_within_the_concurrency_limit() {
        let t = store().await;
        let mut ids = Vec::new();
        for i in 0..24 {
            ids.push(enqueue(&t.store, json!({ "n": i })).await);
        }
        let handler = Arc::new(RecordingHandler::new(Duration::from_millis(25)));
        let pool = start(&t.store, handler.clone(), config(3));
        wait_for(&t.store, "all jobs done", |d| d.done == 24).await;
        let report = pool.stop().await;

        let runs = handler.runs();
        let by_job = runs_by_job(&runs);
        assert_eq!(by_job.len(), 24);
        assert!(by_job.values().all(|r| r.len() == 1), "{by_job:?}");
        ids.sort();
        assert_eq!(by_job.keys().copied().collect::<Vec<_>>(), ids);
        let overlap = max_overlap(&runs);
        assert!(overlap <= 3, "{overlap} jobs ran at once");
        assert!(overlap >= 2, "the pool ran jobs one at a time");
        assert_eq!(report.leased, 24);
        assert_eq!(report.done, 24);
        assert_eq!(report.retried + report.dead + report.lease_lost, 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn failing_jobs_retry_with_backoff_and_end_dead() {
        let t = store_with(StoreOptions {
            max_attempts: 3,
            ..StoreOptions::default()
        })
        .await;
        let hopeless = enqueue(&t.store, json!({ "fail_attempts": 99 })).await;
        let flaky = enqueue(&t.store, json!({ "fail_attempts": 1 })).await;
        let handler = Arc::new(RecordingHandler::new(Duration::from_millis(1)));
        let pool = start(&t.store, handler.clone(), config(2));
        wait_for(&t.store, "one dead, one done", |d| {
            d.dead == 1 && d.done == 1
        })
        .await;
        let report = pool.stop().await;

        let by_job = runs_by_job(&handler.runs());
        let attempts = |id| by_job[&id].iter().map(|r| r.attempt).collect::<Vec<_>>();
        assert_eq!(attempts(hopeless), [1, 2, 3]);
        assert_eq!(attempts(flaky), [1, 2]);
        // Equal jitter: at least half the ceiling (40 ms, then 80 ms)
        // passes between a failure and the retry.
        for runs in by_job.values() {
            for (n, pair) in runs.windows(2).enumerate() {
                let gap = pair[1].start_ms - pair[0].end_ms;
                let min = if n == 0 { 20 } else { 40 };
                assert!(gap >= min, "retry after {gap} ms: {pair:?}");
            }
        }
        let dead = t.store.job(hopeless).await.unwrap().unwrap();
        assert_eq!(dead.status, JobStatus::Dead);
        assert!(
            dead.last_error
                .unwrap()
                .contains("planned failure of attempt 3"),
            "the last error is kept"
        );
        assert_eq!(report.retried, 3);
        assert_eq!(report.dead, 1);
        assert_eq!(report.done, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lost_lease_cancels_the_handler_and_is_not_acked() {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let t = store_with(StoreOptions {
            clock: clock.clone(),
            ..StoreOptions::default()
        })
        .await;
        let id = enqueue(&t.store, json!({ "sleep_ms": 60_000 })).await;
        let handler = Arc::new(RecordingHandler::new(Duration::ZERO));
        let pool = start(&t.store, handler.clone(), config(1));
        wait_for(&t.store, "the job leased", |d| d.leased == 1).await;

        // The lease expires (by the store's clock) and another worker
        // takes the job: the pool's next heartbeat finds the lease lost.
        clock.advance(Duration::from_secs(31));
        let stolen = t
            .store
            .lease("thief", 1, Duration::from_secs(600))
            .await
            .unwrap();
        assert_eq!(stolen.len(), 1);
        tokio::time::sleep(Duration::from_millis(400)).await;
        let report = pool.stop().await;

        assert_eq!(report.lease_lost, 1, "{report:?}");
        assert_eq!(report.done + report.released, 0, "{report:?}");
        assert!(handler.runs().is_empty(), "the handler was cancelled");
        let job = t.store.job(id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Leased);
        assert_eq!(job.leased_by.as_deref(), Some("thief"));
        assert_eq!(job.lease_token, Some(stolen[0].lease.token));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shutdown_waits_for_short_jobs_and_releases_long_ones() {
        let t = store().await;
        let short = enqueue(&t.store, json!({ "sleep_ms": 100 })).await;
        let long = enqueue(&t.store, json!({ "sleep_ms": 60_000 })).await;
        let handler = Arc::new(RecordingHandler::new(Duration::ZERO));
        let pool = start(
            &t.store,
            handler.clone(),
            PoolConfig {
                shutdown_grace: Duration::from_millis(600),
                ..config(2)
            },
        );
        wait_for(&t.store, "both leased", |d| d.leased == 2).await;
        let stopping = Instant::now();
        let report = pool.stop().await;
        assert!(stopping.elapsed() < Duration::from_secs(5));

        assert_eq!(report.done, 1, "{report:?}");
        assert_eq!(report.released, 1, "{report:?}");
        assert_eq!(
            t.store.job(short).await.unwrap().unwrap().status,
            JobStatus::Done
        );
        let released = t.store.job(long).await.unwrap().unwrap();
        assert_eq!(released.status, JobStatus::Ready);
        assert_eq!(
            released.attempts, 0,
            "a released lease gives its attempt back"
        );
        assert_eq!(handler.runs().len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_pause_switch_holds_the_pool() {
        let t = store().await;
        t.store.set_paused(true).await.unwrap();
        enqueue(&t.store, json!({})).await;
        let handler = Arc::new(RecordingHandler::new(Duration::ZERO));
        let pool = start(&t.store, handler.clone(), config(2));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(handler.runs().is_empty(), "nothing runs while paused");
        t.store.set_paused(false).await.unwrap();
        wait_for(&t.store, "the job done", |d| d.done == 1).await;
        pool.stop().await;
        assert_eq!(handler.runs().len(), 1);
    }

    // Fix jobs and their groups.

    async fn new_group(store: &Arc<dyn Store>, fingerprint: &str) -> Uuid {
        let report = store
            .record_occurrences(
                &[Occurrence {
                    fingerprint: fingerprint.into(),
                    fingerprint_version: 1,
                    language: "python".into(),
                    exception_type: "KeyError".into(),
                    exception_message: "'sku'".into(),
                    frames: json!([]),
                    timestamp_ms: 1_000,
                    source: "app.log".into(),
                    sample: "Traceback ...".into(),
                }],
                None,
            )
            .await
            .unwrap();
        assert_eq!(report.jobs.len(), 1, "a new group enqueues its fix job");
        report.new_groups[0]
    }

    async fn status(store: &Arc<dyn Store>, group: Uuid) -> (GroupStatus, Option<String>) {
        let g = store.group(group).await.unwrap().unwrap();
        (g.status, g.failure_reason)
    }

    async fn fix_job(store: &Arc<dyn Store>, group: Uuid) -> tracefix_store::Job {
        let jobs = store
            .list_jobs(&JobFilter {
                group_id: Some(group),
                ..JobFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(jobs.len(), 1, "{jobs:?}");
        jobs.into_iter().next().unwrap()
    }

    /// Checks that the group is `fixing` while it runs, then proposes.
    struct Proposer;

    #[async_trait]
    impl JobHandler for Proposer {
        async fn handle(
            &self,
            job: &LeasedJob,
            ctx: &JobContext,
        ) -> Result<JobOutcome, HandlerError> {
            let group = ctx.store.group(job.job.group_id.unwrap()).await.unwrap();
            assert_eq!(group.unwrap().status, GroupStatus::Fixing);
            Ok(JobOutcome::proposed())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_fix_job_moves_its_group_through_fixing() {
        let t = store().await;
        let group = new_group(&t.store, "fp-proposed").await;
        let pool = start(&t.store, Arc::new(Proposer), config(1));
        wait_for(&t.store, "the fix job done", |d| d.done == 1).await;
        let report = pool.stop().await;
        assert_eq!(report.done, 1);
        assert_eq!(status(&t.store, group).await, (GroupStatus::Proposed, None));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_noop_handler_records_an_attempt_and_fails_the_group() {
        let t = store().await;
        let group = new_group(&t.store, "fp-noop").await;
        let pool = start(&t.store, Arc::new(NoopFixHandler), config(1));
        wait_for(&t.store, "the fix job done", |d| d.done == 1).await;
        pool.stop().await;
        let (status, reason) = status(&t.store, group).await;
        assert_eq!(status, GroupStatus::Failed);
        assert!(reason.unwrap().starts_with(NOOP_OUTCOME));
        let attempts = t
            .store
            .list_attempts(&tracefix_store::AttemptFilter {
                group_id: Some(group),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].outcome, NOOP_OUTCOME);
        // No second job was enqueued: the failed group waits for a person.
        assert_eq!(fix_job(&t.store, group).await.status, JobStatus::Done);
    }

    struct AlwaysFails;

    #[async_trait]
    impl JobHandler for AlwaysFails {
        async fn handle(&self, _: &LeasedJob, _: &JobContext) -> Result<JobOutcome, HandlerError> {
            Err(HandlerError::new("the tests do not pass"))
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dead_fix_job_fails_its_group_with_the_last_error() {
        let t = store_with(StoreOptions {
            max_attempts: 2,
            ..StoreOptions::default()
        })
        .await;
        let group = new_group(&t.store, "fp-dead").await;
        let pool = start(&t.store, Arc::new(AlwaysFails), config(1));
        wait_for(&t.store, "the fix job dead", |d| d.dead == 1).await;
        let report = pool.stop().await;
        assert_eq!((report.retried, report.dead), (1, 1));
        let (status, reason) = status(&t.store, group).await;
        assert_eq!(status, GroupStatus::Failed);
        assert_eq!(
            reason.as_deref(),
            Some("fixing failed 2 times; last error: the tests do not pass")
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_fix_job_for_an_ignored_group_is_skipped() {
        let t = store().await;
        let group = new_group(&t.store, "fp-ignored").await;
        assert!(
            t.store
                .set_group_status(group, GroupStatus::New, GroupStatus::Ignored, None)
                .await
                .unwrap()
        );
        let pool = start(&t.store, Arc::new(AlwaysFails), config(1));
        wait_for(&t.store, "the fix job done", |d| d.done == 1).await;
        let report = pool.stop().await;
        assert_eq!(report.skipped, 1, "{report:?}");
        assert_eq!(status(&t.store, group).await.0, GroupStatus::Ignored);
    }

    struct Forever;

    #[async_trait]
    impl JobHandler for Forever {
        async fn handle(
            &self,
            _: &LeasedJob,
            ctx: &JobContext,
        ) -> Result<JobOutcome, HandlerError> {
            ctx.cancelled.cancelled().await;
            Err(HandlerError::new("cancelled"))
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_released_fix_job_puts_its_group_back_in_the_queue() {
        let t = store().await;
        let group = new_group(&t.store, "fp-released").await;
        let pool = start(
            &t.store,
            Arc::new(Forever),
            PoolConfig {
                shutdown_grace: Duration::from_millis(100),
                ..config(1)
            },
        );
        wait_for(&t.store, "the fix job leased", |d| d.leased == 1).await;
        // The claim (new → fixing) happens right after the lease.
        let deadline = Instant::now() + Duration::from_secs(10);
        while status(&t.store, group).await.0 != GroupStatus::Fixing {
            assert!(Instant::now() < deadline, "the group never became fixing");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let report = pool.stop().await;
        assert_eq!(report.released, 1, "{report:?}");
        assert_eq!(status(&t.store, group).await.0, GroupStatus::Queued);
        let job = fix_job(&t.store, group).await;
        assert_eq!((job.status, job.attempts), (JobStatus::Ready, 0));
    }
}
