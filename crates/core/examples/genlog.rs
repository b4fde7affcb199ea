//! Writes a deterministic synthetic log for throughput measurements.
//!
//! ```text
//! cargo run --release -p tracefix-core --example genlog -- --kind {clean|mixed} --size 1G --out FILE
//! ```
//!
//! `--kind clean`: ordinary log lines only (logging records, JSON records,
//! access-log lines). `--kind mixed`: the same, with 2% of all lines in Python
//! tracebacks, each introduced by an `ERROR` record. `--size` takes a byte
//! count with an optional binary suffix (`K`, `M`, `G`); the file ends on a
//! whole line, so it is a little larger. `--out -` (the default) writes to
//! standard output. `--seed N` changes the content (default 1).
//!
//! A summary (bytes, lines, trace lines, traces) is printed to standard error;
//! a scan of a mixed log should report exactly `traces` events.

#[path = "support/loggen.rs"]
mod loggen;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str =
    "usage: genlog --kind {clean|mixed} --size SIZE[K|M|G] [--out FILE|-] [--seed N]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("genlog: {msg}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut kind = None;
    let mut size = None;
    let mut out = "-".to_string();
    let mut seed = 1u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--kind" => {
                let v = value()?;
                kind = Some(loggen::Kind::parse(&v).ok_or_else(|| format!("unknown kind {v:?}"))?);
            }
            "--size" => {
                let v = value()?;
                size = Some(loggen::parse_size(&v).ok_or_else(|| format!("bad size {v:?}"))?);
            }
            "--out" => out = value()?,
            "--seed" => {
                let v = value()?;
                seed = v.parse().map_err(|_| format!("bad seed {v:?}"))?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    let kind = kind.ok_or("--kind is required")?;
    let size = size.ok_or("--size is required")?;

    let started = Instant::now();
    let stats = if out == "-" {
        let stdout = io::stdout();
        let mut w = stdout.lock();
        loggen::write_log(kind, size, seed, &mut w)
    } else {
        let file = File::create(&out).map_err(|e| format!("cannot create {out}: {e}"))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        loggen::write_log(kind, size, seed, &mut w).and_then(|s| {
            w.flush()?;
            Ok(s)
        })
    }
    .map_err(|e| format!("cannot write {out}: {e}"))?;

    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "genlog: kind={kind:?} bytes={} lines={} trace_lines={} ({:.3}% of lines) traces={} in {secs:.2}s ({:.0} MB/s)",
        stats.bytes,
        stats.lines,
        stats.trace_lines,
        100.0 * stats.trace_lines as f64 / stats.lines.max(1) as f64,
        stats.traces,
        stats.bytes as f64 / 1e6 / secs.max(1e-9),
    );
    Ok(())
}
