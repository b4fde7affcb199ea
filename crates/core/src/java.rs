//! JVM stack traces (Java, Kotlin, Scala, Groovy): recognition, the
//! continuation state machine and parsing into a cause-ordered chain.
//!
//! A JVM trace has no start marker of its own that logs do not also use
//! ("Exception", "Error"), so it is recognised at its first frame
//! (`\tat pkg.Class.method(File.java:10)`) and its header, printed just before
//! (`java.lang.IllegalStateException: msg`, possibly after
//! `Exception in thread "main" `, possibly over several message lines), is
//! claimed back from the writer's recent lines.

use std::sync::LazyLock;

use regex::Regex;

use crate::assemble::{Verdict, is_record_start};
use crate::event::{EventKind, Exception, Frame};

/// `at pkg.Class.method(File.java:10)`, with optional `~[jar:1.0]` / `[na:na]`
/// packaging data, module (`java.base/`) and class loader (`app//`) prefixes.
static FRAME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s+at\s+(?:[\w.$-]+(?:@[\w.-]+)?/(?:/)?)?([\w$.<>/\[\]-]+)\.([\w$<>\[\]-]+)\(([^()\s]+|Unknown Source|Native Method)\)(?:\s+~?\[[^\]]*\])?\s*$",
    )
    .expect("jvm frame regex")
});

/// A header line: optional `Exception in thread "…" `, then a throwable class
/// name (qualified, or ending like a throwable), then `: message` or nothing.
static HEADER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"^(?:Exception in thread "[^"]*" )?((?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*|[A-Za-z_$][\w$]*(?:Exception|Error|Throwable|Failure))(?::\s?(.*))?\s*$"#,
    )
    .expect("jvm header regex")
});

static CAUSED_BY_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(Caused by|Suppressed|Wrapped by): (.*)$").expect("caused by regex")
});

static MORE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*\.\.\. \d+ (?:more|common frames omitted)\s*$").expect("more regex")
});

/// Lines of Project Reactor's assembly report and Kotlin's coroutine markers.
static DECORATION_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:Error has been observed at the following site\(s\):|\*_+checkpoint\b.*|\|_ checkpoint\b.*|\*?_*checkpoint ⇢.*|Original Stack Trace:|\(Coroutine boundary\)|\(Coroutine creation stacktrace\))\s*$",
    )
    .expect("decoration regex")
});

/// Message lines tolerated between a header and its first frame.
const MAX_MESSAGE_LINES: usize = 40;
/// Blank lines tolerated inside a trace.
const MAX_BLANKS: usize = 2;

pub(crate) fn is_frame(line: &str) -> bool {
    line.starts_with([' ', '\t']) && FRAME_RE.is_match(line)
}

/// The class and message of a header line, if it is one.
pub(crate) fn parse_header(line: &str) -> Option<(&str, &str)> {
    let caps = HEADER_RE.captures(line.trim_end())?;
    let ty = caps.get(1)?.as_str();
    Some((ty, caps.get(2).map_or("", |m| m.as_str())))
}

/// How many of the writer's recent lines (oldest first) form the header of a
/// trace whose first frame comes next: the header line and any message lines
/// after it.
pub(crate) fn header_lines(recent: &[String]) -> Option<usize> {
    for (n, line) in recent.iter().rev().enumerate() {
        if line.trim().is_empty() || n >= MAX_MESSAGE_LINES {
            return None;
        }
        if parse_header(line).is_some() {
            return Some(n + 1);
        }
        // Message lines of a multi-line header cannot be log records or frames.
        if is_record_start(line) || is_frame(line) {
            return None;
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Frames and markers of an exception block.
    Frames { blanks: usize },
    /// After `Caused by:`/`Suppressed:` and before the first frame: message lines.
    Header { lines: usize },
}

impl State {
    pub(crate) fn offer(&mut self, line: &str) -> Verdict {
        let blank = line.trim().is_empty();
        match *self {
            State::Frames { blanks } => {
                if blank {
                    if blanks >= MAX_BLANKS {
                        return Verdict::End;
                    }
                    *self = State::Frames { blanks: blanks + 1 };
                    return Verdict::Hold;
                }
                if is_frame(line) || MORE_RE.is_match(line) || DECORATION_RE.is_match(line) {
                    *self = State::Frames { blanks: 0 };
                    return Verdict::Take;
                }
                if CAUSED_BY_RE.is_match(line) {
                    *self = State::Header { lines: 0 };
                    return Verdict::Take;
                }
                Verdict::End
            }
            State::Header { lines } => {
                if is_frame(line) || MORE_RE.is_match(line) {
                    *self = State::Frames { blanks: 0 };
                    return Verdict::Take;
                }
                if CAUSED_BY_RE.is_match(line) {
                    // A `Caused by:` printed without frames of its own.
                    return Verdict::Take;
                }
                if blank || lines >= MAX_MESSAGE_LINES || is_record_start(line) {
                    return Verdict::End;
                }
                *self = State::Header { lines: lines + 1 };
                Verdict::Take
            }
        }
    }

    pub(crate) fn is_complete(self) -> bool {
        true
    }
}

/// JVM in-app rule: the platform's own packages are not the application.
pub(crate) fn is_in_app(class: &str) -> bool {
    const LIBRARY: [&str; 14] = [
        "java.",
        "javax.",
        "jdk.",
        "sun.",
        "com.sun.",
        "kotlin.",
        "kotlinx.",
        "scala.",
        "groovy.",
        "org.codehaus.groovy.",
        "org.springframework.",
        "reactor.",
        "org.apache.",
        "io.netty.",
    ];
    !LIBRARY.iter().any(|p| class.starts_with(p))
}

fn make_frame(caps: &regex::Captures<'_>) -> Frame {
    let class = caps.get(1).map_or("", |m| m.as_str());
    let method = caps.get(2).map_or("", |m| m.as_str());
    let location = caps.get(3).map_or("", |m| m.as_str());
    let (file, line) = match location.rsplit_once(':') {
        Some((f, l)) => (f.to_string(), l.parse().ok()),
        None => (location.to_string(), None),
    };
    // The source path the class implies: its package as directories.
    let package = class.rsplit_once('.').map_or("", |(p, _)| p);
    let path = if package.is_empty() || !file.contains('.') {
        file.clone()
    } else {
        format!("{}/{}", package.replace('.', "/"), file)
    };
    Frame {
        file,
        path,
        line,
        function: format!("{class}.{method}"),
        source: None,
        in_app: is_in_app(class),
        repeated: 0,
    }
}

/// Parses a JVM trace: blocks of a header and frames, linked by `Caused by:`;
/// `Suppressed:` blocks (indented) are skipped. The chain comes out oldest cause
/// first, each exception's frames outermost call first.
pub(crate) fn parse(lines: &[&str]) -> (EventKind, Vec<Exception>) {
    let mut printed: Vec<Exception> = Vec::new();
    let mut current: Option<Exception> = None;
    let mut suppressed_indent: Option<usize> = None;
    let mut in_message = false;
    for line in lines {
        let indent = line.len() - line.trim_start().len();
        if let Some(depth) = suppressed_indent {
            // The block's own frames, its causes and further suppressed
            // exceptions are indented at least as deep as its `Suppressed:` line.
            if indent >= depth || line.trim().is_empty() {
                continue;
            }
            suppressed_indent = None;
        }
        if let Some(caps) = CAUSED_BY_RE.captures(line) {
            in_message = false;
            if &caps[1] == "Suppressed" {
                suppressed_indent = Some(indent);
                continue;
            }
            if let Some(done) = current.take() {
                printed.push(done);
            }
            let (ty, message) = parse_header(&caps[2]).unwrap_or((&caps[2], ""));
            current = Some(Exception {
                ty: ty.to_string(),
                message: message.to_string(),
                ..Exception::default()
            });
            in_message = true;
            continue;
        }
        if let Some(caps) = FRAME_RE.captures(line) {
            in_message = false;
            if let Some(exc) = current.as_mut() {
                exc.frames.push(make_frame(&caps));
            }
            continue;
        }
        if current.is_none() {
            if let Some((ty, message)) = parse_header(line) {
                current = Some(Exception {
                    ty: ty.to_string(),
                    message: message.to_string(),
                    ..Exception::default()
                });
                in_message = true;
            }
            continue;
        }
        if in_message
            && !MORE_RE.is_match(line)
            && !DECORATION_RE.is_match(line)
            && let Some(exc) = current.as_mut()
        {
            exc.message.push('\n');
            exc.message.push_str(line.trim_end());
        }
    }
    if let Some(done) = current.take() {
        printed.push(done);
    }
    (
        EventKind::Exception,
        crate::grammar::newest_first_to_cause_order(printed),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "java.lang.RuntimeException: request failed
\tat Main.main(Main.java:8)
\tSuppressed: java.lang.IllegalArgumentException: close failed
\t\tat Main.main(Main.java:9)
Caused by: java.lang.IllegalStateException: cannot save order 42
\tat Main.level2(Main.java:5)
\tat Main.main(Main.java:7)
Caused by: java.io.IOException: disk full on /var/data
\tat Main.level3(Main.java:4)
\t... 2 more";

    #[test]
    fn frames_and_headers() {
        assert!(is_frame(
            "\tat java.base/java.lang.Iterable.forEach(Iterable.java:75)"
        ));
        assert!(is_frame(
            "\tat com.acme.Foo$$EnhancerBySpringCGLIB$$1a2b.get(<generated>) ~[classes/:na]"
        ));
        assert!(is_frame(
            "    at app//com.acme.Foo.bar(Foo.kt:10) [app.jar:1.2]"
        ));
        assert!(!is_frame("    at Object.<anonymous> (/app/x.js:1:1)"));
        assert!(!is_frame(
            "   at Acme.Orders.Charge() in /src/Orders.cs:line 42"
        ));
        assert_eq!(
            parse_header(
                "Exception in thread \"main\" java.lang.NullPointerException: Cannot invoke"
            ),
            Some(("java.lang.NullPointerException", "Cannot invoke"))
        );
        assert_eq!(parse_header("com.acme.Boom"), Some(("com.acme.Boom", "")));
        assert_eq!(parse_header("2026-11-21 10:00:00 ERROR x - failed"), None);
    }

    #[test]
    fn chain_in_cause_order() {
        let lines: Vec<&str> = TRACE.lines().collect();
        let (_, chain) = parse(&lines);
        let types: Vec<&str> = chain.iter().map(|e| e.ty.as_str()).collect();
        assert_eq!(
            types,
            [
                "java.io.IOException",
                "java.lang.IllegalStateException",
                "java.lang.RuntimeException"
            ]
        );
        assert_eq!(chain[1].frames.last().unwrap().function, "Main.level2");
        assert_eq!(chain[1].frames.last().unwrap().line, Some(5));
        assert_eq!(
            chain[2].frames.len(),
            1,
            "suppressed frames are not the exception's"
        );
    }

    #[test]
    fn continuation() {
        let mut state = State::Frames { blanks: 0 };
        let verdicts: Vec<Verdict> = TRACE.lines().skip(1).map(|l| state.offer(l)).collect();
        assert!(verdicts.iter().all(|v| *v == Verdict::Take), "{verdicts:?}");
        assert_eq!(state.offer("2026-11-21 10:00:00 INFO next"), Verdict::End);
    }
}
