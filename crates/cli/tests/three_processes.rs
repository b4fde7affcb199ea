//! The multi-node proof: three real `tracefix run` processes share one
//! PostgreSQL database and work one queue; every job runs exactly once,
//! no two runs of a job overlap, and the per-process and global
//! concurrency limits hold.
//!
//! PostgreSQL at `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); the test creates a database
//! of its own and drops it after. An unreachable server fails the test
//! unless `TRACEFIX_SKIP_POSTGRES=1`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::{Value, json};
use sqlx::Connection;
use tracefix_store_any::{JobFilter, JobStatus, NewJob, StoreOptions};
use tracefix_worker::{RecordedRun, RecordingHandler};
use uuid::Uuid;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const JOBS: usize = 60;
const PROCESSES: usize = 3;
const PER_PROCESS: usize = 2;
const GLOBAL_LIMIT: u32 = 4;

/// A database made for one test, dropped when done.
struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    async fn create() -> Option<TestDatabase> {
        let admin_url = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.into());
        let mut conn = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(conn) => conn,
            Err(e) if std::env::var("TRACEFIX_SKIP_POSTGRES").is_ok_and(|v| v == "1") => {
                eprintln!("skipping the three-process test (TRACEFIX_SKIP_POSTGRES=1): {e}");
                return None;
            }
            Err(e) => panic!(
                "PostgreSQL is unreachable at {}: {e}. Start it (`.ci/run` does), point \
                 TEST_DATABASE_URL at one, or set TRACEFIX_SKIP_POSTGRES=1 to skip this test.",
                tracefix_store_any::redact_url(&admin_url)
            ),
        };
        let name = format!("tracefix_t_{}", Uuid::now_v7().simple());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE");
        conn.close().await.ok();
        let url = with_database(&admin_url, &name);
        Some(TestDatabase {
            admin_url,
            name,
            url,
        })
    }
}

/// Dropped also when the test fails. Drop runs inside the test's runtime,
/// which cannot block on itself: the database is dropped from a thread
/// with its own runtime.
impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin_url).await?;
                // FORCE: a node killed mid-test may still hold connections.
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await?;
                conn.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!(
                "could not drop the test database {}: {dropped:?}",
                self.name
            );
        }
    }
}

/// `url` with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let query = path.find('?').map_or("", |i| &path[i..]);
    format!("{scheme}://{authority}/{name}{query}")
}

struct Node {
    child: Child,
    log: PathBuf,
}

/// A node still running when the test ends (it failed) is killed, not
/// left behind.
impl Drop for Node {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Node {
    fn start(url: &str, dir: &Path, runs: &Path, n: usize) -> Node {
        let log = dir.join(format!("node-{n}.log"));
        let mut cmd = Command::cargo_bin("tracefix").unwrap();
        for (key, _) in std::env::vars() {
            if key.starts_with("TRACEFIX_") {
                cmd.env_remove(key);
            }
        }
        let child = cmd
            .current_dir(dir)
            .env("TRACEFIX_STORE__URL", url)
            .env("TRACEFIX_SERVER__ENABLED", "false")
            .env("TRACEFIX_WORKER__HANDLER", "record")
            .env("TRACEFIX_WORKER__RECORD_FILE", runs)
            .env("TRACEFIX_WORKER__RECORD_SLEEP_MS", "100")
            .env("TRACEFIX_WORKER__CONCURRENCY", PER_PROCESS.to_string())
            .env("TRACEFIX_WORKER__POLL_MS", "20")
            .env("TRACEFIX_LOG", "info")
            .args(["--log-format", "json", "run"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Node { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn started(&mut self) -> bool {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("a node exited early ({status}):\n{}", self.log());
        }
        self.log()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .any(|v| v["message"] == "worker pool started")
    }
}

/// Most runs in progress at one moment.
fn max_overlap(runs: &[&RecordedRun]) -> usize {
    let mut edges: Vec<(i64, i32)> = runs
        .iter()
        .flat_map(|r| [(r.start_ms, 1), (r.end_ms, -1)])
        .collect();
    edges.sort();
    let (mut now, mut max) = (0i32, 0i32);
    for (_, delta) in edges {
        now += delta;
        max = max.max(now);
    }
    usize::try_from(max).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_share_one_queue_and_run_every_job_exactly_once() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let runs_file = dir.path().join("runs.csv");
    let store = tracefix_store_any::open_with(&db.url, StoreOptions::default())
        .await
        .unwrap();
    // Paused until all three are up, so that all three compete.
    store.set_paused(true).await.unwrap();
    store
        .set_concurrency_limit(Some(GLOBAL_LIMIT))
        .await
        .unwrap();
    let mut enqueued = BTreeSet::new();
    for n in 0..JOBS {
        let id = store
            .enqueue(&NewJob::new("test", json!({ "n": n })))
            .await
            .unwrap()
            .unwrap();
        enqueued.insert(id);
    }

    let mut nodes: Vec<Node> = (0..PROCESSES)
        .map(|n| Node::start(&db.url, dir.path(), &runs_file, n))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !nodes.iter_mut().all(Node::started) {
        assert!(Instant::now() < deadline, "the nodes did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    store.set_paused(false).await.unwrap();

    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let depth = store.queue_depth().await.unwrap();
        if depth.done == JOBS as u64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the queue did not drain: {depth:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    for node in &nodes {
        let pid = node.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    for node in &mut nodes {
        let status = loop {
            if let Some(status) = node.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = node.child.kill();
                panic!("a node did not stop on SIGTERM:\n{}", node.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(
            status.success(),
            "a node failed ({status}):\n{}",
            node.log()
        );
    }

    let text = std::fs::read_to_string(&runs_file).unwrap();
    let runs: Vec<RecordedRun> = text
        .lines()
        .map(|l| RecordingHandler::parse_line(l).unwrap_or_else(|| panic!("bad line {l:?}")))
        .collect();
    let mut by_job: BTreeMap<Uuid, Vec<&RecordedRun>> = BTreeMap::new();
    let mut by_pid: BTreeMap<u32, Vec<&RecordedRun>> = BTreeMap::new();
    for run in &runs {
        by_job.entry(run.job_id).or_default().push(run);
        by_pid.entry(run.pid).or_default().push(run);
    }
    assert_eq!(
        by_job.keys().copied().collect::<BTreeSet<_>>(),
        enqueued,
        "every job ran"
    );
    for (job, runs) in &by_job {
        assert_eq!(
            runs.len(),
            1,
            "job {job} ran {} times: {runs:?}",
            runs.len()
        );
        assert_eq!(max_overlap(runs), 1, "runs of job {job} overlapped");
        assert!(runs[0].ok && runs[0].attempt == 1);
    }
    eprintln!(
        "runs per process: {:?}",
        by_pid.iter().map(|(p, r)| (p, r.len())).collect::<Vec<_>>()
    );
    let pids: BTreeSet<u32> = nodes.iter().map(|n| n.child.id()).collect();
    assert_eq!(
        by_pid.keys().copied().collect::<BTreeSet<_>>(),
        pids,
        "all three processes ran jobs: {:?}",
        by_pid.iter().map(|(p, r)| (p, r.len())).collect::<Vec<_>>()
    );
    for (pid, runs) in &by_pid {
        let overlap = max_overlap(runs);
        assert!(
            overlap <= PER_PROCESS,
            "process {pid} ran {overlap} jobs at once"
        );
    }
    let all: Vec<&RecordedRun> = runs.iter().collect();
    let overlap = max_overlap(&all);
    assert!(
        overlap <= GLOBAL_LIMIT as usize,
        "{overlap} jobs ran at once across processes (global limit {GLOBAL_LIMIT})"
    );

    let jobs = store.list_jobs(&JobFilter::default()).await.unwrap();
    assert_eq!(jobs.len(), JOBS);
    assert!(
        jobs.iter()
            .all(|j| j.status == JobStatus::Done && j.attempts == 1)
    );
    store.close().await;
    drop(db);
}

#[test]
fn database_names_are_swapped_in_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
}
