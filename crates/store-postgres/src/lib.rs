//! The PostgreSQL backend of the tracefix store, for several `tracefix run`
//! processes sharing one database; migrated at open.
//!
//! Concurrency: leasers pick rows with `FOR UPDATE SKIP LOCKED`, so they
//! take disjoint jobs without waiting on each other; ingest locks the group
//! rows of a batch in (fingerprint, version) order, so two batches cannot
//! deadlock; a global concurrency limit serialises leasers on an advisory
//! transaction lock so the count of live leases cannot be raced.

mod groups;
mod queue;
mod rows;

use std::str::FromStr;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::types::Json;
use sqlx::{PgConnection, SqlSafeStr};
use tracefix_store::{Result, Store, StoreError, StoreOptions, redact_url};
use uuid::Uuid;

use crate::rows::db;

/// The schema migrations, embedded (not read from disk at run time).
fn migrator() -> Migrator {
    let migration = |version: i64, description: &str, sql: &'static str| {
        Migration::new(
            version,
            description.to_string().into(),
            MigrationType::Simple,
            sql.into_sql_str(),
            false,
        )
    };
    Migrator::with_migrations(vec![
        migration(1, "init", include_str!("../migrations/0001_init.sql")),
        migration(
            2,
            "proposals",
            include_str!("../migrations/0002_proposals.sql"),
        ),
    ])
}

/// A store in one PostgreSQL database (in the first schema of the
/// connection's `search_path`, e.g. `?options[search_path]=tracefix`).
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    options: StoreOptions,
}

// By hand: the pool's Debug shows its connect options, password included.
impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("connections", &self.pool.size())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB`) and
    /// migrates the schema (migrations take an advisory lock, so several
    /// processes may start at once).
    pub async fn open(url: &str, options: StoreOptions) -> Result<PgStore> {
        let connect = PgConnectOptions::from_str(url).map_err(|e| StoreError::Url {
            url: redact_url(url),
            reason: e.to_string(),
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(connect)
            .await
            .map_err(db)?;
        migrator()
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(Box::new(e)))?;
        tracing::debug!(url = %redact_url(url), "opened PostgreSQL store");
        Ok(PgStore { pool, options })
    }

    fn now(&self) -> i64 {
        self.options.clock.now_ms()
    }
}

async fn get_setting(conn: &mut PgConnection, key: &str) -> Result<Option<Value>> {
    let value: Option<Json<Value>> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(conn)
            .await
            .map_err(db)?;
    Ok(value.map(|Json(v)| v))
}

async fn set_setting(conn: &mut PgConnection, key: &str, value: &Value, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(Json(value))
    .bind(now)
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Inserts a job unless it would be a second live fix job for its group
/// (the partial unique index); returns its id when inserted.
#[allow(clippy::too_many_arguments)]
async fn insert_job(
    conn: &mut PgConnection,
    kind: &str,
    payload: &Value,
    group_id: Option<Uuid>,
    max_attempts: i32,
    visible_at: i64,
    now: i64,
) -> Result<Option<Uuid>> {
    sqlx::query_scalar(
        "INSERT INTO jobs (id, kind, payload, status, attempts, max_attempts, visible_at, \
         group_id, created_at, updated_at) \
         VALUES ($1, $2, $3, 'ready', 0, $4, $5, $6, $7, $7) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(kind)
    .bind(Json(payload))
    .bind(max_attempts)
    .bind(visible_at)
    .bind(group_id)
    .bind(now)
    .fetch_optional(conn)
    .await
    .map_err(db)
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_malformed_url_is_a_url_error_without_the_password() {
        let err = PgStore::open(
            "postgres://u:hunter2@h:notaport/db",
            StoreOptions::default(),
        )
        .await
        .map(|_| ())
        .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, StoreError::Url { .. }), "{err:?}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[tokio::test]
    async fn debug_output_hides_the_password() {
        let connect = PgConnectOptions::from_str("postgres://u:hunter2@127.0.0.1/db").unwrap();
        // A lazy pool never connects, so no server is needed.
        let store = PgStore {
            pool: PgPoolOptions::new().connect_lazy_with(connect),
            options: StoreOptions::default(),
        };
        let text = format!("{store:?}");
        assert!(text.starts_with("PgStore"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}
