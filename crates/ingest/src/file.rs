//! The file source: follows every file a glob matches, through rotation by
//! rename and by copy-truncate, truncation and restarts.
//!
//! A periodic stat of the glob's files is the source of truth (as in Vector's
//! file source); files are known by identity (device and inode), so a file
//! renamed by rotation keeps being read to its end under its new name while
//! the new file at the old path starts from its beginning.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracefix_store::Store;

use crate::pipeline::{FilePosition, IngestError, Input, PipelineHandle};

#[derive(Debug, Clone)]
pub struct FileSourceOptions {
    /// A glob (`logs/*.log`) or a plain path.
    pub pattern: String,
    /// How often the glob is listed and the files are checked.
    pub poll_interval: Duration,
    /// Bytes per read.
    pub read_size: usize,
    /// Bytes read at most per file per round, so one busy file cannot starve the others.
    pub max_bytes_per_round: usize,
    /// Read every file to its end once, finish it, and return (`tracefix run
    /// --once`) instead of following the files.
    pub once: bool,
}

impl FileSourceOptions {
    pub fn new(pattern: impl Into<String>) -> FileSourceOptions {
        FileSourceOptions {
            pattern: pattern.into(),
            poll_interval: Duration::from_millis(250),
            read_size: 128 * 1024,
            max_bytes_per_round: 8 * 1024 * 1024,
            once: false,
        }
    }
}

/// How much of the file before a restart point is read back as context.
const CONTEXT_BYTES: u64 = 64 * 1024;

struct Followed {
    path: PathBuf,
    file: File,
    /// Device and inode.
    identity: (u64, u64),
    key: String,
    /// How far the file was read.
    offset: u64,
    /// Read bytes after the last newline, sent with the rest of their line:
    /// chunks end at line ends, so the detector can be quiet at a chunk's
    /// end and the checkpoint can move there.
    partial: Vec<u8>,
    /// Seen in the last listing.
    listed: bool,
}

/// Follows the files of `options.pattern` until `shutdown`, sending their
/// bytes to the pipeline. Unreadable files are reported once and retried.
pub async fn run_file_source(
    options: FileSourceOptions,
    store: Arc<dyn Store>,
    pipeline: PipelineHandle,
    shutdown: CancellationToken,
) -> Result<(), IngestError> {
    match follow(options, store, pipeline, &shutdown).await {
        // The pipeline stopped first during shutdown: what was not sent is
        // read again next time (the checkpoints point before it).
        Err(IngestError::Source(_)) if shutdown.is_cancelled() => Ok(()),
        result => result,
    }
}

async fn follow(
    options: FileSourceOptions,
    store: Arc<dyn Store>,
    pipeline: PipelineHandle,
    shutdown: &CancellationToken,
) -> Result<(), IngestError> {
    let mut followed: HashMap<(u64, u64), Followed> = HashMap::new();
    let mut reported: HashMap<PathBuf, String> = HashMap::new();
    let mut buf = vec![0u8; options.read_size.max(4096)];
    loop {
        let paths = list(&options.pattern);
        for f in followed.values_mut() {
            f.listed = false;
        }
        for path in paths {
            let meta = match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => m,
                Ok(_) => continue,
                Err(e) => {
                    report(&mut reported, &path, &e.to_string());
                    continue;
                }
            };
            let identity = (meta.dev(), meta.ino());
            if let Some(f) = followed.get_mut(&identity) {
                f.listed = true;
                f.path = path;
                continue;
            }
            match open(&path, identity, &*store, &pipeline).await {
                Ok(f) => {
                    reported.remove(&path);
                    followed.insert(identity, f);
                }
                Err(OpenError::Io(e)) => report(&mut reported, &path, &e),
                Err(OpenError::Pipeline(e)) => return Err(e),
            }
        }
        let mut gone = Vec::new();
        // With `once`, files that cannot be opened were reported and are skipped.
        let mut all_at_end = true;
        for (identity, f) in followed.iter_mut() {
            match read_new(f, &mut buf, options.max_bytes_per_round, &pipeline).await {
                Ok(at_end) => {
                    if !f.listed && at_end {
                        gone.push(*identity);
                    }
                    all_at_end &= at_end;
                }
                Err(ReadError::Pipeline(e)) => return Err(e),
                Err(ReadError::Io(e)) => {
                    tracing::warn!(path = %f.path.display(), error = %e, "cannot read; will retry");
                    all_at_end = false;
                }
            }
        }
        if options.once && all_at_end {
            // The end of each file is the end of its input: a last line
            // without its newline is a line, and open traces end there.
            if followed.is_empty() && !reported.is_empty() {
                return Err(IngestError::Source(format!(
                    "no readable file matches {}",
                    options.pattern
                )));
            }
            for (_, mut f) in followed.drain() {
                if !f.partial.is_empty() {
                    let data = std::mem::take(&mut f.partial);
                    send_data(&f, data, f.offset, &pipeline)
                        .await
                        .map_err(|e| match e {
                            ReadError::Pipeline(e) => e,
                            ReadError::Io(e) => IngestError::Source(e.to_string()),
                        })?;
                }
                pipeline.send(Input::FileClosed { key: f.key }).await?;
            }
            return Ok(());
        }

        for identity in gone {
            if let Some(f) = followed.remove(&identity) {
                tracing::info!(path = %f.path.display(), "file gone and read to its end");
                pipeline.send(Input::FileClosed { key: f.key }).await?;
            }
        }
        if options.once {
            // Still reading: no pause between rounds.
            if shutdown.is_cancelled() {
                return Ok(());
            }
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            _ = tokio::time::sleep(options.poll_interval) => {}
        }
    }
}

fn report(reported: &mut HashMap<PathBuf, String>, path: &Path, error: &str) {
    if reported.get(path).map(String::as_str) != Some(error) {
        tracing::warn!(path = %path.display(), error, "cannot open log file; will retry");
        reported.insert(path.to_path_buf(), error.to_string());
    }
}

/// The files the pattern names now, in a stable order.
fn list(pattern: &str) -> Vec<PathBuf> {
    match glob::glob(pattern) {
        Ok(paths) => {
            let mut v: Vec<PathBuf> = paths.filter_map(Result::ok).collect();
            v.sort();
            v
        }
        // Not a valid glob: the pattern is a plain path.
        Err(_) => vec![PathBuf::from(pattern)],
    }
}

enum OpenError {
    Io(String),
    Pipeline(IngestError),
}

/// Opens a newly seen file at its stored restart point (or its start) and
/// tells the pipeline.
async fn open(
    path: &Path,
    identity: (u64, u64),
    store: &dyn Store,
    pipeline: &PipelineHandle,
) -> Result<Followed, OpenError> {
    let mut file = File::open(path).map_err(|e| OpenError::Io(e.to_string()))?;
    let size = file
        .metadata()
        .map_err(|e| OpenError::Io(e.to_string()))?
        .len();
    let key = FilePosition::key(identity.0, identity.1);
    let display = path.display().to_string();
    let stored = store
        .checkpoint(&key)
        .await
        .map_err(|e| OpenError::Pipeline(e.into()))?
        .and_then(|v| serde_json::from_value::<FilePosition>(v).ok());
    let position = match stored {
        // A shorter file than the position, or one whose first bytes
        // changed, was truncated and written again (or is another file that
        // reused the inode): start over.
        Some(p)
            if p.offset <= size
                && head(&file, p.head_len).map_err(|e| OpenError::Io(e.to_string()))?
                    == (p.head_len, p.head_hash) =>
        {
            FilePosition { path: display, ..p }
        }
        _ => start_position(&file, &display, identity, size)
            .map_err(|e| OpenError::Io(e.to_string()))?,
    };
    let context =
        read_context(&mut file, position.offset).map_err(|e| OpenError::Io(e.to_string()))?;
    file.seek(SeekFrom::Start(position.offset))
        .map_err(|e| OpenError::Io(e.to_string()))?;
    let offset = position.offset;
    tracing::info!(path = %path.display(), offset, "following log file");
    pipeline
        .send(Input::FileOpen {
            key: key.clone(),
            position,
            context,
        })
        .await
        .map_err(OpenError::Pipeline)?;
    Ok(Followed {
        path: path.to_path_buf(),
        file,
        identity,
        key,
        offset,
        partial: Vec::new(),
        listed: true,
    })
}

/// The position at the start of a file, with the hash of its first bytes.
fn start_position(
    file: &File,
    path: &str,
    identity: (u64, u64),
    size: u64,
) -> std::io::Result<FilePosition> {
    let (head_len, head_hash) = head(file, HEAD_BYTES.min(size))?;
    Ok(FilePosition {
        head_len,
        head_hash,
        ..FilePosition::start(path, identity.0, identity.1)
    })
}

/// How many first bytes identify a file's content.
const HEAD_BYTES: u64 = 256;

/// The FNV-1a hash of the file's first `len` bytes (fewer if it is shorter),
/// with how many bytes it covers.
fn head(file: &File, len: u64) -> std::io::Result<(u64, u64)> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; len as usize];
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for &b in &buf[..got] {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    Ok((got as u64, hash))
}

/// The complete lines just before `offset` (at most [`CONTEXT_BYTES`]).
fn read_context(file: &mut File, offset: u64) -> std::io::Result<Vec<u8>> {
    let from = offset.saturating_sub(CONTEXT_BYTES);
    let mut context = vec![0u8; (offset - from) as usize];
    file.seek(SeekFrom::Start(from))?;
    file.read_exact(&mut context)?;
    if from > 0 {
        // The first line is cut: drop it.
        match memchr_newline(&context) {
            Some(i) => {
                context.drain(..=i);
            }
            None => context.clear(),
        }
    }
    Ok(context)
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

enum ReadError {
    Io(std::io::Error),
    Pipeline(IngestError),
}

/// Reads what was appended since the last round. Returns whether the end of
/// the file was reached.
async fn read_new(
    f: &mut Followed,
    buf: &mut [u8],
    max_bytes: usize,
    pipeline: &PipelineHandle,
) -> Result<bool, ReadError> {
    let size = f.file.metadata().map_err(ReadError::Io)?.len();
    if size < f.offset {
        // Truncated in place (copy-truncate rotation): the new content starts at 0.
        tracing::info!(path = %f.path.display(), "file truncated; reading from its start");
        f.file.seek(SeekFrom::Start(0)).map_err(ReadError::Io)?;
        f.offset = 0;
        f.partial.clear();
        let position = start_position(&f.file, &f.path.display().to_string(), f.identity, size)
            .map_err(ReadError::Io)?;
        pipeline
            .send(Input::FileOpen {
                key: f.key.clone(),
                position,
                context: Vec::new(),
            })
            .await
            .map_err(ReadError::Pipeline)?;
    }
    let mut read = 0;
    while read < max_bytes {
        let n = match f.file.read(buf) {
            Ok(0) => return Ok(true),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        };
        read += n;
        f.offset += n as u64;
        let Some(last_newline) = buf[..n].iter().rposition(|&b| b == b'\n') else {
            if f.partial.len() + n > MAX_PARTIAL {
                // A line this long is the detector's to cut: send it on.
                let mut data = std::mem::take(&mut f.partial);
                data.extend_from_slice(&buf[..n]);
                send_data(f, data, f.offset, pipeline).await?;
            } else {
                f.partial.extend_from_slice(&buf[..n]);
            }
            continue;
        };
        let mut data = std::mem::take(&mut f.partial);
        data.extend_from_slice(&buf[..=last_newline]);
        f.partial.extend_from_slice(&buf[last_newline + 1..n]);
        let offset_after = f.offset - f.partial.len() as u64;
        send_data(f, data, offset_after, pipeline).await?;
    }
    Ok(false)
}

/// A partial line longer than this is sent without waiting for its end.
const MAX_PARTIAL: usize = 1024 * 1024;

async fn send_data(
    f: &Followed,
    data: Vec<u8>,
    offset_after: u64,
    pipeline: &PipelineHandle,
) -> Result<(), ReadError> {
    pipeline
        .send(Input::FileData {
            key: f.key.clone(),
            data,
            offset_after,
        })
        .await
        .map_err(ReadError::Pipeline)
}
