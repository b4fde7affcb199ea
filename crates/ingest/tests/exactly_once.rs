//! The file source and pipeline against a real SQLite store: counts are
//! exact however often the pipeline dies (its tasks aborted mid-work, which
//! drops any open transaction as a crash would) while the log grows, is
//! rotated and truncated.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracefix_ingest::{FileSourceOptions, IngestOptions, pipeline, run_file_source};
use tracefix_store::{GroupFilter, Store, StoreOptions};
use tracefix_store_sqlite::SqliteStore;

const TYPES: [&str; 4] = [
    "KeyError",
    "ValueError",
    "TimeoutError",
    "ZeroDivisionError",
];

/// One log record, or a traceback of `TYPES[kind]` with its intro.
fn chunk(i: usize, kind: Option<usize>) -> String {
    match kind {
        None => format!(
            "2026-11-21 10:00:{:02},000 INFO app.orders: order {i} paid\n",
            i % 60
        ),
        Some(k) => format!(
            "2026-11-21 10:00:{:02},000 ERROR app.orders: order {i} failed\nTraceback (most recent call last):\n  File \"/srv/app/orders.py\", line {}, in handle_{k}\n    step_{k}(order)\n  File \"/srv/app/steps.py\", line 9, in step_{k}\n    raise {}(order)\n{}: order {i}\n",
            i % 60,
            10 + k,
            TYPES[k],
            TYPES[k]
        ),
    }
}

/// Appends `n` records to `path`, about one in five a traceback; returns the
/// tracebacks written per type.
fn append(path: &std::path::Path, from: usize, n: usize, truth: &mut BTreeMap<String, i64>) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let mut text = String::new();
    for i in from..from + n {
        let kind = (i % 5 == 0).then_some((i / 5) % TYPES.len());
        if let Some(k) = kind {
            *truth.entry(TYPES[k].to_string()).or_default() += 1;
        }
        text.push_str(&chunk(i, kind));
    }
    f.write_all(text.as_bytes()).unwrap();
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

fn options() -> IngestOptions {
    IngestOptions {
        batch_max_events: 7,
        batch_interval: Duration::from_millis(5),
        queue_capacity: 4,
        ..IngestOptions::default()
    }
}

fn file_options(pattern: String) -> FileSourceOptions {
    FileSourceOptions {
        poll_interval: Duration::from_millis(3),
        read_size: 4096,
        ..FileSourceOptions::new(pattern)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_are_exact_across_crashes_rotation_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&url, StoreOptions::default())
            .await
            .unwrap(),
    );
    let log = dir.path().join("app.log");
    let pattern = format!("{}/app.log*", dir.path().display());
    let mut truth = BTreeMap::new();
    let mut written = 0;
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for round in 0..24 {
        append(&log, written, 300, &mut truth);
        written += 300;
        if round == 8 {
            // Rotation by rename: the old file is read to its end under its new name.
            std::fs::rename(&log, dir.path().join("app.log.1")).unwrap();
        }
        if round == 16 {
            // Copy-truncate: what was read is kept, the file starts again.
            let (p, h) = pipeline(store.clone(), options());
            let stop = CancellationToken::new();
            let tasks = (
                tokio::spawn(p.run(stop.clone())),
                tokio::spawn(run_file_source(
                    file_options(pattern.clone()),
                    store.clone(),
                    h,
                    stop.clone(),
                )),
            );
            wait_until(&*store, &truth).await;
            stop.cancel();
            tasks.0.await.unwrap().unwrap();
            tasks.1.await.unwrap().unwrap();
            std::fs::OpenOptions::new()
                .write(true)
                .open(&log)
                .unwrap()
                .set_len(0)
                .unwrap();
            continue;
        }
        // Each run has its own store handle, closed after the crash: SQLite
        // works on a connection thread that a dropped future does not stop,
        // and a killed process would take that thread with it.
        let run_store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(&url, StoreOptions::default())
                .await
                .unwrap(),
        );
        let (p, h) = pipeline(run_store.clone(), options());
        let stop = CancellationToken::new();
        let pipe = tokio::spawn(p.run(stop.clone()));
        let source = tokio::spawn(run_file_source(
            file_options(pattern.clone()),
            run_store.clone(),
            h,
            stop.clone(),
        ));
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        tokio::time::sleep(Duration::from_millis(2 + rng % 40)).await;
        // The crash: no final commit, an open transaction is dropped.
        pipe.abort();
        source.abort();
        let _ = pipe.await;
        let _ = source.await;
        run_store.close().await;
        let now = counts(&*store).await;
        assert!(
            now.iter()
                .all(|(k, v)| truth.get(k).is_some_and(|t| v <= t)),
            "counted twice after round {round}: {now:?} > {truth:?}"
        );
    }
    let (p, h) = pipeline(store.clone(), options());
    let stop = CancellationToken::new();
    let pipe = tokio::spawn(p.run(stop.clone()));
    let source = tokio::spawn(run_file_source(
        file_options(pattern),
        store.clone(),
        h,
        stop.clone(),
    ));
    wait_until(&*store, &truth).await;
    stop.cancel();
    pipe.await.unwrap().unwrap();
    source.await.unwrap().unwrap();
    assert_eq!(counts(&*store).await, truth);
}

/// Waits until the stored counts reach `truth` (or fails after 60 s).
async fn wait_until(store: &dyn Store, truth: &BTreeMap<String, i64>) {
    for _ in 0..6000 {
        let now = counts(store).await;
        if &now == truth {
            return;
        }
        if now.iter().any(|(k, v)| truth.get(k).is_none_or(|t| v > t)) {
            panic!("counted twice: {now:?} > {truth:?}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never reached {truth:?}: {:?}", counts(store).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_is_counted_once_and_its_checkpoint_stored() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&url, StoreOptions::default())
            .await
            .unwrap(),
    );
    let log = dir.path().join("app.log");
    let mut truth = BTreeMap::new();
    append(&log, 0, 100, &mut truth);
    let (p, h) = pipeline(store.clone(), options());
    let stop = CancellationToken::new();
    let pipe = tokio::spawn(p.run(stop.clone()));
    let source = tokio::spawn(run_file_source(
        file_options(log.display().to_string()),
        store.clone(),
        h,
        stop.clone(),
    ));
    wait_until(&*store, &truth).await;
    stop.cancel();
    pipe.await.unwrap().unwrap();
    source.await.unwrap().unwrap();
    assert_eq!(counts(&*store).await, truth);
    // Repeats in a batch carry no frames; the group has those of its first event.
    for group in store.list_groups(&GroupFilter::default()).await.unwrap() {
        let frames = group.frames.as_array().expect("frames stored");
        assert_eq!(frames.len(), 2, "{:?}", group.frames);
        assert_eq!(frames[1]["path"], "steps.py");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_truncated_and_regrown_while_stopped_is_read_from_its_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&url, StoreOptions::default())
            .await
            .unwrap(),
    );
    let log = dir.path().join("app.log");
    let mut truth = BTreeMap::new();
    append(&log, 0, 200, &mut truth);
    for round in 0..2 {
        let (p, h) = pipeline(store.clone(), options());
        let stop = CancellationToken::new();
        let pipe = tokio::spawn(p.run(stop.clone()));
        let source = tokio::spawn(run_file_source(
            file_options(log.display().to_string()),
            store.clone(),
            h,
            stop.clone(),
        ));
        wait_until(&*store, &truth).await;
        stop.cancel();
        pipe.await.unwrap().unwrap();
        source.await.unwrap().unwrap();
        if round == 0 {
            // Copy-truncate while stopped, then more than before is written:
            // the stored offset lies inside the new content.
            std::fs::OpenOptions::new()
                .write(true)
                .open(&log)
                .unwrap()
                .set_len(0)
                .unwrap();
            append(&log, 1000, 1400, &mut truth);
        }
    }
    assert_eq!(counts(&*store).await, truth);
}
