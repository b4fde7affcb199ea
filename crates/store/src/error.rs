//! The one error type of every store backend.

use uuid::Uuid;

use crate::model::GroupStatus;

/// A boxed backend error (sqlx's, kept as the `source`).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What a store operation can fail with. Backends map their driver errors
/// into it so callers never see SQL types.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// `ack`, `nack`, `extend` or `release` with a token that is no longer
    /// the job's: the lease expired and another worker leased the job, or
    /// the job was already completed. The caller must drop its work.
    #[error(
        "the lease on job {job_id} was lost (it expired and the job was leased again, or it was completed)"
    )]
    LeaseLost { job_id: Uuid },

    /// A status change that the group state machine does not allow
    /// (see [`crate::transition_allowed`]).
    #[error("a group cannot go from {from} to {to}")]
    InvalidTransition { from: GroupStatus, to: GroupStatus },

    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: Uuid },

    /// The caller passed something the store cannot accept, e.g. `failed`
    /// without a reason.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// The store URL names no backend this build supports. The URL is
    /// shown with its password removed.
    #[error("store URL {url}: {reason}")]
    Url { url: String, reason: String },

    /// The database rejected the data (a CHECK, NOT NULL or foreign key);
    /// the whole transaction was rolled back.
    #[error("the store rejected the data: {0}")]
    Constraint(String),

    /// A uniqueness rule, e.g. a second live fix job for one group.
    #[error("conflict: {0}")]
    Conflict(String),

    /// A row holds a value this version does not understand (e.g. a status
    /// written by a newer version).
    #[error("unexpected value in the store: {0}")]
    Corrupt(String),

    #[error("migrating the store schema failed")]
    Migration(#[source] BoxError),

    #[error("database error")]
    Database(#[source] BoxError),
}

/// Shorthand used by every store API.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
