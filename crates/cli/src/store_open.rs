//! Opening the store named by the settings.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use tracefix_config::Settings;
use tracefix_store_any::{Backend, Store, StoreOptions};

/// The settings the store commands need must be valid; the rest (server,
/// sources, …) is `tracefix run`'s and `tracefix doctor`'s business.
pub fn check_store_settings(settings: &Settings) -> Result<()> {
    let problems: Vec<String> = settings
        .problems()
        .into_iter()
        .filter(|p| p.key.starts_with("store.") || p.key.starts_with("log."))
        .map(|p| format!("  - {p}"))
        .collect();
    if !problems.is_empty() {
        bail!("invalid configuration:\n{}", problems.join("\n"));
    }
    Ok(())
}

pub fn options(settings: &Settings) -> StoreOptions {
    StoreOptions {
        max_attempts: settings.worker.max_attempts,
        max_connections: settings.store.max_connections,
        ..StoreOptions::default()
    }
}

/// Opens (creating and migrating if needed) the store: `tracefix run`.
pub async fn open(settings: &Settings) -> Result<Arc<dyn Store>> {
    tracefix_store_any::open_with(&settings.store.url, options(settings))
        .await
        .with_context(|| format!("opening the store {}", settings.store.redacted_url()))
}

/// Opens a store that must already exist: the query commands should not
/// leave an empty `tracefix.db` behind in whatever directory they ran in.
pub async fn open_existing(settings: &Settings) -> Result<Arc<dyn Store>> {
    if let Some(path) = sqlite_path(&settings.store.url)
        && !path.exists()
    {
        bail!(
            "there is no store at {} yet (`tracefix run` creates it; set store.url or --store-url \
             to use another)",
            path.display()
        );
    }
    open(settings).await
}

/// The database file of a `sqlite:` URL (`None` for other backends and
/// for `sqlite::memory:`).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    if Backend::from_url(url).ok()? != Backend::Sqlite {
        return None;
    }
    let rest = url.split_once(':')?.1;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" || path.starts_with(":memory:") {
        return None;
    }
    Some(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite://tracefix.db"),
            Some("tracefix.db".into())
        );
        assert_eq!(
            sqlite_path("sqlite:///var/lib/t.db?mode=rwc"),
            Some("/var/lib/t.db".into())
        );
        assert_eq!(sqlite_path("sqlite:rel.db"), Some("rel.db".into()));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://u@h/db"), None);
        assert_eq!(sqlite_path("nonsense"), None);
    }
}
