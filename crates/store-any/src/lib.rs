//! Opens the tracefix store named by a URL: `sqlite://PATH` (or
//! `sqlite::memory:`) always, `postgres://…` when built with the `postgres`
//! feature. Re-exports the store interface, so callers need only this crate.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tracefix_store_any::StoreError> {
//! let store = tracefix_store_any::open("sqlite://tracefix.db").await?;
//! let counts = store.group_counts().await?;
//! # Ok(()) }
//! ```

use std::sync::Arc;

pub use tracefix_store::*;
#[cfg(feature = "postgres")]
pub use tracefix_store_postgres::PgStore;
pub use tracefix_store_sqlite::SqliteStore;

/// Opens the store at `url` with default options and migrates it.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    open_with(url, StoreOptions::default()).await
}

/// Opens the store at `url` and migrates it.
pub async fn open_with(url: &str, options: StoreOptions) -> Result<Arc<dyn Store>> {
    match Backend::from_url(url)? {
        Backend::Sqlite => Ok(Arc::new(SqliteStore::open(url, options).await?)),
        #[cfg(feature = "postgres")]
        Backend::Postgres => Ok(Arc::new(PgStore::open(url, options).await?)),
        #[cfg(not(feature = "postgres"))]
        Backend::Postgres => {
            drop(options);
            Err(StoreError::Url {
                url: redact_url(url),
                reason: "this build of tracefix has no PostgreSQL support \
                         (build it with the `postgres` feature)"
                    .into(),
            })
        }
    }
}

/// Whether this build can open `postgres://` URLs.
pub const fn postgres_supported() -> bool {
    cfg!(feature = "postgres")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_urls_open_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("x.db").display());
        let store = open(&url).await.unwrap();
        assert_eq!(store.backend(), "sqlite");
        assert!(dir.path().join("x.db").exists());
        let memory = open("sqlite::memory:").await.unwrap();
        assert_eq!(memory.backend(), "sqlite");
        // The whole store upcasts to either half.
        let queue: Arc<dyn JobQueue> = memory;
        assert!(!queue.paused().await.unwrap());
    }

    #[tokio::test]
    async fn other_schemes_are_refused_with_the_password_hidden() {
        let err = open("mysql://root:hunter2@localhost/db")
            .await
            .map(|_| ())
            .unwrap_err();
        assert!(matches!(err, StoreError::Url { .. }));
        assert!(!err.to_string().contains("hunter2"));
    }

    #[cfg(not(feature = "postgres"))]
    #[tokio::test]
    async fn postgres_needs_the_feature() {
        let err = open("postgres://u:pw@127.0.0.1/db")
            .await
            .map(|_| ())
            .unwrap_err();
        assert!(err.to_string().contains("`postgres` feature"), "{err}");
    }
}
