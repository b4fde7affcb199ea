//! The HTTP ingest server of tracefix (axum).
//!
//! `POST /v1/logs` (JSON lines or text lines), `POST /v1/cloudwatch` (a
//! CloudWatch Logs subscription payload) and `POST /v1/firehose` (the Kinesis
//! Data Firehose HTTP endpoint delivery format) are decoded into
//! [`Record`]s and handed, one [`Batch`] per request, to an [`IngestSink`];
//! the client gets its answer once the sink has stored the batch. `GET
//! /healthz` answers `ok`; `GET /metrics` renders what the caller's
//! [`MetricsRender`] returns.
//!
//! Only this crate knows the HTTP wire formats: the decoders are pure
//! functions in [`decode`], and the rest of tracefix sees records.

mod config;
pub mod decode;
mod http;
mod sink;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

pub use config::ServerConfig;
pub use http::router;
pub use secrecy::SecretString;
pub use sink::{Batch, IngestSink, Record, SinkError};

/// Renders the Prometheus text exposition for `GET /metrics`. The caller
/// owns the metrics registry; this crate picks no global recorder.
pub type MetricsRender = Arc<dyn Fn() -> String + Send + Sync>;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "server.token is required when server.listen is not a loopback address (server.listen is {listen})"
    )]
    TokenRequired { listen: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("HTTP server: {0}")]
    Io(#[from] std::io::Error),
}

/// Binds `config.listen` and serves until `shutdown` resolves, then lets the
/// requests in progress finish (their batches are stored or refused, never
/// cut). Refuses to start on a non-loopback address without a token.
pub async fn launch(
    config: ServerConfig,
    sink: Arc<dyn IngestSink>,
    metrics: Option<MetricsRender>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    // Checked before binding, so a refused configuration never listens.
    config.validate()?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;
    launch_with_listener(config, listener, sink, metrics, None, shutdown).await
}

/// As [`launch`], on a listener the caller bound (tests bind 127.0.0.1:0).
/// The token rule is checked against the listener's real address;
/// `config.listen` is not used.
pub async fn launch_with_listener(
    config: ServerConfig,
    listener: tokio::net::TcpListener,
    sink: Arc<dyn IngestSink>,
    metrics: Option<MetricsRender>,
    extra_routes: Option<axum::Router>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let addr = listener.local_addr()?;
    config.validate_for(addr)?;
    tracing::info!(
        %addr,
        bearer_token = config.token().is_some(),
        firehose_access_key = config.firehose_access_key().is_some(),
        "HTTP ingest server listening"
    );
    // Routes of other crates (the forge's webhook) that authenticate
    // requests themselves.
    let app = match extra_routes {
        Some(extra) => router(&config, sink, metrics).merge(extra),
        None => router(&config, sink, metrics),
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    tracing::info!(%addr, "HTTP ingest server stopped");
    Ok(())
}
