//! What the server hands on: decoded records, one batch per request.

/// One log line or one log message, as it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The log stream the text comes from, so that the detector keeps
    /// separate state per stream: `?stream=` / `X-Tracefix-Stream` (default
    /// `http`) on `/v1/logs`, `"{logGroup}/{logStream}"` for CloudWatch Logs,
    /// `X-Amz-Firehose-Source-Arn` (default `firehose`) for raw Firehose data.
    pub stream: String,
    /// The bytes of the line or message, not necessarily UTF-8; a message may
    /// hold newlines (the detector splits them).
    pub text: Vec<u8>,
    /// When the source says the line was written (CloudWatch Logs events);
    /// `None` when the wire format carries no per-line time.
    pub timestamp_ms: Option<i64>,
}

/// All the records of one request: a request is stored whole or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The path the request came to, e.g. `/v1/logs`.
    pub endpoint: &'static str,
    pub records: Vec<Record>,
}

/// Where decoded batches go (the store, in `tracefix run`).
///
/// `async_trait` (as the store traits use) keeps the trait object-safe:
/// the server holds an `Arc<dyn IngestSink>`.
#[async_trait::async_trait]
pub trait IngestSink: Send + Sync + 'static {
    /// Resolves once the batch is durably stored (or definitively failed).
    /// The server answers the client only after this, so a `2xx` means stored.
    /// It is never called with an empty batch.
    async fn submit(&self, batch: Batch) -> Result<(), SinkError>;
}

/// Why a batch was not stored. Both tell the client to retry later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SinkError {
    /// The store is behind: the server answers `429` with `Retry-After`
    /// instead of buffering more.
    #[error("the store is busy; retry after {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    /// The store cannot take the batch now (`503`). The reason is logged,
    /// not sent to the client.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
}
