//! Integration tests: run the real `tracefix` binary.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

fn tracefix() -> Command {
    Command::cargo_bin("tracefix").expect("binary")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

const TRACE: &str = "2026-11-21 10:00:00,123 ERROR app.orders: failed to charge order 1234
Traceback (most recent call last):
  File \"/app/orders.py\", line 10, in charge
    return prices[order[\"sku\"]]
KeyError: 'sku-1'
";

#[test]
fn help_reads_well() {
    let out = tracefix().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("tracefix turns production errors into reviewed fixes"));
    assert!(help.contains("scan"));
    let out = tracefix().args(["scan", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--json",
        "--group",
        "--max-event-lines",
        "--idle-timeout-ms",
        "Examples:",
    ] {
        assert!(help.contains(flag), "scan --help lacks {flag}");
    }
}

#[test]
fn sample_log_table() {
    let out = tracefix()
        .current_dir(repo())
        .args(["scan", "examples/sample.log"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    insta::with_settings!({filters => vec![(r"in \d+\.\d+s", "in [time]")]}, {
        insta::assert_snapshot!(stdout);
    });
}

#[test]
fn json_contract_fields() {
    let out = tracefix()
        .current_dir(repo())
        .args(["scan", "--json", "examples/sample.log"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let events = json_lines(&out.stdout);
    assert_eq!(events.len(), 4);
    for e in &events {
        assert_eq!(e["language"], "python");
        for key in [
            "exception",
            "chain",
            "frames",
            "fingerprint",
            "source",
            "text",
        ] {
            assert!(!e[key].is_null(), "missing {key}");
        }
        assert_eq!(e["source"]["path"], "examples/sample.log");
        let first = e["source"]["first_line"].as_u64().unwrap();
        let last = e["source"]["last_line"].as_u64().unwrap();
        assert_eq!(
            e["text"].as_str().unwrap().lines().count() as u64,
            last - first + 1
        );
        let frame = e["frames"].as_array().unwrap().last().unwrap();
        for key in ["file", "line", "function", "in_app"] {
            assert!(!frame[key].is_null(), "frame lacks {key}");
        }
    }
    // The chained event: oldest cause first, and `exception` is the last one.
    let chained = &events[3];
    let chain: Vec<&str> = chained["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(chain, ["json.decoder.JSONDecodeError", "RuntimeError"]);
    assert_eq!(chained["exception"]["type"], "RuntimeError");
    // The two KeyErrors differ in message and line numbers but are one group.
    assert_eq!(events[0]["fingerprint"], events[2]["fingerprint"]);
    assert_ne!(events[0]["fingerprint"], events[1]["fingerprint"]);
}

#[test]
fn group_output() {
    let out = tracefix()
        .current_dir(repo())
        .args(["scan", "--group", "examples/sample.log"])
        .output()
        .unwrap();
    let groups = json_lines(&out.stdout);
    assert_eq!(groups.len(), 3);
    assert_eq!(groups[0]["count"], 2);
    assert_eq!(groups[0]["type"], "KeyError");
    assert_eq!(groups[0]["first"]["line"], 4);
    assert!(groups[0]["last"]["line"].as_u64().unwrap() > 4);
    assert!(
        groups
            .iter()
            .all(|g| g["fingerprint"].as_str().unwrap().len() == 64)
    );
}

#[test]
fn reads_stdin_and_dash() {
    for args in [vec!["scan", "--json"], vec!["scan", "--json", "-"]] {
        let mut child = tracefix()
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(TRACE.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let events = json_lines(&out.stdout);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["source"]["path"], "-");
        assert_eq!(events[0]["source"]["first_line"], 1);
        assert_eq!(events[0]["source"]["last_line"], 5);
    }
}

#[test]
fn unreadable_file_is_named_and_others_still_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.log");
    std::fs::write(&good, TRACE).unwrap();
    let missing = dir.path().join("missing.log");
    let out = tracefix()
        .arg("scan")
        .arg("--json")
        .arg(&missing)
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing.log"), "{stderr}");
    assert!(stderr.contains("No such file"), "{stderr}");
    assert_eq!(json_lines(&out.stdout).len(), 1);

    let out = tracefix().arg("scan").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a directory"));
}

#[test]
fn bad_flags_fail_clearly() {
    let out = tracefix()
        .args(["scan", "--json", "--group"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
    let out = tracefix()
        .args(["scan", "--max-event-lines", "many"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value"));
}

#[test]
fn binary_garbage_and_huge_lines_do_not_stop_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.log");
    let mut data = Vec::new();
    data.extend_from_slice(b"\xff\xfe\x00garbage \x00 bytes\n");
    data.extend(std::iter::repeat_n(b'x', 5 * 1024 * 1024));
    data.push(b'\n');
    data.extend_from_slice(TRACE.as_bytes());
    std::fs::write(&path, &data).unwrap();
    let out = tracefix()
        .args(["scan", "--json", "--max-line-bytes", "4096"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let events = json_lines(&out.stdout);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["source"]["first_line"], 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 line(s) longer than 4096 bytes were cut"),
        "{stderr}"
    );
}

/// On a live stream, a trace whose last line is ambiguous (more message lines,
/// or a chained exception, could follow) is printed after the idle timeout,
/// without waiting for more input or the end of the stream.
#[test]
fn live_stdin_flushes_after_idle_timeout() {
    let mut child = tracefix()
        .args(["scan", "--json", "--idle-timeout-ms", "300"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(TRACE.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let started = Instant::now();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let waited = started.elapsed();
    let event: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["exception"]["type"], "KeyError");
    assert!(
        waited < Duration::from_secs(10),
        "event arrived only after {waited:?}"
    );
    drop(stdin);
    assert!(child.wait().unwrap().success());
}
