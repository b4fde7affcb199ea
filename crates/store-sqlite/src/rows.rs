//! Row decoding (`FromRow` by hand: the derive's proc-macro crate would
//! build SQLite's C library a second time) and error mapping.

use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::types::Json;
use sqlx::{FromRow, Row};
use tracefix_store::{ErrorGroup, FixAttempt, Job, Proposal, Sample, StoreError};

/// Column lists as macros so queries stay `&'static str` via `concat!`
/// (sqlx 0.9 takes only static or explicitly asserted SQL).
macro_rules! group_columns {
    () => {
        "id, fingerprint, fingerprint_version, language, exception_type, exception_message, \
         frames, first_seen, last_seen, total_count, status, failure_reason, source, \
         created_at, updated_at"
    };
}
macro_rules! job_columns {
    () => {
        "id, kind, payload, status, attempts, max_attempts, visible_at, lease_token, \
         leased_by, last_error, group_id, created_at, updated_at"
    };
}
pub(crate) use {group_columns, job_columns};

/// Maps a driver error: constraint violations are the caller's data, the
/// rest is the database's.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    use sqlx::error::ErrorKind;
    match &e {
        sqlx::Error::Database(d) => match d.kind() {
            ErrorKind::CheckViolation
            | ErrorKind::NotNullViolation
            | ErrorKind::ForeignKeyViolation => StoreError::Constraint(d.message().to_string()),
            ErrorKind::UniqueViolation => StoreError::Conflict(d.message().to_string()),
            _ => StoreError::Database(Box::new(e)),
        },
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            StoreError::Corrupt(e.to_string())
        }
        _ => StoreError::Database(Box::new(e)),
    }
}

fn decode(e: StoreError) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

pub(crate) struct GroupRow(pub ErrorGroup);

impl FromRow<'_, SqliteRow> for GroupRow {
    fn from_row(row: &SqliteRow) -> sqlx::Result<Self> {
        let status: String = row.try_get("status")?;
        let Json(frames) = row.try_get::<Json<Value>, _>("frames")?;
        Ok(GroupRow(ErrorGroup {
            id: row.try_get("id")?,
            fingerprint: row.try_get("fingerprint")?,
            fingerprint_version: row.try_get("fingerprint_version")?,
            language: row.try_get("language")?,
            exception_type: row.try_get("exception_type")?,
            exception_message: row.try_get("exception_message")?,
            frames,
            first_seen: row.try_get("first_seen")?,
            last_seen: row.try_get("last_seen")?,
            count: row.try_get("total_count")?,
            status: status.parse().map_err(decode)?,
            failure_reason: row.try_get("failure_reason")?,
            source: row.try_get("source")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        }))
    }
}

pub(crate) struct JobRow(pub Job);

impl FromRow<'_, SqliteRow> for JobRow {
    fn from_row(row: &SqliteRow) -> sqlx::Result<Self> {
        let status: String = row.try_get("status")?;
        let Json(payload) = row.try_get::<Json<Value>, _>("payload")?;
        Ok(JobRow(Job {
            id: row.try_get("id")?,
            kind: row.try_get("kind")?,
            payload,
            status: status.parse().map_err(decode)?,
            attempts: row.try_get("attempts")?,
            max_attempts: row.try_get("max_attempts")?,
            visible_at: row.try_get("visible_at")?,
            lease_token: row.try_get("lease_token")?,
            leased_by: row.try_get("leased_by")?,
            last_error: row.try_get("last_error")?,
            group_id: row.try_get("group_id")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        }))
    }
}

pub(crate) struct SampleRow(pub Sample);

impl FromRow<'_, SqliteRow> for SampleRow {
    fn from_row(row: &SqliteRow) -> sqlx::Result<Self> {
        Ok(SampleRow(Sample {
            ordinal: row.try_get("ordinal")?,
            occurred_at: row.try_get("occurred_at")?,
            source: row.try_get("source")?,
            text: row.try_get("text")?,
        }))
    }
}

pub(crate) struct AttemptRow(pub FixAttempt);

impl FromRow<'_, SqliteRow> for AttemptRow {
    fn from_row(row: &SqliteRow) -> sqlx::Result<Self> {
        let Json(details) = row.try_get::<Json<Value>, _>("details")?;
        Ok(AttemptRow(FixAttempt {
            id: row.try_get("id")?,
            job_id: row.try_get("job_id")?,
            group_id: row.try_get("group_id")?,
            started_at: row.try_get("started_at")?,
            finished_at: row.try_get("finished_at")?,
            outcome: row.try_get("outcome")?,
            details,
        }))
    }
}

pub(crate) struct ProposalRow(pub Proposal);

impl FromRow<'_, SqliteRow> for ProposalRow {
    fn from_row(row: &SqliteRow) -> sqlx::Result<Self> {
        let state: String = row.try_get("state")?;
        Ok(ProposalRow(Proposal {
            group_id: row.try_get("group_id")?,
            branch: row.try_get("branch")?,
            head_commit: row.try_get("head_commit")?,
            forge: row.try_get("forge")?,
            state: state
                .parse()
                .map_err(|e: StoreError| sqlx::Error::Decode(Box::new(e)))?,
            number: row.try_get("number")?,
            url: row.try_get("url")?,
            merge_commit: row.try_get("merge_commit")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        }))
    }
}
