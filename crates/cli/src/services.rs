//! What `tracefix run` runs, side by side, until shutdown: the sources, the
//! HTTP server, the worker pool and the metrics listener.
//!
//! Every service is a task in [`Services::tasks`] that watches
//! [`Services::shutdown`] and returns when it is cancelled (after finishing
//! its current batch, request or job). A service that returns early, or
//! fails, stops the whole process: a half-running service is worse than a
//! restart by the supervisor.

use std::future::Future;
use std::sync::Arc;

use anyhow::Result;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracefix_config::Settings;
use tracefix_store_any::Store;
use tracing::warn;

/// The shared state of the services of one `tracefix run`.
pub struct Services {
    pub settings: Arc<Settings>,
    pub store: Arc<dyn Store>,
    /// The Prometheus recorder's handle, when `metrics.listen` is set.
    pub metrics: Option<PrometheusHandle>,
    /// Cancelled on SIGINT/SIGTERM, or when any service ends.
    pub shutdown: CancellationToken,
    /// Each task returns its name and how it ended.
    pub tasks: JoinSet<(&'static str, Result<()>)>,
}

impl Services {
    pub fn new(settings: Arc<Settings>, store: Arc<dyn Store>) -> Self {
        Services {
            settings,
            store,
            metrics: None,
            shutdown: CancellationToken::new(),
            tasks: JoinSet::new(),
        }
    }

    /// Runs `service` until it returns; it must return once
    /// [`Self::shutdown`] is cancelled.
    pub fn spawn(
        &mut self,
        name: &'static str,
        service: impl Future<Output = Result<()>> + Send + 'static,
    ) {
        self.tasks.spawn(async move { (name, service.await) });
    }
}

/// HOOK (ingest): start one task per configured source here.
///
/// Plug in `tracefix_ingest` like this (names are the ingest crate's to
/// choose):
///
/// ```ignore
/// for source in &services.settings.sources {
///     let (store, shutdown) = (services.store.clone(), services.shutdown.clone());
///     let (source, ingest) = (source.clone(), services.settings.ingest.clone());
///     services.spawn("source", async move {
///         tracefix_ingest::run_source(&source, &ingest, store, shutdown).await?;
///         Ok(())
///     });
/// }
/// ```
///
/// Inputs: `settings.sources: Vec<tracefix_config::SourceSettings>`
/// (`kind: SourceKind::{File, Stdin}`, `path: Option<String>` glob),
/// `settings.ingest: tracefix_config::IngestSettings` (`batch_size`,
/// `batch_interval_ms`), `store: Arc<dyn tracefix_store_any::Store>`,
/// `shutdown: CancellationToken` (commit the current batch, then return).
/// Ingest counters (events ingested, ingest lag) go through the `metrics`
/// macros; `tracefix run` exports whatever is recorded.
pub fn start_sources(services: &mut Services) -> Result<()> {
    if !services.settings.sources.is_empty() {
        warn!(
            sources = services.settings.sources.len(),
            "sources are configured, but this build of tracefix cannot ingest from them yet; \
             they are not read"
        );
    }
    Ok(())
}

/// HOOK (server): start the HTTP API here when `settings.server.enabled`.
///
/// Plug in `tracefix_server` (its `launch_with_listener(config, listener,
/// sink, metrics, shutdown)`) like this:
///
/// ```ignore
/// let server = &services.settings.server;
/// if server.enabled {
///     let addr = server.listen_addr().expect("validated by Settings::problems");
///     let listener = tokio::net::TcpListener::bind(addr)
///         .await
///         .with_context(|| format!("binding server.listen {addr}"))?;
///     let mut config = tracefix_server::ServerConfig::new(addr);
///     if !server.token.is_empty() {
///         config.token = Some(server.token.expose().to_owned().into());
///     }
///     // The ingest pipeline's sink over `services.store` (tracefix_ingest).
///     let sink: Arc<dyn tracefix_server::IngestSink> = todo!();
///     let metrics = services.metrics.clone().map(|handle| {
///         Arc::new(move || handle.render()) as tracefix_server::MetricsRender
///     });
///     let shutdown = services.shutdown.clone().cancelled_owned();
///     services.spawn("http", async move {
///         tracefix_server::launch_with_listener(config, listener, sink, metrics, shutdown)
///             .await?;
///         Ok(())
///     });
/// }
/// ```
///
/// Inputs: a `tokio::net::TcpListener` bound here (a busy port fails
/// `tracefix run` at once), `settings.server: tracefix_config::ServerSettings`
/// (`enabled`, `listen`, `token: Secret`: read it with `expose()`, never log
/// it), `services.metrics: Option<PrometheusHandle>` (set when
/// `metrics.listen` is), and `services.shutdown` (stop accepting, finish
/// in-flight requests, return).
pub async fn start_server(services: &mut Services) -> Result<()> {
    if services.settings.server.enabled {
        warn!(
            listen = %services.settings.server.listen,
            "the HTTP API is not part of this build of tracefix yet; nothing listens on server.listen"
        );
    }
    Ok(())
}
