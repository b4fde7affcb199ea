//! A handler that records what it ran: for tests of the pool, and as the
//! diagnostic `worker.handler = "record"` of `tracefix run`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use tracefix_store::LeasedJob;
use uuid::Uuid;

use crate::{HandlerError, JobContext, JobHandler, JobOutcome};

/// One completed run (a run cut short by lease loss or shutdown is not
/// recorded: it did not complete).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRun {
    pub job_id: Uuid,
    /// The job's attempt number for this run (1-based).
    pub attempt: i32,
    pub pid: u32,
    pub start_ms: i64,
    pub end_ms: i64,
    /// Whether the run succeeded (see `fail_attempts` below).
    pub ok: bool,
}

/// Sleeps, then records the run in memory and, when given a file, appends
/// `job_id,pid,start_ms,end_ms,attempt,ok|error` to it (one `write` per
/// line on a file opened for appending, so several processes can share
/// it).
///
/// The job's payload steers it: `"sleep_ms": N` overrides the sleep, and
/// `"fail_attempts": N` makes attempts 1..=N fail. Any job succeeds with
/// [`JobOutcome::Done`], so it is meant for jobs that are not fix jobs.
#[derive(Debug)]
pub struct RecordingHandler {
    sleep: Duration,
    file: Option<Mutex<File>>,
    runs: Mutex<Vec<RecordedRun>>,
}

impl RecordingHandler {
    pub fn new(sleep: Duration) -> Self {
        RecordingHandler {
            sleep,
            file: None,
            runs: Mutex::new(Vec::new()),
        }
    }

    /// Also appends every run to `path` (created if missing).
    pub fn with_file(sleep: Duration, path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(RecordingHandler {
            file: Some(Mutex::new(file)),
            ..RecordingHandler::new(sleep)
        })
    }

    /// The runs so far, in completion order.
    pub fn runs(&self) -> Vec<RecordedRun> {
        self.runs.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Parses lines written by [`Self::with_file`].
    pub fn parse_line(line: &str) -> Option<RecordedRun> {
        let mut fields = line.trim().split(',');
        let run = RecordedRun {
            job_id: fields.next()?.parse().ok()?,
            pid: fields.next()?.parse().ok()?,
            start_ms: fields.next()?.parse().ok()?,
            end_ms: fields.next()?.parse().ok()?,
            attempt: fields.next()?.parse().ok()?,
            ok: match fields.next()? {
                "ok" => true,
                "error" => false,
                _ => return None,
            },
        };
        fields.next().is_none().then_some(run)
    }
}

#[async_trait]
impl JobHandler for RecordingHandler {
    async fn handle(&self, job: &LeasedJob, _ctx: &JobContext) -> Result<JobOutcome, HandlerError> {
        let start_ms = crate::now_ms();
        let payload = &job.job.payload;
        let sleep = payload
            .get("sleep_ms")
            .and_then(|v| v.as_u64())
            .map_or(self.sleep, Duration::from_millis);
        let fail_attempts = payload
            .get("fail_attempts")
            .and_then(|v| v.as_i64())
            .unwrap_or(0);
        tokio::time::sleep(sleep).await;
        let run = RecordedRun {
            job_id: job.job.id,
            attempt: job.job.attempts,
            pid: std::process::id(),
            start_ms,
            end_ms: crate::now_ms(),
            ok: i64::from(job.job.attempts) > fail_attempts,
        };
        if let Some(file) = &self.file {
            let line = format!(
                "{},{},{},{},{},{}\n",
                run.job_id,
                run.pid,
                run.start_ms,
                run.end_ms,
                run.attempt,
                if run.ok { "ok" } else { "error" }
            );
            let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
            file.write_all(line.as_bytes())
                .map_err(|e| HandlerError::with_source("writing the record file failed", e))?;
        }
        let ok = run.ok;
        self.runs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(run);
        if ok {
            Ok(JobOutcome::Done)
        } else {
            Err(HandlerError::new(format!(
                "planned failure of attempt {} (fail_attempts = {fail_attempts})",
                job.job.attempts
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip() {
        let id = Uuid::now_v7();
        let line = format!("{id},42,1000,1050,2,ok");
        assert_eq!(
            RecordingHandler::parse_line(&line),
            Some(RecordedRun {
                job_id: id,
                attempt: 2,
                pid: 42,
                start_ms: 1000,
                end_ms: 1050,
                ok: true
            })
        );
        assert_eq!(RecordingHandler::parse_line("x,1,2,3,4,ok"), None);
        assert_eq!(RecordingHandler::parse_line(&format!("{line},extra")), None);
    }
}
