//! Model edits for tracefix: parse a model's answer, apply its edits to file
//! contents, and guard which files may change and by how much.
//!
//! The model answers with a short root-cause explanation plus
//! SEARCH/REPLACE blocks (or, for weak and local models, whole files):
//!
//! ```text
//! src/app.py
//! <<<<<<< SEARCH
//!     return items[i + 1]
//! =======
//!     return items[i]
//! >>>>>>> REPLACE
//! ```
//!
//! Everything here is pure: no file, clock, thread or network. Callers pass
//! file contents in (a loader closure for [`apply_answer`]) and write the
//! results out themselves. Model output is untrusted input: every error and
//! refusal is a message worded for the model, so that it can try again.
//!
//! - [`parse_search_replace`], [`parse_whole_files`]: structure ([`ParseError`]).
//! - [`apply_block`]: exact, then ignoring indentation, then fuzzy
//!   ([`MatchMethod`], [`ApplyError`] with the closest real lines).
//! - [`check_path`], [`EditPolicy`]: paths inside the repository and the
//!   allowed set; never `.git/`, CI, manifests or secrets unless configured.
//! - [`apply_answer`], [`apply_whole_files`], [`apply_model_output`]: all
//!   edits of an answer, all or nothing, with the changed-line limit.

mod answer;
mod apply;
mod diff;
mod elision;
mod guard;
mod lcs;
mod parse;
mod text;

pub use answer::{
    AppliedEdits, BlockOutcome, EditFormat, FileChange, Problem, Problems, apply_answer,
    apply_model_output, apply_whole_files,
};
pub use apply::{
    ApplyError, CLOSEST_MIN_SIMILARITY, ClosestLines, FUZZY_AMBIGUITY_MARGIN,
    FUZZY_MAX_EVALUATIONS, FUZZY_MAX_SEARCH_CHARS, FUZZY_THRESHOLD, MatchMethod, apply_block,
};
pub use diff::{changed_lines, unified_diff};
pub use elision::is_elision_line;
pub use guard::{
    DEFAULT_MAX_CHANGED_LINES, EditPolicy, NormalizedPath, Refusal, RefusalReason, check_path,
};
pub use parse::{
    EditBlock, MarkerKind, ModelAnswer, ParseError, StopMarker, WholeFile, parse_search_replace,
    parse_whole_files, render_blocks,
};
