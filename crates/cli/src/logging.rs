//! Logs to standard error through `tracing`, as text or JSON lines.

use std::io;

use anyhow::{Context, Result};
use tracefix_config::LogFormat;
use tracing_subscriber::EnvFilter;

/// The filter is `TRACEFIX_LOG` when set, else `level` (`log.level`, used
/// by `tracefix run`), else `warn`: one-shot commands print their results
/// on standard output and keep standard error quiet.
pub fn init(format: LogFormat, level: Option<&str>) -> Result<()> {
    let filter = match std::env::var("TRACEFIX_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::try_new(&directives)
            .with_context(|| format!("TRACEFIX_LOG={directives:?} is not a log filter"))?,
        _ => {
            let level = level.unwrap_or("warn");
            EnvFilter::try_new(level).with_context(|| {
                format!("log.level {level:?} is not a log filter (e.g. \"info\" or \"tracefix=debug,warn\")")
            })?
        }
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        // Fields at the top level of each line, as log shippers expect.
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
    Ok(())
}
