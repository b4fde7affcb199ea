//! Error groups: ingest with its outbox and checkpoint, queries, CAS.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use sqlx::types::Json;
use sqlx::{Row, SqliteConnection};
use tracefix_store::ingest::{GroupBatch, plan_batch, sample_prune_range};
use tracefix_store::*;
use uuid::Uuid;

use crate::rows::{GroupRow, SampleRow, db, group_columns};
use crate::{SqliteStore, insert_job};

impl SqliteStore {
    /// Writes one group's part of a batch (inside the batch transaction)
    /// and notes what it did in `report`.
    async fn ingest_group(
        &self,
        conn: &mut SqliteConnection,
        group: &GroupBatch<'_>,
        now: i64,
        report: &mut IngestReport,
    ) -> Result<()> {
        let (fingerprint, version) = group.key();
        let existing = sqlx::query(
            "SELECT id, status, total_count FROM error_groups \
             WHERE fingerprint = $1 AND fingerprint_version = $2",
        )
        .bind(fingerprint)
        .bind(version)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        let (id, count_before, enqueue_reason) = match existing {
            None => {
                let id = Uuid::now_v7();
                let first = group.first;
                sqlx::query(
                    "INSERT INTO error_groups (id, fingerprint, fingerprint_version, language, \
                     exception_type, exception_message, frames, first_seen, last_seen, \
                     total_count, status, source, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'new', $11, $12, $12)",
                )
                .bind(id)
                .bind(fingerprint)
                .bind(version)
                .bind(&first.language)
                .bind(&first.exception_type)
                .bind(&first.exception_message)
                .bind(Json(&first.frames))
                .bind(group.first_seen)
                .bind(group.last_seen)
                .bind(group.count)
                .bind(&first.source)
                .bind(now)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
                report.new_groups.push(id);
                (id, 0, Some("new"))
            }
            Some(row) => {
                let id: Uuid = row.try_get("id").map_err(db)?;
                let status: GroupStatus =
                    row.try_get::<String, _>("status").map_err(db)?.parse()?;
                let count: i64 = row.try_get("total_count").map_err(db)?;
                let regressed = status == GroupStatus::Resolved;
                let new_status = if regressed {
                    GroupStatus::Regressed
                } else {
                    status
                };
                sqlx::query(
                    "UPDATE error_groups SET total_count = total_count + $2, \
                     first_seen = min(first_seen, $3), last_seen = max(last_seen, $4), \
                     status = $5, updated_at = $6 WHERE id = $1",
                )
                .bind(id)
                .bind(group.count)
                .bind(group.first_seen)
                .bind(group.last_seen)
                .bind(new_status.as_str())
                .bind(now)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
                if regressed {
                    report.regressed_groups.push(id);
                }
                (id, count, regressed.then_some("regressed"))
            }
        };
        for (minute, count) in &group.minutes {
            sqlx::query(
                "INSERT INTO occurrences_per_minute (group_id, minute, count) VALUES ($1, $2, $3) \
                 ON CONFLICT (group_id, minute) DO UPDATE SET count = count + excluded.count",
            )
            .bind(id)
            .bind(minute)
            .bind(count)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        }
        let (first_n, latest_n) = (self.options.samples_first, self.options.samples_latest);
        for (ordinal, event) in group.samples(count_before, first_n, latest_n) {
            sqlx::query(
                "INSERT INTO group_samples (group_id, ordinal, occurred_at, source, text) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(ordinal)
            .bind(event.timestamp_ms)
            .bind(&event.source)
            .bind(&event.sample)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        }
        if count_before > 0
            && let Some((low, high)) =
                sample_prune_range(count_before + group.count, first_n, latest_n)
        {
            sqlx::query(
                "DELETE FROM group_samples WHERE group_id = $1 AND ordinal BETWEEN $2 AND $3",
            )
            .bind(id)
            .bind(low)
            .bind(high)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        }
        if let Some(reason) = enqueue_reason
            && let Some(job) = insert_job(
                conn,
                FIX_JOB_KIND,
                &fix_payload(id, reason),
                Some(id),
                self.options.max_attempts,
                now,
                now,
            )
            .await?
        {
            report.jobs.push(job);
        }
        Ok(())
    }
}

pub(crate) fn fix_payload(group_id: Uuid, reason: &str) -> Value {
    json!({ "group_id": group_id, "reason": reason })
}

/// The filter of [`GroupStore::query_groups`]: $1 status, $2 language, $3
/// the text as an escaped substring pattern, $4 as a fingerprint prefix.
macro_rules! group_query_where {
    () => {
        "($1 IS NULL OR status = $1) AND ($2 IS NULL OR language = $2) \
             AND ($3 IS NULL OR lower(exception_type) LIKE $3 ESCAPE '\\' \
             OR lower(exception_message) LIKE $3 ESCAPE '\\' \
             OR lower(fingerprint) LIKE $4 ESCAPE '\\')"
    };
}

#[async_trait]
impl GroupStore for SqliteStore {
    async fn record_occurrences(
        &self,
        batch: &[Occurrence],
        checkpoint: Option<&Checkpoint>,
    ) -> Result<IngestReport> {
        if batch.is_empty() && checkpoint.is_none() {
            return Ok(IngestReport::default());
        }
        let plan = plan_batch(batch);
        let mut report = IngestReport {
            events: batch.len() as u64,
            groups: plan.len() as u64,
            ..IngestReport::default()
        };
        let now = self.now();
        // Dropping `tx` on any error rolls everything back: no event, no
        // job and no checkpoint of a failed batch is stored.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        for group in &plan {
            self.ingest_group(&mut tx, group, now, &mut report).await?;
        }
        if let Some(checkpoint) = checkpoint {
            sqlx::query(
                "INSERT INTO source_checkpoints (source_id, position, updated_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (source_id) DO UPDATE \
                 SET position = excluded.position, updated_at = excluded.updated_at",
            )
            .bind(&checkpoint.source_id)
            .bind(Json(&checkpoint.position))
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(report)
    }

    async fn checkpoint(&self, source_id: &str) -> Result<Option<Value>> {
        let position: Option<Json<Value>> =
            sqlx::query_scalar("SELECT position FROM source_checkpoints WHERE source_id = $1")
                .bind(source_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(position.map(|Json(v)| v))
    }

    async fn group(&self, id: Uuid) -> Result<Option<ErrorGroup>> {
        let row: Option<GroupRow> = sqlx::query_as(concat!(
            "SELECT ",
            group_columns!(),
            " FROM error_groups WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.map(|r| r.0))
    }

    async fn group_by_fingerprint(
        &self,
        fingerprint: &str,
        fingerprint_version: i32,
    ) -> Result<Option<ErrorGroup>> {
        let row: Option<GroupRow> = sqlx::query_as(concat!(
            "SELECT ",
            group_columns!(),
            " FROM error_groups WHERE fingerprint = $1 AND fingerprint_version = $2"
        ))
        .bind(fingerprint)
        .bind(fingerprint_version)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.map(|r| r.0))
    }

    async fn list_groups(&self, filter: &GroupFilter) -> Result<Vec<ErrorGroup>> {
        let rows: Vec<GroupRow> = sqlx::query_as(concat!(
            "SELECT ",
            group_columns!(),
            " FROM error_groups WHERE ($1 IS NULL OR status = $1) \
             ORDER BY last_seen DESC, id DESC LIMIT $2"
        ))
        .bind(filter.status.map(GroupStatus::as_str))
        .bind(filter.limit.map_or(-1, i64::from))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn query_groups(&self, query: &GroupQuery) -> Result<GroupPage> {
        // One static statement per sort (sqlx takes static SQL; the ORDER
        // BY cannot be a bound parameter).
        macro_rules! page {
            ($order:literal) => {
                concat!(
                    "SELECT ",
                    group_columns!(),
                    " FROM error_groups WHERE ",
                    group_query_where!(),
                    " ORDER BY ",
                    $order,
                    " LIMIT $5 OFFSET $6"
                )
            };
        }
        let sql = match (query.sort, query.order) {
            (GroupSort::LastSeen, SortOrder::Desc) => page!("last_seen DESC, id DESC"),
            (GroupSort::LastSeen, SortOrder::Asc) => page!("last_seen ASC, id ASC"),
            (GroupSort::FirstSeen, SortOrder::Desc) => page!("first_seen DESC, id DESC"),
            (GroupSort::FirstSeen, SortOrder::Asc) => page!("first_seen ASC, id ASC"),
            (GroupSort::Count, SortOrder::Desc) => page!("total_count DESC, id DESC"),
            (GroupSort::Count, SortOrder::Asc) => page!("total_count ASC, id ASC"),
        };
        let (contains, prefix) = query.text_patterns().unzip();
        let status = query.status.map(GroupStatus::as_str);
        let language = query.language.as_deref();
        let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
        let rows: Vec<GroupRow> = sqlx::query_as(sql)
            .bind(status)
            .bind(language)
            .bind(contains.as_deref())
            .bind(prefix.as_deref())
            .bind(query.limit.map_or(-1, i64::from))
            .bind(offset)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let total: i64 = sqlx::query_scalar(concat!(
            "SELECT count(*) FROM error_groups WHERE ",
            group_query_where!()
        ))
        .bind(status)
        .bind(language)
        .bind(contains.as_deref())
        .bind(prefix.as_deref())
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(GroupPage {
            groups: rows.into_iter().map(|r| r.0).collect(),
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    async fn set_group_status(
        &self,
        id: Uuid,
        from: GroupStatus,
        to: GroupStatus,
        reason: Option<&str>,
    ) -> Result<bool> {
        check_transition(from, to, reason)?;
        let now = self.now();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        let applied = sqlx::query(
            "UPDATE error_groups SET status = $3, failure_reason = $4, updated_at = $5 \
             WHERE id = $1 AND status = $2",
        )
        .bind(id)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(reason.filter(|_| to == GroupStatus::Failed))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected()
            == 1;
        if !applied {
            return Ok(false);
        }
        if enqueues_fix_job(to) {
            insert_job(
                &mut tx,
                FIX_JOB_KIND,
                &fix_payload(id, to.as_str()),
                Some(id),
                self.options.max_attempts,
                now,
                now,
            )
            .await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn group_counts(&self) -> Result<StatusCounts> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, count(*) FROM error_groups GROUP BY status")
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        let mut counts: StatusCounts = GroupStatus::ALL.into_iter().map(|s| (s, 0)).collect();
        for (status, n) in rows {
            counts.insert(status.parse()?, n as u64);
        }
        Ok(counts)
    }

    async fn samples(&self, group_id: Uuid) -> Result<Vec<Sample>> {
        let rows: Vec<SampleRow> = sqlx::query_as(
            "SELECT ordinal, occurred_at, source, text FROM group_samples \
             WHERE group_id = $1 ORDER BY ordinal",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn occurrence_counts(
        &self,
        group_id: Uuid,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<MinuteCount>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT minute, count FROM occurrences_per_minute \
             WHERE group_id = $1 AND minute >= $2 AND minute < $3 ORDER BY minute",
        )
        .bind(group_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|(minute, count)| MinuteCount { minute, count })
            .collect())
    }

    async fn purge_occurrences(&self, before_ms: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM occurrences_per_minute WHERE minute < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }

    async fn purge_expired_occurrences(&self, retention: Duration) -> Result<u64> {
        self.purge_occurrences(self.now().saturating_sub(duration_ms(retention)))
            .await
    }
}
