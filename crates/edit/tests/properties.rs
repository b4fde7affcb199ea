//! Invariants of parsing and applying, over generated files and blocks.

use proptest::prelude::*;
use tracefix_edit::{
    EditBlock, MatchMethod, apply_block, changed_lines, parse_search_replace, render_blocks,
    unified_diff,
};

/// Distinct, non-blank code-like lines without leading whitespace.
fn distinct_lines() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::btree_set("[a-z_]{1,6}( = [a-z0-9_().]{1,12})?", 3..30)
        .prop_map(|set| set.into_iter().collect::<Vec<_>>())
        .prop_shuffle()
}

fn file_text(lines: &[String], ending: &str, final_newline: bool) -> String {
    let mut text = lines.join(ending);
    if final_newline && !lines.is_empty() {
        text.push_str(ending);
    }
    text
}

fn section(lines: &[String]) -> String {
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// A line the parser would take for a marker cannot be content.
fn content_line() -> impl Strategy<Value = String> {
    "[ -~]{0,30}".prop_filter("marker-like line", |line| {
        let first = line.chars().next();
        !matches!(first, Some('<' | '=' | '>'))
    })
}

fn block_strategy() -> impl Strategy<Value = EditBlock> {
    (
        "[a-z]{1,8}(/[a-z_]{1,8}){0,2}\\.[a-z]{1,3}",
        proptest::collection::vec(content_line(), 0..6),
        proptest::collection::vec(content_line(), 0..6),
    )
        .prop_map(|(path, search, replace)| EditBlock {
            path,
            search: section(&search),
            replace: section(&replace),
            line: 0,
        })
}

proptest! {
    /// Replacing a unique run of lines by itself changes nothing, whatever
    /// the line endings and final-newline state.
    #[test]
    fn identity_block_keeps_content(
        lines in distinct_lines(),
        start in 0usize..30,
        len in 1usize..5,
        crlf in any::<bool>(),
        final_newline in any::<bool>(),
    ) {
        let start = start % lines.len();
        let end = (start + len).min(lines.len());
        let content = file_text(&lines, if crlf { "\r\n" } else { "\n" }, final_newline);
        let slice = section(&lines[start..end]);
        let block = EditBlock { path: "a.py".into(), search: slice.clone(), replace: slice, line: 1 };
        let (new, method) = apply_block(&content, &block).unwrap();
        prop_assert_eq!(method, MatchMethod::Exact);
        prop_assert_eq!(new, content);
    }

    /// A block written without the file's indentation lands at the file's
    /// indentation, and only its lines change.
    #[test]
    fn indentation_is_restored(
        lines in distinct_lines(),
        start in 0usize..30,
        len in 1usize..5,
        indent in prop_oneof![Just("    "), Just("\t"), Just("  ")],
    ) {
        let start = start % lines.len();
        let end = (start + len).min(lines.len());
        let indented: Vec<String> = lines.iter().map(|line| format!("{indent}{line}")).collect();
        let content = file_text(&indented, "\n", true);
        let mut replace = lines[start..end].to_vec();
        replace[0] = format!("{}_changed", replace[0]);
        let block = EditBlock {
            path: "a.py".into(),
            search: section(&lines[start..end]),
            replace: section(&replace),
            line: 1,
        };
        let (new, method) = apply_block(&content, &block).unwrap();
        prop_assert_eq!(method, MatchMethod::IgnoringLeadingWhitespace);
        let mut expected = indented.clone();
        expected.splice(start..end, replace.iter().map(|line| format!("{indent}{line}")));
        prop_assert_eq!(new, file_text(&expected, "\n", true));
    }

    /// Any successful edit of a CRLF file leaves only CRLF line breaks, and
    /// the final-newline state is kept.
    #[test]
    fn crlf_and_final_newline_survive_edits(
        lines in distinct_lines(),
        start in 0usize..30,
        len in 1usize..5,
        replace in proptest::collection::vec("[a-z ]{0,10}", 0..4),
        final_newline in any::<bool>(),
    ) {
        let start = start % lines.len();
        let end = (start + len).min(lines.len());
        // An empty last line without a terminator is no line at all: the
        // state cannot be represented then.
        prop_assume!(!(end == lines.len() && replace.last().is_some_and(String::is_empty)));
        let content = file_text(&lines, "\r\n", final_newline);
        let block = EditBlock {
            path: "a.py".into(),
            search: section(&lines[start..end]),
            replace: section(&replace),
            line: 1,
        };
        let (new, _) = apply_block(&content, &block).unwrap();
        prop_assert!(!new.replace("\r\n", "").contains('\n'), "{:?}", new);
        if !new.is_empty() {
            prop_assert_eq!(new.ends_with("\r\n"), final_newline, "{:?}", new);
        }
    }

    /// Rendering blocks and parsing them back gives the same blocks, each
    /// pointing at its SEARCH marker.
    #[test]
    fn parse_reads_back_render(blocks in proptest::collection::vec(block_strategy(), 1..5)) {
        let rendered = render_blocks(&blocks);
        let parsed = parse_search_replace(&rendered).unwrap();
        prop_assert_eq!(parsed.explanation, "");
        let lines: Vec<&str> = rendered.lines().collect();
        for block in &parsed.blocks {
            prop_assert_eq!(lines[block.line - 1], "<<<<<<< SEARCH");
        }
        let without_lines: Vec<EditBlock> = parsed
            .blocks
            .into_iter()
            .map(|block| EditBlock { line: 0, ..block })
            .collect();
        prop_assert_eq!(without_lines, blocks);
    }

    /// Parsing and applying arbitrary text never panics.
    #[test]
    fn arbitrary_answers_and_files_do_not_panic(answer in "(?s).{0,400}", content in "(?s).{0,400}") {
        if let Ok(parsed) = parse_search_replace(&answer) {
            for block in &parsed.blocks {
                let _ = apply_block(&content, block);
            }
        }
    }

    /// The changed-line count is symmetric, zero only for equal texts, and
    /// never more than the diff shows.
    #[test]
    fn changed_lines_is_a_minimal_symmetric_count(
        a in proptest::collection::vec("[abc]{0,2}", 0..20),
        b in proptest::collection::vec("[abc]{0,2}", 0..20),
    ) {
        let a = section(&a);
        let b = section(&b);
        let count = changed_lines(&a, &b);
        prop_assert_eq!(count, changed_lines(&b, &a));
        prop_assert_eq!(count == 0, a == b);
        let diff = unified_diff("x", &a, &b);
        let shown = diff
            .lines()
            .filter(|line| {
                (line.starts_with('+') && !line.starts_with("+++"))
                    || (line.starts_with('-') && !line.starts_with("---"))
            })
            .count();
        prop_assert!(count <= shown, "{count} > {shown}\n{diff}");
    }
}

/// Lines an answer or file is built from: markers, headings, fences, code
/// (with and without indentation), elisions, blank lines.
fn answer_piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "<<<<<<< SEARCH",
        "=======",
        ">>>>>>> REPLACE",
        "src/a.py",
        "`src/b.py`",
        "**File:** src/a.py",
        "```python",
        "```",
        "x = 1",
        "    x = 1",
        "y = x + 1",
        "\treturn y",
        "# ... existing code ...",
        "...",
        "",
        "The cause is an off-by-one.",
    ])
}

proptest! {
    /// The fuzz target's checks, on answers made of the pieces that matter:
    /// parsed blocks point at their markers and survive a render round trip;
    /// applying never panics, keeps CRLF-only files CRLF-only, and an exact
    /// identity edit changes nothing.
    #[test]
    fn structured_answers(
        answer in proptest::collection::vec(answer_piece(), 0..30),
        file in proptest::collection::vec(answer_piece(), 0..20),
        crlf in any::<bool>(),
    ) {
        let ending = if crlf { "\r\n" } else { "\n" };
        let answer = answer.join(ending);
        let content = file.iter().filter(|line| !line.starts_with(['<', '=', '>'])).fold(
            String::new(),
            |mut text, line| {
                text.push_str(line);
                text.push_str(ending);
                text
            },
        );
        let Ok(parsed) = parse_search_replace(&answer) else { return Ok(()) };
        let lines: Vec<&str> = answer.split('\n').collect();
        for block in &parsed.blocks {
            prop_assert!(lines[block.line - 1].starts_with("<<<<<<< SEARCH"));
            if let Ok((new, _)) = apply_block(&content, block) && crlf && !content.is_empty() {
                prop_assert!(!new.replace("\r\n", "").contains('\n'), "{:?}", new);
            }
            let identity = EditBlock { replace: block.search.clone(), ..block.clone() };
            if let Ok((new, MatchMethod::Exact)) = apply_block(&content, &identity) {
                prop_assert_eq!(new, content.clone());
            }
        }
        let again = parse_search_replace(&render_blocks(&parsed.blocks)).unwrap();
        let strip = |blocks: Vec<EditBlock>| -> Vec<EditBlock> {
            blocks.into_iter().map(|block| EditBlock { line: 0, ..block }).collect()
        };
        prop_assert_eq!(strip(again.blocks), strip(parsed.blocks));
    }
}
