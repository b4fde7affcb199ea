//! The file source on bad input: binary data, enormous lines, a file deleted
//! while it is read. Each time the traces around the bad part are counted
//! exactly and the source keeps running.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracefix_ingest::{FileSourceOptions, IngestOptions, pipeline, run_file_source};
use tracefix_store::{GroupFilter, Store, StoreOptions};
use tracefix_store_sqlite::SqliteStore;

fn trace(ty: &str) -> String {
    format!(
        "2026-11-21 10:00:00,000 ERROR app: failed\nTraceback (most recent call last):\n  File \"/srv/app/jobs.py\", line 3, in run\n    step(job)\n{ty}: boom\n2026-11-21 10:00:01,000 INFO app: next\n"
    )
}

async fn counts(store: &dyn Store) -> BTreeMap<String, i64> {
    store
        .list_groups(&GroupFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|g| (g.exception_type, g.count))
        .collect()
}

struct Running {
    store: Arc<dyn Store>,
    stop: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<Result<(), tracefix_ingest::IngestError>>>,
}

async fn start(dir: &Path, pattern: &str) -> Running {
    start_with(dir, pattern, 8 << 20).await
}

async fn start_with(dir: &Path, pattern: &str, max_bytes_per_round: usize) -> Running {
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&url, StoreOptions::default())
            .await
            .unwrap(),
    );
    let options = IngestOptions {
        batch_interval: Duration::from_millis(10),
        ..IngestOptions::default()
    };
    let (p, h) = pipeline(store.clone(), options);
    let stop = CancellationToken::new();
    let file_options = FileSourceOptions {
        poll_interval: Duration::from_millis(10),
        max_bytes_per_round,
        ..FileSourceOptions::new(pattern)
    };
    let tasks = vec![
        tokio::spawn(p.run(stop.clone())),
        tokio::spawn(run_file_source(
            file_options,
            store.clone(),
            h,
            stop.clone(),
        )),
    ];
    Running { store, stop, tasks }
}

impl Running {
    async fn wait_for(&self, want: &BTreeMap<String, i64>) {
        for _ in 0..3000 {
            if &counts(&*self.store).await == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("never reached {want:?}: {:?}", counts(&*self.store).await);
    }

    async fn stop(self) {
        self.stop.cancel();
        for t in self.tasks {
            t.await.unwrap().unwrap();
        }
    }
}

fn want(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_data_between_traces() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = trace("KeyError").into_bytes();
    // NULs, invalid UTF-8, control bytes, a lone carriage return.
    let mut x = 7u32;
    for _ in 0..200_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        data.push((x >> 16) as u8);
    }
    data.extend_from_slice(b"\n");
    data.extend_from_slice(trace("ValueError").as_bytes());
    std::fs::write(dir.path().join("app.log"), &data).unwrap();
    let run = start(dir.path(), &format!("{}/*.log", dir.path().display())).await;
    run.wait_for(&want(&[("KeyError", 1), ("ValueError", 1)]))
        .await;
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enormous_line_is_cut_not_held() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = trace("KeyError").into_bytes();
    // 6 MiB without a newline: longer than the source's partial line and
    // the engine's line cap (1 MiB each).
    data.extend(std::iter::repeat_n(b'x', 6 << 20));
    data.extend_from_slice(b"\n");
    data.extend_from_slice(trace("ValueError").as_bytes());
    std::fs::write(dir.path().join("app.log"), &data).unwrap();
    let run = start(dir.path(), &format!("{}/*.log", dir.path().display())).await;
    run.wait_for(&want(&[("KeyError", 1), ("ValueError", 1)]))
        .await;
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_deleted_while_read() {
    let dir = tempfile::tempdir().unwrap();
    let doomed = dir.path().join("doomed.log");
    let other = dir.path().join("other.log");
    std::fs::write(&doomed, trace("KeyError").repeat(20_000)).unwrap();
    std::fs::write(&other, trace("ValueError")).unwrap();
    let run = start_with(
        dir.path(),
        &format!("{}/*.log", dir.path().display()),
        64 * 1024,
    )
    .await;
    // Deleted once reading has begun (64 KiB per file per round, so several
    // rounds remain): the open file is still read to its end, then let go.
    loop {
        if counts(&*run.store)
            .await
            .get("KeyError")
            .is_some_and(|n| *n > 0)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    std::fs::remove_file(&doomed).unwrap();
    run.wait_for(&want(&[("KeyError", 20_000), ("ValueError", 1)]))
        .await;
    // The other file goes on being followed.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&other)
        .unwrap()
        .write_all(trace("ValueError").as_bytes())
        .unwrap();
    run.wait_for(&want(&[("KeyError", 20_000), ("ValueError", 2)]))
        .await;
    run.stop().await;
}
