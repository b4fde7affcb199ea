//! The service commands on SQLite, through the real `tracefix` binary:
//! configuration, `init`, `doctor`, the group and job commands, and
//! `tracefix run` with its workers, metrics and graceful shutdown. Groups
//! and jobs are made through the store API (ingest is another crate's).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::{Value, json};
use tracefix_store_any::{
    GroupStatus, JobStatus, NackOutcome, NewJob, Occurrence, QueueDepth, Store, StoreOptions,
};
use uuid::Uuid;

/// The binary in `dir`, with no TRACEFIX_* settings inherited.
fn tracefix(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tracefix").expect("binary");
    cmd.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("TRACEFIX_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

struct Fixture {
    dir: tempfile::TempDir,
    url: String,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("tracefix.db").display());
        Fixture { dir, url }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn cmd(&self) -> Command {
        let mut cmd = tracefix(self.path());
        cmd.env("TRACEFIX_STORE__URL", &self.url);
        cmd
    }

    fn run_ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "tracefix {args:?} failed: {}{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    fn run_err(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(!out.status.success(), "tracefix {args:?} should fail");
        stderr(&out)
    }

    async fn store(&self, options: StoreOptions) -> Arc<dyn Store> {
        tracefix_store_any::open_with(&self.url, options)
            .await
            .unwrap()
    }
}

fn occurrence(fingerprint: &str, kind: &str, message: &str, at: i64) -> Occurrence {
    Occurrence {
        fingerprint: fingerprint.into(),
        fingerprint_version: 1,
        language: "python".into(),
        exception_type: kind.into(),
        exception_message: message.into(),
        frames: json!([{ "file": "app/shop.py", "line": 8, "function": "price_of" }]),
        timestamp_ms: at,
        source: "app.log".into(),
        sample: format!(
            "Traceback (most recent call last):\n  File \"app/shop.py\", line 8\n{kind}: {message}"
        ),
    }
}

/// Two groups: `KeyError` seen 3 times and `TypeError` once; both new.
async fn two_groups(store: &Arc<dyn Store>) -> (Uuid, Uuid) {
    let t = 1_795_766_400_000; // 2026-11-27T08:00:00Z
    let report = store
        .record_occurrences(
            &[
                occurrence("fp-key", "KeyError", "'sku-9'", t),
                occurrence("fp-key", "KeyError", "'sku-9'", t + 1_000),
                occurrence("fp-type", "TypeError", "unsupported operand", t + 2_000),
                occurrence("fp-key", "KeyError", "'sku-9'", t + 3_000),
            ],
            None,
        )
        .await
        .unwrap();
    let key = store
        .group_by_fingerprint("fp-key", 1)
        .await
        .unwrap()
        .unwrap();
    let kind = store
        .group_by_fingerprint("fp-type", 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.new_groups.len(), 2);
    (key.id, kind.id)
}

#[test]
fn init_writes_a_commented_config_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = tracefix(dir.path()).arg("init").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("tracefix.toml")).unwrap();
    for key in [
        "[store]",
        "[[source]]",
        "[server]",
        "[repo]",
        "[llm]",
        "[fix]",
        "[redact]",
        "[worker]",
        "[ingest]",
        "[metrics]",
        "[log]",
        "# ",
    ] {
        assert!(text.contains(key), "the template lacks {key}");
    }
    let out = tracefix(dir.path()).arg("init").output().unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("already exists; use --force"),
        "{}",
        stderr(&out)
    );
    std::fs::write(dir.path().join("tracefix.toml"), "edited").unwrap();
    let out = tracefix(dir.path())
        .args(["init", "--force"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("tracefix.toml")).unwrap(),
        text
    );
    // --config names where it goes.
    let out = tracefix(dir.path())
        .args(["--config", "other.toml", "init"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(dir.path().join("other.toml").exists());
}

#[test]
fn configuration_errors_name_the_key_and_where_it_came_from() {
    let f = Fixture::new();
    std::fs::write(f.path().join("tracefix.toml"), "[store]\nurll = \"x\"\n").unwrap();
    let err = tracefix(f.path()).arg("groups").output().unwrap();
    assert_eq!(err.status.code(), Some(2));
    let text = stderr(&err);
    assert!(text.contains("unknown field: found `urll`"), "{text}");
    assert!(text.contains("key `store.urll` in tracefix.toml"), "{text}");
    assert!(text.contains("tracefix.toml"), "{text}");

    let text = f.run_err(&["--config", "missing.toml", "groups"]);
    assert!(text.contains("missing.toml does not exist"), "{text}");

    std::fs::remove_file(f.path().join("tracefix.toml")).unwrap();
    let out = tracefix(f.path())
        .env("TRACEFIX_WORKER__CONCURENCY", "3")
        .arg("groups")
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("TRACEFIX_WORKER__CONCURENCY"),
        "{}",
        stderr(&out)
    );

    // A bad URL is refused in plain words, without its password.
    let out = tracefix(f.path())
        .args(["--store-url", "mysql://root:hunter2@db/x", "groups"])
        .output()
        .unwrap();
    let text = stderr(&out);
    assert!(
        text.contains("store.url") && !text.contains("hunter2"),
        "{text}"
    );

    // Query commands do not create a store where there is none.
    let text = f.run_err(&["groups"]);
    assert!(text.contains("there is no store at"), "{text}");
    assert!(!f.path().join("tracefix.db").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_show_and_status_changes() {
    let f = Fixture::new();
    let store = f.store(StoreOptions::default()).await;
    let (key, kind) = two_groups(&store).await;

    let table = f.run_ok(&["groups"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("STATUS") && lines[0].contains("MESSAGE")
    );
    assert_eq!(lines.len(), 3, "{table}");
    // Most recently seen first: the KeyError was seen last.
    assert!(
        lines[1].starts_with(&key.to_string()) && lines[1].contains("KeyError"),
        "{table}"
    );

    let groups = json_lines(&f.run_ok(&["groups", "--json"]));
    assert_eq!(groups.len(), 2);
    let g = &groups[0];
    assert_eq!(g["id"], key.to_string());
    assert_eq!(g["fingerprint"], "fp-key");
    assert_eq!(g["fingerprint_version"], 1);
    assert_eq!(g["status"], "new");
    assert_eq!(g["count"], 3);
    assert_eq!(g["language"], "python");
    assert_eq!(
        g["exception"],
        json!({ "type": "KeyError", "message": "'sku-9'" })
    );
    assert_eq!(g["first_seen"], "2026-11-27T08:00:00.000Z");
    assert_eq!(g["last_seen"], "2026-11-27T08:00:03.000Z");

    assert_eq!(
        json_lines(&f.run_ok(&["groups", "--json", "--limit", "1"])).len(),
        1
    );
    assert!(json_lines(&f.run_ok(&["groups", "--json", "--status", "ignored"])).is_empty());
    let err = f.run_err(&["groups", "--status", "open"]);
    assert!(err.contains("expected one of new, queued"), "{err}");

    let text = f.run_ok(&["show", &key.to_string()]);
    for want in [
        "status       new",
        "KeyError: 'sku-9'",
        "app/shop.py:8 in price_of",
        "samples (3)",
        "jobs (1)",
    ] {
        assert!(text.contains(want), "show lacks {want:?}:\n{text}");
    }
    let shown = json_lines(&f.run_ok(&["show", &key.to_string(), "--json"]));
    assert_eq!(shown[0]["samples"].as_array().unwrap().len(), 3);
    assert_eq!(shown[0]["jobs"][0]["kind"], "fix");
    assert_eq!(shown[0]["jobs"][0]["status"], "ready");
    assert!(shown[0]["jobs"][0].get("lease_token").is_none());

    // Status changes are compare-and-set from the current status.
    assert!(
        f.run_ok(&["ignore", &key.to_string()])
            .contains("new → ignored")
    );
    assert!(
        f.run_ok(&["ignore", &key.to_string()])
            .contains("already ignored")
    );
    assert!(
        f.run_ok(&["resolve", &key.to_string()])
            .contains("ignored → resolved")
    );
    // A resolved group a person says is not fixed asks for a fix again.
    assert!(
        f.run_ok(&["retry", &key.to_string()])
            .contains("resolved → queued")
    );
    let err = f.run_err(&["resolve", "not-a-uuid"]);
    assert!(err.contains("not-a-uuid"), "{err}");
    let err = f.run_err(&["retry", &kind.to_string()]);
    assert!(err.contains("its fix job is already waiting"), "{err}");
    assert!(
        f.run_ok(&["ignore", &kind.to_string()])
            .contains("new → ignored")
    );
    assert!(
        f.run_ok(&["retry", &kind.to_string()])
            .contains("ignored → queued")
    );
    let err = f.run_err(&["show", &Uuid::nil().to_string()]);
    assert!(err.contains("there is no group"), "{err}");
    let err = f.run_err(&["show", "not-an-id"]);
    assert!(err.contains("expected an id like"), "{err}");
    let statuses: Vec<Value> = json_lines(&f.run_ok(&["groups", "--json"]))
        .iter()
        .map(|g| g["status"].clone())
        .collect();
    // Both groups now wait for a fix.
    assert_eq!(statuses, [json!("queued"), json!("queued")]);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_frees_a_group_left_fixing_by_a_dead_job() {
    let f = Fixture::new();
    let store = f
        .store(StoreOptions {
            max_attempts: 2,
            ..StoreOptions::default()
        })
        .await;
    let group = store
        .record_occurrences(&[occurrence("fp-fixing", "ValueError", "bad", 5)], None)
        .await
        .unwrap()
        .new_groups[0];
    // A worker claims the group and holds its job.
    assert!(
        store
            .set_group_status(group, GroupStatus::New, GroupStatus::Fixing, None)
            .await
            .unwrap()
    );
    let mut lease = store.lease("w", 1, Duration::from_secs(60)).await.unwrap()[0].lease;
    let err = f.run_err(&["retry", &group.to_string()]);
    assert!(
        err.contains("is fixing and a worker holds its fix job"),
        "{err}"
    );
    // Workers die on every attempt until the job is dead, leaving the group
    // in `fixing`.
    while let NackOutcome::Retry { .. } = store
        .nack(&lease, "worker died", Duration::ZERO)
        .await
        .unwrap()
    {
        lease = store.lease("w", 1, Duration::from_secs(60)).await.unwrap()[0].lease;
    }
    assert!(
        f.run_ok(&["retry", &group.to_string()])
            .contains("fixing → queued")
    );
    let jobs = json_lines(&f.run_ok(&["jobs", "--json", "--group", &group.to_string()]));
    let statuses: Vec<&Value> = jobs.iter().map(|j| &j["status"]).collect();
    assert_eq!(statuses.len(), 2, "{jobs:?}");
    assert!(statuses.contains(&&json!("ready")) && statuses.contains(&&json!("dead")));
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_requeue_pause_and_resume() {
    let f = Fixture::new();
    let store = f.store(StoreOptions::default()).await;
    let mut dead = NewJob::new("test", json!({ "n": 1 }));
    dead.max_attempts = Some(1);
    let dead = store.enqueue(&dead).await.unwrap().unwrap();
    let leased = store
        .lease("test", 1, Duration::from_secs(60))
        .await
        .unwrap();
    store
        .nack(&leased[0].lease, "it broke", Duration::ZERO)
        .await
        .unwrap();
    let ready = store
        .enqueue(&NewJob::new("test", json!({})))
        .await
        .unwrap()
        .unwrap();

    let jobs = json_lines(&f.run_ok(&["jobs", "--json"]));
    assert_eq!(jobs.len(), 2);
    let dead_json = jobs.iter().find(|j| j["id"] == dead.to_string()).unwrap();
    assert_eq!(dead_json["status"], "dead");
    assert_eq!(dead_json["last_error"], "it broke");
    assert_eq!(
        json_lines(&f.run_ok(&["jobs", "--json", "--status", "dead"])).len(),
        1
    );
    let table = f.run_ok(&["jobs"]);
    assert!(
        table.contains("LAST ERROR") && table.contains("it broke"),
        "{table}"
    );
    assert!(
        table.contains("queue: 1 ready")
            && table.contains("1 dead")
            && table.contains("not paused"),
        "{table}"
    );

    let err = f.run_err(&["requeue", &ready.to_string()]);
    assert!(err.contains("is ready, not dead"), "{err}");
    assert!(
        f.run_ok(&["requeue", &dead.to_string()])
            .contains("dead → ready")
    );
    let job = store.job(dead).await.unwrap().unwrap();
    assert_eq!((job.status, job.attempts), (JobStatus::Ready, 0));

    assert!(f.run_ok(&["pause"]).contains("paused"));
    assert!(store.paused().await.unwrap());
    assert!(f.run_ok(&["jobs"]).contains("PAUSED"));
    f.run_ok(&["resume"]);
    assert!(!store.paused().await.unwrap());

    // The global concurrency limit, for every process on the store.
    assert!(f.run_ok(&["limit", "3"]).contains("at most 3 jobs"));
    assert_eq!(store.concurrency_limit().await.unwrap(), Some(3));
    assert!(f.run_ok(&["jobs"]).contains("global limit: 3 leases"));
    let out = f.cmd().args(["limit", "0"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tracefix pause"));
    f.run_ok(&["limit", "none"]);
    assert_eq!(store.concurrency_limit().await.unwrap(), None);
    store.close().await;
}

#[test]
fn doctor_says_what_is_wrong_and_exits_1() {
    let f = Fixture::new();
    std::fs::write(
        f.path().join("tracefix.toml"),
        format!(
            r#"
            [store]
            url = "{}"
            [[source]]
            type = "file"
            path = "logs/*.log"
            [server]
            listen = "0.0.0.0:7070"
            [repo]
            path = "not-a-checkout"
            "#,
            f.url
        ),
    )
    .unwrap();
    let out = f
        .cmd()
        .env_remove("TRACEFIX_STORE__URL")
        .arg("doctor")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("ok    config   read tracefix.toml"), "{text}");
    assert!(text.contains("FAIL  config   server.token"), "{text}");
    assert!(
        text.contains("does not exist yet; `tracefix run` will create it"),
        "{text}"
    );
    assert!(
        text.contains("FAIL  source   logs/*.log: matches no file"),
        "{text}"
    );
    assert!(
        text.contains("FAIL  repo     not-a-checkout is not a git checkout"),
        "{text}"
    );
    assert!(text.contains("check(s) failed"), "{text}");
    assert!(
        !f.path().join("tracefix.db").exists(),
        "the doctor only looks"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_on_a_good_setup() {
    let f = Fixture::new();
    let store = f.store(StoreOptions::default()).await;
    two_groups(&store).await;
    store.close().await;
    std::fs::create_dir(f.path().join("logs")).unwrap();
    std::fs::write(f.path().join("logs/app.log"), "hello\n").unwrap();
    let git = Command::new("git")
        .args(["init", "-q", "repo"])
        .current_dir(f.path())
        .status()
        .unwrap();
    assert!(git.success());
    // A free port: bind, note it, let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        f.path().join("tracefix.toml"),
        format!(
            "[[source]]\ntype = \"file\"\npath = \"logs/*.log\"\n[server]\nlisten = \"127.0.0.1:{port}\"\n[repo]\npath = \"repo\"\n"
        ),
    )
    .unwrap();
    let out = f.cmd().arg("doctor").output().unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("sqlite reachable, schema migrated; 2 groups, 2 jobs waiting"),
        "{text}"
    );
    assert!(text.contains("logs/*.log: 1 readable file(s)"), "{text}");
    assert!(
        text.contains(&format!("127.0.0.1:{port} can be bound")),
        "{text}"
    );
    assert!(text.contains("repo is a git checkout"), "{text}");
    assert!(text.contains("all checks passed"), "{text}");
}

/// A `tracefix run` child with its standard error in a file.
struct Service {
    child: Child,
    log: PathBuf,
}

/// A service still running when a test fails is killed, not left behind.
impl Drop for Service {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Service {
    fn start(mut cmd: Command, log: PathBuf) -> Service {
        let file = std::fs::File::create(&log).unwrap();
        let child = cmd
            .arg("run")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .unwrap();
        Service { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for a JSON log line whose message is `message`.
    fn wait_for_log(&mut self, message: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(line) = self
                .log()
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .find(|v| v["message"] == message)
            {
                return line;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "tracefix run exited ({status}) before {message:?}:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {message:?} in the log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then the exit status (within `within`).
    fn stop(mut self, within: Duration) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "tracefix run did not stop within {within:?}:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

async fn wait_for_queue(store: &Arc<dyn Store>, what: &str, done: impl Fn(&QueueDepth) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let depth = store.queue_depth().await.unwrap();
        if done(&depth) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {depth:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_works_the_fix_jobs_exports_metrics_and_stops_on_sigterm() {
    let f = Fixture::new();
    let store = f.store(StoreOptions::default()).await;
    let (key, _) = two_groups(&store).await;

    let mut cmd = f.cmd();
    cmd.env("TRACEFIX_LOG", "info,tracefix=debug")
        .env("TRACEFIX_SERVER__ENABLED", "false")
        .env("TRACEFIX_SERVER__TOKEN", "s3cret-token")
        .env("TRACEFIX_METRICS__LISTEN", "127.0.0.1:0")
        .env("TRACEFIX_METRICS__POLL_SECS", "1")
        .env("TRACEFIX_WORKER__POLL_MS", "50")
        // The fixer's own run is in tests/fix.rs; here the queue and metrics.
        .env("TRACEFIX_WORKER__HANDLER", "noop")
        .args(["--log-format", "json"]);
    let mut service = Service::start(cmd, f.path().join("run.log"));
    service.wait_for_log("worker pool started");
    let metrics = service.wait_for_log("metrics at /metrics");
    let addr = metrics["listen"].as_str().unwrap().to_string();

    wait_for_queue(&store, "both fix jobs done", |d| d.done == 2).await;
    // The gauges are read every second.
    let deadline = Instant::now() + Duration::from_secs(20);
    let body = loop {
        let body = http_get(&addr, "/metrics");
        if body.contains("tracefix_groups{status=\"failed\"} 2") {
            break body;
        }
        assert!(
            Instant::now() < deadline,
            "metrics never showed the failed groups:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
    assert!(
        body.contains("tracefix_jobs_total{outcome=\"done\"} 2"),
        "{body}"
    );
    assert!(
        body.contains("tracefix_queue_jobs{state=\"done\"} 2"),
        "{body}"
    );
    assert!(http_get(&addr, "/").starts_with("HTTP/1.1 404"));

    let status = service.stop(Duration::from_secs(20));
    let log = std::fs::read_to_string(f.path().join("run.log")).unwrap();
    assert!(status.success(), "{status}:\n{log}");
    assert!(log.contains("SIGTERM: shutting down"), "{log}");
    // Settings are logged at debug level, without the token.
    assert!(log.contains("\"message\":\"settings\""), "{log}");
    assert!(!log.contains("s3cret-token"), "the token leaked:\n{log}");

    // The placeholder handler failed both groups, saying why.
    let groups = json_lines(&f.run_ok(&["groups", "--json"]));
    for g in &groups {
        assert_eq!(g["status"], "failed", "{g}");
        assert!(
            g["failure_reason"]
                .as_str()
                .unwrap()
                .starts_with("fixing disabled")
        );
    }
    let shown = f.run_ok(&["show", &key.to_string()]);
    assert!(
        shown.contains("fix attempts (1)") && shown.contains("fixing disabled"),
        "{shown}"
    );
    let jobs = json_lines(&f.run_ok(&["jobs", "--json"]));
    assert!(jobs.iter().all(|j| j["status"] == "done"), "{jobs:?}");
    // And `retry` asks again.
    assert!(
        f.run_ok(&["retry", &key.to_string()])
            .contains("failed → queued")
    );
    assert_eq!(
        store.group(key).await.unwrap().unwrap().status,
        GroupStatus::Queued
    );
    assert_eq!(store.queue_depth().await.unwrap().ready, 1);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_releases_the_leases_of_running_jobs() {
    let f = Fixture::new();
    let store = f.store(StoreOptions::default()).await;
    let job = store
        .enqueue(&NewJob::new("test", json!({ "sleep_ms": 120_000 })))
        .await
        .unwrap()
        .unwrap();
    let mut cmd = f.cmd();
    cmd.env("TRACEFIX_SERVER__ENABLED", "false")
        .env("TRACEFIX_WORKER__HANDLER", "record")
        .env("TRACEFIX_WORKER__RECORD_FILE", f.path().join("runs.csv"))
        .env("TRACEFIX_WORKER__SHUTDOWN_GRACE_SECS", "0")
        .args(["--log-format", "json"]);
    let mut service = Service::start(cmd, f.path().join("run.log"));
    service.wait_for_log("worker pool started");
    wait_for_queue(&store, "the job leased", |d| d.leased == 1).await;
    let stopping = Instant::now();
    let status = service.stop(Duration::from_secs(20));
    assert!(status.success(), "{status}");
    assert!(stopping.elapsed() < Duration::from_secs(10));
    let job = store.job(job).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Ready, "the lease was released");
    assert_eq!(job.attempts, 0, "and its attempt given back");
    let runs = std::fs::read_to_string(f.path().join("runs.csv")).unwrap_or_default();
    assert!(runs.is_empty(), "the cut-short run is not recorded: {runs}");
    store.close().await;
}
