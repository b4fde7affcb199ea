//! Parsing a model's answer: SEARCH/REPLACE blocks, or whole files.
//!
//! The model's answer is untrusted text. The parser never guesses silently
//! where the structure is broken: a block without its `=======` or
//! `>>>>>>> REPLACE` (typically a truncated answer) is an error naming the
//! line, worded so that it can be sent back to the model as is.

use std::fmt;

/// A parsed SEARCH/REPLACE answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelAnswer {
    /// The prose outside the blocks (the root-cause explanation), trimmed.
    pub explanation: String,
    /// The edits, in the order the model wrote them.
    pub blocks: Vec<EditBlock>,
}

/// One SEARCH/REPLACE edit.
///
/// `search` and `replace` hold whole lines, each ended by `\n` (so an empty
/// section is `""` and one line is `"x\n"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditBlock {
    /// The file path exactly as the model wrote it (markdown removed);
    /// `check_path` decides whether it may be edited.
    pub path: String,
    /// The existing lines to find.
    pub search: String,
    /// The lines to put in their place.
    pub replace: String,
    /// 1-based line of the `<<<<<<< SEARCH` marker in the answer.
    pub line: usize,
}

/// One file of a whole-file answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WholeFile {
    /// The file path as the model wrote it.
    pub path: String,
    /// The complete new content, lines ended by `\n`.
    pub content: String,
    /// 1-based line of the opening fence in the answer.
    pub line: usize,
}

/// What is wrong with an answer's structure; `Display` is the message for
/// the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// A SEARCH marker with no file path before it (and no earlier block
    /// whose path it could share).
    #[error(
        "Line {search_line}: the `<<<<<<< SEARCH` marker has no file path before it. Put the \
         file's path, relative to the repository root, alone on the line just before the marker \
         (or just before the opening ``` fence)."
    )]
    MissingPath { search_line: usize },
    /// A block whose SEARCH section never reaches `=======`.
    #[error(
        "The SEARCH/REPLACE block that starts at line {search_line} has no `=======` line: {}. \
         Each block is: the path, `<<<<<<< SEARCH`, the exact existing lines, `=======`, the new \
         lines, `>>>>>>> REPLACE`.",
        stop_reason(*stopped_at)
    )]
    MissingDivider {
        search_line: usize,
        /// The marker line that ended the section early, or `None` when the
        /// answer ended (it was probably cut off).
        stopped_at: Option<StopMarker>,
    },
    /// A block whose REPLACE section never reaches `>>>>>>> REPLACE`.
    #[error(
        "The SEARCH/REPLACE block that starts at line {search_line} has its `=======` at line \
         {divider_line} but no `>>>>>>> REPLACE` line after it: {}. End every block with \
         `>>>>>>> REPLACE`.",
        stop_reason(*stopped_at)
    )]
    MissingReplaceMarker {
        search_line: usize,
        divider_line: usize,
        stopped_at: Option<StopMarker>,
    },
    /// A `>>>>>>> REPLACE` outside any block.
    #[error(
        "Line {line}: `>>>>>>> REPLACE` without a `<<<<<<< SEARCH` and `=======` before it. Each \
         block is: the path, `<<<<<<< SEARCH`, the exact existing lines, `=======`, the new lines, \
         `>>>>>>> REPLACE`."
    )]
    StrayReplaceMarker { line: usize },
    /// Whole-file mode: a code fence that is never closed.
    #[error(
        "The code block opened at line {line} is never closed with ``` (the answer may have been \
         cut off). Give each file complete, inside one fenced block."
    )]
    UnclosedFence { line: usize },
    /// Whole-file mode: a code fence with no file path before it.
    #[error(
        "Line {line}: the code block has no file path. Put the file's path, relative to the \
         repository root, alone on the line before the opening ``` fence, and use fenced blocks \
         only for complete files."
    )]
    FenceWithoutPath { line: usize },
    /// Whole-file mode: the model answered with SEARCH/REPLACE blocks.
    #[error(
        "Line {line}: found a `<<<<<<< SEARCH` marker, but this answer must give each changed \
         file complete, not as SEARCH/REPLACE blocks."
    )]
    SearchReplaceInWholeMode { line: usize },
    /// Whole-file mode: one file given twice.
    #[error(
        "`{path}` is given twice (code blocks at lines {first_line} and {second_line}); give each \
         file once, complete."
    )]
    DuplicateFile {
        path: String,
        first_line: usize,
        second_line: usize,
    },
}

/// A marker line that ended a section before its expected end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopMarker {
    pub line: usize,
    pub kind: MarkerKind,
}

/// The three marker lines of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    Search,
    Divider,
    Replace,
}

impl fmt::Display for MarkerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MarkerKind::Search => "<<<<<<< SEARCH",
            MarkerKind::Divider => "=======",
            MarkerKind::Replace => ">>>>>>> REPLACE",
        })
    }
}

fn stop_reason(stopped_at: Option<StopMarker>) -> String {
    match stopped_at {
        None => "the answer ends first (it may have been cut off)".to_owned(),
        Some(StopMarker { line, kind }) => format!("line {line} has `{kind}` first"),
    }
}

/// Which marker `line` is, if any: 5 to 9 `<`, `=` or `>` characters, the
/// word for the first and last, and optional trailing whitespace.
pub(crate) fn marker_kind(line: &str) -> Option<MarkerKind> {
    let line = line.trim_end();
    let run = |c: char| {
        let count = line.chars().take_while(|&x| x == c).count();
        (5..=9).contains(&count).then(|| &line[count..])
    };
    if let Some(rest) = run('<') {
        // Aider accepts a stray `>` after the word as well.
        let rest = rest.strip_suffix('>').unwrap_or(rest);
        if rest.strip_prefix(' ').map(str::trim_start) == Some("SEARCH") {
            return Some(MarkerKind::Search);
        }
    }
    if run('=') == Some("") {
        return Some(MarkerKind::Divider);
    }
    if let Some(rest) = run('>')
        && rest.strip_prefix(' ').map(str::trim_start) == Some("REPLACE")
    {
        return Some(MarkerKind::Replace);
    }
    None
}

/// The answer's lines, `\r\n` treated as `\n`.
fn answer_lines(answer: &str) -> Vec<&str> {
    crate::text::line_texts(answer)
}

/// A fence line: three or more backticks (or tildes) and an info string.
/// Returns the fence character, its length and the info string.
fn fence(line: &str) -> Option<(char, usize, &str)> {
    let trimmed = line.trim_start();
    // CommonMark allows up to three spaces before a fence.
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let marker = trimmed.chars().next().filter(|&c| c == '`' || c == '~')?;
    let length = trimmed.chars().take_while(|&c| c == marker).count();
    if length < 3 {
        return None;
    }
    let info = trimmed[length..].trim();
    if marker == '`' && info.contains('`') {
        return None;
    }
    Some((marker, length, info))
}

/// File names without an extension that are still clearly paths.
const BARE_FILE_NAMES: &[&str] = &[
    "Makefile",
    "makefile",
    "GNUmakefile",
    "Dockerfile",
    "Containerfile",
    "Jenkinsfile",
    "Rakefile",
    "Gemfile",
    "Procfile",
    "Vagrantfile",
    "Justfile",
    "justfile",
    "Pipfile",
    "Brewfile",
    "LICENSE",
    "README",
    "CODEOWNERS",
];

/// The path written on `line`, with markdown and labels removed, if the line
/// looks like a path: `src/app.py`, `` `src/app.py` ``, `**src/app.py**`,
/// `File: src/app.py`, `### src/app.py:`.
pub(crate) fn path_on_line(line: &str) -> Option<String> {
    let mut s = line.trim();
    let mut quoted = false;
    loop {
        let before = s;
        s = s.trim_start_matches('#').trim();
        for prefix in ["- ", "* "] {
            s = s.strip_prefix(prefix).unwrap_or(s).trim_start();
        }
        s = s.trim_start_matches("**").trim_start_matches("__").trim();
        for label in [
            "file path:",
            "filepath:",
            "filename:",
            "file name:",
            "file:",
            "path:",
        ] {
            if s.len() >= label.len()
                && s.is_char_boundary(label.len())
                && s[..label.len()].eq_ignore_ascii_case(label)
            {
                s = s[label.len()..].trim();
            }
        }
        s = s.trim_start_matches("**").trim();
        s = s.trim_end_matches("**").trim_end_matches("__").trim_end();
        s = s.strip_suffix(':').unwrap_or(s).trim_end();
        for quote in ['`', '"', '\''] {
            if s.len() >= 2 && s.starts_with(quote) && s.ends_with(quote) {
                s = s[1..s.len() - 1].trim();
                quoted = true;
            }
        }
        if s == before {
            break;
        }
    }
    let looks_like_path = !s.is_empty()
        && !s.ends_with('.')
        && (quoted || !s.contains(char::is_whitespace))
        && !s.contains(['`', '*', '<', '>', '|', '"'])
        && s.chars().any(char::is_alphanumeric)
        && (s.contains(['/', '\\', '.']) || BARE_FILE_NAMES.contains(&s));
    looks_like_path.then(|| s.to_owned())
}

/// How many non-blank lines before a SEARCH marker (or fence) may hold its path.
const PATH_LOOKBACK: usize = 3;

/// Finds the path of the block whose SEARCH marker is at `marker` (0-based):
/// the nearest path-like line among the few non-blank lines before it,
/// skipping fence lines (whose info string may itself be the path). Lines
/// already used by an earlier block end the search. Returns the path and the
/// lines that belong to the block's heading (path and fences).
fn find_path(lines: &[&str], marker: usize, used: &[bool]) -> Option<(String, Vec<usize>)> {
    let mut heading = Vec::new();
    let mut examined = 0;
    let mut index = marker;
    while index > 0 && examined < PATH_LOOKBACK {
        index -= 1;
        if used[index] {
            break;
        }
        let line = lines[index];
        if line.trim().is_empty() {
            continue;
        }
        examined += 1;
        if let Some((_, _, info)) = fence(line) {
            heading.push(index);
            if let Some(path) = path_on_line(info).filter(|p| p.contains(['/', '.'])) {
                return Some((path, heading));
            }
            continue;
        }
        if let Some(path) = path_on_line(line) {
            heading.push(index);
            // A fence opened just above a path that sits right at the
            // marker wraps the block (the path inside the fence).
            if heading.len() == 1
                && let Some(above) = (0..index).rev().find(|&i| !lines[i].trim().is_empty())
                && !used[above]
                && fence(lines[above]).is_some()
            {
                heading.push(above);
            }
            return Some((path, heading));
        }
        // Prose right before the marker: the path, if any, is not above it.
        break;
    }
    None
}

/// Parses a SEARCH/REPLACE answer.
///
/// A block's path is the line just before `<<<<<<< SEARCH`, or before the
/// fence wrapping the block; a block without any path reuses the previous
/// block's path (models often put several blocks for one file under one
/// heading). The fences around a block and its path line are not part of the
/// explanation. An answer without blocks is not an error here: the caller
/// decides what an explanation without edits means.
pub fn parse_search_replace(answer: &str) -> Result<ModelAnswer, ParseError> {
    let lines = answer_lines(answer);
    let mut used = vec![false; lines.len()];
    let mut blocks = Vec::new();
    let mut previous_path: Option<String> = None;
    let mut index = 0;
    while index < lines.len() {
        match marker_kind(lines[index]) {
            Some(MarkerKind::Search) => {}
            Some(MarkerKind::Replace) => {
                return Err(ParseError::StrayReplaceMarker { line: index + 1 });
            }
            // A lone `=======` outside a block is prose (a setext heading).
            Some(MarkerKind::Divider) | None => {
                index += 1;
                continue;
            }
        }
        let search_line = index + 1;
        let path = match find_path(&lines, index, &used) {
            Some((path, heading)) => {
                for line in heading {
                    used[line] = true;
                }
                path
            }
            None => previous_path
                .clone()
                .ok_or(ParseError::MissingPath { search_line })?,
        };
        used[index] = true;

        let (search, divider) =
            section(&lines, index + 1, MarkerKind::Divider).map_err(|stopped_at| {
                ParseError::MissingDivider {
                    search_line,
                    stopped_at,
                }
            })?;
        let (replace, end) =
            section(&lines, divider + 1, MarkerKind::Replace).map_err(|stopped_at| {
                ParseError::MissingReplaceMarker {
                    search_line,
                    divider_line: divider + 1,
                    stopped_at,
                }
            })?;
        for line in &mut used[index..=end] {
            *line = true;
        }
        // A closing fence right after the block belongs to it.
        if let Some(next) = (end + 1..lines.len()).find(|&i| !lines[i].trim().is_empty())
            && fence(lines[next]).is_some_and(|(_, _, info)| info.is_empty())
        {
            used[next] = true;
        }
        blocks.push(EditBlock {
            path: path.clone(),
            search,
            replace,
            line: search_line,
        });
        previous_path = Some(path);
        index = end + 1;
    }
    // Removed lines become blank, so prose before and after a block stays
    // separate paragraphs.
    let prose: Vec<&str> = lines
        .iter()
        .zip(&used)
        .map(|(line, used)| if *used { "" } else { *line })
        .collect();
    Ok(ModelAnswer {
        explanation: tidy_prose(&prose),
        blocks,
    })
}

/// Collects lines from `start` up to the marker `until`, each ended by `\n`.
/// Returns the text and the marker's index, or the marker that came first
/// (`None` when the answer ended).
fn section(
    lines: &[&str],
    start: usize,
    until: MarkerKind,
) -> Result<(String, usize), Option<StopMarker>> {
    let mut text = String::new();
    for (index, line) in lines.iter().enumerate().skip(start) {
        match marker_kind(line) {
            Some(kind) if kind == until => return Ok((text, index)),
            Some(kind) => {
                return Err(Some(StopMarker {
                    line: index + 1,
                    kind,
                }));
            }
            None => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    Err(None)
}

/// Joins prose lines, trimming the whole and collapsing runs of blank lines
/// left behind where blocks were removed.
fn tidy_prose(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut blank_run = false;
    for line in lines {
        if line.trim().is_empty() {
            blank_run = true;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run { "\n\n" } else { "\n" });
        }
        blank_run = false;
        out.push_str(line.trim_end());
    }
    out
}

/// Parses a whole-file answer: each file is its path on the line before a
/// fenced code block (or in the fence's info string), then the complete
/// content. A fence opened with N backticks closes with at least N, so a file
/// that itself contains ``` fences can be wrapped in ````.
pub fn parse_whole_files(answer: &str) -> Result<(String, Vec<WholeFile>), ParseError> {
    let lines = answer_lines(answer);
    let mut used = vec![false; lines.len()];
    let mut files: Vec<WholeFile> = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        if marker_kind(lines[index]) == Some(MarkerKind::Search) {
            return Err(ParseError::SearchReplaceInWholeMode { line: index + 1 });
        }
        let Some((marker, length, info)) = fence(lines[index]) else {
            index += 1;
            continue;
        };
        let open = index;
        let path_from_info = path_on_line(info).filter(|p| p.contains(['/', '.']));
        let heading = (0..open)
            .rev()
            .find(|&i| !lines[i].trim().is_empty())
            .filter(|&i| !used[i]);
        let path = match path_from_info {
            Some(path) => path,
            None => {
                let (line, path) = heading
                    .and_then(|i| Some((i, path_on_line(lines[i])?)))
                    .ok_or(ParseError::FenceWithoutPath { line: open + 1 })?;
                used[line] = true;
                path
            }
        };
        let close = (open + 1..lines.len())
            .find(|&i| {
                let trimmed = lines[i].trim();
                trimmed.len() >= length && trimmed.chars().all(|c| c == marker)
            })
            .ok_or(ParseError::UnclosedFence { line: open + 1 })?;
        let mut content = String::new();
        for line in &lines[open + 1..close] {
            if marker_kind(line) == Some(MarkerKind::Search) {
                return Err(ParseError::SearchReplaceInWholeMode { line: open + 1 });
            }
            content.push_str(line);
            content.push('\n');
        }
        if let Some(first) = files.iter().find(|file| file.path == path) {
            return Err(ParseError::DuplicateFile {
                path,
                first_line: first.line,
                second_line: open + 1,
            });
        }
        for line in &mut used[open..=close] {
            *line = true;
        }
        files.push(WholeFile {
            path,
            content,
            line: open + 1,
        });
        index = close + 1;
    }
    // Removed lines become blank, so prose before and after a block stays
    // separate paragraphs.
    let prose: Vec<&str> = lines
        .iter()
        .zip(&used)
        .map(|(line, used)| if *used { "" } else { *line })
        .collect();
    Ok((tidy_prose(&prose), files))
}

/// Writes blocks in the canonical format the parser reads (used in prompts'
/// examples and in tests): the path, then the three markers.
pub fn render_blocks(blocks: &[EditBlock]) -> String {
    let mut out = String::new();
    for (index, block) in blocks.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        // A path with spaces is only read back as a path when quoted.
        if block.path.contains(char::is_whitespace) {
            out.push_str(&format!("`{}`", block.path));
        } else {
            out.push_str(&block.path);
        }
        out.push_str("\n<<<<<<< SEARCH\n");
        push_section(&mut out, &block.search);
        out.push_str("=======\n");
        push_section(&mut out, &block.replace);
        out.push_str(">>>>>>> REPLACE\n");
    }
    out
}

fn push_section(out: &mut String, text: &str) {
    out.push_str(text);
    if !text.is_empty() && !text.ends_with('\n') {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(path: &str, search: &str, replace: &str, line: usize) -> EditBlock {
        EditBlock {
            path: path.to_owned(),
            search: search.to_owned(),
            replace: replace.to_owned(),
            line,
        }
    }

    #[test]
    fn parses_plain_blocks_and_explanation() {
        let answer = "The loop reads past the end of `items`.\n\
                      \n\
                      src/app.py\n\
                      <<<<<<< SEARCH\n\
                      for i in range(len(items) + 1):\n\
                      =======\n\
                      for i in range(len(items)):\n\
                      >>>>>>> REPLACE\n\
                      \n\
                      That is all.\n";
        let parsed = parse_search_replace(answer).unwrap();
        assert_eq!(
            parsed.explanation,
            "The loop reads past the end of `items`.\n\nThat is all."
        );
        assert_eq!(
            parsed.blocks,
            vec![block(
                "src/app.py",
                "for i in range(len(items) + 1):\n",
                "for i in range(len(items)):\n",
                4
            )]
        );
    }

    #[test]
    fn markdown_around_the_path_is_removed() {
        for heading in [
            "`src/app.py`",
            "**src/app.py**",
            "File: src/app.py",
            "**File:** `src/app.py`",
            "### src/app.py",
            "# File: src/app.py:",
            "- `src/app.py`",
            "filename: \"src/app.py\"",
        ] {
            let answer = format!("{heading}\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n");
            let parsed = parse_search_replace(&answer).unwrap();
            assert_eq!(parsed.blocks[0].path, "src/app.py", "heading {heading:?}");
            assert_eq!(parsed.explanation, "", "heading {heading:?}");
        }
    }

    #[test]
    fn fences_around_blocks_with_the_path_before_or_inside() {
        let path_before = "Fix:\n\nsrc/app.py\n```python\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\nDone.";
        let path_inside =
            "Fix:\n```\nsrc/app.py\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\nDone.";
        let path_in_info =
            "Fix:\n```src/app.py\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\nDone.";
        for answer in [path_before, path_inside, path_in_info] {
            let parsed = parse_search_replace(answer).unwrap();
            assert_eq!(parsed.blocks.len(), 1, "{answer}");
            assert_eq!(parsed.blocks[0].path, "src/app.py", "{answer}");
            assert_eq!(parsed.blocks[0].search, "a\n");
            assert_eq!(parsed.explanation, "Fix:\n\nDone.", "{answer}");
        }
    }

    #[test]
    fn crlf_answers_parse_like_lf_answers() {
        let lf = "Why.\nsrc/a.rs\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n";
        let crlf = lf.replace('\n', "\r\n");
        assert_eq!(
            parse_search_replace(&crlf).unwrap(),
            parse_search_replace(lf).unwrap()
        );
    }

    #[test]
    fn marker_lengths_and_trailing_spaces() {
        assert_eq!(marker_kind("<<<<< SEARCH"), Some(MarkerKind::Search));
        assert_eq!(marker_kind("<<<<<<<<< SEARCH  "), Some(MarkerKind::Search));
        assert_eq!(marker_kind("<<<<<<< SEARCH>"), Some(MarkerKind::Search));
        assert_eq!(marker_kind("<<<< SEARCH"), None);
        assert_eq!(marker_kind("<<<<<<<<<< SEARCH"), None);
        assert_eq!(marker_kind("=====   "), Some(MarkerKind::Divider));
        assert_eq!(marker_kind("========="), Some(MarkerKind::Divider));
        assert_eq!(marker_kind("=========="), None);
        assert_eq!(marker_kind(" ======="), None);
        assert_eq!(marker_kind(">>>>>>> REPLACE\t"), Some(MarkerKind::Replace));
        assert_eq!(marker_kind(">>>>>>> REPLACED"), None);
    }

    #[test]
    fn several_blocks_share_a_heading_and_keep_order() {
        let answer = "src/a.py\n<<<<<<< SEARCH\n1\n=======\n2\n>>>>>>> REPLACE\n\
                      <<<<<<< SEARCH\n3\n=======\n4\n>>>>>>> REPLACE\n\
                      lib/b.py\n<<<<<<< SEARCH\n=======\nnew\n>>>>>>> REPLACE\n";
        let parsed = parse_search_replace(answer).unwrap();
        assert_eq!(
            parsed.blocks,
            vec![
                block("src/a.py", "1\n", "2\n", 2),
                block("src/a.py", "3\n", "4\n", 7),
                block("lib/b.py", "", "new\n", 13),
            ]
        );
    }

    #[test]
    fn structural_errors_name_their_lines() {
        let no_divider = "a.py\n<<<<<<< SEARCH\nx\n>>>>>>> REPLACE\n";
        assert_eq!(
            parse_search_replace(no_divider),
            Err(ParseError::MissingDivider {
                search_line: 2,
                stopped_at: Some(StopMarker {
                    line: 4,
                    kind: MarkerKind::Replace
                })
            })
        );
        let truncated = "a.py\n<<<<<<< SEARCH\nx\n=======\ny\n";
        assert_eq!(
            parse_search_replace(truncated),
            Err(ParseError::MissingReplaceMarker {
                search_line: 2,
                divider_line: 4,
                stopped_at: None
            })
        );
        let two_dividers = "a.py\n<<<<<<< SEARCH\nx\n=======\ny\n=======\n";
        assert!(matches!(
            parse_search_replace(two_dividers),
            Err(ParseError::MissingReplaceMarker {
                stopped_at: Some(StopMarker {
                    line: 6,
                    kind: MarkerKind::Divider
                }),
                ..
            })
        ));
        let no_path = "Here is the fix:\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n";
        assert_eq!(
            parse_search_replace(no_path),
            Err(ParseError::MissingPath { search_line: 2 })
        );
        assert_eq!(
            parse_search_replace("text\n>>>>>>> REPLACE\n"),
            Err(ParseError::StrayReplaceMarker { line: 2 })
        );
    }

    #[test]
    fn parse_error_messages() {
        let errors = [
            parse_search_replace("a.py\n<<<<<<< SEARCH\nx\n>>>>>>> REPLACE\n"),
            parse_search_replace("a.py\n<<<<<<< SEARCH\nx\n=======\ny\n"),
            parse_search_replace("why\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n"),
        ]
        .map(|result| result.unwrap_err().to_string());
        insta::assert_snapshot!(errors.join("\n\n"));
    }

    #[test]
    fn a_setext_heading_is_prose() {
        let answer = "Cause\n=======\nThe index is off by one.";
        let parsed = parse_search_replace(answer).unwrap();
        assert!(parsed.blocks.is_empty());
        assert_eq!(parsed.explanation, answer);
    }

    #[test]
    fn whole_files_with_paths_before_fences() {
        let answer = "The handler forgot None.\n\nsrc/app.py\n```python\ndef f(x):\n    return x or 0\n```\n\n`README.md`\n````markdown\n```sh\nrun\n```\n````\n";
        let (explanation, files) = parse_whole_files(answer).unwrap();
        assert_eq!(explanation, "The handler forgot None.");
        assert_eq!(
            files,
            vec![
                WholeFile {
                    path: "src/app.py".into(),
                    content: "def f(x):\n    return x or 0\n".into(),
                    line: 4
                },
                WholeFile {
                    path: "README.md".into(),
                    content: "```sh\nrun\n```\n".into(),
                    line: 10
                },
            ]
        );
    }

    #[test]
    fn whole_file_errors() {
        assert_eq!(
            parse_whole_files("src/a.py\n```python\nx = 1\n"),
            Err(ParseError::UnclosedFence { line: 2 })
        );
        assert_eq!(
            parse_whole_files("Here it is:\n```python\nx = 1\n```\n"),
            Err(ParseError::FenceWithoutPath { line: 2 })
        );
        assert_eq!(
            parse_whole_files("a.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n"),
            Err(ParseError::SearchReplaceInWholeMode { line: 2 })
        );
        assert!(matches!(
            parse_whole_files("a.py\n```\n1\n```\na.py\n```\n2\n```\n"),
            Err(ParseError::DuplicateFile {
                first_line: 2,
                second_line: 6,
                ..
            })
        ));
    }

    #[test]
    fn render_is_read_back() {
        let blocks = vec![
            block("src/a.py", "x\n", "y\n", 2),
            block("src/a.py", "", "z\n", 9),
            block("docs/my notes.md", "\n", "", 15),
        ];
        let parsed = parse_search_replace(&render_blocks(&blocks)).unwrap();
        assert_eq!(parsed.blocks, blocks);
    }
}
