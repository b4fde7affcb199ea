//! Workers for the tracefix fix-job queue.
//!
//! A [`JobHandler`] does the work of one job; the fixer will be one (until
//! then `tracefix run` uses [`NoopFixHandler`]). A [`WorkerPool`] leases
//! jobs from the store, runs the handler with heartbeats, and acks, nacks
//! (with [`tracefix_store::BackoffPolicy`]) or releases each lease. It also
//! moves a fix job's group through the state machine: `new`/`queued`/
//! `regressed` → `fixing` when leased, then whatever the handler's
//! [`JobOutcome`] says. See the crate README for the rules.

mod handler;
mod noop;
mod pool;
mod recording;

pub use handler::{HandlerError, JobContext, JobHandler, JobOutcome};
pub use noop::{NOOP_OUTCOME, NoopFixHandler};
pub use pool::{PoolConfig, PoolReport, WorkerPool};
pub use recording::{RecordedRun, RecordingHandler};

/// Unix milliseconds from the system clock.
pub(crate) fn now_ms() -> i64 {
    use tracefix_store::Clock as _;
    tracefix_store::SystemClock.now_ms()
}
