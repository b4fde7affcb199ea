//! The languages the engine knows, behind one small interface: where a trace
//! starts in a line ([`start`]), which earlier lines of the same writer belong
//! to it ([`back`]), how it continues ([`TraceState::offer`]) and how its
//! assembled lines parse into a chain ([`parse`]). The engine itself (framing,
//! prefixes, streams, intros, caps) is the same for every language.

use crate::assemble::{State as PythonState, Verdict};
use crate::event::{EventKind, Exception, Language};
use crate::java;
use crate::python::{self, HeaderKind};

/// The state of one open trace, per language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TraceState {
    Python(PythonState),
    Java(java::State),
}

impl TraceState {
    pub(crate) fn language(self) -> Language {
        match self {
            TraceState::Python(_) => Language::Python,
            TraceState::Java(_) => Language::Java,
        }
    }

    /// Advances the state machine with one content line.
    pub(crate) fn offer(&mut self, line: &str) -> Verdict {
        match self {
            TraceState::Python(s) => s.offer(line),
            TraceState::Java(s) => s.offer(line),
        }
    }

    /// Whether ending in this state means the trace is complete rather than cut short.
    pub(crate) fn is_complete(self) -> bool {
        match self {
            TraceState::Python(s) => s.is_complete(),
            TraceState::Java(s) => s.is_complete(),
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
    python_start(line).or_else(|| java_start(line))
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
        TraceState::Java(_) => java::header_lines(recent).map(|n| (n, start.state)),
        _ => start.standalone.then_some((0, start.state)),
    }
}

/// Parses the assembled content lines of a trace of `language`.
pub(crate) fn parse(language: Language, lines: &[&str]) -> (EventKind, Vec<Exception>) {
    match language {
        Language::Python => python::parse(lines),
        Language::Java => java::parse(lines),
    }
}

/// A JVM frame line: the trace's header is claimed back by [`back`]. A log
/// prefix before the frame's tab is the writer's prefix.
fn java_start(line: &str) -> Option<Start> {
    let at = line.find("\tat ").or_else(|| line.find(" at "))?;
    let ws_start = line[..at].trim_end_matches([' ', '\t']).len();
    let prefix_len = if line[..ws_start].is_empty() {
        0
    } else {
        (ws_start + 1).min(at)
    };
    let own = &line[prefix_len..];
    java::is_frame(own).then_some(Start {
        prefix_len,
        suffix_len: 0,
        state: TraceState::Java(java::State::Frames { blanks: 0 }),
        standalone: false,
    })
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
