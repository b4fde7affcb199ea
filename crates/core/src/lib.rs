//! tracefix-core: the pure trace engine of tracefix.
//!
//! Bytes of raw logs go in ([`Engine::push`]); structured, fingerprinted
//! [`ErrorEvent`]s come out. This crate does no IO, starts no threads and reads
//! no clock, so every behaviour can be tested with plain data.
//!
//! - [`engine`]: line splitting, container framing, per-stream assembly.
//! - `grammar`: the language interface, with one module per language
//!   (Python, JVM, JavaScript, Go, Ruby, PHP, .NET, Rust).
//! - [`fingerprint`]: grouping keys and message parameterization.
//!
//! ```
//! use tracefix_core::{Config, Engine};
//!
//! let log = b"2026-11-21 10:00:00,123 ERROR app.orders: failed to charge order 1234
//! Traceback (most recent call last):
//!   File \"/app/orders.py\", line 10, in charge
//!     return prices[order[\"sku\"]]
//! KeyError: 'sku-1'
//! 2026-11-21 10:00:01,000 INFO app: next request
//! ";
//! let events = Engine::scan_bytes(Config::default(), log);
//! assert_eq!(events.len(), 1);
//! let event = &events[0];
//! assert_eq!(event.exception().ty, "KeyError");
//! assert_eq!((event.span.first_line, event.span.last_line), (1, 5));
//! assert_eq!(event.exception().frames[0].function, "charge");
//! ```

pub mod engine;
pub mod event;
pub mod fingerprint;
pub mod paths;

mod assemble;
mod dotnet;
mod framing;
mod go;
mod grammar;
mod java;
mod javascript;
mod json_record;
mod php;
mod prefix;
mod python;
mod ruby;
mod rust;

pub use engine::{Config, Engine, SourceStats};
pub use event::{ErrorEvent, EventKind, Exception, Frame, Language, SourceId, Span};
pub use fingerprint::{FINGERPRINT_VERSION, fingerprint, md5_raw, parameterize};
pub use python::is_in_app as python_is_in_app;
