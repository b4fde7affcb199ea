//! A small highlighter for traces and diffs. It classifies lines and marks
//! spans; it produces no markup (the templates escape and wrap the pieces),
//! so hostile log text can only ever be text.
//!
//! The trace is detected again with the engine to learn its frames (file,
//! line, in-app) and exceptions; each text line is then a frame line (the
//! `file:line` part emphasised), a source line shown under a frame, an
//! exception line, or plain text. Why hand-written: the engine already
//! knows every supported language's frame syntax, and a general-purpose
//! highlighter would know none of them.

use serde::Serialize;
use tracefix_core::{Config, Engine, Exception, Frame};

/// How a trace line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    Exception,
    Frame,
    Source,
    Text,
}

/// A run of a line: plain, or the emphasised `file:line` location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    pub text: String,
    pub location: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceLine {
    pub kind: LineKind,
    /// A frame line of the application's own code.
    pub in_app: bool,
    pub parts: Vec<Part>,
}

/// Classifies every line of `text` (a kept sample of a group).
pub fn highlight_trace(text: &str) -> Vec<TraceLine> {
    let events = Engine::scan_bytes(Config::default(), text.as_bytes());
    let mut frames: Vec<&Frame> = Vec::new();
    let mut exceptions: Vec<&Exception> = Vec::new();
    for event in &events {
        for exception in &event.chain {
            collect(exception, &mut frames, &mut exceptions);
        }
    }
    let mut out: Vec<TraceLine> = Vec::new();
    for line in text.lines() {
        let after_frame = out
            .last()
            .is_some_and(|l| matches!(l.kind, LineKind::Frame | LineKind::Source));
        out.push(classify(line, &frames, &exceptions, after_frame));
    }
    out
}

fn collect<'a>(e: &'a Exception, frames: &mut Vec<&'a Frame>, exceptions: &mut Vec<&'a Exception>) {
    exceptions.push(e);
    frames.extend(e.frames.iter().filter(|f| !f.file.is_empty()));
    for child in &e.children {
        collect(child, frames, exceptions);
    }
}

fn classify(
    line: &str,
    frames: &[&Frame],
    exceptions: &[&Exception],
    after_frame: bool,
) -> TraceLine {
    let plain = |kind| TraceLine {
        kind,
        in_app: false,
        parts: vec![Part {
            text: line.to_string(),
            location: false,
        }],
    };
    for frame in frames {
        if let Some((start, end)) = location(line, frame) {
            let mut parts = Vec::with_capacity(3);
            for (text, location) in [
                (&line[..start], false),
                (&line[start..end], true),
                (&line[end..], false),
            ] {
                if !text.is_empty() {
                    parts.push(Part {
                        text: text.to_string(),
                        location,
                    });
                }
            }
            return TraceLine {
                kind: LineKind::Frame,
                in_app: frame.in_app,
                parts,
            };
        }
    }
    let trimmed = line.trim();
    if after_frame && !trimmed.is_empty() {
        let is_source = frames.iter().any(|f| {
            f.source
                .as_deref()
                .is_some_and(|s| s.lines().any(|l| l.trim() == trimmed))
        });
        // Python's carets under the source line.
        let is_caret = trimmed.chars().all(|c| matches!(c, '^' | '~'));
        if is_source || is_caret {
            return plain(LineKind::Source);
        }
    }
    let is_exception = exceptions.iter().any(|e| {
        !e.ty.is_empty()
            && line.contains(e.ty.as_str())
            && (e.message.is_empty() || line.contains(e.message_first_line()))
    });
    if is_exception {
        plain(LineKind::Exception)
    } else {
        plain(LineKind::Text)
    }
}

/// The byte range of the frame's `file` and, when it follows closely, its
/// line number (`app.py", line 8` or `Foo.java:12`).
fn location(line: &str, frame: &Frame) -> Option<(usize, usize)> {
    let start = line.find(frame.file.as_str())?;
    let mut end = start + frame.file.len();
    if let Some(number) = frame.line {
        let number = number.to_string();
        let rest = &line[end..];
        // Close after the file: `:12`, `", line 12`, `(12)`.
        let window = rest.len().min(12);
        let window = (0..=window).rev().find(|i| rest.is_char_boundary(*i))?;
        match rest[..window].find(number.as_str()) {
            Some(at) => {
                let digits_end = end + at + number.len();
                // Not the prefix of a longer number (`:8` in `:80`).
                if line[digits_end..].starts_with(|c: char| c.is_ascii_digit()) {
                    return None;
                }
                end = digits_end;
            }
            None => return None,
        }
    }
    Some((start, end))
}

/// How a diff line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffKind {
    Added,
    Removed,
    Hunk,
    Meta,
    Context,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub kind: DiffKind,
    pub text: String,
}

/// Classifies the lines of a unified diff.
pub fn diff_lines(diff: &str) -> Vec<DiffLine> {
    diff.lines()
        .map(|line| {
            let kind = if line.starts_with("+++ ")
                || line.starts_with("--- ")
                || line.starts_with("diff ")
                || line.starts_with("index ")
                || line.starts_with("new file")
                || line.starts_with("deleted file")
            {
                DiffKind::Meta
            } else if line.starts_with("@@") {
                DiffKind::Hunk
            } else if line.starts_with('+') {
                DiffKind::Added
            } else if line.starts_with('-') {
                DiffKind::Removed
            } else {
                DiffKind::Context
            };
            DiffLine {
                kind,
                text: line.to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PYTHON: &str = "Traceback (most recent call last):
  File \"/srv/app/shop/cart.py\", line 42, in total
    return sum(price_of(i) for i in items)
  File \"/usr/lib/python3.12/decimal.py\", line 8, in convert
    raise KeyError(key)
KeyError: 'sku-<script>alert(1)</script>'";

    fn render(lines: &[TraceLine]) -> String {
        lines
            .iter()
            .map(|l| {
                let body: String = l
                    .parts
                    .iter()
                    .map(|p| {
                        if p.location {
                            format!("[{}]", p.text)
                        } else {
                            p.text.clone()
                        }
                    })
                    .collect();
                let mark = if l.in_app { "*" } else { " " };
                format!("{:<9}{mark} {body}", format!("{:?}", l.kind))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn python_trace() {
        insta::assert_snapshot!(render(&highlight_trace(PYTHON)), @r#"
        Text       Traceback (most recent call last):
        Frame    *   File "[/srv/app/shop/cart.py", line 42], in total
        Source         return sum(price_of(i) for i in items)
        Frame        File "[/usr/lib/python3.12/decimal.py", line 8], in convert
        Source         raise KeyError(key)
        Exception  KeyError: 'sku-<script>alert(1)</script>'
        "#);
    }

    #[test]
    fn java_trace() {
        let text = "java.lang.IllegalStateException: cart is empty
\tat com.shop.Cart.total(Cart.java:12)
\tat java.base/java.util.ArrayList.forEach(ArrayList.java:1596)
\tat com.shop.Main.main(Main.java:5)";
        insta::assert_snapshot!(render(&highlight_trace(text)), @"
        Exception  java.lang.IllegalStateException: cart is empty
        Frame    * 	at com.shop.Cart.total([Cart.java:12])
        Frame      	at java.base/java.util.ArrayList.forEach([ArrayList.java:1596])
        Frame    * 	at com.shop.Main.main([Main.java:5])
        ");
    }

    #[test]
    fn plain_text_stays_plain() {
        let lines = highlight_trace("just a line\nanother");
        assert!(lines.iter().all(|l| l.kind == LineKind::Text && !l.in_app));
    }

    #[test]
    fn diff_kinds() {
        let lines =
            diff_lines("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n same");
        let kinds: Vec<DiffKind> = lines.iter().map(|l| l.kind).collect();
        use DiffKind::*;
        assert_eq!(kinds, [Meta, Meta, Meta, Hunk, Removed, Added, Context]);
    }

    proptest! {
        /// Highlighting only splits: the parts of each line put back
        /// together are the line, and there is one entry per line.
        #[test]
        fn parts_rebuild_the_text(
            lines in proptest::collection::vec(
                prop_oneof![
                    "[ -~]{0,40}",
                    Just("  File \"/srv/app/x.py\", line 3, in f".to_string()),
                    Just("Traceback (most recent call last):".to_string()),
                    Just("ValueError: é<b>".to_string()),
                    Just("\tat a.B.c(B.java:1)".to_string()),
                ],
                0..12,
            )
        ) {
            let text = lines.join("\n");
            let out = highlight_trace(&text);
            prop_assert_eq!(out.len(), text.lines().count());
            for (line, got) in text.lines().zip(&out) {
                let rebuilt: String = got.parts.iter().map(|p| p.text.as_str()).collect();
                prop_assert_eq!(rebuilt, line);
            }
        }
    }
}
