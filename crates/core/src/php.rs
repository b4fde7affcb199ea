//! PHP uncaught exceptions: `PHP Fatal error:  Uncaught Class: msg in
//! file:line`, `Stack trace:`, `#N file(line): fn()`, `{main}`, `Next …`
//! sections for previous exceptions, `  thrown in … on line N`; and
//! Monolog/Laravel records (`"exception":"[object] (Class(code: 0): msg at
//! file:line)`, `[stacktrace]`, `[previous exception]`).

use std::sync::LazyLock;

use regex::Regex;

use crate::assemble::{Verdict, is_record_start};
use crate::event::{EventKind, Exception, Frame};
use crate::paths;

/// `Uncaught Class: message in file:line` (the class may be namespaced).
static UNCAUGHT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:PHP )?(?:Fatal error|Uncaught exception)?:?\s*Uncaught ([A-Za-z_\\][\w\\]*)(?:: (.*?))?(?: in (\S+):(\d+))?\s*$")
        .expect("php uncaught regex")
});

/// A report's first line without `Uncaught` (as `(string) $e` prints it):
/// `Class: message in file:line`; the message may span lines.
static PLAIN_HEADER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^((?:[A-Za-z_\\][\w\\]*)?(?:Exception|Error)\w*): (.*?)(?: in (\S+):(\d+))?\s*$")
        .expect("php plain header regex")
});

/// How many of the writer's recent lines (oldest first) hold the header of a
/// report whose `Stack trace:` line comes next.
pub(crate) fn header_lines(recent: &[String]) -> Option<usize> {
    for (n, line) in recent.iter().rev().enumerate() {
        if n >= MAX_MESSAGE_LINES || line.trim().is_empty() {
            return None;
        }
        if PLAIN_HEADER_RE.is_match(line) {
            return Some(n + 1);
        }
    }
    None
}

/// `Next Class: message in file:line`.
static NEXT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^Next ([A-Za-z_\\][\w\\]*)(?:: (.*?))?(?: in (\S+):(\d+))?\s*$")
        .expect("php next regex")
});

/// Monolog's `[object] (Class(code: 0): message at file:line)`, also after `[previous exception] `.
static OBJECT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[object\] \(([A-Za-z_\\][\w\\]*)\(code: [^)]*\): (.*?) at (\S+):(\d+)\)\s*$")
        .expect("php object regex")
});

/// `#3 /app/x.php(14): App\Foo->bar('x')`, `#4 [internal function]: f()`, `#5 {main}`.
static FRAME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^#\d+ (?:(\S+?)\((\d+)\)|\[internal function\]|(\{main\}))(?:: ([^(]*?)(?:\(.*\))?)?\s*$",
    )
    .expect("php frame regex")
});

static THROWN_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s+thrown in \S+ on line \d+\s*$").expect("php thrown regex"));

pub(crate) const MAX_MESSAGE_LINES: usize = 20;

/// Where a PHP report starts in a line (after any log prefix), and whether it
/// is a Monolog record.
pub(crate) fn find_start(line: &str) -> Option<(usize, bool)> {
    if let Some(at) = line.find("Uncaught ") {
        let start = [
            "PHP Fatal error:",
            "Fatal error:",
            "PHP Uncaught",
            "Uncaught ",
        ]
        .iter()
        .filter_map(|m| {
            line[..=at]
                .rfind(m)
                .or_else(|| line[at..].starts_with(m).then_some(at))
        })
        .min()
        .unwrap_or(at);
        if UNCAUGHT_RE.is_match(&line[start..]) {
            return Some((start, false));
        }
    }
    if line.contains("[object] (") && OBJECT_RE.is_match(line) {
        return Some((0, true));
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Message lines and stack traces until `thrown in`.
    Report { message_lines: usize },
    /// A Monolog record: `[stacktrace]`, frames, `[previous exception]`, up to `"}`.
    Monolog,
    /// After `#N {main}`: a `Next` section or `thrown in` may follow.
    Main,
    /// After the last line.
    Closed,
}

impl State {
    pub(crate) fn offer(&mut self, line: &str) -> Verdict {
        match *self {
            State::Report { message_lines } => {
                if THROWN_RE.is_match(line) {
                    *self = State::Closed;
                    return Verdict::Take;
                }
                if line.trim().is_empty() {
                    return Verdict::Hold;
                }
                if line.trim_end().ends_with("{main}") && FRAME_RE.is_match(line) {
                    *self = State::Main;
                    return Verdict::Take;
                }
                if line.starts_with("Stack trace:")
                    || FRAME_RE.is_match(line)
                    || NEXT_RE.is_match(line)
                {
                    *self = State::Report {
                        message_lines: MAX_MESSAGE_LINES,
                    };
                    return Verdict::Take;
                }
                if message_lines < MAX_MESSAGE_LINES && !is_record_start(line) {
                    *self = State::Report {
                        message_lines: message_lines + 1,
                    };
                    return Verdict::Take;
                }
                Verdict::End
            }
            State::Monolog => {
                let t = line.trim_end();
                if t.is_empty() {
                    return Verdict::Hold;
                }
                if t == "[stacktrace]"
                    || FRAME_RE.is_match(t)
                    || t.starts_with("[previous exception] ")
                {
                    return Verdict::Take;
                }
                if t.starts_with("\"}") {
                    *self = State::Closed;
                    return Verdict::Take;
                }
                Verdict::End
            }
            State::Main => {
                if THROWN_RE.is_match(line) {
                    *self = State::Closed;
                    return Verdict::Take;
                }
                if line.trim().is_empty() {
                    return Verdict::Hold;
                }
                if NEXT_RE.is_match(line) {
                    *self = State::Report { message_lines: 0 };
                    return Verdict::Take;
                }
                Verdict::End
            }
            State::Closed => Verdict::End,
        }
    }

    pub(crate) fn is_complete(self) -> bool {
        matches!(self, State::Closed | State::Monolog | State::Main)
    }
}

pub(crate) fn is_in_app(file: &str) -> bool {
    !(file.contains("/vendor/") || file.is_empty() || file.starts_with('['))
}

fn unescape(s: &str) -> String {
    // Monolog records hold JSON-escaped text: `App\\Foo`.
    s.replace("\\\\", "\\")
        .replace("\\/", "/")
        .replace("\\\"", "\"")
}

fn frame(file: &str, line: Option<u32>, function: &str) -> Frame {
    let file = unescape(file);
    let path = match file.find("/vendor/") {
        Some(i) => file[i + "/vendor/".len()..].to_string(),
        None => paths::app_relative(&file),
    };
    Frame {
        in_app: is_in_app(&file),
        path,
        file,
        line,
        function: unescape(function.trim()),
        source: None,
        repeated: 0,
    }
}

/// Parses a PHP report: exceptions in print order (PHP prints the previous,
/// i.e. older, exception first, then `Next` the ones it caused; Monolog prints
/// the newest first and `[previous exception]` after). Frames outermost first.
pub(crate) fn parse(lines: &[&str]) -> (EventKind, Vec<Exception>) {
    let mut printed: Vec<(Exception, Option<(String, u32)>)> = Vec::new();
    let mut monolog = false;
    let mut in_message = false;
    for line in lines {
        let object = OBJECT_RE.captures(line);
        if let Some(caps) = object {
            monolog = true;
            in_message = false;
            let exc = Exception {
                ty: unescape(&caps[1]),
                message: unescape(&caps[2]),
                ..Exception::default()
            };
            printed.push((
                exc,
                Some((caps[3].to_string(), caps[4].parse().unwrap_or(0))),
            ));
            continue;
        }
        let header = if printed.is_empty() {
            UNCAUGHT_RE
                .captures(line)
                .or_else(|| PLAIN_HEADER_RE.captures(line))
        } else {
            NEXT_RE.captures(line)
        };
        if let Some(caps) = header {
            in_message = true;
            let exc = Exception {
                ty: caps[1].to_string(),
                message: caps.get(2).map_or("", |m| m.as_str()).to_string(),
                ..Exception::default()
            };
            let at = caps
                .get(3)
                .map(|f| (f.as_str().to_string(), caps[4].parse().unwrap_or(0)));
            printed.push((exc, at));
            continue;
        }
        if let Some(caps) = FRAME_RE.captures(line.trim_end()) {
            in_message = false;
            if caps.get(3).is_some() {
                continue; // {main}
            }
            if let Some((exc, _)) = printed.last_mut() {
                let file = caps.get(1).map_or("[internal function]", |m| m.as_str());
                let line_no = caps.get(2).and_then(|m| m.as_str().parse().ok());
                exc.frames
                    .push(frame(file, line_no, caps.get(4).map_or("", |m| m.as_str())));
            }
            continue;
        }
        if line.starts_with("Stack trace:") || THROWN_RE.is_match(line) {
            in_message = false;
            continue;
        }
        if in_message
            && !line.trim().is_empty()
            && let Some((exc, at)) = printed.last_mut()
        {
            // A multi-line message: ` in file:line` ends its last line.
            let text = line.trim_end();
            match text.rsplit_once(" in ") {
                Some((msg, loc)) if loc.contains(':') && at.is_none() => {
                    exc.message.push('\n');
                    exc.message.push_str(msg);
                    if let Some((f, l)) = loc.rsplit_once(':') {
                        *at = Some((f.to_string(), l.parse().unwrap_or(0)));
                    }
                }
                _ => {
                    exc.message.push('\n');
                    exc.message.push_str(text);
                }
            }
        }
    }
    let mut chain: Vec<Exception> = Vec::new();
    for (mut exc, at) in printed {
        // PHP prints the caller's location with the called function; the
        // throw site itself comes from `in file:line`.
        if let Some((file, line)) = at {
            let function = exc
                .frames
                .first()
                .map(|f| f.function.clone())
                .unwrap_or_default();
            exc.frames.insert(0, frame(&file, Some(line), &function));
        }
        exc.frames.reverse();
        chain.push(exc);
    }
    if monolog {
        chain.reverse();
    }
    if chain.is_empty() {
        chain.push(Exception::default());
    }
    (EventKind::Exception, chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_with_next() {
        let text = "PHP Fatal error:  Uncaught App\\Gateway\\CardDeclined: card declined in /app/src/Gateway.php:10
Stack trace:
#0 /app/charge.php(17): App\\Gateway->capture(12500, '4000')
#1 {main}

Next App\\Billing\\ChargeException: charge failed in /app/charge.php:19
Stack trace:
#0 /app/charge.php(24): App\\Billing\\Charger->charge('40787', 12500)
#1 {main}
  thrown in /app/charge.php on line 19";
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(find_start(lines[0]), Some((0, false)));
        let mut state = State::Report { message_lines: 0 };
        let verdicts: Vec<Verdict> = lines[1..].iter().map(|l| state.offer(l)).collect();
        assert!(
            verdicts
                .iter()
                .all(|v| matches!(v, Verdict::Take | Verdict::Hold)),
            "{verdicts:?}"
        );
        assert_eq!(state.offer("next line"), Verdict::End);
        let (_, chain) = parse(&lines);
        let types: Vec<&str> = chain.iter().map(|e| e.ty.as_str()).collect();
        assert_eq!(
            types,
            [
                "App\\Gateway\\CardDeclined",
                "App\\Billing\\ChargeException"
            ]
        );
        assert_eq!(chain[0].message, "card declined");
        assert_eq!(chain[0].frames.last().unwrap().line, Some(10));
    }
}
