//! The store interface of tracefix: error groups with their state machine,
//! per-minute occurrence counts, the durable fix-job queue and the fixer's
//! attempt log.
//!
//! This crate holds no SQL: the traits ([`GroupStore`], [`JobQueue`],
//! [`Store`]), the domain types, and the rules every backend shares as pure
//! functions (allowed status changes, retry backoff, batch planning).
//! Backends: `tracefix-store-sqlite`, `tracefix-store-postgres`; open one by
//! URL with `tracefix-store-any`.

mod backoff;
mod error;
pub mod ingest;
mod model;
mod store;
mod transition;
mod url;

pub use backoff::BackoffPolicy;
pub use error::{BoxError, Result, StoreError};
pub use model::*;
pub use store::{GroupStore, JobQueue, Store};
pub use transition::{check_transition, enqueues_fix_job, transition_allowed};
pub use url::{Backend, redact_url};
