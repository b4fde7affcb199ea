//! The job queue: leases with fencing tokens, retries, dead letters,
//! switches, and the attempt log.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::types::Json;
use tracefix_store::*;
use uuid::Uuid;

use crate::rows::{AttemptRow, JobRow, ProposalRow, db, job_columns};
use crate::{PgStore, get_setting, insert_job, set_setting};

const PAUSED: &str = "queue.paused";
const CONCURRENCY_LIMIT: &str = "queue.concurrency_limit";
/// The advisory lock key leasers take while a concurrency limit is set.
const LEASE_LOCK: i64 = 0x7472_6163_6566_6978; // "tracefix"

impl PgStore {
    /// `LeaseLost` unless a fenced update touched the job.
    fn fenced<T>(lease: &Lease, updated: Option<T>) -> Result<T> {
        updated.ok_or(StoreError::LeaseLost {
            job_id: lease.job_id,
        })
    }
}

#[async_trait]
impl JobQueue for PgStore {
    async fn enqueue(&self, job: &NewJob) -> Result<Option<Uuid>> {
        let now = self.now();
        let mut conn = self.pool.acquire().await.map_err(db)?;
        insert_job(
            &mut conn,
            &job.kind,
            &job.payload,
            job.group_id,
            job.max_attempts.unwrap_or(self.options.max_attempts),
            job.visible_at.unwrap_or(now),
            now,
        )
        .await
    }

    async fn lease(&self, worker: &str, max: u32, visibility: Duration) -> Result<Vec<LeasedJob>> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let now = self.now();
        let until = now.saturating_add(duration_ms(visibility));
        let mut tx = self.pool.begin().await.map_err(db)?;
        if get_setting(&mut tx, PAUSED).await? == Some(Value::Bool(true)) {
            return Ok(Vec::new());
        }
        // A job whose worker vanished on its last attempt is dead, not
        // leased again. SKIP LOCKED: another leaser may be doing the same.
        sqlx::query(
            "UPDATE jobs SET status = 'dead', lease_token = NULL, updated_at = $1, \
             last_error = 'the lease expired on the last attempt' \
               || coalesce(' (last error: ' || last_error || ')', '') \
             WHERE id IN (SELECT id FROM jobs WHERE status = 'leased' AND visible_at <= $1 \
               AND attempts >= max_attempts FOR UPDATE SKIP LOCKED)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let mut take = i64::from(max);
        if let Some(limit) = get_setting(&mut tx, CONCURRENCY_LIMIT)
            .await?
            .and_then(|v| v.as_i64())
        {
            // Leasers under a limit take turns (until commit), so no two
            // count the same free slots.
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(LEASE_LOCK)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            let leased: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM jobs WHERE status = 'leased' AND visible_at > $1",
            )
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            take = take.min(limit - leased);
        }
        if take <= 0 {
            tx.commit().await.map_err(db)?;
            return Ok(Vec::new());
        }
        let rows: Vec<JobRow> = sqlx::query_as(concat!(
            "WITH picked AS (SELECT id AS picked_id FROM jobs \
               WHERE status IN ('ready', 'leased') AND visible_at <= $1 \
               ORDER BY visible_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) \
             UPDATE jobs SET status = 'leased', lease_token = gen_random_uuid(), \
               leased_by = $3, attempts = attempts + 1, visible_at = $4, updated_at = $1 \
             FROM picked WHERE id = picked_id RETURNING ",
            job_columns!()
        ))
        .bind(now)
        .bind(take)
        .bind(worker)
        .bind(until)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        let mut leased: Vec<LeasedJob> = rows
            .into_iter()
            .map(|JobRow(job)| {
                let token = job.lease_token.unwrap_or_default();
                LeasedJob {
                    lease: Lease {
                        job_id: job.id,
                        token,
                    },
                    job,
                }
            })
            .collect();
        leased.sort_by_key(|l| (l.job.created_at, l.job.id));
        Ok(leased)
    }

    async fn ack(&self, lease: &Lease) -> Result<()> {
        let updated: Option<Uuid> = sqlx::query_scalar(
            "UPDATE jobs SET status = 'done', lease_token = NULL, updated_at = $3 \
             WHERE id = $1 AND lease_token = $2 AND status = 'leased' RETURNING id",
        )
        .bind(lease.job_id)
        .bind(lease.token)
        .bind(self.now())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Self::fenced(lease, updated).map(|_| ())
    }

    async fn nack(&self, lease: &Lease, error: &str, retry_after: Duration) -> Result<NackOutcome> {
        let now = self.now();
        let updated: Option<(String, i64)> = sqlx::query_as(
            "UPDATE jobs SET \
               status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'ready' END, \
               visible_at = CASE WHEN attempts >= max_attempts THEN $4 ELSE $5 END, \
               last_error = $3, lease_token = NULL, updated_at = $4 \
             WHERE id = $1 AND lease_token = $2 AND status = 'leased' \
             RETURNING status, visible_at",
        )
        .bind(lease.job_id)
        .bind(lease.token)
        .bind(error)
        .bind(now)
        .bind(now.saturating_add(duration_ms(retry_after)))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let (status, visible_at) = Self::fenced(lease, updated)?;
        Ok(match status.parse()? {
            JobStatus::Dead => {
                tracing::warn!(job = %lease.job_id, error, "job is dead: it used its last attempt");
                NackOutcome::Dead
            }
            _ => NackOutcome::Retry { visible_at },
        })
    }

    async fn extend(&self, lease: &Lease, visibility: Duration) -> Result<i64> {
        let now = self.now();
        let updated: Option<i64> = sqlx::query_scalar(
            "UPDATE jobs SET visible_at = $3, updated_at = $4 \
             WHERE id = $1 AND lease_token = $2 AND status = 'leased' RETURNING visible_at",
        )
        .bind(lease.job_id)
        .bind(lease.token)
        .bind(now.saturating_add(duration_ms(visibility)))
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Self::fenced(lease, updated)
    }

    async fn release(&self, lease: &Lease) -> Result<()> {
        let updated: Option<Uuid> = sqlx::query_scalar(
            "UPDATE jobs SET status = 'ready', visible_at = $3, updated_at = $3, \
             attempts = GREATEST(attempts - 1, 0), lease_token = NULL \
             WHERE id = $1 AND lease_token = $2 AND status = 'leased' RETURNING id",
        )
        .bind(lease.job_id)
        .bind(lease.token)
        .bind(self.now())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Self::fenced(lease, updated).map(|_| ())
    }

    async fn defer(&self, lease: &Lease, until_ms: i64, reason: &str) -> Result<()> {
        let updated: Option<Uuid> = sqlx::query_scalar(
            "UPDATE jobs SET status = 'ready', visible_at = $3, updated_at = $4, \
             attempts = GREATEST(attempts - 1, 0), lease_token = NULL, last_error = $5 \
             WHERE id = $1 AND lease_token = $2 AND status = 'leased' RETURNING id",
        )
        .bind(lease.job_id)
        .bind(lease.token)
        .bind(until_ms)
        .bind(self.now())
        .bind(reason)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Self::fenced(lease, updated).map(|_| ())
    }

    async fn requeue(&self, job_id: Uuid) -> Result<bool> {
        let now = self.now();
        let mut tx = self.pool.begin().await.map_err(db)?;
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM jobs WHERE id = $1 FOR UPDATE")
                .bind(job_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        match status.as_deref() {
            None => Err(StoreError::NotFound {
                what: "job",
                id: job_id,
            }),
            Some("dead") => {
                sqlx::query(
                    "UPDATE jobs SET status = 'ready', attempts = 0, visible_at = $2, \
                     updated_at = $2, lease_token = NULL WHERE id = $1",
                )
                .bind(job_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                tx.commit().await.map_err(db)?;
                Ok(true)
            }
            Some(_) => Ok(false),
        }
    }

    async fn job(&self, id: Uuid) -> Result<Option<Job>> {
        let row: Option<JobRow> = sqlx::query_as(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.map(|r| r.0))
    }

    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        let rows: Vec<JobRow> = sqlx::query_as(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE ($1::text IS NULL OR status = $1::text) \
             AND ($2::uuid IS NULL OR group_id = $2::uuid) \
             ORDER BY created_at DESC, id DESC LIMIT $3"
        ))
        .bind(filter.status.map(JobStatus::as_str))
        .bind(filter.group_id)
        .bind(filter.limit.map(i64::from))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn queue_depth(&self) -> Result<QueueDepth> {
        let row: (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT \
               count(*) FILTER (WHERE status = 'ready' AND visible_at <= $1), \
               count(*) FILTER (WHERE status = 'ready' AND visible_at > $1), \
               count(*) FILTER (WHERE status = 'leased' AND visible_at > $1), \
               count(*) FILTER (WHERE status = 'leased' AND visible_at <= $1), \
               count(*) FILTER (WHERE status = 'done'), \
               count(*) FILTER (WHERE status = 'dead') \
             FROM jobs",
        )
        .bind(self.now())
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(QueueDepth {
            ready: row.0 as u64,
            scheduled: row.1 as u64,
            leased: row.2 as u64,
            expired: row.3 as u64,
            done: row.4 as u64,
            dead: row.5 as u64,
        })
    }

    async fn set_paused(&self, paused: bool) -> Result<()> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        set_setting(&mut conn, PAUSED, &Value::Bool(paused), self.now()).await
    }

    async fn paused(&self) -> Result<bool> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        Ok(get_setting(&mut conn, PAUSED).await? == Some(Value::Bool(true)))
    }

    async fn set_concurrency_limit(&self, limit: Option<u32>) -> Result<()> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let value = limit.map_or(Value::Null, Value::from);
        set_setting(&mut conn, CONCURRENCY_LIMIT, &value, self.now()).await
    }

    async fn concurrency_limit(&self) -> Result<Option<u32>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        Ok(get_setting(&mut conn, CONCURRENCY_LIMIT)
            .await?
            .and_then(|v| v.as_u64())
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX)))
    }

    async fn insert_attempt(&self, attempt: &NewAttempt) -> Result<Uuid> {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO fix_attempts (id, job_id, group_id, started_at, finished_at, outcome, \
             details) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(attempt.job_id)
        .bind(attempt.group_id)
        .bind(attempt.started_at)
        .bind(attempt.finished_at)
        .bind(&attempt.outcome)
        .bind(Json(&attempt.details))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(id)
    }

    async fn save_proposal(&self, proposal: &Proposal) -> Result<Proposal> {
        let now = self.now();
        let row: ProposalRow = sqlx::query_as(
            "INSERT INTO proposals (group_id, branch, head_commit, forge, state, number, url, \
             merge_commit, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
             ON CONFLICT (group_id) DO UPDATE SET branch = excluded.branch, \
             head_commit = excluded.head_commit, forge = excluded.forge, state = excluded.state, \
             number = excluded.number, url = excluded.url, merge_commit = excluded.merge_commit, \
             updated_at = excluded.updated_at \
             RETURNING group_id, branch, head_commit, forge, state, number, url, merge_commit, \
             created_at, updated_at",
        )
        .bind(proposal.group_id)
        .bind(&proposal.branch)
        .bind(&proposal.head_commit)
        .bind(&proposal.forge)
        .bind(proposal.state.as_str())
        .bind(proposal.number)
        .bind(&proposal.url)
        .bind(&proposal.merge_commit)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.0)
    }

    async fn proposal(&self, group_id: Uuid) -> Result<Option<Proposal>> {
        let row: Option<ProposalRow> = sqlx::query_as(
            "SELECT group_id, branch, head_commit, forge, state, number, url, merge_commit, \
             created_at, updated_at FROM proposals WHERE group_id = $1",
        )
        .bind(group_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.map(|r| r.0))
    }

    async fn proposals_in(&self, state: ProposalState) -> Result<Vec<Proposal>> {
        let rows: Vec<ProposalRow> = sqlx::query_as(
            "SELECT group_id, branch, head_commit, forge, state, number, url, merge_commit, \
             created_at, updated_at FROM proposals WHERE state = $1 ORDER BY updated_at, group_id",
        )
        .bind(state.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn list_attempts(&self, filter: &AttemptFilter) -> Result<Vec<FixAttempt>> {
        let rows: Vec<AttemptRow> = sqlx::query_as(
            "SELECT id, job_id, group_id, started_at, finished_at, outcome, details \
             FROM fix_attempts WHERE ($1::uuid IS NULL OR job_id = $1::uuid) \
             AND ($2::uuid IS NULL OR group_id = $2::uuid) \
             ORDER BY started_at, id",
        )
        .bind(filter.job_id)
        .bind(filter.group_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}
