//! Go panics and fatal errors: `panic: msg` (also `[recovered]` and nested
//! `\tpanic:` lines), `fatal error: msg`, `http: panic serving addr: msg`,
//! `[signal …]`, then goroutine dumps (`goroutine N [state]:` followed by
//! function/location line pairs, `created by`, `...additional frames
//! elided...`). A dump of many goroutines is one event; its frames come from
//! the first goroutine, the one that panicked.

use std::sync::LazyLock;

use regex::Regex;

use crate::assemble::Verdict;
use crate::event::{EventKind, Exception, Frame};
use crate::paths;

static HEADER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(panic|fatal error): (.*?)|http: (panic) serving \S+: (.*?)|(SIGQUIT): quit)(?: \[recovered(?:, repanicked)?\])?\s*$")
        .expect("go header regex")
});

/// The standard `log` package's time stamp (`2026/11/21 16:10:24 `, with
/// optional microseconds) that `net/http` puts before `http: panic serving`.
static STD_LOG_TIME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? $").expect("go log time regex")
});

static GOROUTINE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^goroutine \d+(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[[^\]]*\]:\s*$")
        .expect("goroutine regex")
});

/// A function line of a goroutine dump: `pkg.fn(args)`, `created by pkg.fn`.
static FUNC_RE: LazyLock<Regex> = LazyLock::new(|| {
    // Greedy up to the argument list: method names hold parentheses (`main.(*T).M`).
    Regex::new(
        r"^(?:created by )?(?:(\S+)\([^()]*\)|([\w./*()\[\]{}$%~-]+))(?: in goroutine \d+)?\s*$",
    )
    .expect("go func regex")
});

/// The location line under a function line: `\t/path/file.go:21 +0xe6`.
static LOCATION_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s+(\S+?\.(?:go|s|c)):(\d+)(?: \+0x[0-9a-f]+)?(?: .*)?$")
        .expect("go location regex")
});

const MAX_HEADER_LINES: usize = 20;

/// How many of the writer's recent lines (oldest first) the runtime printed
/// before a `fatal error:` (`runtime: goroutine stack exceeds …`,
/// `unexpected fault address …`).
pub(crate) fn preamble_lines(recent: &[String]) -> usize {
    recent
        .iter()
        .rev()
        .take_while(|l| l.starts_with("runtime: ") || l.starts_with("unexpected fault address"))
        .count()
}

pub(crate) fn parse_header(line: &str) -> Option<(&str, &str)> {
    let line = match line.find("http: panic serving ") {
        Some(at) if at > 0 && STD_LOG_TIME_RE.is_match(&line[..at]) => &line[at..],
        _ => line,
    };
    let caps = HEADER_RE.captures(line)?;
    let ty = caps.get(1).or(caps.get(3)).or(caps.get(5))?.as_str();
    let message = caps.get(2).or(caps.get(4)).map_or("", |m| m.as_str());
    Some((if ty == "SIGQUIT" { "SIGQUIT" } else { ty }, message))
}

/// Where a Go report starts in a line that may carry a log prefix (which must
/// end with whitespace, so that `don't panic: …` in prose is not one).
/// Whether a header found by [`find_header`] starts with the `log` time stamp.
pub(crate) fn is_logged_header(content: &str) -> bool {
    content.find("http: panic serving ").is_some_and(|at| {
        STD_LOG_TIME_RE
            .find(&content[..at])
            .is_some_and(|m| m.start() == 0)
    })
}

pub(crate) fn find_header(line: &str) -> Option<usize> {
    // Every marker holds one of these words; most lines hold none. Searchers
    // built once: `str::contains` would build one per call.
    static WORDS: LazyLock<[memchr::memmem::Finder<'static>; 3]> = LazyLock::new(|| {
        ["panic", "fatal error", "SIGQUIT"].map(|w| memchr::memmem::Finder::new(w.as_bytes()))
    });
    if !WORDS.iter().any(|f| f.find(line.as_bytes()).is_some()) {
        return None;
    }
    for marker in [
        "panic: ",
        "fatal error: ",
        "http: panic serving ",
        "SIGQUIT: quit",
    ] {
        // A log prefix ends with a space and holds a timestamp or a tag.
        if let Some(at) = line.find(marker)
            && (at == 0
                || (line[..at].ends_with(' ')
                    && line[..at].contains(|c: char| c.is_ascii_digit() || c == '[')))
            && parse_header(&line[at..]).is_some()
        {
            // The `log` time stamp of `http: panic serving` is part of the
            // message that the dump continues, not a prefix of every line.
            if let Some(time) = STD_LOG_TIME_RE.find(&line[..at]) {
                return Some(time.start());
            }
            return Some(at);
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// After the header: nested panics, `[signal …]`, message lines, blank lines.
    /// `logged`: the header is itself a `log` record (`2026/11/21 16:10:24
    /// http: panic serving …`), so no earlier line introduces it.
    Header { lines: usize, logged: bool },
    /// Inside the goroutine dump.
    Goroutines,
}

impl State {
    pub(crate) fn offer(&mut self, line: &str) -> Verdict {
        let blank = line.trim().is_empty();
        match *self {
            State::Header { lines, logged } => {
                if GOROUTINE_RE.is_match(line) || line.trim_end() == "runtime stack:" {
                    *self = State::Goroutines;
                    return Verdict::Take;
                }
                if blank {
                    return Verdict::Hold;
                }
                if lines < MAX_HEADER_LINES
                    && (line.starts_with([' ', '\t'])
                        || line.starts_with("[signal ")
                        || line.starts_with("panic: "))
                {
                    *self = State::Header {
                        lines: lines + 1,
                        logged,
                    };
                    return Verdict::Take;
                }
                // No goroutine dump: the word was prose, not a Go report.
                Verdict::Abandon
            }
            State::Goroutines => {
                if blank {
                    return Verdict::Hold;
                }
                if GOROUTINE_RE.is_match(line)
                    || line.trim_end() == "runtime stack:"
                    || line.starts_with('\t')
                    || LOCATION_RE.is_match(line)
                    || (line.starts_with("...") && line.trim_end().ends_with("frames elided..."))
                    || (!line.starts_with([' ', '\t'])
                        && FUNC_RE.is_match(line)
                        && line.contains(['(', '.']))
                {
                    return Verdict::Take;
                }
                Verdict::End
            }
        }
    }

    pub(crate) fn is_complete(self) -> bool {
        matches!(self, State::Goroutines)
    }
}

/// Not the application: the Go distribution and module cache.
pub(crate) fn is_in_app(file: &str, function: &str) -> bool {
    // `github.com/acme/lib@v1.2.3/…`: a dependency (module cache or -trimpath build).
    !(file.contains("/go/pkg/mod/")
        || file.contains("@v")
        || file.contains("/pkg/mod/")
        || file.contains("/usr/lib/go")
        || file.contains("/usr/local/go/")
        || file.contains("/go/src/")
        || file.starts_with("$GOROOT")
        || function.starts_with("runtime.")
        || function == "panic")
}

fn make_frame(function: &str, file: &str, line: &str) -> Frame {
    let path = match file.find("/pkg/mod/") {
        Some(i) => file[i + "/pkg/mod/".len()..].to_string(),
        None => paths::app_relative(file),
    };
    Frame {
        in_app: is_in_app(file, function),
        file: file.to_string(),
        path,
        line: line.parse().ok(),
        function: function.to_string(),
        source: None,
        repeated: 0,
    }
}

/// Parses a Go report: the header (and nested panics, oldest first), the
/// frames of the first goroutine. Frames come out outermost call first.
pub(crate) fn parse(lines: &[&str]) -> (EventKind, Vec<Exception>) {
    let mut chain: Vec<Exception> = Vec::new();
    let mut goroutines = 0;
    let mut pending_function: Option<String> = None;
    let mut frames: Vec<Frame> = Vec::new();
    // How many frames (innermost first) came before an elision marker.
    let mut elided_after: Option<usize> = None;
    for line in lines {
        if goroutines == 0 {
            if GOROUTINE_RE.is_match(line) {
                goroutines = 1;
                continue;
            }
            if let Some((ty, message)) = parse_header(line.trim_start()) {
                chain.push(Exception {
                    ty: ty.to_string(),
                    message: message.to_string(),
                    ..Exception::default()
                });
            } else if line.starts_with([' ', '\t'])
                && !line.trim().is_empty()
                && let Some(exc) = chain.last_mut()
            {
                exc.message.push('\n');
                exc.message.push_str(line.trim());
            }
            continue;
        }
        if GOROUTINE_RE.is_match(line) {
            goroutines += 1;
            continue;
        }
        if goroutines > 1 {
            continue;
        }
        if let Some(caps) = LOCATION_RE.captures(line) {
            if let Some(function) = pending_function.take() {
                frames.push(make_frame(&function, &caps[1], &caps[2]));
            }
            continue;
        }
        if line.starts_with("created by ") {
            pending_function = None;
            continue;
        }
        if line.starts_with("...") && line.trim_end().ends_with("frames elided...") {
            elided_after.get_or_insert(frames.len());
            pending_function = None;
            continue;
        }
        if let Some(caps) = FUNC_RE.captures(line) {
            pending_function = caps.get(1).or(caps.get(2)).map(|m| m.as_str().to_string());
        }
    }
    let frames_elided_at = elided_after.map(|inner| frames.len() - inner);
    frames.reverse();
    if chain.is_empty() || goroutines == 0 {
        // A header without a goroutine dump is not a Go report.
        return (EventKind::Exception, vec![Exception::default()]);
    }
    // `panic: A [recovered]` then `\tpanic: B`: A happened first.
    if let Some(last) = chain.last_mut() {
        last.frames = frames;
        last.frames_elided_at = frames_elided_at;
    }
    (EventKind::Exception, chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = "panic: runtime error: index out of range [28] with length 2

goroutine 1 [running]:
main.recommended(...)
\t/srv/shop/cmd/cart/main.go:21
main.render(0x490340?, 0xc000010030?)
\t/srv/shop/cmd/cart/main.go:25 +0xe6
main.main()
\t/srv/shop/cmd/cart/main.go:36 +0x1ce

goroutine 7 [chan receive, 2 minutes]:
main.worker()
\t/srv/shop/cmd/cart/main.go:50 +0x1";

    #[test]
    fn dump() {
        let lines: Vec<&str> = DUMP.lines().collect();
        assert_eq!(find_header(lines[0]), Some(0));
        assert_eq!(
            find_header("2026/11/21 09:47:26 http: panic serving 127.0.0.1:42650: boom"),
            Some(0)
        );
        let journald = "Nov 21 15:35:44 web-1 gw[4415]: 2026/11/21 16:10:24 http: panic serving 127.0.0.1:1: boom";
        assert_eq!(find_header(journald), journald.find("2026/"));
        assert_eq!(
            parse_header(&journald[journald.find("2026/").unwrap()..]),
            Some(("panic", "boom"))
        );
        assert_eq!(find_header("we don't panic: ever"), None);
        let mut state = State::Header {
            lines: 0,
            logged: false,
        };
        let verdicts: Vec<Verdict> = lines[1..].iter().map(|l| state.offer(l)).collect();
        assert!(
            verdicts
                .iter()
                .all(|v| matches!(v, Verdict::Take | Verdict::Hold)),
            "{verdicts:?}"
        );
        assert_eq!(state.offer("exit status 2"), Verdict::End);
        let (_, chain) = parse(&lines);
        assert_eq!(chain[0].ty, "panic");
        assert_eq!(
            chain[0].message,
            "runtime error: index out of range [28] with length 2"
        );
        let functions: Vec<&str> = chain[0]
            .frames
            .iter()
            .map(|f| f.function.as_str())
            .collect();
        assert_eq!(functions, ["main.main", "main.render", "main.recommended"]);
        let mut prose = State::Header {
            lines: 0,
            logged: false,
        };
        assert_eq!(prose.offer("2026-11-21 INFO next"), Verdict::Abandon);
    }

    #[test]
    fn elided_frames_are_marked_on_the_crash_side() {
        let frame = "main.depth(0x0?)\n\t/app/main.go:24 +0x45\n";
        let middle = format!(
            "panic: deep\n\ngoroutine 1 [running]:\n{}...52 frames elided...\n{}main.main()\n\t/app/main.go:33 +0x1b3\n",
            frame.repeat(3),
            frame.repeat(2)
        );
        let lines: Vec<&str> = middle.lines().collect();
        let (_, chain) = parse(&lines);
        // Outermost first: main.main and two depth frames, the gap, three depth frames.
        assert_eq!(chain[0].frames.len(), 6);
        assert_eq!(chain[0].frames_elided_at, Some(3));
        assert_eq!(chain[0].frames[0].function, "main.main");

        let trailing = format!(
            "panic: deep\n\ngoroutine 1 [running]:\n{}...additional frames elided...\n",
            frame.repeat(4)
        );
        let lines: Vec<&str> = trailing.lines().collect();
        let (_, chain) = parse(&lines);
        assert_eq!(chain[0].frames.len(), 4);
        assert_eq!(chain[0].frames_elided_at, Some(0));
        assert_eq!(
            parse(&DUMP.lines().collect::<Vec<_>>()).1[0].frames_elided_at,
            None
        );
    }
}
