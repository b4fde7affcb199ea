//! `tracefix run` ingesting for real: a file source and the HTTP API into
//! SQLite, driven through the binary; and the crash proof: a log of 200,000
//! lines ingested while the process is killed with SIGKILL at 20 random
//! moments and restarted, after which every group's count is exact.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

const TYPES: [&str; 5] = [
    "KeyError",
    "ValueError",
    "TimeoutError",
    "ZeroDivisionError",
    "PermissionError",
];

/// The binary in `dir`, with no TRACEFIX_* settings inherited.
fn tracefix(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tracefix").expect("binary");
    cmd.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("TRACEFIX_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("TRACEFIX_WORKER__ENABLED", "false");
    cmd
}

/// Appends records `from..to` to the log at `path` (about 1 in 10 a
/// traceback, each type in turn), counting the tracebacks in `truth`;
/// returns the number of lines written.
fn append_log(path: &Path, from: usize, to: usize, truth: &mut BTreeMap<String, u64>) -> usize {
    let mut text = String::new();
    for i in from..to {
        let ts = format!(
            "2026-11-21 10:{:02}:{:02},{:03}",
            (i / 60) % 60,
            i % 60,
            i % 1000
        );
        if i % 10 == 7 {
            let k = (i / 10) % TYPES.len();
            *truth.entry(TYPES[k].to_string()).or_default() += 1;
            text.push_str(&format!(
                "{ts} ERROR app.jobs: job {i} failed\nTraceback (most recent call last):\n  File \"/srv/app/jobs.py\", line {}, in run_{k}\n    step_{k}(job)\n  File \"/srv/app/steps.py\", line 40, in step_{k}\n    raise {}(job.id)\n{}: job {i}\n",
                20 + k, TYPES[k], TYPES[k]
            ));
        } else {
            text.push_str(&format!(
                "{ts} INFO app.jobs: job {i} done in {} ms\n",
                i % 97
            ));
        }
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
    text.lines().count()
}

fn write_log(path: &Path, records: usize) -> BTreeMap<String, u64> {
    let mut truth = BTreeMap::new();
    append_log(path, 0, records, &mut truth);
    truth
}

fn groups(dir: &Path) -> BTreeMap<String, u64> {
    let out = tracefix(dir)
        .args(["groups", "--json", "--limit", "0"])
        .output()
        .unwrap();
    if !out.status.success() {
        // The store may not exist yet.
        return BTreeMap::new();
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let g: Value = serde_json::from_str(l).unwrap();
            (
                g["exception"]["type"].as_str().unwrap().to_string(),
                g["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn wait_for(dir: &Path, truth: &BTreeMap<String, u64>, limit: Duration) -> BTreeMap<String, u64> {
    let start = Instant::now();
    loop {
        let now = groups(dir);
        for (k, v) in &now {
            assert!(
                *v <= truth.get(k).copied().unwrap_or(0),
                "counted twice: {now:?} > {truth:?}"
            );
        }
        if &now == truth || start.elapsed() > limit {
            return now;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn_run(dir: &Path) -> Child {
    tracefix(dir)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "tracefix run did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn post(port: u16, path: &str, body: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    reply
}

fn get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    reply
}

#[test]
fn run_ingests_a_file_and_http_batches() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("logs")).unwrap();
    let mut truth = write_log(&dir.path().join("logs/app.log"), 2_000);
    let port = free_port();
    std::fs::write(
        dir.path().join("tracefix.toml"),
        format!(
            "[store]\nurl = \"sqlite://tracefix.db\"\n[[source]]\ntype = \"file\"\npath = \"logs/*.log\"\n[server]\nlisten = \"127.0.0.1:{port}\"\n[ingest]\nbatch_interval_ms = 50\n"
        ),
    )
    .unwrap();
    let mut child = spawn_run(dir.path());
    let got = wait_for(dir.path(), &truth, Duration::from_secs(60));
    assert_eq!(got, truth);

    // The HTTP API: a request is answered once its events are stored.
    let trace = "Traceback (most recent call last):\n  File \"/srv/app/api.py\", line 9, in handler\n    return lookup(req)\nLookupError: no such order\n";
    let mut reply = String::new();
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            reply = post(port, "/v1/logs", trace);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(reply.starts_with("HTTP/1.1 202"), "{reply}");
    truth.insert("LookupError".into(), 1);
    assert_eq!(groups(dir.path()), truth);

    // The JSON API and the dashboard are served on the same listener.
    let api = get(port, "/api/v1/groups?sort=count");
    assert!(api.starts_with("HTTP/1.1 200"), "{api}");
    let body: serde_json::Value =
        serde_json::from_str(api.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["total"], truth.len(), "{body}");
    let page = get(port, "/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("LookupError"), "{page}");
    assert!(get(port, "/api/v1/openapi.json").contains("\"openapi\""));

    // A new file matching the glob is picked up.
    let more = write_log(&dir.path().join("logs/other.log"), 500);
    for (k, v) in more {
        *truth.entry(k).or_default() += v;
    }
    assert_eq!(wait_for(dir.path(), &truth, Duration::from_secs(60)), truth);
    assert!(terminate(&mut child).success());
}

#[test]
fn counts_are_exact_after_20_sigkills() {
    // Small batches make ingestion take a while, and the log grows by a
    // twentieth before every run, so the kills land while `tracefix run` is
    // reading, detecting and committing.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(
        dir.path().join("tracefix.toml"),
        "[store]\nurl = \"sqlite://tracefix.db\"\n[[source]]\ntype = \"file\"\npath = \"app.log\"\n[server]\nenabled = false\n[ingest]\nbatch_size = 20\nbatch_interval_ms = 20\n",
    )
    .unwrap();
    let mut truth = BTreeMap::new();
    let mut lines = 0;
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut mid_ingest = 0;
    for round in 0..20 {
        lines += append_log(&log, round * 12_500, (round + 1) * 12_500, &mut truth);
        let mut child = spawn_run(dir.path());
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(20 + rng % 150));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let now = groups(dir.path());
        for (k, v) in &now {
            assert!(
                *v <= truth[k],
                "counted twice after kill {round}: {now:?} > {truth:?}"
            );
        }
        let stored: u64 = now.values().sum();
        let total: u64 = truth.values().sum();
        if stored < total {
            mid_ingest += 1;
        }
        eprintln!("kill {round}: {stored} of {total} events stored");
    }
    // Most kills must land while there was still something to ingest.
    assert!(
        mid_ingest >= 5,
        "only {mid_ingest} kills landed during ingestion"
    );
    assert!(lines >= 200_000, "{lines} lines");
    let mut child = spawn_run(dir.path());
    let got = wait_for(dir.path(), &truth, Duration::from_secs(120));
    assert!(terminate(&mut child).success());
    assert_eq!(got, truth);
}
