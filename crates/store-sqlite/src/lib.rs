//! The SQLite backend of the tracefix store: one file in WAL mode (or an
//! in-memory database), migrated at open.
//!
//! SQLite has one writer at a time, so every write transaction starts with
//! `BEGIN IMMEDIATE`: it takes the write lock up front (waiting up to
//! `busy_timeout`) instead of failing when a read transaction later needs
//! to write. That lock is also what serialises concurrent leasers.

mod groups;
mod queue;
mod rows;

use std::str::FromStr;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::types::Json;
use sqlx::{SqlSafeStr, SqliteConnection};
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

/// A store in one SQLite database.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    options: StoreOptions,
}

// By hand: the pool's Debug shows its connect options, password included.
impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("connections", &self.pool.size())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://PATH`,
    /// `sqlite:PATH` or `sqlite::memory:`) and migrates it.
    pub async fn open(url: &str, options: StoreOptions) -> Result<SqliteStore> {
        let url_error = |reason: String| StoreError::Url {
            url: redact_url(url),
            reason,
        };
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(|e| url_error(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(options.busy_timeout)
            .foreign_keys(true);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        // Two processes opening a new file at once would both apply the
        // first migration (SQLite's migrator takes no lock of its own): a
        // lock file beside the database serializes them.
        let _lock = if in_memory {
            None
        } else {
            migration_lock(connect.get_filename()).await?
        };
        let pool = if in_memory {
            // Each in-memory connection would be its own database unless
            // shared, and the database dies with its last connection: keep
            // exactly one, forever.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(options.max_connections.max(1))
        }
        .connect_with(connect)
        .await
        .map_err(db)?;
        migrator()
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(Box::new(e)))?;
        tracing::debug!(url = %redact_url(url), "opened SQLite store");
        Ok(SqliteStore { pool, options })
    }

    fn now(&self) -> i64 {
        self.options.clock.now_ms()
    }
}

/// An exclusive lock on `DATABASE.migrate-lock`, held until dropped; none
/// when the directory does not exist (opening the database says so).
async fn migration_lock(database: &std::path::Path) -> Result<Option<std::fs::File>> {
    let mut name = database.as_os_str().to_owned();
    name.push(".migrate-lock");
    let path = std::path::PathBuf::from(name);
    tokio::task::spawn_blocking(move || {
        let file = match std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
        {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        file.lock()?;
        Ok::<_, std::io::Error>(Some(file))
    })
    .await
    .map_err(|e| StoreError::Migration(Box::new(e)))?
    .map_err(|e| StoreError::Migration(Box::new(e)))
}

/// A JSON setting, inside a transaction or not.
async fn get_setting(conn: &mut SqliteConnection, key: &str) -> Result<Option<Value>> {
    let value: Option<Json<Value>> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(conn)
            .await
            .map_err(db)?;
    Ok(value.map(|Json(v)| v))
}

async fn set_setting(
    conn: &mut SqliteConnection,
    key: &str,
    value: &Value,
    now: i64,
) -> Result<()> {
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
    conn: &mut SqliteConnection,
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
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracefix_store::{GroupStore, JobQueue};

    #[tokio::test]
    async fn opens_a_file_with_wal_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = SqliteStore::open(&url, StoreOptions::default())
            .await
            .unwrap();
        let mut conn = store.pool.acquire().await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(fk, 1);
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(sync, 1, "NORMAL");
        drop(conn);
        store.close().await;
        // Reopening runs no migration twice and keeps the data.
        let again = SqliteStore::open(&url, StoreOptions::default())
            .await
            .unwrap();
        assert!(
            again
                .group_counts()
                .await
                .unwrap()
                .values()
                .all(|n| *n == 0)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_opens_of_a_new_file_migrate_once() {
        // `tracefix run` and a `tracefix jobs` started beside it.
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("new.db").display());
        let opens: Vec<_> = (0..6)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { SqliteStore::open(&url, StoreOptions::default()).await })
            })
            .collect();
        for open in opens {
            let store = open.await.unwrap().expect("every open succeeds");
            assert!(
                store
                    .list_groups(&Default::default())
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    }

    #[tokio::test]
    async fn memory_database_survives_between_calls() {
        let store = SqliteStore::open("sqlite::memory:", StoreOptions::default())
            .await
            .unwrap();
        store.set_paused(true).await.unwrap();
        assert!(store.paused().await.unwrap());
    }

    #[tokio::test]
    async fn a_missing_directory_is_a_database_error() {
        let err = SqliteStore::open(
            "sqlite:///nonexistent-tracefix-dir/x.db",
            StoreOptions::default(),
        )
        .await
        .map(|_| ())
        .unwrap_err();
        assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    }
}
