//! Standard input as a source: a live stream without positions.

use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;

use crate::pipeline::{IngestError, Input, PipelineHandle};

/// Reads standard input until its end or `shutdown`; the stream is named `-`.
pub async fn run_stdin_source(
    pipeline: PipelineHandle,
    shutdown: CancellationToken,
) -> Result<(), IngestError> {
    match read(pipeline, &shutdown).await {
        Err(IngestError::Source(_)) if shutdown.is_cancelled() => Ok(()),
        result => result,
    }
}

async fn read(pipeline: PipelineHandle, shutdown: &CancellationToken) -> Result<(), IngestError> {
    let mut stdin = tokio::io::stdin();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = tokio::select! {
            _ = shutdown.cancelled() => break,
            n = stdin.read(&mut buf) => n.map_err(|e| IngestError::Source(format!("standard input: {e}")))?,
        };
        if n == 0 {
            break;
        }
        pipeline
            .send(Input::Stream {
                name: "-".into(),
                data: buf[..n].to_vec(),
            })
            .await?;
    }
    pipeline.send(Input::StreamEnd { name: "-".into() }).await
}
