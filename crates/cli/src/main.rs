//! The `tracefix` command line. Thin: argument parsing and output live here,
//! everything else in the library crates.

mod output;
mod scan;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// tracefix turns production errors into reviewed fixes.
///
/// It finds stack traces in application logs, groups them into deduplicated
/// error groups with a stable fingerprint, and (in later versions) proposes a
/// tested fix for each new group as a draft pull request.
#[derive(Debug, Parser)]
#[command(
    name = "tracefix",
    version,
    propagate_version = true,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Find stack traces in log files (or standard input) and group them.
    ///
    /// Reads each FILE as bytes (any encoding, any size) and reports the error
    /// groups it found, most frequent first. Understands plain logs, per-line
    /// prefixed logs, JSON lines, Docker json-file and CRI container logs.
    #[command(
        after_help = "Examples:\n  tracefix scan app.log\n  kubectl logs deploy/api | tracefix scan --json\n  tracefix scan --group /var/log/app/*.log"
    )]
    Scan(ScanArgs),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Log files to read; `-` or nothing reads standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Print one JSON object per detected event, in input order.
    #[arg(long, conflicts_with = "group")]
    pub json: bool,

    /// Print one JSON object per error group instead of a table.
    #[arg(long)]
    pub group: bool,

    /// Cut a trace after this many lines (it is then marked truncated).
    #[arg(long, value_name = "N", default_value_t = tracefix_core::Config::default().max_event_lines)]
    pub max_event_lines: usize,

    /// Cut a trace after this many bytes (it is then marked truncated).
    #[arg(long, value_name = "BYTES", default_value_t = tracefix_core::Config::default().max_event_bytes)]
    pub max_event_bytes: usize,

    /// Cut longer lines to this many bytes; the rest is counted and skipped.
    #[arg(long, value_name = "BYTES", default_value_t = tracefix_core::Config::default().max_line_bytes)]
    pub max_line_bytes: usize,

    /// When reading a live stream on standard input, end a trace after this
    /// many milliseconds without a new line.
    #[arg(long, value_name = "MS", default_value_t = tracefix_core::Config::default().idle_timeout_ms)]
    pub idle_timeout_ms: u64,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TRACEFIX_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(io::stderr(), "tracefix: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
