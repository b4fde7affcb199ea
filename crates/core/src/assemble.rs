//! The per-trace state machine: given the content lines of one stream, decides
//! which lines belong to an open Python trace and when it ends.

use std::sync::LazyLock;

use regex::Regex;

use crate::python::{self, HeaderKind};

/// Lines of message text accepted after an exception line.
const MAX_MESSAGE_LINES: usize = 200;
/// Blank lines tolerated between an exception and a chain sentence.
const MAX_GAP_LINES: usize = 3;
/// Code and caret lines under a headerless `SyntaxError` location.
const MAX_SYNTAX_LINES: usize = 6;

/// A line that starts a new log record (and so cannot continue an exception message).
static RECORD_START_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^(?:
            \d{4}[-/]\d{2}[-/]\d{2}                     # ISO-ish date
          | \d{2}:\d{2}:\d{2}                            # time of day
          | \d{10,}                                      # epoch timestamp
          | (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}\s\d{2}:   # syslog
          | \[                                           # [timestamp] / [LEVEL]
          | \{                                           # a JSON record
          | (?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL|SEVERE)\b
          | (?:[IWEF]\d{4}\s)                            # klog / glog
          | [DIWEFA],\ \[                                # Ruby Logger
          | Exception\ in\ thread\b
          | Fatal\ Python\ error:
          | (?:Task|Future)\ exception\ was\ never\ retrieved   # asyncio's error records
          | Exception\ in\ callback\b
        )",
    )
    .expect("record start regex")
});

/// A line that can introduce a trace: a log record at an error-ish level, or a
/// sentence ending with a colon (`Exception in thread worker:`).
static INTRO_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:error|err|eror|critical|crit|fatal|ftl|exception|warning|warn|wrn|severe|alert|emerg(?:ency)?|panic|failed|failure|unhandled|uncaught)\b|:\s*$")
        .expect("intro regex")
});

/// AWS Lambda's text-format uncaught error line, which carries the exception
/// that the traceback after it does not print.
static LAMBDA_INTRO_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[ERROR\]\s+(?:\S+\t\S+\t)?([\p{XID_Start}_][\p{XID_Continue}.]*): ?(.*)$")
        .expect("lambda intro regex")
});

pub(crate) fn is_record_start(line: &str) -> bool {
    RECORD_START_RE.is_match(line)
}

pub(crate) fn looks_like_intro(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !line.starts_with(' ') && !line.starts_with('\t') && INTRO_RE.is_match(t)
}

pub(crate) fn lambda_intro_exception(line: &str) -> Option<(String, String)> {
    let caps = LAMBDA_INTRO_RE.captures(line.trim_end())?;
    Some((caps[1].to_string(), caps[2].to_string()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Inside a traceback: frames, source and caret lines, then the exception line.
    Frames,
    /// After `Stack (most recent call last):`: frames only, no exception line.
    StackFrames,
    /// Under a headerless `SyntaxError` location line.
    Syntax { lines: usize },
    /// Inside an exception group drawn with its `+` at this column. `closed`
    /// after a closing line of a nested group: when the innermost group was
    /// the last child at every level, Python draws only that closing line, so
    /// the drawing may end there.
    Group { col: usize, closed: bool },
    /// After the exception line: message, notes. `quoted` inside a `"""` block
    /// (a message that embeds another traceback, like `_RemoteTraceback`).
    Message { lines: usize, quoted: bool },
    /// Blank lines after an exception: a chain sentence may follow.
    Gap { blanks: usize, after_group: bool },
    /// After a chain sentence: blank lines, then the next traceback header.
    Sentence,
}

/// What the state machine makes of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The line belongs to the trace.
    Take,
    /// The line belongs to the trace only if a later line confirms it (blank lines
    /// between an exception and a chain sentence).
    Hold,
    /// The trace ended before this line; the line must be looked at afresh.
    End,
    /// The trace was not one after all (a headerless `SyntaxError` candidate
    /// that did not end in a `SyntaxError`): drop it; look at the line afresh.
    Abandon,
}

impl State {
    pub(crate) fn for_header(kind: HeaderKind) -> State {
        match kind {
            HeaderKind::Traceback => State::Frames,
            HeaderKind::Stack => State::StackFrames,
            HeaderKind::Group(col) => State::Group { col, closed: false },
        }
    }

    /// Whether ending in this state means the trace is complete (the exception
    /// line was seen) rather than cut short.
    pub(crate) fn is_complete(self) -> bool {
        matches!(
            self,
            State::Message { .. }
                | State::Gap { .. }
                | State::StackFrames
                | State::Group { closed: true, .. }
        )
    }

    /// Advances the state machine with one content line.
    pub(crate) fn offer(&mut self, line: &str) -> Verdict {
        let blank = line.trim().is_empty();
        match *self {
            State::Frames => {
                if blank {
                    return Verdict::End;
                }
                if line.starts_with(' ') || line.starts_with('\t') {
                    return Verdict::Take;
                }
                if python::parse_exception_line(line).is_some() {
                    *self = State::Message {
                        lines: 0,
                        quoted: false,
                    };
                    return Verdict::Take;
                }
                Verdict::End
            }
            State::StackFrames => {
                if !blank && (line.starts_with(' ') || line.starts_with('\t')) {
                    Verdict::Take
                } else {
                    Verdict::End
                }
            }
            State::Syntax { lines } => {
                if !blank && line.starts_with(' ') && lines < MAX_SYNTAX_LINES {
                    *self = State::Syntax { lines: lines + 1 };
                    return Verdict::Take;
                }
                match python::parse_exception_line(line) {
                    Some((ty, _)) if python::is_syntax_error_type(ty) => {
                        *self = State::Message {
                            lines: 0,
                            quoted: false,
                        };
                        Verdict::Take
                    }
                    _ => Verdict::Abandon,
                }
            }
            State::Group { col, .. } => {
                if python::is_group_close(line, col) {
                    *self = State::Gap {
                        blanks: 0,
                        after_group: true,
                    };
                    return Verdict::Take;
                }
                if python::is_group_body(line, col) {
                    let closed = python::is_nested_group_close(line, col);
                    *self = State::Group { col, closed };
                    return Verdict::Take;
                }
                Verdict::End
            }
            State::Message { lines, quoted } => {
                if line.trim() == "\"\"\"" && lines < MAX_MESSAGE_LINES {
                    *self = State::Message {
                        lines: lines + 1,
                        quoted: !quoted,
                    };
                    return Verdict::Take;
                }
                if quoted {
                    if lines >= MAX_MESSAGE_LINES {
                        return Verdict::End;
                    }
                    *self = State::Message {
                        lines: lines + 1,
                        quoted,
                    };
                    return Verdict::Take;
                }
                if blank {
                    *self = State::Gap {
                        blanks: 1,
                        after_group: false,
                    };
                    return Verdict::Hold;
                }
                if python::is_chain_sentence(line) {
                    *self = State::Sentence;
                    return Verdict::Take;
                }
                if python::find_header(line).is_some()
                    || python::is_frame(line)
                    || is_record_start(line)
                    || lines >= MAX_MESSAGE_LINES
                {
                    return Verdict::End;
                }
                *self = State::Message {
                    lines: lines + 1,
                    quoted: false,
                };
                Verdict::Take
            }
            State::Gap {
                blanks,
                after_group,
            } => {
                if blank {
                    if blanks >= MAX_GAP_LINES {
                        return Verdict::End;
                    }
                    *self = State::Gap {
                        blanks: blanks + 1,
                        after_group,
                    };
                    return Verdict::Hold;
                }
                if python::is_chain_sentence(line) {
                    *self = State::Sentence;
                    return Verdict::Take;
                }
                Verdict::End
            }
            State::Sentence => {
                if blank {
                    return Verdict::Hold;
                }
                match python::find_header(line) {
                    Some(h) if h.prefix_len == 0 && h.kind != HeaderKind::Stack => {
                        *self = State::for_header(h.kind);
                        Verdict::Take
                    }
                    _ => Verdict::End,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[&str]) -> Vec<Verdict> {
        let mut state = State::Frames;
        lines.iter().map(|l| state.offer(l)).collect()
    }

    #[test]
    fn chain_and_end() {
        use Verdict::*;
        let v = run(&[
            "  File \"a.py\", line 1, in f",
            "    g()",
            "KeyError: 'x'",
            "",
            "During handling of the above exception, another exception occurred:",
            "",
            "Traceback (most recent call last):",
            "  File \"a.py\", line 3, in h",
            "ValueError: y",
            "  second line of the message",
            "2026-11-21 10:00:00,000 INFO next record",
        ]);
        assert_eq!(
            v,
            [
                Take, Take, Take, Hold, Take, Hold, Take, Take, Take, Take, End
            ]
        );
    }

    #[test]
    fn intro_lines() {
        assert!(looks_like_intro(
            "2026-11-21 10:00:00,123 ERROR app.orders: failed to charge order"
        ));
        assert!(looks_like_intro("Exception in thread Thread-1 (worker):"));
        assert!(looks_like_intro("ERROR:root:boom"));
        assert!(!looks_like_intro(
            "2026-11-21 10:00:00,123 INFO app: started"
        ));
        assert!(!looks_like_intro("    indented"));
        assert_eq!(
            lambda_intro_exception("[ERROR] KeyError: 'order_id'"),
            Some(("KeyError".into(), "'order_id'".into()))
        );
    }
}
