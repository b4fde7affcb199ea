//! Applying one SEARCH/REPLACE block to a file's content.
//!
//! The SEARCH lines are looked for in three ways, in order (Aider's order,
//! plus a uniqueness rule at every step):
//!
//! 1. **Exact**: a run of whole lines equal to the SEARCH lines. Several runs
//!    make the block ambiguous (the model is asked for more context lines);
//!    the looser methods are not tried then.
//! 2. **Ignoring leading whitespace**: lines equal once indentation is
//!    removed. The REPLACE lines are re-indented by the difference between
//!    the SEARCH indentation and the file's (taken from the first non-blank
//!    line), so a block written at the wrong depth lands at the right one.
//! 3. **Fuzzy**: the window of file lines, of the SEARCH's line count ±10%,
//!    whose text (lines trimmed, each ended by `\n`) is most similar to the
//!    SEARCH text. Similarity is `2·M / (|a| + |b|)` over characters, `M` the
//!    length of their longest common subsequence (difflib's ratio, computed
//!    exactly: `similar`'s Myers diff can miss matches on long texts with
//!    many repeated characters, which ranked windows wrongly). The window must reach [`FUZZY_THRESHOLD`] (0.8) and be the
//!    unique best: another window elsewhere (not overlapping it) within
//!    [`FUZZY_AMBIGUITY_MARGIN`] of it makes the block ambiguous.
//!
//! The fuzzy search is a branch and bound: the character multiset shared by
//! a window and the SEARCH text bounds their common subsequence, so windows
//! are scored in the order of that bound (computed for all windows by
//! sliding) and the exact ratio is computed only while a window could still
//! win or tie. At most [`FUZZY_MAX_EVALUATIONS`] ratios are computed per
//! block, which bounds the time spent on a hostile or repetitive file.
//!
//! An edit keeps the file's conventions: untouched lines keep their own line
//! terminators, new lines get the file's dominant one (`\r\n` files stay
//! `\r\n`), and the file's final-newline state is preserved.
//!
//! An empty SEARCH creates a file: it applies to a missing or empty file only.
//! On a file with content it is refused rather than appended (Aider appends),
//! because a model that believes it creates a file which exists would
//! otherwise leave a second copy of the code at the end of it; to add code,
//! the model anchors it on existing lines.

use std::collections::HashMap;

use crate::elision::{elision_lines, is_elision_line};
use crate::lcs::LcsPattern;
use crate::parse::EditBlock;
use crate::text::{Line, dominant_ending, indentation, line_texts, split_lines};

/// The lowest similarity at which a fuzzy match is applied.
pub const FUZZY_THRESHOLD: f64 = 0.8;
/// A second fuzzy match this close to the best makes the block ambiguous.
pub const FUZZY_AMBIGUITY_MARGIN: f64 = 0.05;
/// Closest lines below this similarity are noise and not shown to the model.
pub const CLOSEST_MIN_SIMILARITY: f64 = 0.4;
/// The most exact similarity ratios computed for one block.
pub const FUZZY_MAX_EVALUATIONS: usize = 100;
/// SEARCH texts longer than this (in characters) are not matched fuzzily.
pub const FUZZY_MAX_SEARCH_CHARS: usize = 20_000;

/// How a block's SEARCH lines were found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MatchMethod {
    /// The exact lines.
    Exact,
    /// The lines with different indentation; REPLACE was re-indented.
    IgnoringLeadingWhitespace,
    /// Similar lines (see the module documentation).
    Fuzzy { similarity: f64 },
    /// The SEARCH was empty and the file missing or empty: REPLACE is the
    /// new content.
    Created,
}

impl MatchMethod {
    /// The less trustworthy of two methods (for a block applied in pieces).
    fn weaker(self, other: MatchMethod) -> MatchMethod {
        fn rank(method: MatchMethod) -> (u8, f64) {
            match method {
                MatchMethod::Created | MatchMethod::Exact => (0, 0.0),
                MatchMethod::IgnoringLeadingWhitespace => (1, 0.0),
                MatchMethod::Fuzzy { similarity } => (2, -similarity),
            }
        }
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// File lines that resemble a block's SEARCH lines.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosestLines {
    /// 1-based first line in the file.
    pub start_line: usize,
    /// 1-based last line in the file (inclusive).
    pub end_line: usize,
    /// The lines as they are in the file, joined by `\n`.
    pub text: String,
    /// Their similarity to the SEARCH text, 0 to 1.
    pub similarity: f64,
}

/// Why a block could not be applied. `Display` gives the reason alone;
/// [`ApplyError::feedback`] the full message for the model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApplyError {
    /// No lines match, even fuzzily.
    #[error(
        "its SEARCH lines are not in the file: not exactly, not ignoring indentation, and not \
         with at least {}% similarity",
        percent(FUZZY_THRESHOLD)
    )]
    NotFound { closest: Option<ClosestLines> },
    /// The SEARCH lines match in several places.
    #[error(
        "its SEARCH lines match {matches} places in the file (starting at lines {}), so it is \
         not clear which one to change",
        list_lines(lines)
    )]
    Ambiguous {
        matches: usize,
        /// 1-based first lines of the matches.
        lines: Vec<usize>,
    },
    /// REPLACE leaves code out (`... existing code ...`).
    #[error(
        "its REPLACE section contains the line `{line}`, which stands for code left out; \
         applied as written it would delete that code"
    )]
    Elided { line: String },
    /// SEARCH and REPLACE use elision lines in ways that cannot be paired.
    #[error(
        "its SEARCH section has {search} elision line(s) (`...`) and its REPLACE section {replace}; \
         elisions can only be used in matching pairs, with exact lines between them on both sides"
    )]
    ElisionMismatch { search: usize, replace: usize },
    /// An empty SEARCH on a file that has content.
    #[error(
        "its SEARCH section is empty, which means \"create this file\", but the file exists and \
         is not empty"
    )]
    EmptySearchOnExistingFile,
    /// A non-empty SEARCH on a file that does not exist.
    #[error("the file does not exist")]
    MissingFile,
}

fn percent(ratio: f64) -> u32 {
    // Floor, so that 0.797 is never shown as the 80% it failed to reach.
    (ratio * 100.0).floor() as u32
}

fn list_lines(lines: &[usize]) -> String {
    const SHOWN: usize = 8;
    let mut text = lines
        .iter()
        .take(SHOWN)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if lines.len() > SHOWN {
        text.push_str(", …");
    }
    text
}

impl ApplyError {
    /// The message sent back to the model: which block, why it failed, what
    /// the file really holds nearby, and what to send instead.
    pub fn feedback(&self, block: &EditBlock) -> String {
        let mut out = format!(
            "The SEARCH/REPLACE block for `{}` at line {} of your answer was not applied: {}.",
            block.path, block.line, self
        );
        let advice = match self {
            ApplyError::NotFound {
                closest: Some(closest),
            } => {
                let lines = if closest.start_line == closest.end_line {
                    format!("line {}", closest.start_line)
                } else {
                    format!("lines {}-{}", closest.start_line, closest.end_line)
                };
                out.push_str(&format!(
                    "\nDid you mean {lines} of `{}` ({}% similar)?\n```\n{}\n```",
                    block.path,
                    percent(closest.similarity),
                    closest.text
                ));
                "Copy the lines you mean into SEARCH exactly as they are in the file, with the \
                 same whitespace, comments and docstrings."
            }
            ApplyError::NotFound { closest: None } => {
                "Nothing in the file resembles them: check the path, and copy the lines you \
                 mean into SEARCH exactly as they are in the file."
            }
            ApplyError::Ambiguous { .. } => {
                "Add a few unchanged lines before or after to SEARCH (and the same lines to \
                 REPLACE) so that it matches exactly one place."
            }
            ApplyError::Elided { .. } => {
                "Write out every line the REPLACE section keeps: REPLACE replaces the SEARCH \
                 lines completely. To change only part of a long region, use a smaller block \
                 whose SEARCH covers just that part."
            }
            ApplyError::ElisionMismatch { .. } => {
                "Write SEARCH out in full, or use several smaller blocks."
            }
            ApplyError::EmptySearchOnExistingFile => {
                "To add code to it, put the existing lines next to which it goes in SEARCH, and \
                 the same lines plus the new code in REPLACE."
            }
            ApplyError::MissingFile => {
                "Check the path (relative to the repository root); to create a new file, leave \
                 SEARCH empty and put the whole file in REPLACE."
            }
        };
        out.push('\n');
        out.push_str(advice);
        out
    }
}

/// Applies one block to `content`, returning the new content and how the
/// SEARCH lines were found.
///
/// Elision lines (`...`, `# ... existing code ...`) are handled as Aider
/// does: if the file contains SEARCH literally (exactly or ignoring
/// indentation) it is applied as written; otherwise, when SEARCH and REPLACE
/// hold the same number of elision lines, the pieces between them are applied
/// pairwise, in order. An elision line in REPLACE that SEARCH does not have is
/// refused: it would replace real code with a comment. A SEARCH with elisions
/// is never matched fuzzily, since the elided lines would make a looser window
/// look similar.
pub fn apply_block(content: &str, block: &EditBlock) -> Result<(String, MatchMethod), ApplyError> {
    let search = line_texts(&block.search);
    let replace = line_texts(&block.replace);
    if search.iter().all(|line| line.trim().is_empty()) {
        if !content.trim().is_empty() {
            return Err(ApplyError::EmptySearchOnExistingFile);
        }
        // A file of blank CRLF lines gets CRLF lines.
        let ending = dominant_ending(&split_lines(content));
        let mut created = String::new();
        for line in &replace {
            created.push_str(line);
            created.push_str(ending);
        }
        return Ok((created, MatchMethod::Created));
    }

    let search_elisions = elision_lines(&search);
    let replace_elisions = elision_lines(&replace);
    if let Some(&index) = replace_elisions.iter().find(|&&index| {
        !search_elisions
            .iter()
            .any(|&s| search[s].trim() == replace[index].trim())
    }) {
        return Err(ApplyError::Elided {
            line: replace[index].trim().to_owned(),
        });
    }
    if search_elisions.is_empty() {
        return replace_lines(content, &search, &replace, true);
    }
    match replace_lines(content, &search, &replace, false) {
        Ok(applied) => return Ok(applied),
        Err(ambiguous @ ApplyError::Ambiguous { .. }) => return Err(ambiguous),
        Err(_) => {}
    }
    if search_elisions.len() != replace_elisions.len() {
        return Err(ApplyError::ElisionMismatch {
            search: search_elisions.len(),
            replace: replace_elisions.len(),
        });
    }
    let search_pieces = pieces(&search, &search_elisions);
    let replace_pieces = pieces(&replace, &replace_elisions);
    let mut current = content.to_owned();
    let mut method = MatchMethod::Exact;
    for (search_piece, replace_piece) in search_pieces.iter().zip(&replace_pieces) {
        if search_piece.iter().all(|line| line.trim().is_empty()) {
            if replace_piece.iter().all(|line| line.trim().is_empty()) {
                continue;
            }
            // New lines with nothing on the SEARCH side to place them by.
            return Err(ApplyError::ElisionMismatch {
                search: search_elisions.len(),
                replace: replace_elisions.len(),
            });
        }
        let (next, piece_method) = replace_lines(&current, search_piece, replace_piece, true)?;
        current = next;
        method = method.weaker(piece_method);
    }
    Ok((current, method))
}

/// Splits lines at the given separator indexes (which are left out).
fn pieces<'a>(lines: &[&'a str], separators: &[usize]) -> Vec<Vec<&'a str>> {
    let mut result = Vec::with_capacity(separators.len() + 1);
    let mut start = 0;
    for &separator in separators {
        result.push(lines[start..separator].to_vec());
        start = separator + 1;
    }
    result.push(lines[start..].to_vec());
    result
}

/// Finds `search` in `content` (exact, then ignoring indentation, then, if
/// `allow_fuzzy`, fuzzily) and puts `replace` in its place.
fn replace_lines(
    content: &str,
    search: &[&str],
    replace: &[&str],
    allow_fuzzy: bool,
) -> Result<(String, MatchMethod), ApplyError> {
    let file = split_lines(content);
    let texts: Vec<&str> = file.iter().map(|line| line.text).collect();

    let exact = find_runs(&texts, search, |a, b| a == b);
    match exact.as_slice() {
        [start] => {
            let replacement: Vec<String> = replace.iter().map(|&line| line.to_owned()).collect();
            return Ok((
                splice(&file, *start, search.len(), &replacement),
                MatchMethod::Exact,
            ));
        }
        [] => {}
        many => return Err(ambiguous(many)),
    }

    let loose = find_runs(&texts, search, |a, b| a.trim_start() == b.trim_start());
    match loose.as_slice() {
        [start] => {
            let window = &texts[*start..*start + search.len()];
            let replacement = reindent(replace, search, window);
            return Ok((
                splice(&file, *start, search.len(), &replacement),
                MatchMethod::IgnoringLeadingWhitespace,
            ));
        }
        [] => {}
        many => return Err(ambiguous(many)),
    }

    if !allow_fuzzy {
        return Err(ApplyError::NotFound { closest: None });
    }
    match fuzzy_find(&texts, search) {
        Fuzzy::Unique {
            start,
            len,
            similarity,
        } => {
            let window = &texts[start..start + len];
            let replacement = reindent(replace, search, window);
            Ok((
                splice(&file, start, len, &replacement),
                MatchMethod::Fuzzy { similarity },
            ))
        }
        Fuzzy::Ambiguous { starts } => Err(ambiguous(&starts)),
        Fuzzy::None { closest } => Err(ApplyError::NotFound {
            closest: closest.map(|(start, len, similarity)| ClosestLines {
                start_line: start + 1,
                end_line: start + len,
                text: texts[start..start + len].join("\n"),
                similarity,
            }),
        }),
    }
}

fn ambiguous(starts: &[usize]) -> ApplyError {
    let mut lines: Vec<usize> = starts.iter().map(|start| start + 1).collect();
    lines.sort_unstable();
    ApplyError::Ambiguous {
        matches: lines.len(),
        lines,
    }
}

/// The start indexes of every (possibly overlapping) run of `file` lines
/// equal to `search` under `same`.
fn find_runs(file: &[&str], search: &[&str], same: impl Fn(&str, &str) -> bool) -> Vec<usize> {
    if search.is_empty() || search.len() > file.len() {
        return Vec::new();
    }
    (0..=file.len() - search.len())
        .filter(|&start| {
            search
                .iter()
                .zip(&file[start..])
                .all(|(wanted, have)| same(have, wanted))
        })
        .collect()
}

/// Re-indents REPLACE by the indentation difference between the first
/// non-blank SEARCH line and the first non-blank line of the matched window.
fn reindent(replace: &[&str], search: &[&str], window: &[&str]) -> Vec<String> {
    let first_indent = |lines: &[&str]| {
        lines
            .iter()
            .find(|line| !line.trim().is_empty())
            .map(|line| indentation(line).to_owned())
    };
    let (Some(from), Some(to)) = (first_indent(search), first_indent(window)) else {
        return replace.iter().map(|&line| line.to_owned()).collect();
    };
    replace
        .iter()
        .map(|&line| {
            if line.trim().is_empty() || from == to {
                return line.to_owned();
            }
            if let Some(added) = to.strip_suffix(from.as_str()) {
                // The file is indented deeper by `added`.
                format!("{added}{line}")
            } else if let Some(removed) = from.strip_suffix(to.as_str()) {
                // The file is indented less: drop as much of `removed` as
                // the line has.
                let common = line
                    .char_indices()
                    .zip(removed.chars())
                    .take_while(|((_, a), b)| a == b)
                    .last()
                    .map_or(0, |((index, c), _)| index + c.len_utf8());
                line[common..].to_owned()
            } else if let Some(rest) = line.strip_prefix(from.as_str()) {
                // Different kinds of whitespace (tabs against spaces).
                format!("{to}{rest}")
            } else {
                line.to_owned()
            }
        })
        .collect()
}

/// Replaces `len` lines at `start` with `replacement`, keeping every other
/// line's terminator and the file's final-newline state. The k-th new line
/// takes the terminator of the k-th replaced line, and the file's dominant
/// one beyond those, so that a mixed-ending file changes only where edited.
fn splice(file: &[Line<'_>], start: usize, len: usize, replacement: &[String]) -> String {
    let ending = dominant_ending(file);
    let final_newline = file.last().is_none_or(|line| !line.ending.is_empty());
    let window = &file[start..start + len];
    let mut pieces: Vec<(&str, &str)> = Vec::with_capacity(file.len() + replacement.len());
    pieces.extend(file[..start].iter().map(|line| (line.text, line.ending)));
    pieces.extend(replacement.iter().enumerate().map(|(k, line)| {
        let own = window.get(k).map_or("", |old| old.ending);
        (line.as_str(), if own.is_empty() { ending } else { own })
    }));
    pieces.extend(
        file[start + len..]
            .iter()
            .map(|line| (line.text, line.ending)),
    );
    if let Some(last) = pieces.last_mut() {
        if !final_newline {
            last.1 = "";
        } else if last.1.is_empty() {
            last.1 = ending;
        }
    }
    let mut out = String::with_capacity(pieces.iter().map(|(t, e)| t.len() + e.len()).sum());
    for (text, line_ending) in pieces {
        out.push_str(text);
        out.push_str(line_ending);
    }
    out
}

/// The outcome of the fuzzy search.
enum Fuzzy {
    Unique {
        start: usize,
        len: usize,
        similarity: f64,
    },
    Ambiguous {
        starts: Vec<usize>,
    },
    /// No window reached the threshold (or none could be proven best); the
    /// closest window, if it is at all similar.
    None {
        closest: Option<(usize, usize, f64)>,
    },
}

/// Character counts with an O(1) update of the shared count.
struct Bag {
    ascii: [u32; 128],
    other: HashMap<char, u32>,
}

impl Bag {
    fn new() -> Bag {
        Bag {
            ascii: [0; 128],
            other: HashMap::new(),
        }
    }

    fn slot(&mut self, c: char) -> &mut u32 {
        if c.is_ascii() {
            &mut self.ascii[c as usize]
        } else {
            self.other.entry(c).or_insert(0)
        }
    }

    fn get(&self, c: char) -> u32 {
        if c.is_ascii() {
            self.ascii[c as usize]
        } else {
            self.other.get(&c).copied().unwrap_or(0)
        }
    }
}

/// A window's character counts and their overlap with the SEARCH text's.
struct WindowBag<'a> {
    search: &'a Bag,
    window: Bag,
    shared: usize,
    chars: usize,
}

impl WindowBag<'_> {
    fn add_line(&mut self, line: &str) {
        for c in line.trim().chars().chain(['\n']) {
            let have = self.window.slot(c);
            if *have < self.search.get(c) {
                self.shared += 1;
            }
            *have += 1;
            self.chars += 1;
        }
    }

    fn remove_line(&mut self, line: &str) {
        for c in line.trim().chars().chain(['\n']) {
            let have = self.window.slot(c);
            *have -= 1;
            if *have < self.search.get(c) {
                self.shared -= 1;
            }
            self.chars -= 1;
        }
    }
}

/// The text fuzzy matching compares: lines trimmed, each ended by `\n`.
fn normalized(lines: &[&str]) -> String {
    let mut text = String::new();
    for line in lines {
        text.push_str(line.trim());
        text.push('\n');
    }
    text
}

/// `2·LCS / (|pattern| + |text|)` in characters.
fn similarity(pattern: &LcsPattern<char>, text: &str) -> f64 {
    let text_chars = text.chars().count();
    let total = pattern.len() + text_chars;
    if total == 0 {
        return 1.0;
    }
    2.0 * pattern.lcs(text.chars()) as f64 / total as f64
}

fn fuzzy_find(file: &[&str], search: &[&str]) -> Fuzzy {
    let search_text = normalized(search);
    let search_chars = search_text.chars().count();
    if file.is_empty() || search_chars > FUZZY_MAX_SEARCH_CHARS {
        return Fuzzy::None { closest: None };
    }
    let pattern = LcsPattern::new(search_text.chars());
    let mut search_bag = Bag::new();
    for c in search_text.chars() {
        *search_bag.slot(c) += 1;
    }

    // Every window of the allowed sizes, with its upper bound.
    let count = search.len();
    let slack = count / 10;
    let min_len = count.saturating_sub(slack).max(1);
    let max_len = (count + slack).min(file.len());
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for len in min_len..=max_len {
        let mut bag = WindowBag {
            search: &search_bag,
            window: Bag::new(),
            shared: 0,
            chars: 0,
        };
        for line in &file[..len] {
            bag.add_line(line);
        }
        for start in 0..=file.len() - len {
            if start > 0 {
                bag.remove_line(file[start - 1]);
                bag.add_line(file[start + len - 1]);
            }
            let bound = 2.0 * bag.shared as f64 / (search_chars + bag.chars) as f64;
            if bound >= CLOSEST_MIN_SIMILARITY {
                candidates.push((bound, start, len));
            }
        }
    }
    // Highest bound first; among equals, earlier and closer in size.
    candidates.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.cmp(&b.1))
            .then(a.2.abs_diff(count).cmp(&b.2.abs_diff(count)))
    });

    let mut scored: Vec<(f64, usize, usize)> = Vec::new();
    let mut best: Option<(f64, usize, usize)> = None;
    let mut proven = true;
    for &(bound, start, len) in &candidates {
        let still_possible = match best {
            None => true,
            Some((top, ..)) if top >= FUZZY_THRESHOLD => {
                bound >= (top - FUZZY_AMBIGUITY_MARGIN).max(FUZZY_THRESHOLD)
            }
            Some((top, ..)) => bound > top,
        };
        if !still_possible {
            break;
        }
        if scored.len() == FUZZY_MAX_EVALUATIONS {
            proven = false;
            break;
        }
        let score = similarity(&pattern, &normalized(&file[start..start + len]));
        scored.push((score, start, len));
        if best.is_none_or(|(top, ..)| score > top) {
            best = Some((score, start, len));
        }
    }

    let Some((top, start, len)) = best.filter(|&(top, ..)| top >= CLOSEST_MIN_SIMILARITY) else {
        return Fuzzy::None { closest: None };
    };
    if top < FUZZY_THRESHOLD {
        return Fuzzy::None {
            closest: Some((start, len, top)),
        };
    }
    // Rivals: other places (not overlapping the best or each other) that
    // score nearly as well.
    let floor = (top - FUZZY_AMBIGUITY_MARGIN).max(FUZZY_THRESHOLD);
    let mut rivals: Vec<(f64, usize, usize)> = scored
        .iter()
        .copied()
        .filter(|&(score, ..)| score >= floor)
        .collect();
    rivals.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut places: Vec<(usize, usize)> = Vec::new();
    for (_, rival_start, rival_len) in rivals {
        let overlaps = places
            .iter()
            .any(|&(s, l)| rival_start < s + l && s < rival_start + rival_len);
        if !overlaps {
            places.push((rival_start, rival_len));
        }
    }
    if places.len() > 1 {
        return Fuzzy::Ambiguous {
            starts: places.iter().map(|&(s, _)| s).collect(),
        };
    }
    if !proven {
        // Too many similar windows to be sure this one is the only one.
        return Fuzzy::None {
            closest: Some((start, len, top)),
        };
    }
    Fuzzy::Unique {
        start,
        len,
        similarity: top,
    }
}

/// Whether `text` holds a line that stands for omitted code and that
/// `original` does not have (used for whole-file answers). Returns the
/// 1-based line and its text.
pub(crate) fn new_elision_line(original: &str, text: &str) -> Option<(usize, String)> {
    let existing: std::collections::HashSet<&str> = line_texts(original)
        .into_iter()
        .filter(|line| is_elision_line(line))
        .map(str::trim)
        .collect();
    line_texts(text)
        .into_iter()
        .enumerate()
        .find(|(_, line)| is_elision_line(line) && !existing.contains(line.trim()))
        .map(|(index, line)| (index + 1, line.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(search: &str, replace: &str) -> EditBlock {
        EditBlock {
            path: "src/app.py".to_owned(),
            search: search.to_owned(),
            replace: replace.to_owned(),
            line: 3,
        }
    }

    fn apply(
        content: &str,
        search: &str,
        replace: &str,
    ) -> Result<(String, MatchMethod), ApplyError> {
        apply_block(content, &block(search, replace))
    }

    const APP: &str = "import os\n\
                       \n\
                       def load(path):\n    \
                           with open(path) as f:\n        \
                               return f.read()\n\
                       \n\
                       def main():\n    \
                           print(load(os.environ['CONFIG']))\n";

    #[test]
    fn exact_match_replaces_the_lines() {
        let (new, method) = apply(
            APP,
            "    print(load(os.environ['CONFIG']))\n",
            "    print(load(os.environ.get('CONFIG', 'app.toml')))\n",
        )
        .unwrap();
        assert_eq!(method, MatchMethod::Exact);
        assert!(new.ends_with("    print(load(os.environ.get('CONFIG', 'app.toml')))\n"));
        assert_eq!(new.lines().count(), APP.lines().count());
    }

    #[test]
    fn exact_duplicates_are_ambiguous() {
        let content = "a = 1\nb = 2\na = 1\n";
        assert_eq!(
            apply(content, "a = 1\n", "a = 3\n"),
            Err(ApplyError::Ambiguous {
                matches: 2,
                lines: vec![1, 3]
            })
        );
        // More context makes it unique.
        let (new, _) = apply(content, "b = 2\na = 1\n", "b = 2\na = 3\n").unwrap();
        assert_eq!(new, "a = 1\nb = 2\na = 3\n");
    }

    #[test]
    fn overlapping_exact_matches_count() {
        assert!(matches!(
            apply("x\nx\nx\n", "x\nx\n", "y\n"),
            Err(ApplyError::Ambiguous { matches: 2, .. })
        ));
    }

    #[test]
    fn leading_whitespace_is_ignored_and_replace_reindented() {
        // The model dropped the function's indentation.
        let (new, method) = apply(
            APP,
            "with open(path) as f:\n    return f.read()\n",
            "with open(path, encoding='utf-8') as f:\n    return f.read()\n",
        )
        .unwrap();
        assert_eq!(method, MatchMethod::IgnoringLeadingWhitespace);
        assert!(new.contains(
            "def load(path):\n    with open(path, encoding='utf-8') as f:\n        return f.read()\n"
        ));
    }

    #[test]
    fn reindent_removes_indentation_the_model_added() {
        let content = "def f():\n    return 1\n";
        let (new, method) = apply(
            content,
            "        def f():\n            return 1\n",
            "        def f():\n            return 2\n",
        )
        .unwrap();
        assert_eq!(method, MatchMethod::IgnoringLeadingWhitespace);
        assert_eq!(new, "def f():\n    return 2\n");
    }

    #[test]
    fn reindent_tabs_against_spaces() {
        let content = "fn f() {\n\tlet x = 1;\n\tx\n}\n";
        let (new, _) = apply(
            content,
            "    let x = 1;\n    x\n",
            "    let x = 2;\n    x\n",
        )
        .unwrap();
        assert_eq!(new, "fn f() {\n\tlet x = 2;\n\tx\n}\n");
    }

    #[test]
    fn fuzzy_match_fixes_a_typo() {
        let (new, method) = apply(
            APP,
            "def load(path):\n    with open(pth) as f:\n        return f.read()\n",
            "def load(path):\n    with open(path) as f:\n        return f.read() or ''\n",
        )
        .unwrap();
        let MatchMethod::Fuzzy { similarity } = method else {
            panic!("expected a fuzzy match, got {method:?}");
        };
        assert!((FUZZY_THRESHOLD..1.0).contains(&similarity));
        assert!(new.contains("        return f.read() or ''\n"));
        assert!(!new.contains("pth"));
    }

    #[test]
    fn fuzzy_match_may_differ_in_line_count() {
        let function = [
            "def parse(line):",
            "    parts = line.split(',')",
            "    name = parts[0].strip()",
            "    age = int(parts[1])",
            "    email = parts[2].lower()",
            "    if not email:",
            "        raise ValueError('missing email')",
            "    city = parts[3].title()",
            "    country = parts[4].upper()",
            "    phone = normalize_phone(parts[5])",
            "    log.debug('parsed %s', name)",
            "    return Person(name, age, email, city, country, phone)",
        ];
        let content = format!(
            "import logging\n\nlog = logging.getLogger(__name__)\n\n\n{}\n\n\ndef main():\n    run()\n",
            function.join("\n")
        );
        // The model forgot one line of the twelve.
        let search: String = function
            .iter()
            .filter(|line| !line.contains("city ="))
            .map(|line| format!("{line}\n"))
            .collect();
        let (new, method) = apply(
            &content,
            &search,
            "def parse(line):\n    return Person.from_csv(line)\n",
        )
        .unwrap();
        assert!(matches!(method, MatchMethod::Fuzzy { .. }), "{method:?}");
        assert_eq!(
            new,
            "import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef parse(line):\n    return Person.from_csv(line)\n\n\ndef main():\n    run()\n"
        );
    }

    #[test]
    fn fuzzy_near_duplicates_are_ambiguous() {
        let content = "def a():\n    x = compute(1)\n    return x\n\n\
                       def b():\n    x = compute(2)\n    return x\n";
        let result = apply(
            content,
            "    x = compute(3)\n    return x\n",
            "    return 0\n",
        );
        assert!(
            matches!(result, Err(ApplyError::Ambiguous { matches: 2, ref lines }) if lines == &[2, 6]),
            "{result:?}"
        );
    }

    #[test]
    fn not_found_reports_the_closest_lines() {
        let result = apply(
            APP,
            "def main():\n    config = os.environ.get('SETTINGS_PATH', DEFAULT_SETTINGS)\n",
            "def main():\n    pass\n",
        );
        let Err(ApplyError::NotFound {
            closest: Some(closest),
        }) = result
        else {
            panic!("expected closest lines, got {result:?}");
        };
        assert_eq!((closest.start_line, closest.end_line), (7, 8));
        assert_eq!(
            closest.text,
            "def main():\n    print(load(os.environ['CONFIG']))"
        );
        assert!(closest.similarity < FUZZY_THRESHOLD);
    }

    #[test]
    fn nothing_similar_gives_no_closest_lines() {
        assert_eq!(
            apply(APP, "class Zebra(Animal, metaclass=Registry):\n", "x\n"),
            Err(ApplyError::NotFound { closest: None })
        );
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let content = "a\r\nb\r\nc\r\n";
        let (new, method) = apply(content, "b\n", "B1\nB2\n").unwrap();
        assert_eq!(method, MatchMethod::Exact);
        assert_eq!(new, "a\r\nB1\r\nB2\r\nc\r\n");
        // A CRLF block (e.g. built by a caller from CRLF text) matches too.
        let (new, _) = apply(content, "b\r\nc\r\n", "C\r\n").unwrap();
        assert_eq!(new, "a\r\nC\r\n");
    }

    #[test]
    fn mixed_endings_keep_untouched_lines() {
        let (new, _) = apply("a\r\nb\nc\n", "c\n", "C\n").unwrap();
        assert_eq!(new, "a\r\nb\nC\n");
        // Replaced lines keep their terminators; extra lines get the
        // dominant one.
        let (new, _) = apply("a\r\nb\nc\r\nd\r\n", "b\n", "B1\nB2\n").unwrap();
        assert_eq!(new, "a\r\nB1\nB2\r\nc\r\nd\r\n");
    }

    #[test]
    fn missing_final_newline_is_kept() {
        let (new, _) = apply("a\nb", "b\n", "B\nC\n").unwrap();
        assert_eq!(new, "a\nB\nC");
        let (new, _) = apply("a\nb", "b\n", "").unwrap();
        assert_eq!(new, "a");
        let (new, _) = apply("a\nb\n", "a\n", "").unwrap();
        assert_eq!(new, "b\n");
        let (new, _) = apply("a\nb\n", "a\nb\n", "").unwrap();
        assert_eq!(new, "");
    }

    #[test]
    fn empty_search_creates_but_never_appends() {
        assert_eq!(
            apply("", "", "print('hi')\n"),
            Ok(("print('hi')\n".to_owned(), MatchMethod::Created))
        );
        assert_eq!(
            apply("\n\n", "\n", "x\n"),
            Ok(("x\n".to_owned(), MatchMethod::Created))
        );
        assert_eq!(
            apply(APP, "", "x = 1\n"),
            Err(ApplyError::EmptySearchOnExistingFile)
        );
    }

    #[test]
    fn elided_replace_is_refused() {
        let result = apply(
            APP,
            "def load(path):\n    with open(path) as f:\n        return f.read()\n",
            "def load(path):\n    # ... existing code ...\n        return f.read() or ''\n",
        );
        assert_eq!(
            result,
            Err(ApplyError::Elided {
                line: "# ... existing code ...".to_owned()
            })
        );
    }

    #[test]
    fn paired_elisions_apply_the_pieces() {
        let (new, method) = apply(
            APP,
            "def load(path):\n...\ndef main():\n",
            "def load(path: str):\n...\ndef main() -> None:\n",
        )
        .unwrap();
        assert_eq!(method, MatchMethod::Exact);
        assert!(new.contains("def load(path: str):\n    with open(path) as f:\n"));
        assert!(new.contains("\ndef main() -> None:\n    print("));
        assert_eq!(new.lines().count(), APP.lines().count());
    }

    #[test]
    fn unpaired_elisions_are_refused() {
        assert_eq!(
            apply(APP, "def load(path):\n...\ndef main():\n", "def main():\n"),
            Err(ApplyError::ElisionMismatch {
                search: 1,
                replace: 0
            })
        );
    }

    #[test]
    fn literal_ellipsis_in_the_file_is_matched_as_code() {
        let content = "class P(Protocol):\n    def f(self): ...\n    ...\n";
        let (new, method) = apply(content, "    ...\n", "    ...\n    def g(self): ...\n").unwrap();
        assert_eq!(method, MatchMethod::Exact);
        assert!(new.ends_with("    ...\n    def g(self): ...\n"));
    }

    #[test]
    fn feedback_messages() {
        let block = block(
            "def main():\n    config = os.environ.get('SETTINGS_PATH', DEFAULT_SETTINGS)\n",
            "def main():\n    pass\n",
        );
        let not_found = apply_block(APP, &block).unwrap_err();
        let ambiguous = apply("a = 1\nb = 2\na = 1\n", "a = 1\n", "a = 3\n").unwrap_err();
        let elided = apply(
            APP,
            "def main():\n",
            "def main():\n    # ... rest unchanged\n",
        )
        .unwrap_err();
        let messages = [
            not_found.feedback(&block),
            ApplyError::NotFound { closest: None }.feedback(&block),
            ambiguous.feedback(&block),
            elided.feedback(&block),
            ApplyError::ElisionMismatch {
                search: 2,
                replace: 1,
            }
            .feedback(&block),
            ApplyError::EmptySearchOnExistingFile.feedback(&block),
            ApplyError::MissingFile.feedback(&block),
        ];
        insta::assert_snapshot!(messages.join("\n\n---\n\n"));
    }

    #[test]
    fn fuzzy_work_is_bounded_on_repetitive_files() {
        // 5,000 nearly equal lines: many windows tie on the bound.
        let content: String = (0..5_000).map(|i| format!("x = f({})\n", i % 7)).collect();
        let result = apply(&content, "x = f(9)\nx = f(8)\nx = f(9)\n", "y\n");
        assert!(
            matches!(
                result,
                Err(ApplyError::Ambiguous { .. } | ApplyError::NotFound { .. })
            ),
            "{result:?}"
        );
    }

    #[test]
    fn new_elision_lines_in_whole_files() {
        assert_eq!(
            new_elision_line("a\nb\n", "a\n# ... rest unchanged\n"),
            Some((2, "# ... rest unchanged".to_owned()))
        );
        assert_eq!(new_elision_line("a\n    ...\n", "b\n    ...\n"), None);
    }
}
