//! The `tracefix` command line. Thin: argument parsing and output live here,
//! everything else in the library crates.

/// glibc's allocator cost a third of `tracefix run`'s CPU (docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod doctor;
mod fix;
mod groups;
mod init;
mod jobs;
mod logging;
mod metrics_http;
mod notify;
mod output;
mod proposal;
mod run;
mod scan;
mod services;
mod store_open;
mod table;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tracefix_config::{LogFormat, Overrides};

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
    #[command(flatten)]
    global: GlobalArgs,

    #[command(subcommand)]
    command: Command,
}

/// Flags every command takes; they override the configuration file and the
/// environment.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file [default: ./tracefix.toml, if it exists].
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Store URL (overrides store.url), e.g. sqlite://tracefix.db.
    #[arg(long, global = true, value_name = "URL")]
    pub store_url: Option<String>,

    /// Log format on standard error (overrides log.format).
    #[arg(long, global = true, value_name = "FORMAT")]
    pub log_format: Option<LogFormatArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormatArg {
    Text,
    Json,
}

impl From<LogFormatArg> for LogFormat {
    fn from(arg: LogFormatArg) -> Self {
        match arg {
            LogFormatArg::Text => LogFormat::Text,
            LogFormatArg::Json => LogFormat::Json,
        }
    }
}

impl GlobalArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            store_url: self.store_url.clone(),
            log_format: self.log_format.map(Into::into),
        }
    }
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

    /// Write a commented tracefix.toml (at --config, default ./tracefix.toml).
    Init(init::InitArgs),

    /// Run the service: sources, HTTP API, workers and metrics, until
    /// SIGINT or SIGTERM.
    Run(run::RunArgs),

    /// Print exactly what would be sent to the model for a group or a trace
    /// file (a privacy preview).
    Context(fix::ContextArgs),

    /// Run one fix job in the foreground: context, model, edits in a
    /// worktree, tests. Never changes the checkout at --repo.
    Fix(fix::FixArgs),

    /// List error groups, most recently seen first.
    Groups(groups::GroupsArgs),

    /// Show one error group: details, samples, jobs and fix attempts.
    Show(groups::ShowArgs),

    /// Stop asking for a fix of a group (it still counts occurrences).
    Ignore(groups::IdArg),

    /// Mark a group resolved (seen again, it becomes regressed).
    Resolve(groups::IdArg),

    /// Ask for a fix of a group again (from failed, ignored or proposed).
    Retry(groups::IdArg),

    /// List jobs of the queue, newest first, with the queue's totals.
    Jobs(jobs::JobsArgs),

    /// Put a dead job back in the queue with its attempts reset.
    Requeue(jobs::JobIdArg),

    /// Stop every worker on this store from leasing jobs (all processes).
    Pause,

    /// Let workers lease jobs again.
    Resume,

    /// Limit the jobs running at once across every process on this store
    /// (`none` lifts it); each process also keeps worker.concurrency.
    Limit(jobs::LimitArgs),

    /// Check the configuration and everything it names; exit 1 if any
    /// check fails.
    Doctor,
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
    let cli = Cli::parse();
    let result = dispatch(cli);
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

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let global = &cli.global;
    match cli.command {
        Command::Scan(args) => {
            // Scan reads no configuration: it works anywhere.
            logging::init(global.log_format.map_or(LogFormat::Text, Into::into), None)?;
            scan::run(&args)
        }
        Command::Init(args) => {
            logging::init(global.log_format.map_or(LogFormat::Text, Into::into), None)?;
            init::run(global.config.as_deref(), &args)
        }
        Command::Doctor => {
            logging::init(global.log_format.map_or(LogFormat::Text, Into::into), None)?;
            doctor::run(global.config.as_deref(), &global.overrides())
        }
        Command::Context(args) => {
            let loaded =
                tracefix_config::load_valid(global.config.as_deref(), &global.overrides())?;
            logging::init(loaded.settings.log.format, None)?;
            fix::context(loaded, args)
        }
        Command::Fix(args) => {
            let loaded =
                tracefix_config::load_valid(global.config.as_deref(), &global.overrides())?;
            logging::init(loaded.settings.log.format, None)?;
            fix::fix(loaded, args)
        }
        Command::Run(args) => {
            let loaded =
                tracefix_config::load_valid(global.config.as_deref(), &global.overrides())?;
            logging::init(loaded.settings.log.format, Some(&loaded.settings.log.level))?;
            run::run(loaded, args)
        }
        command => {
            let loaded = tracefix_config::load(global.config.as_deref(), &global.overrides())?;
            store_open::check_store_settings(&loaded.settings)?;
            logging::init(loaded.settings.log.format, None)?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let store = store_open::open_existing(&loaded.settings).await?;
                let result = match command {
                    Command::Groups(args) => groups::list(store.as_ref(), &args).await,
                    Command::Show(args) => groups::show(store.as_ref(), &args).await,
                    Command::Ignore(args) => {
                        groups::change_status(store.as_ref(), &args, groups::Change::Ignore).await
                    }
                    Command::Resolve(args) => {
                        groups::change_status(store.as_ref(), &args, groups::Change::Resolve).await
                    }
                    Command::Retry(args) => {
                        groups::change_status(store.as_ref(), &args, groups::Change::Retry).await
                    }
                    Command::Jobs(args) => jobs::list(store.as_ref(), &args).await,
                    Command::Requeue(args) => jobs::requeue(store.as_ref(), &args).await,
                    Command::Pause => jobs::set_paused(store.as_ref(), true).await,
                    Command::Resume => jobs::set_paused(store.as_ref(), false).await,
                    Command::Limit(args) => jobs::set_limit(store.as_ref(), &args).await,
                    Command::Scan(_)
                    | Command::Init(_)
                    | Command::Run(_)
                    | Command::Context(_)
                    | Command::Fix(_)
                    | Command::Doctor => {
                        unreachable!("handled above")
                    }
                };
                store.close().await;
                result.map(|()| ExitCode::SUCCESS)
            })
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
