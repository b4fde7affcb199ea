//! The pipeline task: bytes from every source through one detector into the
//! store, in batches, with file checkpoints in the same transactions.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;
use tracefix_core::{Config, Engine, ErrorEvent, SourceId};
use tracefix_server::{Batch, IngestSink, SinkError};
use tracefix_store::{Checkpoint, Occurrence, Store, StoreError};

use crate::occurrence::{to_occurrence, to_occurrence_without_frames};

/// How the pipeline batches and bounds its work.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub engine: Config,
    /// A batch is committed when it holds this many events...
    pub batch_max_events: usize,
    /// ...or this long after the previous commit.
    pub batch_interval: Duration,
    /// Chunks waiting for the pipeline; a full queue makes file readers wait
    /// and the HTTP server answer 429.
    pub queue_capacity: usize,
    /// How much of an event's text a sample keeps.
    pub sample_max_bytes: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            engine: Config::default(),
            batch_max_events: 5_000,
            batch_interval: Duration::from_millis(250),
            queue_capacity: 64,
            sample_max_bytes: 16 * 1024,
        }
    }
}

/// A file's restart point, stored as its checkpoint (see the crate docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilePosition {
    /// The path the file had when it was last read (for people; the key is the identity).
    pub path: String,
    pub dev: u64,
    pub ino: u64,
    /// Byte offset of the quiet point.
    pub offset: u64,
    /// Lines before the quiet point.
    pub line: u64,
    /// Events the file gave after the quiet point, already stored.
    pub skip: u64,
    /// How many of the file's first bytes `head_hash` covers, and their
    /// FNV-1a hash: a file truncated and written again while tracefix was
    /// stopped has other first bytes, and is read from its start.
    #[serde(default)]
    pub head_len: u64,
    #[serde(default)]
    pub head_hash: u64,
}

impl FilePosition {
    pub fn start(path: &str, dev: u64, ino: u64) -> FilePosition {
        FilePosition {
            path: path.to_string(),
            dev,
            ino,
            offset: 0,
            line: 0,
            skip: 0,
            head_len: 0,
            head_hash: 0,
        }
    }

    /// The checkpoint key of a file: its identity, so a renamed (rotated)
    /// file keeps its position and a new file at the old path starts afresh.
    pub fn key(dev: u64, ino: u64) -> String {
        format!("file:{dev}:{ino}")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Source(String),
}

/// Counters for metrics and logs.
#[derive(Debug, Default)]
pub struct IngestCounters {
    pub bytes: AtomicU64,
    pub events: AtomicU64,
    pub commits: AtomicU64,
    pub commit_errors: AtomicU64,
    /// Unix ms of the newest committed event's arrival (ingest lag = now - this).
    pub last_commit_ms: AtomicU64,
}

pub(crate) enum Input {
    /// A file is (re)opened at `position`; `context` holds the complete lines
    /// just before it. Drops the detector's state of the file.
    FileOpen {
        key: String,
        position: FilePosition,
        context: Vec<u8>,
    },
    /// Bytes of a file; the file has been read up to `offset_after`.
    FileData {
        key: String,
        data: Vec<u8>,
        offset_after: u64,
    },
    /// The file is gone and was read to its end.
    FileClosed {
        key: String,
    },
    /// Bytes of a stream without positions (standard input).
    Stream {
        name: String,
        data: Vec<u8>,
    },
    StreamEnd {
        name: String,
    },
    Http {
        batch: Batch,
        done: oneshot::Sender<Result<(), String>>,
    },
}

/// The sending side, cloned into every source.
#[derive(Clone)]
pub struct PipelineHandle {
    pub(crate) tx: mpsc::Sender<Input>,
    pub(crate) counters: Arc<IngestCounters>,
}

impl PipelineHandle {
    pub fn counters(&self) -> Arc<IngestCounters> {
        self.counters.clone()
    }

    pub(crate) async fn send(&self, input: Input) -> Result<(), IngestError> {
        self.tx
            .send(input)
            .await
            .map_err(|_| IngestError::Source("the ingest pipeline has stopped".into()))
    }
}

/// [`IngestSink`] for the HTTP server: a request is answered once its events
/// are committed; a full queue is `429`.
pub struct PipelineSink(pub PipelineHandle);

#[async_trait::async_trait]
impl IngestSink for PipelineSink {
    async fn submit(&self, batch: Batch) -> Result<(), SinkError> {
        let (done, wait) = oneshot::channel();
        self.0
            .tx
            .try_send(Input::Http { batch, done })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => SinkError::Busy {
                    retry_after_secs: 1,
                },
                mpsc::error::TrySendError::Closed(_) => {
                    SinkError::Unavailable("the ingest pipeline has stopped".into())
                }
            })?;
        match wait.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(SinkError::Unavailable(e)),
            Err(_) => Err(SinkError::Unavailable(
                "the ingest pipeline stopped before storing the batch".into(),
            )),
        }
    }
}

/// The detector state of one file.
struct FileTrack {
    /// The restart point as it stands (stored at the next commit).
    position: FilePosition,
    /// Lines before the point where the detector's source started.
    base_line: u64,
    /// How far the file was read.
    offset_now: u64,
    /// Events still to drop after a restart (stored before it).
    to_drop: u64,
}

struct Tracked {
    id: SourceId,
    /// The source name stored with occurrences (a path, `-`, `http:stream`).
    name: String,
    pending: Vec<Occurrence>,
    /// Fingerprints whose frames `pending` already holds.
    framed: std::collections::HashSet<String>,
    file: Option<FileTrack>,
    /// The checkpoint changed since the last commit.
    dirty: bool,
}

pub struct Pipeline {
    store: Arc<dyn Store>,
    options: IngestOptions,
    rx: mpsc::Receiver<Input>,
    engine: Engine,
    sources: HashMap<String, Tracked>,
    by_id: HashMap<SourceId, String>,
    next_id: u32,
    pending_events: usize,
    waiters: Vec<oneshot::Sender<Result<(), String>>>,
    started: Instant,
    counters: Arc<IngestCounters>,
}

/// A pipeline and the handle its sources send to.
pub fn pipeline(store: Arc<dyn Store>, options: IngestOptions) -> (Pipeline, PipelineHandle) {
    let (tx, rx) = mpsc::channel(options.queue_capacity.max(1));
    let counters = Arc::new(IngestCounters::default());
    let engine = Engine::new(options.engine.clone());
    (
        Pipeline {
            store,
            options,
            rx,
            engine,
            sources: HashMap::new(),
            by_id: HashMap::new(),
            next_id: 1,
            pending_events: 0,
            waiters: Vec::new(),
            started: Instant::now(),
            counters: counters.clone(),
        },
        PipelineHandle { tx, counters },
    )
}

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// What one hand-off to the committer holds: per source, its events and its
/// checkpoint (one transaction each, in order), and the HTTP requests to
/// answer once all of it is stored.
struct CommitBatch {
    items: Vec<CommitItem>,
    waiters: Vec<oneshot::Sender<Result<(), String>>>,
}

struct CommitItem {
    source: String,
    occurrences: Vec<Occurrence>,
    checkpoint: Option<Checkpoint>,
}

/// Writes batches in the order they were handed off, each item until it is
/// stored (a failing store is retried with backoff, so nothing is skipped or
/// reordered and a checkpoint never gets ahead of its events). Runs in the
/// pipeline's own task, so it dies with it, as in a crash. After `shutdown`
/// a failing write is given up: its file checkpoints were not stored, so the
/// next run reads those events again.
async fn committer(
    store: Arc<dyn Store>,
    mut rx: mpsc::Receiver<CommitBatch>,
    counters: Arc<IngestCounters>,
    shutdown: CancellationToken,
) {
    while let Some(batch) = rx.recv().await {
        let CommitBatch { items, waiters } = batch;
        let mut failure = None;
        for item in items {
            let mut delay = Duration::from_millis(100);
            loop {
                match store
                    .record_occurrences(&item.occurrences, item.checkpoint.as_ref())
                    .await
                {
                    Ok(_) => {
                        counters
                            .events
                            .fetch_add(item.occurrences.len() as u64, Ordering::Relaxed);
                        break;
                    }
                    Err(e @ StoreError::InvalidInput(_)) => {
                        // A batch the store will never take must not block the rest.
                        tracing::error!(error = %e, source = %item.source, events = item.occurrences.len(), "batch refused by the store; dropped");
                        break;
                    }
                    Err(e) => {
                        counters.commit_errors.fetch_add(1, Ordering::Relaxed);
                        if shutdown.is_cancelled() {
                            tracing::warn!(error = %e, source = %item.source, "ingest commit failed during shutdown; read again next time");
                            failure = Some(e.to_string());
                            break;
                        }
                        tracing::warn!(error = %e, source = %item.source, retry_in = ?delay, "ingest commit failed; retrying");
                        tokio::select! {
                            _ = tokio::time::sleep(delay) => {}
                            _ = shutdown.cancelled() => {}
                        }
                        delay = (delay * 2).min(Duration::from_secs(5));
                    }
                }
            }
            if failure.is_some() {
                break;
            }
        }
        counters.commits.fetch_add(1, Ordering::Relaxed);
        counters
            .last_commit_ms
            .store(unix_ms() as u64, Ordering::Relaxed);
        for w in waiters {
            let _ = w.send(match &failure {
                None => Ok(()),
                Some(e) => Err(format!("store: {e}")),
            });
        }
    }
}

impl Pipeline {
    /// Runs until `shutdown` or until every handle is dropped; then commits
    /// what is complete. Open traces of files stay uncommitted: their files'
    /// checkpoints point before them, so the next run reads them again.
    ///
    /// Detection and store writes overlap: batches go to a committer task
    /// that runs beside the detector.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), IngestError> {
        let (tx, rx) = mpsc::channel(1);
        // A task of its own, so that on a multi-threaded runtime the store's
        // work runs on another core while the detector reads on.
        // Dropped with this future (an aborted pipeline), it aborts too, and a
        // transaction it had open rolls back.
        let committer = AbortOnDropHandle::new(tokio::spawn(committer(
            self.store.clone(),
            rx,
            self.counters.clone(),
            shutdown.clone(),
        )));
        let result = self.detect(tx, shutdown).await;
        // The detector dropped its sender: the committer finishes the last batch.
        committer
            .await
            .map_err(|e| IngestError::Source(format!("the committer stopped: {e}")))?;
        result
    }

    async fn detect(
        mut self,
        commits: mpsc::Sender<CommitBatch>,
        shutdown: CancellationToken,
    ) -> Result<(), IngestError> {
        let mut tick = tokio::time::interval(self.options.batch_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                input = self.rx.recv() => match input {
                    Some(input) => {
                        self.handle(input);
                        if self.pending_events >= self.options.batch_max_events {
                            self.hand_off(&commits).await?;
                        }
                    }
                    None => break,
                },
                _ = tick.tick() => {
                    self.poll_idle();
                    self.hand_off(&commits).await?;
                }
            }
        }
        self.rx.close();
        while let Ok(input) = self.rx.try_recv() {
            self.handle(input);
        }
        let streams: Vec<String> = self
            .sources
            .iter()
            .filter(|(_, t)| t.file.is_none())
            .map(|(k, _)| k.clone())
            .collect();
        for key in streams {
            self.finish_source(&key);
        }
        self.hand_off(&commits).await
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn track(&mut self, key: &str, name: &str) -> SourceId {
        if let Some(t) = self.sources.get(key) {
            return t.id;
        }
        let id = SourceId(self.next_id);
        self.next_id += 1;
        self.by_id.insert(id, key.to_string());
        self.sources.insert(
            key.to_string(),
            Tracked {
                id,
                name: name.to_string(),
                pending: Vec::new(),
                framed: Default::default(),
                file: None,
                dirty: false,
            },
        );
        id
    }

    fn handle(&mut self, input: Input) {
        let mut events = Vec::new();
        match input {
            Input::FileOpen {
                key,
                position,
                context,
            } => {
                let id = self.track(&key, &position.path);
                self.engine.resume_with_context(id, position.line, &context);
                let t = self.sources.get_mut(&key).expect("tracked");
                t.name = position.path.clone();
                t.file = Some(FileTrack {
                    base_line: position.line,
                    offset_now: position.offset,
                    to_drop: position.skip,
                    position: FilePosition {
                        skip: 0,
                        ..position
                    },
                });
                t.dirty = true;
            }
            Input::FileData {
                key,
                data,
                offset_after,
            } => {
                let Some(t) = self.sources.get(&key) else {
                    tracing::warn!(%key, "data of a file that was never opened; ignored");
                    return;
                };
                let id = t.id;
                self.counters
                    .bytes
                    .fetch_add(data.len() as u64, Ordering::Relaxed);
                let now = self.now_ms();
                self.engine.push(id, &data, now, &mut events);
                if let Some(f) = self.sources.get_mut(&key).and_then(|t| t.file.as_mut()) {
                    f.offset_now = offset_after;
                }
                self.accept(events);
                self.note_quiet(&key);
            }
            Input::FileClosed { key } => self.finish_source(&key),
            Input::Stream { name, data } => {
                let key = format!("stream:{name}");
                let id = self.track(&key, &name);
                self.counters
                    .bytes
                    .fetch_add(data.len() as u64, Ordering::Relaxed);
                let now = self.now_ms();
                self.engine.push(id, &data, now, &mut events);
                self.accept(events);
            }
            Input::StreamEnd { name } => self.finish_source(&format!("stream:{name}")),
            Input::Http { batch, done } => {
                let mut touched: Vec<String> = Vec::new();
                let now = self.now_ms();
                for record in batch.records {
                    let key = format!("http:{}", record.stream);
                    let name = key.clone();
                    let id = self.track(&key, &name);
                    if !touched.contains(&key) {
                        touched.push(key);
                    }
                    self.counters
                        .bytes
                        .fetch_add(record.text.len() as u64, Ordering::Relaxed);
                    self.engine.push(id, &record.text, now, &mut events);
                    if !record.text.ends_with(b"\n") {
                        self.engine.push(id, b"\n", now, &mut events);
                    }
                }
                self.accept(events);
                // A request is complete in itself: what it holds is stored
                // before it is answered.
                for key in touched {
                    self.finish_source(&key);
                }
                self.waiters.push(done);
            }
        }
    }

    /// Records a file's quiet point after its data or an idle close.
    fn note_quiet(&mut self, key: &str) {
        let Some(t) = self.sources.get_mut(key) else {
            return;
        };
        let id = t.id;
        let Some(f) = t.file.as_mut() else {
            return;
        };
        if self.engine.is_quiet(id) {
            let line = f.base_line + self.engine.stats(id).lines;
            if f.position.offset != f.offset_now || f.position.skip != 0 {
                f.position.offset = f.offset_now;
                f.position.line = line;
                f.position.skip = 0;
                t.dirty = true;
            }
        }
    }

    fn finish_source(&mut self, key: &str) {
        let Some(t) = self.sources.get(key) else {
            return;
        };
        let id = t.id;
        let mut events = Vec::new();
        let now = self.now_ms();
        self.engine.finish(id, now, &mut events);
        self.accept(events);
        if let Some(t) = self.sources.get_mut(key)
            && let Some(f) = t.file.as_mut()
        {
            // Everything up to where the file was read is now stored or pending.
            f.position.offset = f.offset_now;
            f.position.skip = 0;
            t.dirty = true;
        }
    }

    fn poll_idle(&mut self) {
        let mut events = Vec::new();
        let now = self.now_ms();
        self.engine.poll(now, &mut events);
        let keys: Vec<String> = events
            .iter()
            .filter_map(|e| self.by_id.get(&e.span.source).cloned())
            .collect();
        self.accept(events);
        for key in keys {
            self.note_quiet(&key);
        }
    }

    fn accept(&mut self, events: Vec<ErrorEvent>) {
        let now = unix_ms();
        for event in events {
            let Some(key) = self.by_id.get(&event.span.source) else {
                continue;
            };
            let Some(t) = self.sources.get_mut(key) else {
                continue;
            };
            if let Some(f) = t.file.as_mut() {
                f.position.skip += 1;
                t.dirty = true;
                if f.to_drop > 0 {
                    // Stored before the restart.
                    f.to_drop -= 1;
                    continue;
                }
            }
            // The store reads frames from a group's first event in a batch.
            let occurrence = if t.framed.contains(&event.fingerprint) {
                to_occurrence_without_frames(&event, &t.name, now, self.options.sample_max_bytes)
            } else {
                t.framed.insert(event.fingerprint.clone());
                to_occurrence(&event, &t.name, now, self.options.sample_max_bytes)
            };
            t.pending.push(occurrence);
            self.pending_events += 1;
        }
    }

    /// Hands every source's pending events with its checkpoint to the
    /// committer (waiting while it is a batch behind: backpressure reaches
    /// the sources), with the HTTP requests they answer.
    async fn hand_off(&mut self, commits: &mpsc::Sender<CommitBatch>) -> Result<(), IngestError> {
        let mut items = Vec::new();
        for (key, t) in self.sources.iter_mut() {
            if t.pending.is_empty() && !t.dirty {
                continue;
            }
            let checkpoint = t.file.as_ref().map(|f| {
                // Events after the quiet point that are stored already (or go
                // with this batch): those replayed since the restart and those
                // still to be replayed.
                let position = FilePosition {
                    skip: f.position.skip + f.to_drop,
                    ..f.position.clone()
                };
                Checkpoint {
                    source_id: key.clone(),
                    position: serde_json::to_value(&position).expect("position serializes"),
                }
            });
            t.dirty = false;
            if t.pending.is_empty() && checkpoint.is_none() {
                continue;
            }
            self.pending_events -= t.pending.len();
            t.framed.clear();
            items.push(CommitItem {
                source: t.name.clone(),
                occurrences: std::mem::take(&mut t.pending),
                checkpoint,
            });
        }
        let waiters = std::mem::take(&mut self.waiters);
        if !items.is_empty() || !waiters.is_empty() {
            commits
                .send(CommitBatch { items, waiters })
                .await
                .map_err(|_| IngestError::Source("the ingest committer has stopped".into()))?;
        }
        // Streams that ended leave nothing behind.
        let engine = &self.engine;
        let by_id = &mut self.by_id;
        self.sources.retain(|key, t| {
            let keep =
                t.file.is_some() || !key.starts_with("http:") || engine.stats(t.id).bytes > 0;
            if !keep {
                by_id.remove(&t.id);
            }
            keep
        });
        Ok(())
    }
}
