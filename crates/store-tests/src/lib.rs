//! One conformance suite for every store backend: "story" tests that say
//! what a store must do, run against SQLite (a temp file) always and
//! against PostgreSQL at `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), each test in a fresh schema.
//!
//! An unreachable PostgreSQL fails the tests with a message saying so,
//! unless `TRACEFIX_SKIP_POSTGRES=1`.
//!
//! `tests/sqlite.rs` and `tests/postgres.rs` instantiate every story with
//! [`conformance_tests!`]; a new backend adds a [`Target`] and one file.

pub mod stories;

use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection;
use tracefix_store::{ManualClock, Store, StoreOptions};

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A backend under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Sqlite,
    Postgres,
}

/// A fresh, empty database for one test; removed on drop.
#[derive(Debug)]
pub struct TestDb {
    pub target: Target,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

impl TestDb {
    /// A fresh database, or `None` when PostgreSQL tests are skipped.
    pub async fn new(target: Target) -> Option<TestDb> {
        match target {
            Target::Sqlite => {
                let dir = tempfile::tempdir().expect("a temp dir");
                let url = format!("sqlite://{}", dir.path().join("store.db").display());
                Some(TestDb {
                    target,
                    url,
                    _dir: Some(dir),
                    pg_schema: None,
                })
            }
            Target::Postgres => Self::postgres().await,
        }
    }

    async fn postgres() -> Option<TestDb> {
        let base =
            std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
        let skip = std::env::var("TRACEFIX_SKIP_POSTGRES").is_ok_and(|v| v == "1");
        let mut conn = match sqlx::PgConnection::connect(&base).await {
            Ok(conn) => conn,
            Err(e) if skip => {
                eprintln!("skipping PostgreSQL conformance test (TRACEFIX_SKIP_POSTGRES=1): {e}");
                return None;
            }
            Err(e) => panic!(
                "PostgreSQL for the store tests is unreachable at {}: {e}. Start it \
                 (`.ci/run` does), point TEST_DATABASE_URL at one, or set \
                 TRACEFIX_SKIP_POSTGRES=1 to skip these tests.",
                tracefix_store::redact_url(&base)
            ),
        };
        // A schema per test keeps tests that run in parallel apart.
        let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut conn)
            .await
            .expect("CREATE SCHEMA");
        conn.close().await.ok();
        let separator = if base.contains('?') { '&' } else { '?' };
        Some(TestDb {
            target: Target::Postgres,
            url: format!("{base}{separator}options[search_path]={schema}"),
            _dir: None,
            pg_schema: Some((base, schema)),
        })
    }

    /// Opens a new handle (its own pool, like another process) with
    /// `options`.
    pub async fn open_with(&self, options: StoreOptions) -> Arc<dyn Store> {
        tracefix_store_any::open_with(&self.url, options)
            .await
            .unwrap_or_else(|e| panic!("open {}: {e:?}", self.url))
    }

    /// Opens a handle whose time is `clock`.
    pub async fn open_at(&self, clock: &Arc<ManualClock>) -> Arc<dyn Store> {
        self.open_with(StoreOptions {
            clock: clock.clone(),
            ..StoreOptions::default()
        })
        .await
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((base, schema)) = self.pg_schema.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot block on
        // itself: drop the schema from a thread with its own runtime.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&base).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE"
                )))
                .execute(&mut conn)
                .await?;
                conn.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop a test schema: {dropped:?}");
        }
    }
}

/// A clock at a fixed, recent time (2026-01-01T00:00:00Z).
pub fn manual_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(1_767_225_600_000))
}

pub const MINUTE: Duration = Duration::from_secs(60);

/// One `#[tokio::test]` per story for a [`Target`].
#[macro_export]
macro_rules! conformance_tests {
    ($target:expr) => {
        $crate::conformance_tests!(@each $target;
            group_lifecycle,
            ignored_groups_only_count,
            outbox_enqueues_once_per_new_or_regressed_group,
            status_changes_are_compare_and_set,
            entering_queued_enqueues_one_live_fix_job,
            listing_and_counting_groups,
            querying_groups,
            checkpoint_commits_with_its_events,
            failed_batch_stores_nothing,
            samples_keep_the_first_and_latest,
            minute_buckets_and_retention,
            lease_ack_and_fencing,
            expired_lease_is_leased_again,
            nack_backs_off_then_retries,
            dead_letters_and_requeue,
            release_gives_the_attempt_back,
            defer_waits_without_spending_an_attempt,
            pause_switch,
            concurrency_limit,
            job_listing_and_depth,
            fix_attempts,
            one_proposal_per_group,
            concurrent_leasers_take_each_job_once,
            concurrent_batches_of_one_group_add_up,
        );
    };
    (@each $target:expr; $($story:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $story() {
                if let Some(db) = $crate::TestDb::new($target).await {
                    $crate::stories::$story(&db).await;
                }
            }
        )*
    };
}
