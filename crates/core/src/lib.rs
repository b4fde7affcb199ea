//! tracefix-core: the pure trace engine of tracefix.
//!
//! Bytes of raw logs go in ([`Engine::push`]); structured, fingerprinted
//! [`ErrorEvent`]s come out. This crate does no IO, starts no threads and reads
//! no clock, so every behaviour can be tested with plain data.
//!
//! - [`engine`]: line splitting, container framing, per-stream assembly.
//! - [`python`]: Python traceback grammar and parser.
//! - [`fingerprint`]: grouping keys and message parameterization.

pub mod engine;
pub mod event;
pub mod fingerprint;
pub mod paths;

mod assemble;
mod framing;
mod json_record;
mod prefix;
mod python;

pub use engine::{Config, Engine, SourceStats};
pub use event::{ErrorEvent, EventKind, Exception, Frame, Language, SourceId, Span};
pub use fingerprint::{FINGERPRINT_VERSION, fingerprint, md5_raw, parameterize};
pub use python::is_in_app as python_is_in_app;
