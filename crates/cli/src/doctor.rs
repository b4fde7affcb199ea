//! `tracefix doctor`: one line per check, `ok` or `FAIL` with what to do.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::Result;
use tracefix_config::{Overrides, Settings, SourceKind};

use crate::store_open;

struct Report {
    failed: usize,
}

impl Report {
    fn ok(&mut self, what: &str, detail: impl AsRef<str>) {
        println!("ok    {what:<8} {}", detail.as_ref());
    }
    fn fail(&mut self, what: &str, detail: impl AsRef<str>) {
        self.failed += 1;
        println!("FAIL  {what:<8} {}", detail.as_ref());
    }
}

pub fn run(config: Option<&Path>, overrides: &Overrides) -> Result<ExitCode> {
    let mut report = Report { failed: 0 };
    let loaded = match tracefix_config::load(config, overrides) {
        Ok(loaded) => loaded,
        Err(e) => {
            report.fail("config", format!("{e}"));
            return Ok(ExitCode::from(1));
        }
    };
    match &loaded.file {
        Some(path) => report.ok("config", format!("read {}", path.display())),
        None => report.ok(
            "config",
            "no tracefix.toml here; using defaults and TRACEFIX_* variables \
             (`tracefix init` writes one)",
        ),
    }
    let settings = &loaded.settings;
    let problems = settings.problems();
    for problem in &problems {
        report.fail("config", problem.to_string());
    }

    check_store(&mut report, settings);
    check_sources(&mut report, settings);
    check_listeners(&mut report, settings);
    check_git(&mut report, settings);
    check_fixer(&mut report, settings);

    if report.failed == 0 {
        println!("\nall checks passed");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("\n{} check(s) failed", report.failed);
        Ok(ExitCode::from(1))
    }
}

fn check_store(report: &mut Report, settings: &Settings) {
    let url = settings.store.redacted_url();
    if let Some(path) = store_open::sqlite_path(&settings.store.url)
        && !path.exists()
    {
        // Opening would create it; the doctor only looks.
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => ".".into(),
        };
        match std::fs::metadata(&dir) {
            Ok(meta) if meta.is_dir() && !meta.permissions().readonly() => report.ok(
                "store",
                format!("{url}: does not exist yet; `tracefix run` will create it"),
            ),
            _ => report.fail(
                "store",
                format!(
                    "{url}: the directory {} does not exist or is not writable; create it or \
                     change store.url",
                    dir.display()
                ),
            ),
        }
        return;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            report.fail("store", format!("cannot start the async runtime: {e}"));
            return;
        }
    };
    let result = runtime.block_on(async {
        let opened = tokio::time::timeout(
            std::time::Duration::from_secs(15),
            store_open::open(settings),
        )
        .await
        .map_err(|_| anyhow::anyhow!("no answer within 15 s"))??;
        let counts = opened.group_counts().await?;
        let depth = opened.queue_depth().await?;
        let paused = opened.paused().await?;
        let backend = opened.backend();
        opened.close().await;
        anyhow::Ok((backend, counts.values().sum::<u64>(), depth, paused))
    });
    match result {
        Ok((backend, groups, depth, paused)) => {
            report.ok(
                "store",
                format!(
                    "{url}: {backend} reachable, schema migrated; {groups} groups, {} jobs waiting, \
                     {} dead",
                    depth.ready + depth.scheduled,
                    depth.dead
                ),
            );
            if paused {
                report.fail(
                    "queue",
                    "the queue is paused, so no worker leases jobs; `tracefix resume` resumes it",
                );
            }
        }
        Err(e) => report.fail(
            "store",
            format!(
                "{url}: {e:#}; check that the database is running and store.url is right \
                 (TRACEFIX_STORE__URL)"
            ),
        ),
    }
}

fn check_sources(report: &mut Report, settings: &Settings) {
    if settings.sources.is_empty() {
        report.ok(
            "sources",
            "none configured (add [[source]] tables to read log files or standard input)",
        );
    }
    for source in &settings.sources {
        match source.kind {
            SourceKind::Stdin => report.ok("source", "stdin: reads standard input"),
            SourceKind::File => {
                let Some(pattern) = &source.path else {
                    continue; // already reported as a config problem
                };
                check_glob(report, pattern);
            }
        }
    }
}

fn check_glob(report: &mut Report, pattern: &str) {
    let paths = match glob::glob(pattern) {
        Ok(paths) => paths,
        Err(e) => {
            report.fail(
                "source",
                format!("{pattern}: not a valid glob ({e}); fix source.path"),
            );
            return;
        }
    };
    let (mut readable, mut unreadable) = (0usize, Vec::new());
    for entry in paths {
        match entry {
            Ok(path) if path.is_dir() => {}
            Ok(path) => match std::fs::File::open(&path) {
                Ok(_) => readable += 1,
                Err(e) => unreadable.push(format!("{} ({e})", path.display())),
            },
            Err(e) => unreadable.push(e.to_string()),
        }
    }
    if !unreadable.is_empty() {
        report.fail(
            "source",
            format!(
                "{pattern}: cannot read {}; give the tracefix user read access",
                unreadable.join(", ")
            ),
        );
    } else if readable == 0 {
        report.fail(
            "source",
            format!(
                "{pattern}: matches no file; check the path (relative paths are relative to \
                 the directory tracefix runs in)"
            ),
        );
    } else {
        report.ok("source", format!("{pattern}: {readable} readable file(s)"));
    }
}

fn check_listeners(report: &mut Report, settings: &Settings) {
    let server = &settings.server;
    if !server.enabled {
        report.ok("server", "disabled (server.enabled = false)");
    } else if let Some(addr) = server.listen_addr() {
        check_bind(report, "server", addr, "server.listen");
        if !addr.ip().is_loopback() && !server.token.is_empty() {
            report.ok("server", "bearer token set for a non-loopback listener");
        }
    }
    if let Some(addr) = settings
        .metrics
        .listen
        .as_deref()
        .and_then(|l| l.parse::<SocketAddr>().ok())
    {
        check_bind(report, "metrics", addr, "metrics.listen");
    }
}

fn check_bind(report: &mut Report, what: &str, addr: SocketAddr, key: &str) {
    match TcpListener::bind(addr) {
        Ok(_) => report.ok(what, format!("{addr} can be bound")),
        Err(e) => report.fail(
            what,
            format!(
                "{addr} cannot be bound ({e}); is `tracefix run` already running, or another \
                 program using it? Choose another {key}"
            ),
        ),
    }
}

fn check_git(report: &mut Report, settings: &Settings) {
    let version = Command::new("git").arg("--version").output();
    match version {
        Ok(out) if out.status.success() => {
            report.ok("git", String::from_utf8_lossy(&out.stdout).trim())
        }
        _ => {
            report.fail(
                "git",
                "`git` is not on PATH; install git (the fixer works in git checkouts)",
            );
            return;
        }
    }
    let repo = &settings.repo.path;
    let inside = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-parse", "--is-inside-work-tree"])
        .output();
    match inside {
        Ok(out) if out.status.success() && out.stdout.starts_with(b"true") => {
            report.ok("repo", format!("{} is a git checkout", repo.display()))
        }
        _ => report.fail(
            "repo",
            format!(
                "{} is not a git checkout; set repo.path to a clone of the application whose \
                 errors these are",
                repo.display()
            ),
        ),
    }
}

/// The model, the test command and the prompt templates the fixer will use.
fn check_fixer(report: &mut Report, settings: &Settings) {
    let llm = &settings.llm;
    match llm.provider.as_str() {
        "none" => report.ok(
            "llm",
            "provider none: fix jobs stop before the model call and wait with their prompt",
        ),
        provider => match crate::fix::llm_client(settings) {
            Ok(Some(client)) => report.ok(
                "llm",
                format!(
                    "{provider}, model {} (not called by doctor)",
                    client.model()
                ),
            ),
            Ok(None) => report.ok("llm", "no model configured"),
            Err(e) => report.fail("llm", format!("{e:#}")),
        },
    }
    let test = settings.repo.test_command.trim();
    if test.is_empty() {
        report.ok(
            "tests",
            "repo.test_command is empty: candidates get only a syntax check; set it so \
             fixes are validated by the project's tests",
        );
    } else {
        let program = test.split_whitespace().next().unwrap_or(test);
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {program}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if found {
            report.ok("tests", format!("repo.test_command runs `{test}`"));
        } else {
            report.fail(
                "tests",
                format!("repo.test_command starts with `{program}`, which is not on PATH"),
            );
        }
    }
    if let Err(e) = crate::fix::redactor(settings) {
        report.fail("redact", format!("{e:#}"));
    }
    if let Err(e) = tracefix_fixer::Templates::load(llm.templates.as_deref()) {
        report.fail("prompts", e.to_string());
    }
}
