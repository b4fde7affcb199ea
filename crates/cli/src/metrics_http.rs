//! Prometheus metrics: the recorder, the store gauges polled every few
//! seconds, and a tiny `/metrics` listener.
//!
//! The listener is hand-written (GET only, one request per connection)
//! because the exporter's own needs hyper, and the HTTP API's axum router
//! belongs to the server crate; scraping needs no more.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tracefix_store_any::{GroupStatus, Store};
use tracing::{debug, warn};

/// Installs the global recorder and names the metrics this process fills.
pub fn install() -> Result<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .install_recorder()
        .context("installing the metrics recorder")?;
    metrics::describe_gauge!("tracefix_groups", "Error groups by status.");
    metrics::describe_gauge!(
        "tracefix_queue_jobs",
        "Jobs in the queue by state (ready, scheduled, leased, expired, done, dead)."
    );
    metrics::describe_gauge!("tracefix_queue_paused", "1 while the queue is paused.");
    metrics::describe_counter!(
        "tracefix_jobs_total",
        "Leases settled by this process, by outcome (done, retried, dead, lease_lost, \
         released, skipped, store_error)."
    );
    metrics::describe_gauge!("tracefix_jobs_running", "Jobs running in this process.");
    Ok(handle)
}

/// Reads groups by status and queue depth into gauges every `every`, and
/// runs the exporter's upkeep.
pub async fn poll_store(
    store: Arc<dyn Store>,
    handle: PrometheusHandle,
    every: Duration,
    shutdown: CancellationToken,
) -> Result<()> {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = shutdown.cancelled() => return Ok(()),
        }
        handle.run_upkeep();
        // A failing read is logged and tried again: metrics must not stop
        // the service.
        match store.group_counts().await {
            Ok(counts) => {
                for status in GroupStatus::ALL {
                    let n = counts.get(&status).copied().unwrap_or(0);
                    metrics::gauge!("tracefix_groups", "status" => status.as_str()).set(n as f64);
                }
            }
            Err(e) => warn!(error = %e, "reading group counts for metrics failed"),
        }
        match store.queue_depth().await {
            Ok(d) => {
                for (state, n) in [
                    ("ready", d.ready),
                    ("scheduled", d.scheduled),
                    ("leased", d.leased),
                    ("expired", d.expired),
                    ("done", d.done),
                    ("dead", d.dead),
                ] {
                    metrics::gauge!("tracefix_queue_jobs", "state" => state).set(n as f64);
                }
            }
            Err(e) => warn!(error = %e, "reading queue depth for metrics failed"),
        }
        if let Ok(paused) = store.paused().await {
            metrics::gauge!("tracefix_queue_paused").set(if paused { 1.0 } else { 0.0 });
        }
    }
}

/// Serves `GET /metrics` until shutdown.
pub async fn serve(
    listener: TcpListener,
    handle: PrometheusHandle,
    shutdown: CancellationToken,
) -> Result<()> {
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // E.g. out of file descriptors: wait rather than spin.
                    warn!(error = %e, "accepting a metrics connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => return Ok(()),
        };
        let handle = handle.clone();
        tokio::spawn(async move {
            if let Err(e) = respond(stream, &handle).await {
                debug!(%peer, error = %e, "metrics request failed");
            }
        });
    }
}

const MAX_REQUEST: usize = 8 * 1024;

async fn respond(mut stream: TcpStream, handle: &PrometheusHandle) -> std::io::Result<()> {
    let mut request = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    let read_head = async {
        while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < MAX_REQUEST {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
        }
        std::io::Result::Ok(())
    };
    if tokio::time::timeout(Duration::from_secs(5), read_head)
        .await
        .is_err()
    {
        return Ok(());
    }
    let line = request.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, content_type, body) = match (method, path) {
        ("GET", "/metrics") => (
            "200 OK",
            "text/plain; version=0.0.4; charset=utf-8",
            handle.render(),
        ),
        ("GET", _) => (
            "404 Not Found",
            "text/plain",
            "not found; try /metrics\n".into(),
        ),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            "only GET /metrics\n".into(),
        ),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}
