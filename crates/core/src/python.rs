//! Python tracebacks: line classification (used by the assembler to decide
//! where a trace starts and ends) and parsing of an assembled trace into its
//! chain of exceptions.
//!
//! The parser works on *content* lines: framing (Docker, CRI), per-line log
//! prefixes and JSON escapes are already removed by the time lines get here.

use std::sync::LazyLock;

use memchr::memmem::{Finder, FinderRev};
use regex::Regex;

use crate::event::{EventKind, Exception, Frame};
use crate::paths;

pub(crate) const TRACEBACK_HEADER: &str = "Traceback (most recent call last):";
pub(crate) const STACK_HEADER: &str = "Stack (most recent call last):";
const GROUP_PREFIX: &str = "Exception Group ";
pub(crate) const CAUSE_SENTENCE: &str =
    "The above exception was the direct cause of the following exception:";
pub(crate) const CONTEXT_SENTENCE: &str =
    "During handling of the above exception, another exception occurred:";

// Searchers built once: `str::find` builds a two-way searcher on every call,
// which dominated the line-by-line mode.
static TRACEBACK_FINDER: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(TRACEBACK_HEADER));
static STACK_FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(STACK_HEADER));
static FILE_FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("File \""));
static REFERER_FINDER: LazyLock<FinderRev<'static>> =
    LazyLock::new(|| FinderRev::new(", referer: "));

/// Byte offset of `finder`'s needle in `line` (always a character boundary:
/// the needles are ASCII).
fn find_in(finder: &Finder<'_>, line: &str) -> Option<usize> {
    finder.find(line.as_bytes())
}

static FRAME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s+File "(.*)", line (\d+)(?:, in (.+?))?\s*$"#).expect("frame regex")
});
/// [`EXCEPTION_RE`] on an ASCII line, without the regex engine: a dotted
/// identifier, then nothing, `:`, or `: message`, then only blanks.
fn parse_ascii_exception_line(line: &str) -> Option<(&str, &str)> {
    let bytes = line.as_bytes();
    let mut i = 0;
    loop {
        // One segment: [A-Za-z_][A-Za-z0-9_]*
        if !bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        {
            return None;
        }
        i += 1;
        while bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            i += 1;
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            continue;
        }
        break;
    }
    let ty = &line[..i];
    let rest = &line[i..];
    let blank = |s: &str| s.bytes().all(|b| b.is_ascii_whitespace() || b == 0x0b);
    match rest.strip_prefix(':') {
        Some(after) => match after.strip_prefix(' ') {
            Some(message) => Some((ty, message)),
            None if blank(after) => Some((ty, "")),
            None => None,
        },
        None if blank(rest) => Some((ty, "")),
        None => None,
    }
}

/// A frame line, `  File "<file>", line <n>[, in <function>]`: what
/// [`FRAME_RE`] captures, found without the regex engine for ASCII lines
/// (frame lines are most of every traceback, and the backtracking matcher
/// was the largest cost per event). Lines it is unsure of go to the regex.
pub(crate) fn parse_frame_line(line: &str) -> Option<(&str, &str, Option<&str>)> {
    if !line.is_ascii() {
        return frame_by_regex(line);
    }
    let body = line.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    if body.len() == line.len() {
        return None;
    }
    let rest = body.strip_prefix("File \"")?;
    // `(.*)` is greedy: the last `", line ` after which the line fits wins.
    for (at, _) in rest.rmatch_indices("\", line ") {
        let tail = &rest[at + 8..];
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            continue;
        }
        let after = &tail[digits..];
        let blank = |s: &str| s.bytes().all(|b| b.is_ascii_whitespace() || b == 0x0b);
        if blank(after) {
            return Some((&rest[..at], &tail[..digits], None));
        }
        if let Some(function) = after.strip_prefix(", in ") {
            let trimmed =
                function.trim_end_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
            if trimmed.is_empty() {
                // `.+?` would take one blank: leave such lines to the regex.
                return frame_by_regex(line);
            }
            return Some((&rest[..at], &tail[..digits], Some(trimmed)));
        }
    }
    None
}

/// [`FRAME_RE`]'s captures: file, line number, function.
fn frame_by_regex(line: &str) -> Option<(&str, &str, Option<&str>)> {
    let caps = FRAME_RE.captures(line)?;
    Some((
        caps.get(1).map_or("", |m| m.as_str()),
        caps.get(2).map_or("", |m| m.as_str()),
        caps.get(3).map(|m| m.as_str()),
    ))
}

static EXCEPTION_RE: LazyLock<Regex> = LazyLock::new(|| {
    // A dotted identifier, then either nothing or `:` and the message.
    Regex::new(r"^((?:[\p{XID_Start}_][\p{XID_Continue}]*\.)*[\p{XID_Start}_][\p{XID_Continue}]*)(?::(?: (.*))?)?\s*$")
        .expect("exception regex")
});
static REPEATED_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s+\[Previous line repeated (\d+) more times?\]\s*$").expect("repeat regex")
});
static SEPARATOR_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\+-[-+]*(?: (?:\d+|\.\.\.) -+)?$").expect("separator regex"));

/// Where a traceback header sits in a content line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// Byte length of the log prefix before the header (0 when the header starts the line).
    pub prefix_len: usize,
    /// Byte length of a trailing suffix that a log format appends to every line
    /// (mod_wsgi's `, referer: …`), 0 when none.
    pub suffix_len: usize,
    pub kind: HeaderKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderKind {
    Traceback,
    /// `+ Exception Group Traceback`; the value is the column of the `+`
    /// relative to the end of the log prefix.
    Group(usize),
    Stack,
}

/// Finds a traceback header that ends the line (modulo a known suffix). A header
/// quoted inside a sentence is not one.
pub(crate) fn find_header(line: &str) -> Option<Header> {
    let (at, kind_text, kind) = if let Some(at) = find_in(&TRACEBACK_FINDER, line) {
        (at, TRACEBACK_HEADER, HeaderKind::Traceback)
    } else if let Some(at) = find_in(&STACK_FINDER, line) {
        (at, STACK_HEADER, HeaderKind::Stack)
    } else {
        return None;
    };
    let rest = &line[at + kind_text.len()..];
    let suffix_len = trailing_suffix_len(rest)?;
    let before = &line[..at];
    if kind == HeaderKind::Stack {
        return Some(Header {
            prefix_len: before.len(),
            suffix_len,
            kind,
        });
    }
    if let Some(head) = before.strip_suffix(GROUP_PREFIX) {
        // `  + Exception Group Traceback`; the `+ ` and its indent belong to Python.
        let head = head.strip_suffix("+ ")?;
        // Python draws a top-level group with a two-space indent; spaces before
        // that separate a log prefix.
        let indent = (head.len() - head.trim_end_matches(' ').len()).min(2);
        let prefix_len = head.len() - indent;
        return Some(Header {
            prefix_len,
            suffix_len,
            kind: HeaderKind::Group(indent),
        });
    }
    if before.ends_with('"') || before.ends_with('\'') || before.ends_with('`') {
        return None;
    }
    Some(Header {
        prefix_len: before.len(),
        suffix_len,
        kind,
    })
}

/// What may follow a header on its line: nothing, or a suffix the log format
/// repeats on every line. Returns its length, or None when the header is not
/// at the end of the line.
fn trailing_suffix_len(rest: &str) -> Option<usize> {
    let trimmed = rest.trim_end();
    if trimmed.is_empty() {
        return Some(0);
    }
    if trimmed.starts_with(", referer: ") && !trimmed[11..].contains(' ') {
        return Some(rest.len());
    }
    None
}

/// A `File "…", line N` line with no `, in …` part: the location line of a
/// `SyntaxError`, which Python prints without a `Traceback` header when the
/// main script does not compile.
pub(crate) fn is_syntax_location(line: &str) -> bool {
    parse_frame_line(line).is_some_and(|(_, _, function)| function.is_none())
}

/// Where a frame line (`  File "…", line N[, in f]`) starts inside a line that
/// may carry a log prefix: `(prefix_len, suffix_len)`.
pub(crate) fn find_frame(line: &str) -> Option<(usize, usize)> {
    let at = find_in(&FILE_FINDER, line)?;
    let start = at.checked_sub(2)?;
    if line.get(start..at) != Some("  ") {
        return None;
    }
    let prefix_len = start;
    let rest = &line[prefix_len..];
    let suffix_len = REFERER_FINDER
        .rfind(rest.as_bytes())
        .map_or(0, |i| rest.len() - i);
    parse_frame_line(&rest[..rest.len() - suffix_len])
        .is_some()
        .then_some((prefix_len, suffix_len))
}

pub(crate) fn is_frame(line: &str) -> bool {
    line.starts_with(' ')
        && find_in(&FILE_FINDER, line).is_some()
        && parse_frame_line(line).is_some()
}

/// A line that can be the exception line: a dotted identifier, optionally
/// followed by `: message`. Only meaningful in a place where the grammar
/// expects the exception line (the first unindented line after the frames).
pub(crate) fn parse_exception_line(line: &str) -> Option<(&str, &str)> {
    if line.is_ascii() {
        return parse_ascii_exception_line(line);
    }
    let caps = EXCEPTION_RE.captures(line)?;
    let ty = caps.get(1)?.as_str();
    let message = caps.get(2).map_or("", |m| m.as_str());
    Some((ty, message))
}

pub(crate) fn is_syntax_error_type(ty: &str) -> bool {
    let last = ty.rsplit('.').next().unwrap_or(ty);
    matches!(
        last,
        "SyntaxError" | "IndentationError" | "TabError" | "_IncompleteInputError"
    ) || last.ends_with("SyntaxError")
}

pub(crate) fn is_chain_sentence(line: &str) -> bool {
    let t = line.trim();
    t == CAUSE_SENTENCE || t == CONTEXT_SENTENCE
}

/// The closing line of an exception group whose `+` header sits at `col`.
pub(crate) fn is_group_close(line: &str, col: usize) -> bool {
    let Some(rest) = line.get(col + 2..) else {
        return false;
    };
    line[..col + 2].bytes().all(|b| b == b' ')
        && rest.len() > 10
        && rest.starts_with('+')
        && rest[1..].trim_end().bytes().all(|b| b == b'-')
}

/// A closing line of a group nested inside the group drawn at `col`.
pub(crate) fn is_nested_group_close(line: &str, col: usize) -> bool {
    let indent = line.len() - line.trim_start_matches(' ').len();
    indent > col + 2 && is_group_close(line, indent - 2)
}

/// Whether a line can sit inside an exception group drawn with its `+` at `col`.
pub(crate) fn is_group_body(line: &str, col: usize) -> bool {
    let indent = line.len() - line.trim_start_matches(' ').len();
    indent >= col && matches!(line.as_bytes().get(indent), Some(b'|' | b'+'))
}

/// Parses the content lines of one assembled trace into its chain, oldest cause
/// first. Lines before the first header (an intro line) are not passed in.
pub(crate) fn parse(lines: &[&str]) -> (EventKind, Vec<Exception>) {
    let mut chain = Vec::new();
    let mut kind = EventKind::Exception;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim().is_empty() || is_chain_sentence(line) {
            i += 1;
            continue;
        }
        if let Some(header) = find_header(line) {
            match header.kind {
                HeaderKind::Group(col) => {
                    let col = header.prefix_len + col;
                    let end = group_end(lines, i, col);
                    chain.push(parse_group(&lines[i..end], col));
                    i = end;
                }
                HeaderKind::Stack => {
                    kind = EventKind::Stack;
                    let (exc, next) = parse_plain(lines, i + 1, false);
                    chain.push(exc);
                    i = next;
                }
                HeaderKind::Traceback => {
                    let (exc, next) = parse_plain(lines, i + 1, true);
                    chain.push(exc);
                    i = next;
                }
            }
            continue;
        }
        if is_frame(line) {
            let (exc, next) = parse_plain(lines, i, true);
            if exc.ty.is_empty() && chain.is_empty() && !is_syntax_location(line) {
                // Frames with neither header nor exception: `traceback.print_stack()`.
                kind = EventKind::Stack;
            }
            chain.push(exc);
            i = next;
            continue;
        }
        if let Some((ty, message)) = parse_exception_line(line) {
            // An exception printed without frames (a group's sub-exception, or
            // an exception raised where there is no Python frame).
            let (message, next) = collect_message(lines, i + 1, message);
            chain.push(Exception {
                ty: ty.to_string(),
                message,
                ..Exception::default()
            });
            i = next;
            continue;
        }
        i += 1;
    }
    if chain.is_empty() {
        chain.push(Exception::default());
    }
    (kind, chain)
}

/// Parses frames from `start`, then (when `want_exception`) the exception line and its message.
fn parse_plain(lines: &[&str], start: usize, want_exception: bool) -> (Exception, usize) {
    let mut exc = Exception::default();
    let mut i = start;
    while i < lines.len() {
        let line = lines[i];
        if let Some((file, lineno, function)) = parse_frame_line(line) {
            let lineno = lineno.parse().ok();
            let function = function.unwrap_or("").to_string();
            let frame_indent = indent_of(line);
            i += 1;
            let mut source: Vec<&str> = Vec::new();
            while i < lines.len() {
                let l = lines[i];
                if l.trim().is_empty()
                    || indent_of(l) <= frame_indent
                    || parse_frame_line(l).is_some()
                {
                    break;
                }
                if REPEATED_RE.is_match(l) {
                    break;
                }
                if !is_caret_line(l) {
                    source.push(l.trim());
                }
                i += 1;
            }
            exc.frames.push(make_frame(file, lineno, function, source));
            continue;
        }
        if let Some(caps) = REPEATED_RE.captures(line) {
            if let Some(last) = exc.frames.last_mut() {
                last.repeated = caps[1].parse().unwrap_or(0);
            }
            i += 1;
            continue;
        }
        break;
    }
    if !want_exception {
        return (exc, i);
    }
    while i < lines.len() && lines[i].trim().is_empty() {
        i += 1;
    }
    if i < lines.len()
        && !is_chain_sentence(lines[i])
        && let Some((ty, message)) = parse_exception_line(lines[i])
    {
        exc.ty = ty.to_string();
        let (message, next) = collect_message(lines, i + 1, message);
        exc.message = message;
        i = next;
    }
    (exc, i)
}

/// The message's first line plus the lines after it, up to a blank line that
/// precedes a chain sentence (or the end).
fn collect_message(lines: &[&str], mut i: usize, first: &str) -> (String, usize) {
    let mut message = first.trim_end().to_string();
    let mut quoted = false;
    while i < lines.len() {
        let line = lines[i];
        if line.trim() == "\"\"\"" {
            quoted = !quoted;
        } else if quoted {
            // Inside a `"""` block everything is message text, even a traceback.
        } else if is_chain_sentence(line) || find_header(line).is_some() {
            break;
        }
        if !quoted && line.trim().is_empty() {
            let rest_is_chain = lines[i..]
                .iter()
                .find(|l| !l.trim().is_empty())
                .is_none_or(|l| is_chain_sentence(l) || find_header(l).is_some());
            if rest_is_chain {
                break;
            }
        }
        message.push('\n');
        message.push_str(line.trim_end());
        i += 1;
    }
    (message, i)
}

fn make_frame(file: &str, line: Option<u32>, function: String, source: Vec<&str>) -> Frame {
    let source = if source.is_empty() {
        None
    } else {
        Some(source.join("\n"))
    };
    Frame {
        file: file.to_string(),
        path: paths::app_relative(file),
        line,
        function,
        source,
        in_app: is_in_app(file),
        repeated: 0,
    }
}

fn is_caret_line(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty()
        && t.bytes()
            .all(|b| matches!(b, b'^' | b'~' | b' ' | b'-' | b'+'))
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Python's in-app rule: library installs, the standard library and the
/// interpreter's own pseudo-files are not the application.
pub fn is_in_app(file: &str) -> bool {
    let f = file.replace('\\', "/");
    if f.starts_with('<') {
        return false;
    }
    if f.contains("/site-packages/") || f.contains("/dist-packages/") {
        return false;
    }
    !paths::is_python_stdlib(&f)
}

/// The index one past the last line of the group whose `+` header is at `start` and column `col`.
fn group_end(lines: &[&str], start: usize, col: usize) -> usize {
    let mut i = start + 1;
    while i < lines.len() {
        if is_group_close(lines[i], col) {
            return i + 1;
        }
        if !is_group_body(lines[i], col) {
            return i;
        }
        i += 1;
    }
    i
}

/// Parses an exception group drawn with its gutter at `col`: its own
/// traceback on `col` gutters (`| `), then children between separators at `col + 2`.
fn parse_group(lines: &[&str], col: usize) -> Exception {
    let own_prefix_len = col + 2; // "| " after `col` spaces
    let mut own: Vec<&str> = Vec::new();
    let mut i = 1;
    // Own body: lines with `|` at `col`.
    while i < lines.len() && lines[i].as_bytes().get(col) == Some(&b'|') {
        own.push(lines[i].get(own_prefix_len..).unwrap_or(""));
        i += 1;
    }
    let mut own_lines = vec![TRACEBACK_HEADER];
    own_lines.extend(own.iter().copied());
    let (mut group, _) = parse_plain(&own_lines, 1, true);
    group.is_group = true;

    // Children: separated by `+-+--- N ---` (at `col`) or `+--- N ---` (at `col + 2`).
    let child_col = col + 2;
    let mut child: Vec<&str> = Vec::new();
    let mut in_child = false;
    while i < lines.len() {
        let line = lines[i];
        let at_col = line.get(col..).unwrap_or("");
        let at_child = line.get(child_col..).unwrap_or("");
        let is_first_sep = starts_with_spaces(line, col)
            && at_col.starts_with("+-+")
            && SEPARATOR_RE.is_match(at_col.trim_end());
        let is_sep = starts_with_spaces(line, child_col)
            && at_child.starts_with("+-")
            && !at_child.starts_with("+-+")
            && SEPARATOR_RE.is_match(at_child.trim_end());
        if is_first_sep || is_sep {
            if in_child && let Some(exc) = parse_child(&child, child_col) {
                group.children.push(exc);
            }
            child.clear();
            in_child = true;
            i += 1;
            continue;
        }
        if in_child {
            child.push(line);
        }
        i += 1;
    }
    if in_child && let Some(exc) = parse_child(&child, child_col) {
        group.children.push(exc);
    }
    group
}

/// Whether the first `n` bytes of `line` are spaces (never slices inside a character).
fn starts_with_spaces(line: &str, n: usize) -> bool {
    line.as_bytes()
        .get(..n)
        .is_some_and(|b| b.iter().all(|&c| c == b' '))
}

fn parse_child(lines: &[&str], col: usize) -> Option<Exception> {
    let first = lines.first()?;
    let content_start = col + 2;
    let first_content = first.get(content_start..).unwrap_or("");
    if first.as_bytes().get(col) == Some(&b'|') && first_content.starts_with(GROUP_PREFIX) {
        return Some(parse_group(lines, col));
    }
    let stripped: Vec<&str> = lines
        .iter()
        .map(|l| {
            if l.as_bytes().get(col) == Some(&b'|') {
                l.get(content_start..).unwrap_or("")
            } else {
                l.trim()
            }
        })
        .collect();
    // "and N more exceptions" is a placeholder, not an exception.
    if stripped.len() == 1
        && stripped[0].starts_with("and ")
        && stripped[0].contains(" more exception")
    {
        return None;
    }
    let (_, chain) = parse(&stripped);
    chain
        .into_iter()
        .last()
        .filter(|e| !e.ty.is_empty() || !e.frames.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exception_line_parser_agrees_with_the_regex() {
        fn by_regex(line: &str) -> Option<(&str, &str)> {
            EXCEPTION_RE.captures(line).map(|c| {
                (
                    c.get(1).map_or("", |m| m.as_str()),
                    c.get(2).map_or("", |m| m.as_str()),
                )
            })
        }
        let pieces = [
            "KeyError", "a", "_x1", ".", ":", " ", "\t", "msg", "9", "\u{b}", "é", ": ",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..50_000 {
            let mut line = String::new();
            for _ in 0..(seed % 7) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                line.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            seed = seed.wrapping_add(0x2545_f491_4f6c_dd1d);
            assert_eq!(parse_exception_line(&line), by_regex(&line), "{line:?}");
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
        for corpus in std::fs::read_dir(&root).unwrap() {
            let Ok(files) = std::fs::read_dir(corpus.unwrap().path().join("cases")) else {
                continue;
            };
            for file in files {
                let bytes = std::fs::read(file.unwrap().path()).unwrap();
                for line in String::from_utf8_lossy(&bytes).lines() {
                    assert_eq!(parse_exception_line(line), by_regex(line), "{line:?}");
                }
            }
        }
    }

    #[test]
    fn frame_line_parser_agrees_with_the_regex() {
        let cases = [
            "  File \"/app/a.py\", line 3, in f",
            "  File \"/app/a.py\", line 3",
            "  File \"/app/a.py\", line 3  ",
            "\tFile \"a\", line 12, in <module>  \r",
            "  File \"/x\", line 3, in f\", line 9, in g",
            "  File \"/x\", line 9, in   ",
            "  File \"/x\", line , in f",
            "  File \"/x\", line 7x",
            "File \"/x\", line 7",
            "  File \"/x\" line 7",
            "  File \"/ä\", line 7, in f",
            "  File \"/x\", line ٣, in f",
            "  File \"<frozen importlib._bootstrap>\", line 1206, in _gcd_import",
            "\u{b}File \"/x\", line 1",
        ];
        for line in cases {
            assert_eq!(parse_frame_line(line), frame_by_regex(line), "{line:?}");
        }
        // Every line of the committed corpora.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
        let mut checked = 0;
        for corpus in std::fs::read_dir(&root).unwrap() {
            let cases = corpus.unwrap().path().join("cases");
            let Ok(files) = std::fs::read_dir(&cases) else {
                continue;
            };
            for file in files {
                let bytes = std::fs::read(file.unwrap().path()).unwrap();
                for line in String::from_utf8_lossy(&bytes).lines() {
                    assert_eq!(parse_frame_line(line), frame_by_regex(line), "{line:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 50_000, "{checked} lines");
        // Lines built from the pieces the two disagree on if either is wrong.
        let pieces = [
            "  ",
            "\t",
            "File \"",
            "\", line ",
            "12",
            ", in ",
            "f",
            " ",
            "x",
            "\"",
            "ä",
            "\u{b}",
            ",",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..50_000 {
            let mut line = String::new();
            for _ in 0..(seed % 9) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                line.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
            assert_eq!(parse_frame_line(&line), frame_by_regex(&line), "{line:?}");
        }
    }

    #[test]
    fn finds_headers_with_and_without_prefixes() {
        let h = find_header("Traceback (most recent call last):").unwrap();
        assert_eq!((h.prefix_len, h.kind), (0, HeaderKind::Traceback));
        let line =
            "2026-11-21 10:00:00.123 12345 ERROR nova [req-1] Traceback (most recent call last):";
        assert_eq!(
            find_header(line).unwrap().prefix_len,
            line.find("Traceback").unwrap()
        );
        let g = find_header("  + Exception Group Traceback (most recent call last):").unwrap();
        assert_eq!((g.prefix_len, g.kind), (0, HeaderKind::Group(2)));
        let w =
            find_header("[wsgi:error] Traceback (most recent call last):, referer: https://x/y")
                .unwrap();
        assert!(w.suffix_len > 0);
        assert!(find_header(r#"see "Traceback (most recent call last):" in the FAQ"#).is_none());
        assert!(find_header("Traceback (most recent call last): is what Python prints").is_none());
    }

    #[test]
    fn exception_lines() {
        assert_eq!(
            parse_exception_line("KeyError: 'x'"),
            Some(("KeyError", "'x'"))
        );
        assert_eq!(
            parse_exception_line("anyio.EndOfStream"),
            Some(("anyio.EndOfStream", ""))
        );
        assert_eq!(
            parse_exception_line("ValueError:"),
            Some(("ValueError", ""))
        );
        assert_eq!(parse_exception_line("2026-11-21 10:00 INFO x: y"), None);
        assert_eq!(parse_exception_line("  File \"x\""), None);
    }

    #[test]
    fn parses_a_chain() {
        let text = "Traceback (most recent call last):\n  File \"/app/a.py\", line 3, in f\n    return d['k']\n           ~^^^^^\nKeyError: 'k'\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File \"/usr/lib/python3.11/site-packages/lib/x.py\", line 9, in g\n    f()\nRuntimeError: failed\n  with a second line";
        let lines: Vec<&str> = text.lines().collect();
        let (kind, chain) = parse(&lines);
        assert_eq!(kind, EventKind::Exception);
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[0].ty, "KeyError");
        assert_eq!(chain[0].frames[0].source.as_deref(), Some("return d['k']"));
        assert_eq!(chain[1].ty, "RuntimeError");
        assert_eq!(chain[1].message, "failed\n  with a second line");
        assert!(!chain[1].frames[0].in_app);
    }

    #[test]
    fn parses_nested_groups() {
        let text = r#"  + Exception Group Traceback (most recent call last):
  |   File "/tmp/eg.py", line 13, in main
  |     raise ExceptionGroup("outer", [eg, KeyError("k")])
  | ExceptionGroup: outer (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Exception Group Traceback (most recent call last):
    |   File "/tmp/eg.py", line 11, in main
    |     raise ExceptionGroup("inner", excs)
    | ExceptionGroup: inner (2 sub-exceptions)
    +-+---------------- 1 ----------------
      | Traceback (most recent call last):
      |   File "/tmp/eg.py", line 2, in f
      |     raise ValueError("bad 1")
      | ValueError: bad 1
      +---------------- 2 ----------------
      | ValueError: bad 2
      +------------------------------------
    +---------------- 2 ----------------
    | KeyError: 'k'
    +------------------------------------"#;
        let lines: Vec<&str> = text.lines().collect();
        assert!(is_group_close(lines.last().unwrap(), 2));
        assert!(!is_group_close(lines[16], 2));
        let (_, chain) = parse(&lines);
        assert_eq!(chain.len(), 1);
        let outer = &chain[0];
        assert!(outer.is_group);
        assert_eq!(outer.message, "outer (2 sub-exceptions)");
        assert_eq!(outer.children.len(), 2);
        assert_eq!(outer.children[0].ty, "ExceptionGroup");
        assert_eq!(outer.children[0].children.len(), 2);
        assert_eq!(outer.children[0].children[0].frames.len(), 1);
        assert_eq!(outer.children[1].ty, "KeyError");
    }
}
