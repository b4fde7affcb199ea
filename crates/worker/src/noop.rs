//! The handler of `worker.handler = "noop"`: fix jobs are settled without fixing.

use async_trait::async_trait;
use serde_json::json;
use tracefix_store::{FIX_JOB_KIND, LeasedJob, NewAttempt};

use crate::{HandlerError, JobContext, JobHandler, JobOutcome};

/// The outcome word it records in the attempt log.
pub const NOOP_OUTCOME: &str = "fixing disabled";

/// Records one attempt ("fixing disabled") and ends the fix job
/// with the group `failed` for that reason.
///
/// Why failed rather than back to `queued`: entering `queued` promises a
/// waiting job, which would be leased again at once and loop; `failed` is
/// a legal end (`new → fixing → failed`) that says what happened, and
/// `tracefix retry ID` (`failed → queued`) asks again once the fixer is on.
/// To keep fix jobs waiting instead, run with `worker.enabled = false`.
/// Jobs of other kinds fail (and end dead): there is no handler for them.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoopFixHandler;

#[async_trait]
impl JobHandler for NoopFixHandler {
    async fn handle(&self, job: &LeasedJob, ctx: &JobContext) -> Result<JobOutcome, HandlerError> {
        if job.job.kind != FIX_JOB_KIND {
            return Err(HandlerError::new(format!(
                "no handler for jobs of kind {:?} in this version of tracefix",
                job.job.kind
            )));
        }
        let now = crate::now_ms();
        ctx.store
            .insert_attempt(&NewAttempt {
                job_id: job.job.id,
                group_id: job.job.group_id,
                started_at: now,
                finished_at: Some(now),
                outcome: NOOP_OUTCOME.into(),
                details: json!({
                    "message": "worker.handler is \"noop\": fix jobs are recorded, not fixed",
                }),
            })
            .await
            .map_err(|e| HandlerError::with_source("recording the attempt failed", e))?;
        Ok(JobOutcome::group_failed(format!(
            "{NOOP_OUTCOME}: worker.handler is \"noop\" \
             (set it to \"fix\", then `tracefix retry ID` asks again)"
        )))
    }
}
