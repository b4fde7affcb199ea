//! Rust panics and error reports: `thread 'main' panicked at src/main.rs:2:5:`
//! with the message on the next lines (Rust ≥ 1.73) or the older one-line form
//! `thread 'main' panicked at 'msg', src/main.rs:2:5`; `stack backtrace:` with
//! numbered symbols and `at path:l:c` lines; the `note:` lines; and
//! anyhow/eyre reports returned from `main` (`Error: top`, `Caused by:` list).

use std::sync::LazyLock;

use regex::Regex;

use crate::assemble::{Verdict, is_record_start};
use crate::event::{EventKind, Exception, Frame};
use crate::paths;

/// `thread 'name' (tid) panicked at location:` (new) or `… panicked at 'msg', location` (old).
static PANIC_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^thread '([^']*)'(?: \(\d+\))? panicked at (?:'(.*)', (\S+?):(\d+)(?::\d+)?|(\S+?):(\d+)(?::\d+)?:|'(.*))\s*$")
        .expect("rust panic regex")
});

/// A backtrace symbol line: `  12: crate::module::function` (with an address in full mode).
static SYMBOL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*\d+:\s+(?:0x[0-9a-f]+ - )?(.+?)(?:::h[0-9a-f]{16})?\s*$")
        .expect("rust symbol regex")
});

static AT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s+at (\S+?):(\d+)(?::\d+)?\s*$").expect("rust at regex"));

/// The end of an old-style panic message that spans lines: `…', src/main.rs:22:9`.
static OLD_END_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.*)', (\S+?):(\d+)(?::\d+)?\s*$").expect("rust old end regex"));

/// `Error: Kind { … }` or `Error: Kind(…)`: a `main` that returned an error's
/// `Debug` form, with nothing after it.
static DEBUG_ERROR_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^Error: [A-Z]\w*(?:::\w+)*(?: \{.*\}|\(.*\))\s*$").expect("rust debug error regex")
});

pub(crate) fn is_debug_error(line: &str) -> bool {
    line.starts_with("Error: ") && DEBUG_ERROR_RE.is_match(line)
}

/// An anyhow/eyre cause: `    0: message`.
static CAUSE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s+(\d+): (.*)$").expect("rust cause regex"));

const MAX_MESSAGE_LINES: usize = 40;

pub(crate) fn is_panic_line(line: &str) -> bool {
    line.starts_with("thread '") && line.contains(" panicked at ") && PANIC_RE.is_match(line)
}

/// How many of the writer's recent lines (oldest first) hold the `Error: …`
/// line (and its message lines and blank line) of a report whose `Caused by:`
/// comes next.
pub(crate) fn error_lines(recent: &[String]) -> Option<usize> {
    for (n, line) in recent.iter().rev().enumerate() {
        if n >= 12 {
            return None;
        }
        if line.starts_with("Error: ") {
            return Some(n + 1);
        }
        if is_record_start(line) {
            return None;
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// After the panic line: message lines, notes, `stack backtrace:`.
    Message { lines: usize },
    /// Inside `stack backtrace:` or an anyhow `Caused by:` list.
    Backtrace,
    /// After the closing `note:` line.
    Closed,
}

impl State {
    pub(crate) fn offer(&mut self, line: &str) -> Verdict {
        match *self {
            State::Message { lines } => {
                if line.starts_with("note: ") {
                    *self = State::Closed;
                    return Verdict::Take;
                }
                if line.starts_with("stack backtrace:")
                    || line.starts_with("Stack backtrace:")
                    || line == "Caused by:"
                {
                    *self = State::Backtrace;
                    return Verdict::Take;
                }
                if line.trim().is_empty() {
                    return Verdict::Hold;
                }
                if lines < MAX_MESSAGE_LINES && !is_record_start(line) && !is_panic_line(line) {
                    *self = State::Message { lines: lines + 1 };
                    return Verdict::Take;
                }
                Verdict::End
            }
            State::Backtrace => {
                if line.starts_with("note: ") {
                    *self = State::Closed;
                    return Verdict::Take;
                }
                if line.trim().is_empty() {
                    return Verdict::Hold;
                }
                // Frames, an anyhow cause list (numbered, or one unnumbered
                // cause), eyre's `Location:` section.
                if line.starts_with([' ', '\t'])
                    || line.starts_with("Stack backtrace:")
                    || line.starts_with("stack backtrace:")
                    || line.starts_with("Location:")
                {
                    return Verdict::Take;
                }
                Verdict::End
            }
            State::Closed => Verdict::End,
        }
    }

    pub(crate) fn is_complete(self) -> bool {
        true
    }
}

pub(crate) fn is_in_app(function: &str, file: &str) -> bool {
    !(file.contains("/rustc/")
        || file.contains("/.cargo/registry/")
        || file.contains("/cargo/registry/")
        || function.starts_with("std::")
        || function.starts_with("core::")
        || function.starts_with("alloc::")
        || function.starts_with("<std::")
        || function.starts_with("<core::")
        || function.starts_with("<alloc::")
        || function.starts_with("__rust")
        || function.starts_with("rust_begin_unwind")
        || function.starts_with("tokio::")
        || function.starts_with("<tokio::"))
}

fn make_frame(function: &str, file: &str, line: Option<u32>) -> Frame {
    let path = match file.find("/registry/src/") {
        Some(i) => file[i + "/registry/src/".len()..]
            .split_once('/')
            .map_or(file, |(_, rest)| rest)
            .to_string(),
        None => paths::app_relative(file),
    };
    Frame {
        in_app: is_in_app(function, file),
        file: file.to_string(),
        path,
        line,
        function: function.to_string(),
        source: None,
        repeated: 0,
    }
}

/// Parses a panic (message, backtrace frames) or an anyhow report (the
/// message and its `Caused by:` list, oldest cause first).
pub(crate) fn parse(lines: &[&str]) -> (EventKind, Vec<Exception>) {
    let mut exc = Exception::default();
    let mut causes: Vec<Exception> = Vec::new();
    let mut location: Option<(String, u32)> = None;
    let mut frames: Vec<Frame> = Vec::new();
    let mut section = 0; // 0 message, 1 causes, 2 backtrace
    let mut old_open = false;
    for line in lines {
        if let Some(caps) = PANIC_RE.captures(line) {
            exc.ty = "panic".to_string();
            if let Some(msg) = caps.get(2) {
                exc.message = msg.as_str().to_string();
                location = Some((caps[3].to_string(), caps[4].parse().unwrap_or(0)));
            } else if let Some(open) = caps.get(7) {
                // An old-style message that spans lines, closed by `', location`.
                exc.message = open.as_str().to_string();
                old_open = true;
            } else {
                location = Some((caps[5].to_string(), caps[6].parse().unwrap_or(0)));
            }
            continue;
        }
        if let Some(message) = line.strip_prefix("Error: ")
            && exc.ty.is_empty()
        {
            exc.ty = "Error".to_string();
            exc.message = message.to_string();
            continue;
        }
        if old_open {
            exc.message.push('\n');
            if let Some(caps) = OLD_END_RE.captures(line) {
                exc.message.push_str(&caps[1]);
                location = Some((caps[2].to_string(), caps[3].parse().unwrap_or(0)));
                old_open = false;
            } else {
                exc.message.push_str(line);
            }
            continue;
        }
        if *line == "Caused by:" {
            section = 1;
            continue;
        }
        if line.starts_with("Location:") {
            section = 3;
            continue;
        }
        if line.starts_with("stack backtrace:") || line.starts_with("Stack backtrace:") {
            section = 2;
            continue;
        }
        if line.starts_with("note: ") || line.trim().is_empty() {
            continue;
        }
        match section {
            0 => {
                if !exc.message.is_empty() {
                    exc.message.push('\n');
                }
                exc.message.push_str(line);
            }
            1 => {
                let message = CAUSE_RE
                    .captures(line)
                    .map_or_else(|| line.trim().to_string(), |c| c[2].to_string());
                causes.push(Exception {
                    ty: "Error".to_string(),
                    message,
                    ..Exception::default()
                });
            }
            3 => {
                // eyre's `Location:`: where the report was created.
                if let Some((file, l)) = line
                    .trim()
                    .rsplit_once(':')
                    .and_then(|(f, _)| f.rsplit_once(':'))
                {
                    location = Some((file.to_string(), l.parse().unwrap_or(0)));
                }
            }
            _ => {
                if let Some(caps) = AT_RE.captures(line) {
                    if let Some(last) = frames.last_mut()
                        && last.file.is_empty()
                    {
                        *last = make_frame(&last.function.clone(), &caps[1], caps[2].parse().ok());
                    }
                } else if let Some(caps) = SYMBOL_RE.captures(line) {
                    frames.push(make_frame(&caps[1], "", None));
                }
            }
        }
    }
    frames.reverse();
    if frames.is_empty()
        && let Some((file, line)) = location
    {
        frames.push(make_frame("", &file, Some(line)));
    }
    exc.frames = frames;
    // anyhow prints the newest error first, then its causes outward to the root.
    causes.reverse();
    causes.push(exc);
    (EventKind::Exception, causes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_and_reports() {
        assert!(is_panic_line("thread 'main' panicked at src/main.rs:2:5:"));
        assert!(is_panic_line(
            "thread 'tokio-rt-worker' (33) panicked at src/main.rs:13:20:"
        ));
        assert!(is_panic_line(
            "thread 'main' panicked at 'boom', src/main.rs:2:5"
        ));
        let text = "thread 'main' panicked at src/main.rs:27:31:
called `Result::unwrap()` on an `Err` value: NotFound
stack backtrace:
   0: __rustc::rust_begin_unwind
             at /rustc/abc/library/std/src/panicking.rs:689:5
   1: gateway::main
             at /usr/src/gateway/src/main.rs:27:31
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.";
        let lines: Vec<&str> = text.lines().collect();
        let mut state = State::Message { lines: 0 };
        assert!(lines[1..].iter().all(|l| state.offer(l) == Verdict::Take));
        assert_eq!(state.offer("next"), Verdict::End);
        let (_, chain) = parse(&lines);
        assert_eq!(chain[0].ty, "panic");
        assert_eq!(
            chain[0].message,
            "called `Result::unwrap()` on an `Err` value: NotFound"
        );
        assert_eq!(chain[0].crash_frame().unwrap().function, "gateway::main");
        let report = [
            "Error: cannot start",
            "",
            "Caused by:",
            "    0: config invalid",
            "    1: file missing",
        ];
        let (_, chain) = parse(&report);
        let messages: Vec<&str> = chain.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["file missing", "config invalid", "cannot start"]);
    }
}
