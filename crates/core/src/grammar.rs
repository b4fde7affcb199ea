//! The languages the engine knows, behind one small interface: where a trace
//! starts in a line ([`start`]), which earlier lines of the same writer belong
//! to it ([`back`]), how it continues ([`TraceState::offer`]) and how its
//! assembled lines parse into a chain ([`parse`]). The engine itself (framing,
//! prefixes, streams, intros, caps) is the same for every language.

use crate::assemble::{State as PythonState, Verdict};
use crate::dotnet;
use crate::event::{EventKind, Exception, Language};
use crate::go;
use crate::java;
use crate::javascript;
use crate::php;
use crate::python::{self, HeaderKind};
use crate::ruby;
use crate::rust;

/// The state of one open trace, per language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TraceState {
    Python(PythonState),
    Java(java::State),
    JavaScript(javascript::State),
    Ruby(ruby::State),
    Go(go::State),
    Php(php::State),
    DotNet(dotnet::State),
    Rust(rust::State),
}

impl TraceState {
    pub(crate) fn language(self) -> Language {
        match self {
            TraceState::Python(_) => Language::Python,
            TraceState::Java(_) => Language::Java,
            TraceState::JavaScript(_) => Language::JavaScript,
            TraceState::Ruby(_) => Language::Ruby,
            TraceState::Go(_) => Language::Go,
            TraceState::Php(_) => Language::Php,
            TraceState::DotNet(_) => Language::DotNet,
            TraceState::Rust(_) => Language::Rust,
        }
    }

    /// How many lines of free-form message the trace has taken since its
    /// exception line, when it is in a state that takes any line as more
    /// message (Python's message lines end only at a line it recognises).
    pub(crate) fn message_lines(self) -> Option<usize> {
        match self {
            TraceState::Python(PythonState::Message {
                lines,
                quoted: false,
            }) => Some(lines),
            _ => None,
        }
    }

    /// Advances the state machine with one content line.
    pub(crate) fn offer(&mut self, line: &str) -> Verdict {
        match self {
            TraceState::Python(s) => s.offer(line),
            TraceState::Java(s) => s.offer(line),
            TraceState::JavaScript(s) => s.offer(line),
            TraceState::Ruby(s) => s.offer(line),
            TraceState::Go(s) => s.offer(line),
            TraceState::Php(s) => s.offer(line),
            TraceState::DotNet(s) => s.offer(line),
            TraceState::Rust(s) => s.offer(line),
        }
    }

    /// Whether ending in this state means the trace is complete rather than cut short.
    pub(crate) fn is_complete(self) -> bool {
        match self {
            TraceState::Python(s) => s.is_complete(),
            TraceState::Java(s) => s.is_complete(),
            TraceState::JavaScript(s) => s.is_complete(),
            TraceState::Ruby(s) => s.is_complete(),
            TraceState::Go(s) => s.is_complete(),
            TraceState::Php(s) => s.is_complete(),
            TraceState::DotNet(s) => s.is_complete(),
            TraceState::Rust(s) => s.is_complete(),
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
pub(crate) const MAX_BACK: usize = 16;

/// Whether `line`, met inside the free-form message of a `language` trace,
/// begins another runtime's report instead: a line where another language's
/// trace starts (its `Start`), or Node's preamble location (`None` inside).
/// Without this a Python message would swallow the trace printed after it.
pub(crate) fn other_report(line: &str, language: Language) -> Option<Option<Start>> {
    if javascript::is_preamble_location(line) {
        return Some(None);
    }
    start(line)
        .filter(|s| s.state.language() != language)
        .map(Some)
}

/// Whether the text before a report's first word can be a log prefix: it
/// ends with a space and holds a timestamp digit or a `[tag]`.
fn looks_like_log_prefix(head: &str) -> bool {
    head.ends_with(' ') && head.contains(|c: char| c.is_ascii_digit() || c == '[')
}
/// `str::find` builds a two-way searcher on every call; these lines are
/// searched once per line of input, so each needle's searcher is built once.
macro_rules! find {
    ($haystack:expr, $needle:literal) => {{
        static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($needle));
        FINDER.find($haystack.as_bytes())
    }};
}

/// Where a trace starts in `line`, if it does.
pub(crate) fn start(line: &str) -> Option<Start> {
    python_start(line)
        .or_else(|| java_start(line))
        .or_else(|| javascript_start(line))
        .or_else(|| ruby_start(line))
        .or_else(|| go_start(line))
        .or_else(|| php_start(line))
        .or_else(|| dotnet_start(line))
        .or_else(|| rust_start(line))
}

/// The earlier lines a starting trace claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Back {
    /// How many of the writer's newest recent lines belong to the trace.
    pub lines: usize,
    /// The state to continue in.
    pub state: TraceState,
    /// Whether a log line before them may introduce the trace (not for a
    /// crash report that starts with the runtime's own preamble).
    pub intro: bool,
    /// Whether the record right before is the intro whatever its level: a Go
    /// program's last log line before it panics says what it was doing.
    pub any_intro: bool,
}

/// Which of the writer's adjacent earlier lines (`recent`, contents after the
/// writer's prefix, oldest first, at most [`MAX_BACK`]) belong to a trace that
/// starts as `start`. None when the start needs earlier lines that are not there.
pub(crate) fn back(start: &Start, recent: &[String]) -> Option<Back> {
    let any_intro = matches!(start.state, TraceState::Go(_));
    let claim = |lines: usize, state: TraceState, intro: bool| Back {
        lines,
        state,
        intro,
        any_intro,
    };
    match start.state {
        TraceState::Python(PythonState::Frames) => {
            // `_RemoteTraceback: \n"""\nTraceback …"""`: the header is inside the
            // quoted message of a cause printed without frames.
            if let [.., cause, quote] = recent
                && quote.trim() == "\"\"\""
                && python::parse_exception_line(cause).is_some()
            {
                let quoted = PythonState::Message {
                    lines: 2,
                    quoted: true,
                };
                return Some(claim(2, TraceState::Python(quoted), true));
            }
            Some(claim(0, start.state, true))
        }
        TraceState::Java(_) => java::header_lines(recent).map(|n| claim(n, start.state, true)),
        TraceState::JavaScript(_) => {
            let gecko = start.standalone;
            javascript::header_lines(recent, gecko).map(|(n, intro)| claim(n, start.state, intro))
        }
        TraceState::Ruby(ruby::State::Rails { .. }) => {
            ruby::rails_header_lines(recent).map(|n| claim(n, start.state, true))
        }
        TraceState::Go(go::State::Header { logged: true, .. }) => {
            Some(claim(0, start.state, false))
        }
        TraceState::Go(_) => Some(claim(go::preamble_lines(recent), start.state, true)),
        // PHP's report line is itself the log record (`[date] PHP Fatal error: …`,
        // a Monolog record): warnings before it are not its intro.
        TraceState::Php(_) if start.standalone => Some(claim(0, start.state, false)),
        TraceState::Php(_) => php::header_lines(recent).map(|n| claim(n, start.state, true)),
        TraceState::DotNet(_) => dotnet::header_lines(recent).map(|n| claim(n, start.state, true)),
        TraceState::Rust(_) if start.standalone => Some(claim(0, start.state, true)),
        TraceState::Rust(_) => rust::error_lines(recent).map(|n| claim(n, start.state, true)),
        _ => start.standalone.then_some(claim(0, start.state, true)),
    }
}

/// A chain as most runtimes print it (newest exception first, each one's
/// frames crash site first) in the engine's order: oldest cause first, frames
/// outermost call first. Never empty.
pub(crate) fn newest_first_to_cause_order(mut printed: Vec<Exception>) -> Vec<Exception> {
    for exc in &mut printed {
        exc.frames.reverse();
    }
    printed.reverse();
    if printed.is_empty() {
        printed.push(Exception::default());
    }
    printed
}

/// Parses the assembled content lines of a trace of `language`.
pub(crate) fn parse(language: Language, lines: &[&str]) -> (EventKind, Vec<Exception>) {
    match language {
        Language::Python => python::parse(lines),
        Language::Java => java::parse(lines),
        Language::JavaScript => javascript::parse(lines),
        Language::Ruby => ruby::parse(lines),
        Language::Go => go::parse(lines),
        Language::Php => php::parse(lines),
        Language::DotNet => dotnet::parse(lines),
        Language::Rust => rust::parse(lines),
    }
}

/// A JVM frame line: the trace's header is claimed back by [`back`]. A log
/// prefix before the frame's tab is the writer's prefix.
fn java_start(line: &str) -> Option<Start> {
    let at = find!(line, "\tat ").or_else(|| find!(line, " at "))?;
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

/// A V8 frame (`    at f (file:l:c)`, after an optional log prefix) or a
/// Firefox/Safari frame (`f@file:l:c`). V8 traces need their header claimed
/// back; a Firefox/Safari stack has none of its own, so it may stand alone.
fn javascript_start(line: &str) -> Option<Start> {
    // A frame that opens Node's property dump (` {`) starts inside it.
    let state = if line.trim_end().ends_with('{') {
        TraceState::JavaScript(javascript::State::Dump { depth: 1, lines: 0 })
    } else {
        TraceState::JavaScript(javascript::State::Frames)
    };
    if javascript::is_gecko_frame(line) {
        return Some(Start {
            prefix_len: 0,
            suffix_len: 0,
            state,
            standalone: true,
        });
    }
    let at = find!(line, "    at ")?;
    let prefix_len = if line[..at].trim().is_empty() { 0 } else { at };
    javascript::is_v8_frame(&line[prefix_len..]).then_some(Start {
        prefix_len,
        suffix_len: 0,
        state,
        standalone: false,
    })
}

/// A Ruby report line (`file.rb:3:in 'meth': msg (Class)`), after an optional
/// log prefix; or the first bare frame of a Rails block, whose header is
/// claimed back.
fn ruby_start(line: &str) -> Option<Start> {
    if let Some(prefix_len) = ruby::find_report(line) {
        let state = TraceState::Ruby(ruby::State::Report {
            message_lines: 0,
            after_blank: false,
        });
        return Some(Start {
            prefix_len,
            suffix_len: 0,
            state,
            standalone: true,
        });
    }
    let at = find!(line, ":in ")?;
    let token = line[..at].rfind(' ').map_or(0, |i| i + 1);
    // A gem frame starts with `name (1.2.3) `: back up over it.
    let prefix_len = [
        token,
        line[..token].trim_end().rfind(' ').map_or(0, |i| i + 1),
    ]
    .into_iter()
    .rev()
    .find(|&p| ruby::is_bare_frame(&line[p..]) && (p == 0 || line[..p].ends_with(' ')))?;
    let state = TraceState::Ruby(ruby::State::Rails { frames: 1 });
    Some(Start {
        prefix_len,
        suffix_len: 0,
        state,
        standalone: false,
    })
}

/// `panic: …`, `fatal error: …`, `http: panic serving …` after an optional
/// log prefix; the goroutine dump must follow (see [`go::State`]).
fn go_start(line: &str) -> Option<Start> {
    let prefix_len = go::find_header(line)?;
    let logged = go::is_logged_header(&line[prefix_len..]);
    let state = TraceState::Go(go::State::Header { lines: 0, logged });
    Some(Start {
        prefix_len,
        suffix_len: 0,
        state,
        standalone: true,
    })
}

/// `PHP Fatal error:  Uncaught …` after an optional log prefix, or a
/// Monolog record carrying `[object] (Class(code: N): …)`.
fn php_start(line: &str) -> Option<Start> {
    if line.trim_end() == "Stack trace:" {
        // `(string) $e`: the header before it is claimed back.
        let state = php::State::Report {
            message_lines: php::MAX_MESSAGE_LINES,
        };
        return Some(Start {
            prefix_len: 0,
            suffix_len: 0,
            state: TraceState::Php(state),
            standalone: false,
        });
    }
    let (prefix_len, monolog) = php::find_start(line)?;
    let state = if monolog {
        php::State::Monolog
    } else {
        php::State::Report { message_lines: 0 }
    };
    Some(Start {
        prefix_len,
        suffix_len: 0,
        state: TraceState::Php(state),
        standalone: true,
    })
}

/// A .NET frame (`   at Ns.Type.Method(…)`), after an optional log prefix;
/// the header is claimed back.
fn dotnet_start(line: &str) -> Option<Start> {
    let at = find!(line, " at ")?;
    let ws_start = line[..at].trim_end_matches(' ').len();
    // A log prefix keeps its one separating space; the rest is the frame's indent.
    let prefix_len = match ws_start {
        0 => 0,
        w if at - w >= 2 => w + 1,
        w => w,
    };
    dotnet::is_frame(&line[prefix_len..]).then_some(Start {
        prefix_len,
        suffix_len: 0,
        state: TraceState::DotNet(dotnet::State::Frames),
        standalone: false,
    })
}

/// A Rust panic line after an optional log prefix, or the `Caused by:` of an
/// anyhow/eyre report (its `Error: …` line is claimed back).
fn rust_start(line: &str) -> Option<Start> {
    if let Some(head) = line.strip_suffix("Caused by:")
        && (head.is_empty() || head.ends_with(' '))
    {
        let state = TraceState::Rust(rust::State::Backtrace);
        return Some(Start {
            prefix_len: head.len(),
            suffix_len: 0,
            state,
            standalone: false,
        });
    }
    if let Some(at) = find!(line, "Error: ")
        && (at == 0 || looks_like_log_prefix(&line[..at]))
        && rust::is_debug_error(&line[at..])
    {
        let state = TraceState::Rust(rust::State::Closed);
        return Some(Start {
            prefix_len: at,
            suffix_len: 0,
            state,
            standalone: true,
        });
    }
    let at = find!(line, "thread '")?;
    if at > 0 && !line[..at].ends_with(' ') {
        return None;
    }
    rust::is_panic_line(&line[at..]).then_some(Start {
        prefix_len: at,
        suffix_len: 0,
        state: TraceState::Rust(rust::State::Message { lines: 0 }),
        standalone: true,
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
