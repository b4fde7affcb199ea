//! Recognizing "lazy" output: lines where a model left code out instead of
//! writing it (`... rest of code unchanged`, `# ... existing code ...`,
//! a bare `...`). Applied literally, such a line deletes the code it stands for.

/// Comment leaders, longest first so that `<!--` wins over `<`-less ones.
const COMMENT_LEADERS: &[&str] = &["<!--", "/*", "//", "--", "#", ";", "%", "*", "'"];

/// Words that, next to an ellipsis, say "code was left out here".
const ELLIPSIS_WORDS: &[&str] = &[
    "existing",
    "unchanged",
    "rest",
    "remain",
    "same",
    "previous",
    "omitted",
    "omit",
    "other",
    "more",
    "etc",
    "code",
    "here",
    "before",
    "after",
    "as is",
    "as-is",
    "snip",
    "skip",
    "original",
    "implementation",
    "keep",
    "kept",
    "elided",
    "truncated",
];

/// Phrases that mark an elision even without an ellipsis, inside a comment.
const ELISION_PHRASES: &[&str] = &[
    "rest of the code",
    "rest of code",
    "rest of the file",
    "rest of file",
    "rest of the function",
    "rest of the method",
    "rest of the class",
    "rest of the implementation",
    "existing code",
    "code unchanged",
    "unchanged code",
    "remains unchanged",
    "remain unchanged",
    "remains the same",
    "remain the same",
    "same as before",
    "omitted for brevity",
    "code omitted",
    "previous code",
    "keep existing",
];

/// Whether `line` stands for omitted code rather than being code.
///
/// True for a line of dots (`...`, `…`), for a comment (or bare text) holding
/// an ellipsis and either nothing else or a word such as "existing" or "rest",
/// and for a comment with a phrase such as "rest of the code" or "existing
/// code". Plain code that merely contains `...` (a spread, a range, a varargs
/// parameter) is not one: it has no comment leader and no elision word.
pub fn is_elision_line(line: &str) -> bool {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return false;
    }
    if is_only_dots(trimmed) {
        return true;
    }
    let (body, is_comment) = match COMMENT_LEADERS
        .iter()
        .find(|leader| trimmed.starts_with(*leader))
    {
        Some(leader) => (strip_comment_closer(&trimmed[leader.len()..]), true),
        None => (trimmed, false),
    };
    let body = body.trim();
    let lower = body.to_lowercase();
    let has_ellipsis = lower.contains("...") || lower.contains('…');
    if has_ellipsis {
        let words = lower.replace("...", " ").replace('…', " ");
        let words = words.trim_matches(|c: char| !c.is_alphanumeric());
        if words.is_empty() {
            // `// ...`, `# ...`; bare text of dots was handled above.
            return is_comment;
        }
        // Bare text needs to start with the ellipsis (`... rest unchanged`),
        // so that code such as `f(...args)` with a word after it is not one.
        let starts_with_ellipsis = body.starts_with("...") || body.starts_with('…');
        if (is_comment || starts_with_ellipsis)
            && ELLIPSIS_WORDS
                .iter()
                .any(|word| contains_word(&lower, word))
        {
            return true;
        }
    }
    is_comment && ELISION_PHRASES.iter().any(|phrase| lower.contains(phrase))
}

fn is_only_dots(s: &str) -> bool {
    let dots = s.chars().filter(|&c| c == '.').count();
    let ellipses = s.chars().filter(|&c| c == '…').count();
    s.chars().all(|c| c == '.' || c == '…') && (dots >= 3 || ellipses >= 1)
}

fn strip_comment_closer(s: &str) -> &str {
    let s = s.trim_end();
    s.strip_suffix("*/")
        .or_else(|| s.strip_suffix("-->"))
        .unwrap_or(s)
}

/// Whether `word` occurs in `text` not as part of a longer word.
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(start, _)| {
        let before = text[..start].chars().next_back();
        let after = text[start + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The 0-based indexes of the elision lines of `text`.
pub(crate) fn elision_lines(lines: &[&str]) -> Vec<usize> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, line)| is_elision_line(line))
        .map(|(index, _)| index)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::is_elision_line;

    #[test]
    fn recognizes_common_elisions() {
        for line in [
            "...",
            "    ....",
            "…",
            "# ... existing code ...",
            "// ... rest of code unchanged",
            "    // ...",
            "# ...",
            "/* ... */",
            "<!-- ... -->",
            "-- ... rest of the query",
            "... rest of the function unchanged",
            "// rest of the code remains the same",
            "# existing code",
            "  # (other methods omitted...)",
            "// …existing code…",
        ] {
            assert!(is_elision_line(line), "{line:?} should be an elision");
        }
    }

    #[test]
    fn leaves_code_and_ordinary_comments_alone() {
        for line in [
            "",
            "return [...items, item];",
            "fn f(args: ...)",
            "print('loading...')",
            "x = range(1..10)",
            "# TODO: check the buffer",
            "// keeps the cache consistent",
            "for i in 0..n {",
            "let rest = &s[1..];",
            "log.info(\"done...\")",
            "# the same value is used twice",
        ] {
            assert!(!is_elision_line(line), "{line:?} is not an elision");
        }
    }
}
