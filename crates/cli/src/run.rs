//! `tracefix run`: the service, until SIGINT or SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use tokio::signal::unix::{SignalKind, signal};
use tracefix_config::{HandlerKind, Loaded, Settings};
use tracefix_store_any::BackoffPolicy;
use tracefix_worker::{JobHandler, NoopFixHandler, PoolConfig, RecordingHandler, WorkerPool};
use tracing::{debug, error, info, warn};

use crate::services::{self, Services};
use crate::{metrics_http, store_open};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Read the configured sources to their end, store what they hold and
    /// exit: no following, no HTTP server, no workers (a batch import, or a
    /// benchmark of ingestion).
    #[arg(long)]
    pub once: bool,
}

pub fn run(loaded: Loaded, args: RunArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    if args.once {
        return runtime.block_on(ingest_once(loaded));
    }
    runtime.block_on(serve(loaded))
}

/// `tracefix run --once`: the sources to their end, then exit.
async fn ingest_once(loaded: Loaded) -> Result<ExitCode> {
    let settings = Arc::new(loaded.settings);
    if settings.sources.is_empty() {
        bail!("tracefix run --once needs at least one [[source]] in the configuration");
    }
    let started = std::time::Instant::now();
    let store = store_open::open(&settings).await?;
    let mut services = Services::new(settings.clone(), store.clone());
    services::start_sources(&mut services, true)?;
    let mut sigterm = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    let mut sigint = signal(SignalKind::interrupt()).context("listening for SIGINT")?;
    let mut failed = false;
    loop {
        tokio::select! {
            _ = sigterm.recv() => { info!("SIGTERM: stopping"); services.shutdown.cancel(); }
            _ = sigint.recv() => { info!("SIGINT: stopping"); services.shutdown.cancel(); }
            ended = services.tasks.join_next() => match ended {
                None => break,
                Some(Ok((name, Ok(())))) => debug!(service = name, "done"),
                Some(Ok((name, Err(e)))) => {
                    failed = true;
                    error!(service = name, error = %format!("{e:#}"), "failed");
                    services.shutdown.cancel();
                }
                Some(Err(e)) => {
                    failed = true;
                    error!(error = %e, "a service panicked");
                    services.shutdown.cancel();
                }
            },
        }
    }
    store.close().await;
    if failed {
        bail!("tracefix run --once stopped because a source or the store failed (see above)");
    }
    info!(
        seconds = started.elapsed().as_secs_f64(),
        "all sources read to their end and stored"
    );
    Ok(ExitCode::SUCCESS)
}

async fn serve(loaded: Loaded) -> Result<ExitCode> {
    let settings = Arc::new(loaded.settings);
    debug!(?settings, file = ?loaded.file, "settings");
    // Signals first, so a SIGTERM during startup is not lost.
    let mut sigterm = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    let mut sigint = signal(SignalKind::interrupt()).context("listening for SIGINT")?;

    let store = store_open::open(&settings).await?;
    info!(
        store = %settings.store.redacted_url(),
        backend = store.backend(),
        "store open"
    );
    let mut services = Services::new(settings.clone(), store.clone());

    if let Some(listen) = &settings.metrics.listen {
        let handle = metrics_http::install()?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("binding metrics.listen {listen}"))?;
        info!(listen = %listener.local_addr()?, "metrics at /metrics");
        services.metrics = Some(handle.clone());
        let shutdown = services.shutdown.clone();
        services.spawn(
            "metrics",
            metrics_http::serve(listener, handle.clone(), shutdown.clone()),
        );
        services.spawn(
            "metrics-poll",
            metrics_http::poll_store(
                store.clone(),
                handle,
                Duration::from_secs(settings.metrics.poll_secs),
                shutdown,
            ),
        );
    }

    services::start_sources(&mut services, false)?;
    services::start_server(&mut services).await?;

    if let Some(forge) = crate::proposal::forge_client(&settings)? {
        let store = services.store.clone();
        let shutdown = services.shutdown.clone();
        let every = Duration::from_secs(settings.forge.poll_secs.max(1));
        info!(forge = forge.kind(), every = ?every, "following pull requests");
        services.spawn("pull-requests", async move {
            crate::proposal::follow(store, forge, every, shutdown).await;
            Ok(())
        });
    }

    if settings.worker.enabled {
        let pool = WorkerPool::new(
            services.store.clone(),
            handler(&settings)?,
            pool_config(&settings),
        );
        let shutdown = services.shutdown.clone();
        services.spawn("workers", async move {
            pool.run(shutdown).await;
            Ok(())
        });
    } else {
        info!("workers disabled (worker.enabled = false); fix jobs wait in the queue");
    }

    let mut failed = false;
    tokio::select! {
        _ = sigterm.recv() => info!("SIGTERM: shutting down"),
        _ = sigint.recv() => info!("SIGINT: shutting down"),
        ended = services.tasks.join_next(), if !services.tasks.is_empty() => {
            failed = true;
            match ended {
                Some(Ok((name, Ok(())))) => error!(service = name, "a service stopped on its own; shutting down"),
                Some(Ok((name, Err(e)))) => error!(service = name, error = %format!("{e:#}"), "a service failed; shutting down"),
                Some(Err(e)) => error!(error = %e, "a service panicked; shutting down"),
                None => {}
            }
        }
    }
    services.shutdown.cancel();

    // The pool's own grace period bounds the wait; the margin covers
    // releasing leases and committing a last batch.
    let limit = settings.worker.shutdown_grace() + Duration::from_secs(15);
    let drained = tokio::time::timeout(limit, async {
        while let Some(ended) = services.tasks.join_next().await {
            match ended {
                Ok((name, Ok(()))) => debug!(service = name, "stopped"),
                Ok((name, Err(e))) => {
                    failed = true;
                    error!(service = name, error = %format!("{e:#}"), "failed while stopping");
                }
                Err(e) => {
                    failed = true;
                    error!(error = %e, "a service panicked while stopping");
                }
            }
        }
    })
    .await;
    if drained.is_err() {
        warn!("services did not stop within {limit:?}; exiting anyway");
        failed = true;
    }
    store.close().await;
    info!("stopped");
    if failed {
        bail!("tracefix run stopped because a service failed (see the log above)");
    }
    Ok(ExitCode::SUCCESS)
}

fn handler(settings: &Settings) -> Result<Arc<dyn JobHandler>> {
    let worker = &settings.worker;
    Ok(match worker.handler {
        HandlerKind::Fix => Arc::new(crate::fix::FixHandler::new(settings)?),
        HandlerKind::Noop => Arc::new(NoopFixHandler),
        HandlerKind::Record => {
            let path = worker
                .record_file
                .as_deref()
                .context("worker.record_file is required by the record handler")?;
            warn!(
                file = %path.display(),
                "diagnostic record handler: jobs are recorded, not fixed"
            );
            Arc::new(
                RecordingHandler::with_file(Duration::from_millis(worker.record_sleep_ms), path)
                    .with_context(|| format!("opening worker.record_file {}", path.display()))?,
            )
        }
    })
}

fn pool_config(settings: &Settings) -> PoolConfig {
    let worker = &settings.worker;
    PoolConfig {
        worker_id: worker_id(),
        concurrency: usize::try_from(worker.concurrency).unwrap_or(usize::MAX),
        lease: worker.lease(),
        heartbeat: worker.heartbeat(),
        backoff: BackoffPolicy {
            base: Duration::from_secs(worker.backoff_base_secs),
            max: Duration::from_secs(worker.backoff_max_secs),
        },
        poll: worker.poll(),
        shutdown_grace: worker.shutdown_grace(),
    }
}

/// `host:pid`, so `tracefix jobs` shows who holds a lease.
fn worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{host}:{}", std::process::id())
}
