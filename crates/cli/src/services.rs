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

use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, Result};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracefix_config::{Settings, SourceKind};
use tracefix_ingest::{
    FileSourceOptions, IngestCounters, IngestOptions, PipelineHandle, PipelineSink,
    run_file_source, run_stdin_source,
};
use tracefix_store_any::Store;
use tracing::info;

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
    /// The ingest pipeline's handle, once started.
    pub ingest: Option<PipelineHandle>,
}

impl Services {
    pub fn new(settings: Arc<Settings>, store: Arc<dyn Store>) -> Self {
        Services {
            settings,
            store,
            metrics: None,
            shutdown: CancellationToken::new(),
            tasks: JoinSet::new(),
            ingest: None,
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

/// Starts the ingest pipeline (one per process: one detector, batched
/// commits) and one task per configured source. The pipeline's handle stays
/// in [`Services::ingest`] for the HTTP server and until shutdown, so a
/// source that ends (standard input at its end) does not stop the pipeline.
pub fn start_sources(services: &mut Services, once: bool) -> Result<()> {
    let settings = services.settings.clone();
    let options = IngestOptions {
        batch_max_events: settings.ingest.batch_size.max(1),
        batch_interval: Duration::from_millis(settings.ingest.batch_interval_ms.max(1)),
        ..IngestOptions::default()
    };
    let (pipeline, handle) = tracefix_ingest::pipeline(services.store.clone(), options);
    let shutdown = services.shutdown.clone();
    services.spawn("ingest", async move {
        pipeline.run(shutdown).await?;
        Ok(())
    });
    if !once {
        let counters = handle.counters();
        let shutdown = services.shutdown.clone();
        services.spawn("ingest-metrics", async move {
            export_ingest_metrics(counters, shutdown).await;
            Ok(())
        });
    }
    for source in &settings.sources {
        let shutdown = services.shutdown.clone();
        let handle = handle.clone();
        match source.kind {
            SourceKind::File => {
                let pattern = source
                    .path
                    .clone()
                    .context("a [[source]] of type \"file\" needs a path")?;
                info!(%pattern, "reading log files");
                let store = services.store.clone();
                let options = FileSourceOptions {
                    once,
                    ..FileSourceOptions::new(pattern)
                };
                services.spawn("file-source", async move {
                    run_file_source(options, store, handle, shutdown).await?;
                    Ok(())
                });
            }
            SourceKind::Stdin => {
                info!("reading standard input");
                services.spawn("stdin-source", async move {
                    run_stdin_source(handle, shutdown.clone()).await?;
                    // The end of the input is not the end of the service,
                    // unless the run is `--once`.
                    if !once {
                        shutdown.cancelled().await;
                    }
                    Ok(())
                });
            }
        }
    }
    // With `--once` the sources hold the only handles: the pipeline ends, and
    // commits its last batch, when the last source has sent its end.
    services.ingest = (!once).then_some(handle);
    Ok(())
}

/// Publishes the pipeline's counters as Prometheus metrics every second.
async fn export_ingest_metrics(counters: Arc<IngestCounters>, shutdown: CancellationToken) {
    loop {
        metrics::counter!("tracefix_ingest_events_total")
            .absolute(counters.events.load(Ordering::Relaxed));
        metrics::counter!("tracefix_ingest_bytes_total")
            .absolute(counters.bytes.load(Ordering::Relaxed));
        metrics::counter!("tracefix_ingest_commit_errors_total")
            .absolute(counters.commit_errors.load(Ordering::Relaxed));
        let last = counters.last_commit_ms.load(Ordering::Relaxed);
        if last > 0 {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            metrics::gauge!("tracefix_ingest_lag_seconds")
                .set(now.saturating_sub(last) as f64 / 1000.0);
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// Starts the HTTP API when `server.enabled`: its batches go into the ingest
/// pipeline and are answered once stored.
pub async fn start_server(services: &mut Services) -> Result<()> {
    let server = &services.settings.server;
    if !server.enabled {
        return Ok(());
    }
    let addr = server
        .listen_addr()
        .with_context(|| format!("server.listen {:?} is not an address", server.listen))?;
    let mut config = tracefix_server::ServerConfig::new(addr);
    if !server.token.expose().is_empty() {
        config.token = Some(server.token.expose().to_owned().into());
    }
    config.validate()?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding server.listen {addr}"))?;
    info!(listen = %listener.local_addr()?, "HTTP API listening");
    let handle = services
        .ingest
        .clone()
        .context("the ingest pipeline starts before the server")?;
    let sink: Arc<dyn tracefix_server::IngestSink> = Arc::new(PipelineSink(handle));
    let metrics = services
        .metrics
        .clone()
        .map(|handle| Arc::new(move || handle.render()) as tracefix_server::MetricsRender);
    let shutdown = services.shutdown.clone().cancelled_owned();
    let settings = &services.settings;
    let token = (!settings.server.token.is_empty())
        .then(|| secrecy::SecretString::from(settings.server.token.expose().to_string()));
    let public_url = settings.forge.public_url.trim();
    // The JSON API and the dashboard share the listener and the token.
    let mut routes = tracefix_api::router(
        services.store.clone(),
        tracefix_api::ApiConfig {
            token: token.clone(),
            public_url: (!public_url.is_empty()).then(|| public_url.to_string()),
        },
    )
    .merge(tracefix_dashboard::router(
        services.store.clone(),
        tracefix_dashboard::DashboardConfig {
            token,
            secure_cookies: public_url.starts_with("https://"),
        },
    ));
    let secret = &settings.forge.webhook_secret;
    if !secret.is_empty() {
        routes = routes.merge(crate::proposal::webhook_router(
            services.store.clone(),
            secret.expose(),
        ));
    }
    info!("dashboard at http://{addr}/ and the JSON API at /api/v1");
    services.spawn("http", async move {
        tracefix_server::launch_with_listener(
            config,
            listener,
            sink,
            metrics,
            Some(routes),
            shutdown,
        )
        .await?;
        Ok(())
    });
    Ok(())
}
