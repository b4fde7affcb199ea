//! Log sources of tracefix and the pipeline from the detector into the store.
//!
//! Sources (files, standard input, HTTP batches) send bytes to one
//! [`Pipeline`] task through a bounded channel. The pipeline owns the
//! detector ([`tracefix_core::Engine`]), turns the events it finds into
//! [`tracefix_store::Occurrence`]s and commits them in batches.
//!
//! **Exactly once for files.** A file's read position is stored in the same
//! transaction as the events it produced. The position is not simply "how far
//! the file was read": a trace may still be open there. It is the last point
//! where the detector held nothing for that file (a quiet point, see
//! [`tracefix_core::Engine::is_quiet`]) plus how many events the file gave
//! after it. A restart reads again from the quiet point (with the lines just
//! before it as context) and drops that many events, which were already
//! stored. Whatever moment the process dies at, nothing is lost and nothing
//! is counted twice.
//!
//! HTTP batches are complete in themselves: each request's streams are
//! finished after its records, and the request is answered once its events
//! are committed.

mod file;
mod occurrence;
mod pipeline;
mod stdin;

pub use file::{FileSourceOptions, run_file_source};
pub use occurrence::{to_occurrence, to_occurrence_without_frames};
pub use pipeline::{
    FilePosition, IngestCounters, IngestError, IngestOptions, Pipeline, PipelineHandle,
    PipelineSink, pipeline,
};
pub use stdin::run_stdin_source;
