//! The languages the engine knows, behind one small interface: where a trace
//! starts in a line ([`start`]), which earlier lines of the same writer belong
//! to it ([`back`]), how it continues ([`TraceState::offer`]) and how its
//! assembled lines parse into a chain ([`parse`]). The engine itself (framing,
//! prefixes, streams, intros, caps) is the same for every language.

use crate::assemble::{State as PythonState, Verdict};
use crate::event::{EventKind, Exception, Language};
use crate::python::{self, HeaderKind};

/// The state of one open trace, per language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TraceState {
    Python(PythonState),
}

impl TraceState {
    pub(crate) fn language(self) -> Language {
        match self {
            TraceState::Python(_) => Language::Python,
        }
    }

    /// Advances the state machine with one content line.
    pub(crate) fn offer(&mut self, line: &str) -> Verdict {
        match self {
            TraceState::Python(s) => s.offer(line),
        }
    }

    /// Whether ending in this state means the trace is complete rather than cut short.
    pub(crate) fn is_complete(self) -> bool {
        match self {
            TraceState::Python(s) => s.is_complete(),
        }
    }
}

/// A trace starting in a line that belongs to no open trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Start {
    /// Bytes of log prefix before the trace's content on this line.
    pub prefix_len: usize,
    /// Bytes of a per-line suffix after it (mod_wsgi's `, referer: …`).
    pub suffix_len: usize,
    pub state: TraceState,
    /// The start needs no earlier line; `back` may still add some.
    pub standalone: bool,
}

/// The most earlier lines [`back`] may claim.
pub(crate) const MAX_BACK: usize = 8;

/// Where a trace starts in `line`, if it does.
pub(crate) fn start(line: &str) -> Option<Start> {
    python_start(line)
}

/// Which of the writer's adjacent earlier lines (`recent`, contents after the
/// writer's prefix, oldest first, at most [`MAX_BACK`]) belong to a trace that
/// starts as `start`: how many of the newest, and the state to continue in.
/// None when the start needs earlier lines that are not there.
pub(crate) fn back(start: &Start, recent: &[String]) -> Option<(usize, TraceState)> {
    match start.state {
        TraceState::Python(PythonState::Frames) => {
            // `_RemoteTraceback: \n"""\nTraceback …"""`: the header is inside the
            // quoted message of a cause printed without frames.
            if let [.., cause, quote] = recent
                && quote.trim() == "\"\"\""
                && python::parse_exception_line(cause).is_some()
            {
                return Some((
                    2,
                    TraceState::Python(PythonState::Message {
                        lines: 2,
                        quoted: true,
                    }),
                ));
            }
            Some((0, start.state))
        }
        _ => start.standalone.then_some((0, start.state)),
    }
}

/// Parses the assembled content lines of a trace of `language`.
pub(crate) fn parse(language: Language, lines: &[&str]) -> (EventKind, Vec<Exception>) {
    match language {
        Language::Python => python::parse(lines),
    }
}

fn python_start(line: &str) -> Option<Start> {
    if let Some(header) = python::find_header(line) {
        let state = match header.kind {
            HeaderKind::Traceback => PythonState::Frames,
            HeaderKind::Stack => PythonState::StackFrames,
            HeaderKind::Group(col) => PythonState::Group { col, closed: false },
        };
        return Some(Start {
            prefix_len: header.prefix_len,
            suffix_len: header.suffix_len,
            state: TraceState::Python(state),
            standalone: true,
        });
    }
    // Frames without a header: a `SyntaxError` report (location line with no
    // function) or `traceback.print_stack()` output.
    let (prefix_len, suffix_len) = python::find_frame(line)?;
    let own = &line[prefix_len..line.len() - suffix_len];
    let state = if python::is_syntax_location(own) {
        PythonState::Syntax { lines: 0 }
    } else {
        PythonState::StackFrames
    };
    Some(Start {
        prefix_len,
        suffix_len,
        state: TraceState::Python(state),
        standalone: true,
    })
}
