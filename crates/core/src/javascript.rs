//! JavaScript stack traces: V8 (Node.js, Chrome, Deno) `    at f (file:l:c)`
//! frames and SpiderMonkey/JavaScriptCore (Firefox, Safari) `f@file:l:c`
//! frames, Node's uncaught-error preamble, `[cause]:` blocks and the object
//! dumps Node prints after the frames.
//!
//! Like JVM traces they are recognised at their first frame, and their header
//! (`TypeError: msg`) and Node's preamble (`/app/x.js:10`, the source line, a
//! caret line, a blank line) are claimed back from the writer's recent lines.

use std::sync::LazyLock;

use regex::Regex;

use crate::assemble::{Verdict, is_record_start};
use crate::event::{EventKind, Exception, Frame};
use crate::paths;

/// `    at [async |new ]function (location)` or `    at location`, with an
/// optional ` {` that opens Node's property dump.
static V8_FRAME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s+at (?:(?:async|new) )?(?:(.+?) \((.*)\)|(\S+:\d+(?::\d+)?|<anonymous>|native))(\s*\{)?\s*$")
        .expect("v8 frame regex")
});

/// `function@location:line:column` (Firefox, Safari), `@location` for global code.
/// Safari also prints an anonymous function's frame as the bare location.
static GECKO_FRAME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:([^@\s]*)@((?:https?|file|webpack|blob|moz-extension|chrome-extension|resource|app|capacitor)://\S*|/\S*|\[native code\]|.* > eval\S*)|()((?:https?|file|webpack)://\S+:\d+:\d+))\s*$")
        .expect("gecko frame regex")
});

/// `TypeError: message`, `Uncaught Error: message`, `AggregateError`.
static HEADER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:Uncaught (?:\(in promise\) )?)?((?:[A-Za-z_$][\w$]*\.)*[A-Z][\w$]*(?:Error|Exception|Failure)|Error|[A-Z][\w$]*)(?: \[[A-Z0-9_]+\])?(?:: (.*)|:)?\s*$")
        .expect("js header regex")
});

/// An error printed after text of the program's own on the same line
/// (`console.error("sync failed:", err)`).
static EMBEDDED_HEADER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s:(])((?:[A-Za-z_$][\w$]*\.)*[A-Z][\w$]*(?:Error|Exception))(?: \[[A-Z0-9_]+\])?: (.*)$")
        .expect("embedded header regex")
});

/// Node's preamble location line: `/app/x.js:10` or `file:///app/x.mjs:10`.
static PREAMBLE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:file://)?(?:/|[A-Za-z]:\\|node:|<anonymous[\w]*>)\S*:\d+\s*$")
        .expect("preamble regex")
});

/// `Emitted 'error' event on X instance at:` before the emitting frames.
static EMITTED_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^Emitted '[^']*' event .* at:\s*$").expect("emitted regex"));

static CAUSE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\[cause\]|caused by): (.*?)\s*(\{)?\s*$").expect("cause regex")
});

static MATCHING_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s+\.\.\. (\d+) (?:more )?lines? matching cause stack trace \.\.\.\s*$")
        .expect("matching regex")
});

/// Header and message lines tolerated before the first frame.
const MAX_HEADER_LINES: usize = 8;
/// Lines of a property dump after the frames.
const MAX_DUMP_LINES: usize = 200;

pub(crate) fn is_v8_frame(line: &str) -> bool {
    line.starts_with([' ', '\t']) && V8_FRAME_RE.is_match(line)
}

pub(crate) fn is_gecko_frame(line: &str) -> bool {
    !line.starts_with([' ', '\t']) && GECKO_FRAME_RE.is_match(line)
}

pub(crate) fn is_frame(line: &str) -> bool {
    is_v8_frame(line) || is_gecko_frame(line)
}

/// The error name and message of a header line.
pub(crate) fn parse_header(line: &str) -> Option<(&str, &str)> {
    let caps = HEADER_RE
        .captures(line.trim_end())
        .or_else(|| EMBEDDED_HEADER_RE.captures(line.trim_end()))?;
    Some((
        caps.get(1)?.as_str(),
        caps.get(2).map_or("", |m| m.as_str()),
    ))
}

/// Node's preamble location line (`/app/x.js:10`), the first line Node prints
/// for an uncaught error.
pub(crate) fn is_preamble_location(line: &str) -> bool {
    PREAMBLE_RE.is_match(line)
}

/// How many of the writer's recent lines (oldest first) belong to a trace whose
/// first frame comes next: the header with its message lines, and Node's
/// preamble before it. A Firefox/Safari stack has no header of its own; the
/// line before it is taken when it reads like one.
pub(crate) fn header_lines(recent: &[String], gecko: bool) -> Option<(usize, bool)> {
    let mut header_at = None;
    // Blank lines may sit inside a message (`assert` prints a diff between them).
    for (n, line) in recent.iter().rev().enumerate() {
        if n >= MAX_HEADER_LINES || is_frame(line) {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        if parse_header(line).is_some() {
            header_at = Some(n);
            break;
        }
        if is_record_start(line) {
            break;
        }
    }
    let Some(n) = header_at else {
        return gecko.then_some((0, true));
    };
    let taken = n + 1;
    // Node's preamble: location, source line, caret line, blank line.
    let before = &recent[..recent.len() - taken];
    if let [.., location, source, caret, blank] = before
        && blank.trim().is_empty()
        && caret.trim_start().starts_with('^')
        && caret.trim().bytes().all(|b| b == b'^' || b == b' ')
        && !source.trim().is_empty()
        && PREAMBLE_RE.is_match(location)
    {
        // An uncaught crash: the preamble starts the event, no log line introduces it.
        return Some((taken + 4, false));
    }
    Some((taken, true))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Frames (and `[cause]` headers between them).
    Frames,
    /// Inside a `{ … }` property dump, at this brace depth.
    Dump { depth: usize, lines: usize },
    /// After the dump's closing brace: nothing more belongs to the trace.
    Closed,
}

impl State {
    pub(crate) fn offer(&mut self, line: &str) -> Verdict {
        match *self {
            State::Frames => {
                if EMITTED_RE.is_match(line) {
                    return Verdict::Take;
                }
                if is_frame(line) || MATCHING_RE.is_match(line) {
                    if line.trim_end().ends_with('{') {
                        *self = State::Dump { depth: 1, lines: 0 };
                    }
                    return Verdict::Take;
                }
                if let Some(caps) = CAUSE_RE.captures(line) {
                    if caps.get(2).is_some() {
                        *self = State::Dump { depth: 1, lines: 0 };
                    }
                    return Verdict::Take;
                }
                Verdict::End
            }
            State::Dump { depth, lines } => {
                if lines >= MAX_DUMP_LINES || line.trim().is_empty() {
                    return Verdict::End;
                }
                // Frames of a `[cause]` inside the dump, and nested causes.
                if is_frame(line) || MATCHING_RE.is_match(line) || CAUSE_RE.is_match(line) {
                    let opens = usize::from(line.trim_end().ends_with('{'));
                    *self = State::Dump {
                        depth: depth + opens,
                        lines: lines + 1,
                    };
                    return Verdict::Take;
                }
                let t = line.trim();
                let mut depth = depth;
                if t.starts_with('}') || t.starts_with(']') {
                    depth = depth.saturating_sub(1);
                }
                if t.ends_with('{') || t.ends_with('[') {
                    depth += 1;
                }
                *self = if depth == 0 {
                    State::Closed
                } else {
                    State::Dump {
                        depth,
                        lines: lines + 1,
                    }
                };
                Verdict::Take
            }
            State::Closed => Verdict::End,
        }
    }

    pub(crate) fn is_complete(self) -> bool {
        true
    }
}

/// Not the application: dependencies, Node's own modules, native code.
pub(crate) fn is_in_app(file: &str) -> bool {
    !(file.contains("/node_modules/")
        || file.starts_with("node:")
        || file.starts_with("internal/")
        || file == "<anonymous>"
        || file == "native"
        || file.starts_with('<')
        || file.is_empty())
}

fn location_parts(location: &str) -> (String, Option<u32>) {
    // `file:line:column`, `file:line`, or a bare name (`<anonymous>`, `index 0`).
    let mut parts = location.rsplitn(3, ':');
    let last = parts.next().unwrap_or("");
    let mid = parts.next();
    let rest = parts.next();
    match (rest, mid) {
        (Some(file), Some(line))
            if last.bytes().all(|b| b.is_ascii_digit())
                && line.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (file.to_string(), line.parse().ok())
        }
        (_, Some(file_and_more))
            if last.bytes().all(|b| b.is_ascii_digit()) && !last.is_empty() =>
        {
            let file = match rest {
                Some(r) => format!("{r}:{file_and_more}"),
                None => file_and_more.to_string(),
            };
            (file, last.parse().ok())
        }
        _ => (location.to_string(), None),
    }
}

fn make_frame(function: &str, location: &str) -> Frame {
    let location = location.trim();
    let (file, line) = location_parts(location);
    let function = function
        .split(" [as ")
        .next()
        .unwrap_or(function)
        .trim_start_matches("async ")
        .trim_start_matches("new ")
        .to_string();
    let path = file.strip_prefix("file://").unwrap_or(&file);
    let path = match path.rfind("/node_modules/") {
        Some(i) => path[i + "/node_modules/".len()..].to_string(),
        None => paths::app_relative(path),
    };
    Frame {
        in_app: is_in_app(&file),
        file,
        path,
        line,
        function,
        source: None,
        repeated: 0,
    }
}

fn parse_frame(line: &str) -> Option<Frame> {
    if let Some(caps) = V8_FRAME_RE.captures(line) {
        if let (Some(function), Some(location)) = (caps.get(1), caps.get(2)) {
            return Some(make_frame(function.as_str(), location.as_str()));
        }
        let location = caps.get(3)?.as_str();
        return Some(make_frame("", location));
    }
    let caps = GECKO_FRAME_RE.captures(line.trim_end())?;
    let location = caps.get(2).or(caps.get(4))?.as_str();
    Some(make_frame(caps.get(1).map_or("", |m| m.as_str()), location))
}

/// Parses a JavaScript trace: preamble (skipped), header, frames, `[cause]:`
/// blocks (nested causes), property dumps (skipped). The chain comes out
/// oldest cause first, frames outermost call first.
pub(crate) fn parse(lines: &[&str]) -> (EventKind, Vec<Exception>) {
    // Exceptions as printed (outermost first), each with the places where Node
    // elided frames shared with its cause (`... N lines matching cause stack trace ...`).
    let mut printed: Vec<(Exception, Vec<(usize, usize)>)> = Vec::new();
    let mut in_message = false;
    // Inside an AggregateError's `[errors]: [ … ]` list: its members are not the chain.
    let mut errors_list: Option<usize> = None;
    for line in lines {
        let indent = line.len() - line.trim_start().len();
        if let Some(depth) = errors_list {
            if line.trim() == "]" && indent <= depth {
                errors_list = None;
            }
            continue;
        }
        if line.trim_start().starts_with("[errors]: [") {
            errors_list = Some(indent);
            continue;
        }
        if let Some(caps) = CAUSE_RE.captures(line) {
            let (ty, message) = parse_header(&caps[1]).unwrap_or(("Error", &caps[1]));
            printed.push((
                Exception {
                    ty: ty.to_string(),
                    message: message.to_string(),
                    ..Exception::default()
                },
                Vec::new(),
            ));
            in_message = false;
            continue;
        }
        if let Some(caps) = MATCHING_RE.captures(line) {
            if let Some((exc, elided)) = printed.last_mut() {
                elided.push((exc.frames.len(), caps[1].parse().unwrap_or(0)));
            }
            continue;
        }
        if is_frame(line) {
            in_message = false;
            if let Some(frame) = parse_frame(line) {
                if printed.is_empty() {
                    printed.push((Exception::default(), Vec::new()));
                }
                printed.last_mut().expect("not empty").0.frames.push(frame);
            }
            continue;
        }
        if printed.is_empty() {
            if let Some((ty, message)) = parse_header(line) {
                printed.push((
                    Exception {
                        ty: ty.to_string(),
                        message: message.to_string(),
                        ..Exception::default()
                    },
                    Vec::new(),
                ));
                in_message = true;
            }
            continue;
        }
        if in_message && let Some((exc, _)) = printed.last_mut() {
            exc.message.push('\n');
            exc.message.push_str(line.trim_end());
        }
    }
    restore_elided_frames(&mut printed);
    let mut chain =
        crate::grammar::newest_first_to_cause_order(printed.into_iter().map(|(e, _)| e).collect());
    // `console.trace()` prints `Trace: message` and the stack: a dump, not an error.
    if chain.len() == 1 && chain[0].ty == "Trace" {
        chain[0].ty.clear();
        chain[0].message.clear();
        return (EventKind::Stack, chain);
    }
    (EventKind::Exception, chain)
}

/// Node prints an error's frames that also appear in its cause's stack as
/// `... N lines matching cause stack trace ...`. The frames are put back from
/// the cause (innermost first, so a cause is complete before its error uses
/// it): after the frame before the marker, the cause continues with the N
/// elided ones. Without this the same error would hash differently when a
/// JSON logger prints the full stack.
fn restore_elided_frames(printed: &mut [(Exception, Vec<(usize, usize)>)]) {
    for i in (0..printed.len().saturating_sub(1)).rev() {
        let (head, tail) = printed.split_at_mut(i + 1);
        let (exc, elided) = &mut head[i];
        let cause = &tail[0].0.frames;
        for &(at, count) in elided.iter().rev() {
            let anchor = at.checked_sub(1).and_then(|a| exc.frames.get(a));
            let start = anchor
                .and_then(|f| {
                    cause.iter().position(|c| {
                        c.function == f.function && c.file == f.file && c.line == f.line
                    })
                })
                .map(|p| p + 1);
            if let Some(start) = start
                && start + count <= cause.len()
            {
                let restored: Vec<_> = cause[start..start + count].to_vec();
                exc.frames.splice(at..at, restored);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        for line in [
            "    at invoiceTotal (/app/billing.js:6:29)",
            "    at async Promise.all (index 0)",
            "    at new Invoice (/app/invoice.js:3:11)",
            "    at Object.<anonymous> (/app/x.js:19:13)",
            "    at file:///app/report.mjs:4:9",
            "    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:164:12)",
            "    at node:internal/main/run_main_module:28:49 {",
            "lineTotal@https://shop.example.com/static/js/main.3f9a1c2b.js:2:18344",
            "@https://shop.example.com/static/js/main.3f9a1c2b.js:2:31337",
        ] {
            assert!(is_frame(line), "{line}");
        }
        assert!(!is_frame("\tat com.acme.Foo.bar(Foo.java:10)"));
        assert!(!is_frame("contact bob@example.com for access"));
        let f = parse_frame("    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:164:12)").unwrap();
        assert_eq!(
            (f.function.as_str(), f.file.as_str(), f.line, f.in_app),
            (
                "Function.executeUserEntryPoint",
                "node:internal/modules/run_main",
                Some(164),
                false
            )
        );
        let f = parse_frame("    at file:///app/report.mjs:4:9").unwrap();
        assert_eq!(
            (f.file.as_str(), f.line),
            ("file:///app/report.mjs", Some(4))
        );
    }

    #[test]
    fn preamble_and_header_are_claimed_back() {
        let recent: Vec<String> = [
            "2026-11-21 INFO starting",
            "/app/billing.js:6",
            "  const net = invoice.lines.reduce((s, l) => s + l.qty, 0);",
            "                            ^",
            "",
            "TypeError: Cannot read properties of undefined (reading 'reduce')",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(header_lines(&recent, false), Some((5, false)));
        assert_eq!(header_lines(&recent[..1], false), None);
    }

    #[test]
    fn causes_in_order() {
        let text = "StartupError: aborted\n    at start (/app/a.js:29:11)\n    at x (/app/a.js:33:1) {\n  [cause]: Error: cannot read config\n      at readConfig (/app/a.js:20:11) {\n    code: 'ENOENT'\n  }\n}";
        let lines: Vec<&str> = text.lines().collect();
        let (_, chain) = parse(&lines);
        let types: Vec<&str> = chain.iter().map(|e| e.ty.as_str()).collect();
        assert_eq!(types, ["Error", "StartupError"]);
        assert_eq!(chain[1].frames.last().unwrap().function, "start");
        let mut state = State::Frames;
        let verdicts: Vec<Verdict> = lines[1..].iter().map(|l| state.offer(l)).collect();
        assert!(verdicts.iter().all(|v| *v == Verdict::Take), "{verdicts:?}");
        assert_eq!(state.offer(""), Verdict::End);
    }
}
