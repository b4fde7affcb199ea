//! How a snippet is shown to the model, and what it costs in tokens.

use std::fmt::Write as _;

use crate::{Extent, Snippet, SnippetKind};

/// A cheap, deliberately conservative token estimate for source code and the
/// rendered snippets, with no tokenizer table to ship:
///
/// - a run of ASCII letters, digits and `_` costs one token per 4 bytes,
///   rounded up (BPE vocabularies hold most identifiers and keywords whole,
///   or split them into pieces of about that size);
/// - every other visible ASCII character (operators, brackets, quotes) costs
///   one token (BPE merges some pairs such as `()` or `->`, so this
///   overestimates punctuation-heavy code a little);
/// - a run of whitespace costs one token if it holds a line break or is
///   longer than one character (indentation is merged into few tokens), and
///   nothing if it is a single space or tab (BPE attaches it to the next word);
/// - every non-ASCII character costs one token.
///
/// On the fixture files (nine languages) this gives one token per 2 to 3
/// bytes, more than cl100k/o200k tokenizers count on code (3 to 4 bytes per
/// token), so a context that fits the estimate fits the model's budget.
/// Appending text never lowers the estimate.
pub fn estimate_tokens(text: &str) -> usize {
    let mut tokens = 0;
    let mut word = 0usize;
    let mut space = 0usize;
    let mut space_has_break = false;
    let flush_word = |word: &mut usize, tokens: &mut usize| {
        *tokens += word.div_ceil(4);
        *word = 0;
    };
    let flush_space = |space: &mut usize, has_break: &mut bool, tokens: &mut usize| {
        if *has_break || *space > 1 {
            *tokens += 1;
        }
        *space = 0;
        *has_break = false;
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            flush_space(&mut space, &mut space_has_break, &mut tokens);
            word += 1;
        } else if c.is_whitespace() {
            flush_word(&mut word, &mut tokens);
            space += 1;
            space_has_break |= c == '\n' || c == '\r';
        } else {
            flush_word(&mut word, &mut tokens);
            flush_space(&mut space, &mut space_has_break, &mut tokens);
            tokens += 1;
        }
    }
    flush_word(&mut word, &mut tokens);
    flush_space(&mut space, &mut space_has_break, &mut tokens);
    tokens
}

/// A snippet as the prompt shows it: a header line naming the file, the
/// lines and what the snippet is, then each line with its number (right
/// aligned) after a marker column holding `>` on the lines the trace points
/// at; `...` where lines are skipped (between a class line and a method, or
/// between imports); a closing note when there is one.
///
/// ```text
/// --- shop/cart.py:3-12 (crash site: Cart.total)
///    3 | class Cart:
///      ...
///    8 |     def total(self):
/// >  9 |         return sum(i.price for i in self.items) / len(self.items)
/// ```
pub fn render_snippet(snippet: &Snippet) -> String {
    let width = snippet
        .lines
        .last()
        .map_or(1, |l| l.number.to_string().len());
    let mut out = String::new();
    let _ = write!(out, "--- {}:{}", snippet.path, snippet.start_line);
    if snippet.end_line != snippet.start_line {
        let _ = write!(out, "-{}", snippet.end_line);
    }
    let _ = write!(out, " ({}", kind_label(snippet.kind));
    if let Some(symbol) = &snippet.symbol {
        let _ = write!(out, ": {symbol}");
    }
    match snippet.extent {
        Extent::Window => out.push_str("; lines around the frame, no enclosing function found"),
        Extent::Truncated => out.push_str("; truncated around the crash line"),
        Extent::Function | Extent::Lines => {}
    }
    out.push_str(")\n");
    let mut previous: Option<u32> = None;
    for line in &snippet.lines {
        if previous.is_some_and(|p| line.number > p + 1) {
            let _ = writeln!(out, "  {:>width$} ...", "");
        }
        let marker = if snippet.marked_lines.contains(&line.number) {
            '>'
        } else {
            ' '
        };
        let _ = write!(out, "{marker} {:>width$} |", line.number);
        if !line.text.is_empty() {
            let _ = write!(out, " {}", line.text);
        }
        out.push('\n');
        previous = Some(line.number);
    }
    if let Some(note) = &snippet.note {
        let _ = writeln!(out, "(note: {note})");
    }
    out
}

fn kind_label(kind: SnippetKind) -> &'static str {
    match kind {
        SnippetKind::CrashSite => "crash site",
        SnippetKind::CallerFrame => "caller",
        SnippetKind::Imports => "imports",
        SnippetKind::Definition => "called definition",
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn estimates() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("total"), 2);
        assert_eq!(estimate_tokens("a b"), 2);
        assert_eq!(estimate_tokens("self.items[0]"), 7);
        assert_eq!(estimate_tokens("x\n    y"), 3);
        assert_eq!(estimate_tokens("é"), 1);
        let code =
            "def total(self):\n    return sum(i.price for i in self.items) / len(self.items)\n";
        let estimate = estimate_tokens(code);
        assert!(
            code.len() / 4 <= estimate && estimate <= code.len() / 2,
            "{estimate}"
        );
    }

    proptest! {
        #[test]
        fn appending_never_lowers_the_estimate(a in ".{0,80}", b in ".{0,80}") {
            let joined = format!("{a}{b}");
            prop_assert!(estimate_tokens(&joined) >= estimate_tokens(&a));
            prop_assert!(estimate_tokens(&joined) >= estimate_tokens(&b));
            prop_assert!(estimate_tokens(&joined) <= estimate_tokens(&a) + estimate_tokens(&b) + 1);
        }
    }
}
