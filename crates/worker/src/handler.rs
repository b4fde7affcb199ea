//! The interface between the pool and the code that does a job.

use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;
use tracefix_store::{BoxError, GroupStatus, LeasedJob, Store};

/// Does the work of one leased job. The fixer implements it (later); the
/// pool calls it once per lease, in its own task.
///
/// Cancellation: when the lease is lost, or the shutdown grace period runs
/// out, the pool cancels [`JobContext::cancelled`] and aborts the task at
/// its next `.await`; a handler that starts processes or threads should
/// stop them when it sees the token.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn handle(&self, job: &LeasedJob, ctx: &JobContext) -> Result<JobOutcome, HandlerError>;
}

/// What a handler gets besides its job.
#[derive(Clone)]
pub struct JobContext {
    pub store: Arc<dyn Store>,
    /// The id this pool leases under (host, pid, pool number).
    pub worker_id: String,
    /// Cancelled when this job must stop now (lease lost, grace over).
    pub cancelled: CancellationToken,
    /// Cancelled when the process starts shutting down: running jobs may
    /// still finish within the grace period.
    pub shutdown: CancellationToken,
}

/// How a job ended, when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// Done. For a fix job this is not enough: its group is in `fixing`,
    /// so the pool marks it failed ("the handler gave no result") rather
    /// than leave it there. Fix handlers return [`JobOutcome::Group`].
    Done,
    /// A fix job is done and its group goes from `fixing` to `status`:
    /// `proposed`, `failed` (with `reason`), `resolved` or `ignored`.
    Group {
        status: GroupStatus,
        reason: Option<String>,
    },
    /// The job cannot run yet (a token budget, an occurrence threshold, no
    /// model configured): it goes back to the queue untried until
    /// `until_ms` with `reason` as its last error, and its group back to
    /// `queued`. Nothing is lost and no attempt is spent.
    Wait { until_ms: i64, reason: String },
}

impl JobOutcome {
    pub fn proposed() -> Self {
        JobOutcome::Group {
            status: GroupStatus::Proposed,
            reason: None,
        }
    }

    pub fn group_failed(reason: impl Into<String>) -> Self {
        JobOutcome::Group {
            status: GroupStatus::Failed,
            reason: Some(reason.into()),
        }
    }
}

/// This attempt failed; the pool retries the job after a backoff, or it is
/// dead after its last attempt with this error kept.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct HandlerError {
    message: String,
    #[source]
    source: Option<BoxError>,
}

impl HandlerError {
    pub fn new(message: impl Into<String>) -> Self {
        HandlerError {
            message: message.into(),
            source: None,
        }
    }

    pub fn with_source(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        HandlerError {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// The message and its causes, as kept in the job's `last_error`.
    pub fn chain(&self) -> String {
        let mut text = self.message.clone();
        let mut cause = std::error::Error::source(self);
        while let Some(err) = cause {
            text.push_str(": ");
            text.push_str(&err.to_string());
            cause = err.source();
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_chain_is_kept() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such repo");
        let err = HandlerError::with_source("cloning failed", io);
        assert_eq!(err.chain(), "cloning failed: no such repo");
        assert_eq!(HandlerError::new("plain").chain(), "plain");
    }
}
