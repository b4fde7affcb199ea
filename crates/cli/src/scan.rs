//! `tracefix scan`: drive the engine over files or standard input.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Result;
use tracefix_core::{Config, Engine, ErrorEvent, SourceId, SourceStats};

use crate::ScanArgs;
use crate::output::{self, Groups};

/// Read size: 128 KiB reads cost far less kernel time than 1 MiB ones here
/// (see docs/BENCHMARKS.md).
const CHUNK: usize = 128 * 1024;

/// Where output goes as events arrive.
enum Mode {
    Json,
    Group,
    Table,
}

pub fn run(args: &ScanArgs) -> Result<ExitCode> {
    let config = Config {
        max_event_lines: args.max_event_lines.max(1),
        max_event_bytes: args.max_event_bytes.max(1),
        max_line_bytes: args.max_line_bytes.max(1),
        idle_timeout_ms: args.idle_timeout_ms,
        ..Config::default()
    };
    let mode = if args.json {
        Mode::Json
    } else if args.group {
        Mode::Group
    } else {
        Mode::Table
    };
    let inputs: Vec<String> = if args.files.is_empty() {
        vec!["-".to_string()]
    } else {
        args.files
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    };

    let started = Instant::now();
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut engine = Engine::new(config);
    let mut groups = Groups::default();
    let mut totals = SourceStats::default();
    let mut failed = 0usize;

    for (index, name) in inputs.iter().enumerate() {
        let id = SourceId(index as u32);
        let mut printer = Printer {
            out: &mut out,
            mode: &mode,
            groups: &mut groups,
            name,
        };
        let result = if name == "-" {
            scan_stdin(&mut engine, id, &mut printer)
        } else {
            scan_file(&mut engine, id, Path::new(name), &mut printer)
        };
        match result {
            Ok(stats) => {
                if stats.cut_lines > 0 {
                    eprintln!(
                        "tracefix: warning: {name}: {} line(s) longer than {} bytes were cut ({} bytes skipped)",
                        stats.cut_lines,
                        engine.config().max_line_bytes,
                        stats.cut_bytes
                    );
                }
                totals.bytes += stats.bytes;
                totals.lines += stats.lines;
                totals.events += stats.events;
            }
            Err(err) if is_read_error(&err) => {
                failed += 1;
                out.flush()?;
                eprintln!("tracefix: error: {err:#}");
            }
            Err(err) => return Err(err),
        }
    }

    match mode {
        Mode::Json => {}
        Mode::Group => output::write_groups_json(&mut out, &groups)?,
        Mode::Table => {
            output::write_table(&mut out, &groups)?;
            output::write_summary(
                &mut out,
                &groups,
                &totals,
                inputs.len() - failed,
                started.elapsed(),
            )?;
        }
    }
    out.flush()?;
    Ok(if failed > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Receives events as the engine completes them.
struct Printer<'a, W: Write> {
    out: &'a mut W,
    mode: &'a Mode,
    groups: &'a mut Groups,
    name: &'a str,
}

impl<W: Write> Printer<'_, W> {
    fn emit(&mut self, events: &mut Vec<ErrorEvent>) -> Result<()> {
        for event in events.drain(..) {
            if let Mode::Json = self.mode {
                output::write_event_json(self.out, &event, self.name)?;
            }
            self.groups.add(&event, self.name);
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

/// A failure to read an input: reported, and the other inputs are still scanned.
#[derive(Debug)]
struct ReadError;

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("read error")
    }
}

impl std::error::Error for ReadError {}

fn is_read_error(err: &anyhow::Error) -> bool {
    err.chain().any(|e| e.is::<ReadError>())
}

fn read_failure(path: &str, err: io::Error) -> anyhow::Error {
    anyhow::Error::new(ReadError).context(format!("cannot read {path}: {err}"))
}

fn scan_file(
    engine: &mut Engine,
    id: SourceId,
    path: &Path,
    printer: &mut Printer<'_, impl Write>,
) -> Result<SourceStats> {
    let display = path.display().to_string();
    let mut file = File::open(path).map_err(|e| read_failure(&display, e))?;
    if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(read_failure(&display, io::Error::other("is a directory")));
    }
    let mut buf = vec![0u8; CHUNK];
    let mut events = Vec::new();
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_failure(&display, e)),
        };
        engine.push(id, &buf[..n], 0, &mut events);
        printer.emit(&mut events)?;
    }
    let stats = engine.finish(id, 0, &mut events);
    printer.emit(&mut events)?;
    Ok(stats)
}

/// Standard input may be a live stream (`tail -f app.log | tracefix scan`):
/// a reader thread feeds the engine, and traces idle for the configured
/// timeout are closed and printed without waiting for more input.
fn scan_stdin(
    engine: &mut Engine,
    id: SourceId,
    printer: &mut Printer<'_, impl Write>,
) -> Result<SourceStats> {
    let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(4);
    std::thread::spawn(move || {
        let mut stdin = io::stdin().lock();
        loop {
            let mut buf = vec![0u8; CHUNK];
            match stdin.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.send(Ok(buf)).is_err() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Err(e));
                    break;
                }
            }
        }
    });
    let start = Instant::now();
    let now = || start.elapsed().as_millis() as u64;
    let tick = Duration::from_millis((engine.config().idle_timeout_ms / 4).clamp(10, 500));
    let mut events = Vec::new();
    loop {
        match rx.recv_timeout(tick) {
            Ok(Ok(chunk)) => engine.push(id, &chunk, now(), &mut events),
            Ok(Err(e)) => return Err(read_failure("standard input", e)),
            Err(mpsc::RecvTimeoutError::Timeout) => engine.poll(now(), &mut events),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if !events.is_empty() {
            // A live stream's reader wants each event as soon as it is known.
            printer.emit(&mut events)?;
            printer.flush()?;
        }
    }
    let stats = engine.finish(id, now(), &mut events);
    printer.emit(&mut events)?;
    Ok(stats)
}
