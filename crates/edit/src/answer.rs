//! Applying a whole answer: every block (or whole file), the path policy and
//! the changed-line limit together, all or nothing.
//!
//! Nothing is applied unless everything is: a partly applied answer would be
//! a fix the model never wrote. The problems found are all collected (not
//! just the first), so that one retry can fix them all.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use crate::apply::{ApplyError, MatchMethod, apply_block, new_elision_line};
use crate::diff::{changed_lines, render_diff};
use crate::guard::{EditPolicy, NormalizedPath, Refusal, check_path};
use crate::parse::{EditBlock, ParseError, WholeFile, parse_search_replace, parse_whole_files};
use crate::text::conform_to;

/// How the model was asked to write its edits (`llm.edit_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EditFormat {
    /// SEARCH/REPLACE blocks (`"diff"`), the default.
    #[default]
    SearchReplace,
    /// Complete files (`"whole"`), for weak or local models.
    Whole,
}

impl FromStr for EditFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<EditFormat, String> {
        match s {
            "diff" | "search-replace" | "search_replace" => Ok(EditFormat::SearchReplace),
            "whole" => Ok(EditFormat::Whole),
            other => Err(format!(
                "unknown edit format `{other}`: expected `diff` or `whole`"
            )),
        }
    }
}

/// One file's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: NormalizedPath,
    /// The content before, `None` for a new file.
    pub original: Option<String>,
    /// The content after.
    pub content: String,
}

impl FileChange {
    /// Lines added plus removed.
    pub fn changed_lines(&self) -> usize {
        changed_lines(self.original.as_deref().unwrap_or(""), &self.content)
    }

    /// The git-style unified diff of this file.
    pub fn diff(&self) -> String {
        render_diff(self.path.as_str(), self.original.as_deref(), &self.content)
    }
}

/// How one block was applied.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockOutcome {
    pub path: NormalizedPath,
    /// The block's line in the answer.
    pub line: usize,
    pub method: MatchMethod,
}

/// An answer applied in full.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedEdits {
    /// The model's explanation (when the answer text was parsed here).
    pub explanation: String,
    /// The files that changed, in the order the answer first names them.
    pub files: Vec<FileChange>,
    /// One entry per block (empty for whole-file answers).
    pub outcomes: Vec<BlockOutcome>,
    /// Lines added plus removed, over all files.
    pub changed_lines: usize,
}

impl AppliedEdits {
    /// The diffs of all files, one after another.
    pub fn diff(&self) -> String {
        self.files.iter().map(FileChange::diff).collect()
    }
}

/// Something that kept an answer from being applied; `Display` is the
/// message for the model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    /// The answer's structure is broken.
    #[error("{0}")]
    Parse(ParseError),
    /// The answer has no edits.
    #[error("{}", no_edits(*format))]
    NoEdits { format: EditFormat },
    /// An edit to a file the policy does not allow.
    #[error(
        "Refused to edit `{}` (line {line} of your answer): {}",
        refusal.path,
        refusal.reason
    )]
    Refused { line: usize, refusal: Refusal },
    /// A block that could not be applied.
    #[error("{}", error.feedback(block))]
    Apply { block: EditBlock, error: ApplyError },
    /// A whole file that leaves code out.
    #[error(
        "The new `{path}` (code block at line {answer_line} of your answer) has, at its line \
         {line}, `{text}`, which stands for code left out; the file would lose that code. Give \
         the file complete, every line written out."
    )]
    ElidedFile {
        path: String,
        answer_line: usize,
        line: usize,
        text: String,
    },
    /// The edits change more lines than allowed.
    #[error(
        "Your edits change {changed} lines ({}), but at most {limit} may change. Make a smaller, \
         targeted fix of the root cause: leave formatting, renames and unrelated improvements \
         out.",
        per_file_list(per_file)
    )]
    TooManyChangedLines {
        changed: usize,
        limit: usize,
        per_file: Vec<(String, usize)>,
    },
    /// Every edit leaves its file as it was.
    #[error(
        "Your edits change nothing: every file stays exactly as it is. Make the change in \
         REPLACE (or in the file's new content)."
    )]
    NothingChanged,
}

fn no_edits(format: EditFormat) -> &'static str {
    match format {
        EditFormat::SearchReplace => {
            "Your answer contains no SEARCH/REPLACE blocks, so nothing was changed. Give each \
             edit as: the file path alone on a line, `<<<<<<< SEARCH`, the exact existing lines, \
             `=======`, the new lines, `>>>>>>> REPLACE`."
        }
        EditFormat::Whole => {
            "Your answer contains no files, so nothing was changed. Give each changed file as its \
             path alone on a line, then its complete new content in a fenced code block."
        }
    }
}

fn per_file_list(per_file: &[(String, usize)]) -> String {
    per_file
        .iter()
        .map(|(path, lines)| format!("`{path}`: {lines}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// All the problems of one answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Problems {
    pub format: EditFormat,
    pub problems: Vec<Problem>,
}

impl Problems {
    /// The message sent back to the model to ask for a corrected answer.
    pub fn feedback(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        writeln!(
            f,
            "None of your edits were applied, because of {}:",
            if count == 1 {
                "this problem".to_owned()
            } else {
                format!("these {count} problems")
            }
        )?;
        for (index, problem) in self.problems.iter().enumerate() {
            write!(f, "\n{}. {problem}\n", index + 1)?;
        }
        write!(
            f,
            "\n{}",
            match self.format {
                EditFormat::SearchReplace =>
                    "Send the complete answer again, the explanation and every SEARCH/REPLACE \
                     block, with these problems fixed.",
                EditFormat::Whole =>
                    "Send the complete answer again, the explanation and every changed file in \
                     full, with these problems fixed.",
            }
        )
    }
}

impl std::error::Error for Problems {}

/// Parses the model's output in `format` and applies it
/// ([`apply_answer`] or [`apply_whole_files`]).
pub fn apply_model_output(
    policy: &EditPolicy,
    format: EditFormat,
    output: &str,
    load: &dyn Fn(&str) -> Option<String>,
) -> Result<AppliedEdits, Problems> {
    let fail = |problem| Problems {
        format,
        problems: vec![problem],
    };
    match format {
        EditFormat::SearchReplace => {
            let answer = parse_search_replace(output).map_err(|e| fail(Problem::Parse(e)))?;
            let mut applied = apply_answer(policy, &answer.blocks, load)?;
            applied.explanation = answer.explanation;
            Ok(applied)
        }
        EditFormat::Whole => {
            let (explanation, files) =
                parse_whole_files(output).map_err(|e| fail(Problem::Parse(e)))?;
            let mut applied = apply_whole_files(policy, &files, load)?;
            applied.explanation = explanation;
            Ok(applied)
        }
    }
}

/// A file as the blocks change it.
struct Pending {
    path: NormalizedPath,
    original: Option<String>,
    current: Option<String>,
}

/// Applies every block in order (several blocks may target one file; each
/// sees the previous ones' result) under `policy`. `load` returns a file's
/// content by its normalized path, `None` when it does not exist; a block
/// with an empty SEARCH on a missing file creates it.
pub fn apply_answer(
    policy: &EditPolicy,
    blocks: &[EditBlock],
    load: &dyn Fn(&str) -> Option<String>,
) -> Result<AppliedEdits, Problems> {
    let format = EditFormat::SearchReplace;
    if blocks.is_empty() {
        return Err(Problems {
            format,
            problems: vec![Problem::NoEdits { format }],
        });
    }
    let mut problems = Vec::new();
    let mut refused: HashSet<&str> = HashSet::new();
    let mut pending: Vec<Pending> = Vec::new();
    let mut outcomes = Vec::new();
    for block in blocks {
        let path = match check_path(policy, &block.path) {
            Ok(path) => path,
            Err(refusal) => {
                if refused.insert(&block.path) {
                    problems.push(Problem::Refused {
                        line: block.line,
                        refusal,
                    });
                }
                continue;
            }
        };
        let index = match pending.iter().position(|file| file.path == path) {
            Some(index) => index,
            None => {
                let original = load(path.as_str());
                pending.push(Pending {
                    path: path.clone(),
                    current: original.clone(),
                    original,
                });
                pending.len() - 1
            }
        };
        let file = &mut pending[index];
        let creates = block.search.trim().is_empty();
        let content = match (&file.current, creates) {
            (Some(content), _) => content.as_str(),
            (None, true) => "",
            (None, false) => {
                problems.push(Problem::Apply {
                    block: block.clone(),
                    error: ApplyError::MissingFile,
                });
                continue;
            }
        };
        match apply_block(content, block) {
            Ok((new, method)) => {
                file.current = Some(new);
                outcomes.push(BlockOutcome {
                    path,
                    line: block.line,
                    method,
                });
            }
            Err(error) => problems.push(Problem::Apply {
                block: block.clone(),
                error,
            }),
        }
    }
    let changes = pending
        .into_iter()
        .filter_map(|file| {
            let content = file.current?;
            (file.original.as_ref() != Some(&content)).then_some(FileChange {
                path: file.path,
                original: file.original,
                content,
            })
        })
        .collect();
    finish(policy, format, changes, outcomes, problems)
}

/// Applies whole-file answers under `policy`: each file's new content takes
/// the old file's line endings and final-newline state; a new file is
/// created; a file with an elision line the old one lacks is refused.
pub fn apply_whole_files(
    policy: &EditPolicy,
    files: &[WholeFile],
    load: &dyn Fn(&str) -> Option<String>,
) -> Result<AppliedEdits, Problems> {
    let format = EditFormat::Whole;
    if files.is_empty() {
        return Err(Problems {
            format,
            problems: vec![Problem::NoEdits { format }],
        });
    }
    let mut problems = Vec::new();
    let mut changes = Vec::new();
    for file in files {
        let path = match check_path(policy, &file.path) {
            Ok(path) => path,
            Err(refusal) => {
                problems.push(Problem::Refused {
                    line: file.line,
                    refusal,
                });
                continue;
            }
        };
        let original = load(path.as_str());
        if let Some((line, text)) =
            new_elision_line(original.as_deref().unwrap_or(""), &file.content)
        {
            problems.push(Problem::ElidedFile {
                path: file.path.clone(),
                answer_line: file.line,
                line,
                text,
            });
            continue;
        }
        let content = match &original {
            Some(old) => conform_to(old, &file.content),
            None => file.content.clone(),
        };
        if original.as_ref() != Some(&content) {
            changes.push(FileChange {
                path,
                original,
                content,
            });
        }
    }
    finish(policy, format, changes, Vec::new(), problems)
}

/// The checks over the whole answer, once every edit applied.
fn finish(
    policy: &EditPolicy,
    format: EditFormat,
    files: Vec<FileChange>,
    outcomes: Vec<BlockOutcome>,
    mut problems: Vec<Problem>,
) -> Result<AppliedEdits, Problems> {
    if problems.is_empty() {
        let per_file: Vec<(String, usize)> = files
            .iter()
            .map(|file| (file.path.to_string(), file.changed_lines()))
            .collect();
        let changed: usize = per_file.iter().map(|(_, lines)| lines).sum();
        if files.is_empty() {
            problems.push(Problem::NothingChanged);
        } else if changed > policy.max_changed_lines {
            problems.push(Problem::TooManyChangedLines {
                changed,
                limit: policy.max_changed_lines,
                per_file,
            });
        } else {
            return Ok(AppliedEdits {
                explanation: String::new(),
                files,
                outcomes,
                changed_lines: changed,
            });
        }
    }
    Err(Problems { format, problems })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn repo() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            (
                "app/views.py",
                "def show(request, id):\n    item = Item.get(id)\n    return render(item.name)\n",
            ),
            ("app/models.py", "class Item:\n    name = ''\n"),
            ("app/win.py", "a = 1\r\nb = 2\r\n"),
        ])
    }

    fn load<'a>(
        files: &'a HashMap<&'static str, &'static str>,
    ) -> impl Fn(&str) -> Option<String> + 'a {
        |path| files.get(path).map(|content| (*content).to_owned())
    }

    fn policy() -> EditPolicy {
        EditPolicy::for_frames(["app/views.py"])
    }

    fn run(output: &str) -> Result<AppliedEdits, Problems> {
        let files = repo();
        apply_model_output(&policy(), EditFormat::SearchReplace, output, &load(&files))
    }

    #[test]
    fn blocks_to_one_file_apply_in_order() {
        let output = "`Item.get` returns None for unknown ids.\n\n\
                      app/views.py\n<<<<<<< SEARCH\n    item = Item.get(id)\n=======\n    item = Item.get(id)\n    if item is None:\n        raise Http404()\n>>>>>>> REPLACE\n\n\
                      app/views.py\n<<<<<<< SEARCH\n        raise Http404()\n=======\n        raise Http404(f'no item {id}')\n>>>>>>> REPLACE\n";
        let applied = run(output).unwrap();
        assert_eq!(
            applied.explanation,
            "`Item.get` returns None for unknown ids."
        );
        assert_eq!(applied.files.len(), 1);
        assert_eq!(
            applied.files[0].content,
            "def show(request, id):\n    item = Item.get(id)\n    if item is None:\n        raise Http404(f'no item {id}')\n    return render(item.name)\n"
        );
        assert_eq!(applied.changed_lines, 2);
        assert_eq!(
            applied
                .outcomes
                .iter()
                .map(|o| (o.line, o.method))
                .collect::<Vec<_>>(),
            vec![(4, MatchMethod::Exact), (13, MatchMethod::Exact)]
        );
    }

    #[test]
    fn new_files_are_created_by_empty_search() {
        let output = "app/errors.py\n<<<<<<< SEARCH\n=======\nclass NotFound(Exception):\n    pass\n>>>>>>> REPLACE\n";
        let applied = run(output).unwrap();
        let file = &applied.files[0];
        assert_eq!(file.original, None);
        assert_eq!(file.content, "class NotFound(Exception):\n    pass\n");
        assert_eq!(applied.outcomes[0].method, MatchMethod::Created);
        assert!(file.diff().contains("--- /dev/null\n+++ b/app/errors.py\n"));
    }

    #[test]
    fn crlf_files_keep_crlf() {
        let output = "app/win.py\n<<<<<<< SEARCH\nb = 2\n=======\nb = 3\n>>>>>>> REPLACE\n";
        assert_eq!(run(output).unwrap().files[0].content, "a = 1\r\nb = 3\r\n");
    }

    #[test]
    fn all_problems_are_reported_and_nothing_applies() {
        let output = "Explanation.\n\n\
                      ../outside.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n\n\
                      ../outside.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n\n\
                      app/missing.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n\n\
                      app/views.py\n<<<<<<< SEARCH\n    return render_template('item.html', item=item)\n=======\n    return render(item)\n>>>>>>> REPLACE\n\n\
                      app/models.py\n<<<<<<< SEARCH\n    name = ''\n=======\n    name = None\n>>>>>>> REPLACE\n";
        let problems = run(output).unwrap_err();
        // The duplicate refusal is reported once; the good block is not
        // applied either.
        assert_eq!(problems.problems.len(), 3);
        insta::assert_snapshot!(problems.feedback());
    }

    #[test]
    fn changed_line_limit() {
        let body: String = (0..40).map(|i| format!("    x{i} = {i}\n")).collect();
        let output = format!(
            "app/views.py\n<<<<<<< SEARCH\n    item = Item.get(id)\n=======\n{body}>>>>>>> REPLACE\n\
             app/models.py\n<<<<<<< SEARCH\n    name = ''\n=======\n{body}>>>>>>> REPLACE\n"
        );
        let problems = run(&output).unwrap_err();
        assert_eq!(
            problems.problems,
            vec![Problem::TooManyChangedLines {
                changed: 82,
                limit: 60,
                per_file: vec![("app/views.py".into(), 41), ("app/models.py".into(), 41)],
            }]
        );
        insta::assert_snapshot!(problems.feedback());
        let roomy = EditPolicy {
            max_changed_lines: 82,
            ..policy()
        };
        let files = repo();
        let applied =
            apply_model_output(&roomy, EditFormat::SearchReplace, &output, &load(&files)).unwrap();
        assert_eq!(applied.changed_lines, 82);
    }

    #[test]
    fn empty_and_no_op_answers() {
        assert_eq!(
            run("I could not find the cause.").unwrap_err().problems,
            vec![Problem::NoEdits {
                format: EditFormat::SearchReplace
            }]
        );
        let same = "app/models.py\n<<<<<<< SEARCH\n    name = ''\n=======\n    name = ''\n>>>>>>> REPLACE\n";
        assert_eq!(
            run(same).unwrap_err().problems,
            vec![Problem::NothingChanged]
        );
        let broken = "app/models.py\n<<<<<<< SEARCH\n    name = ''\n=======\n";
        assert!(matches!(
            run(broken).unwrap_err().problems.as_slice(),
            [Problem::Parse(ParseError::MissingReplaceMarker { .. })]
        ));
    }

    #[test]
    fn whole_files_keep_conventions_and_refuse_elision() {
        let files = repo();
        let output = "Fix.\n\napp/win.py\n```python\na = 1\nb = 3\n```\n";
        let applied =
            apply_model_output(&policy(), EditFormat::Whole, output, &load(&files)).unwrap();
        assert_eq!(applied.explanation, "Fix.");
        assert_eq!(applied.files[0].content, "a = 1\r\nb = 3\r\n");
        assert_eq!(applied.changed_lines, 2);

        let lazy = "app/views.py\n```python\ndef show(request, id):\n    # ... existing code ...\n    return render(item)\n```\n";
        let problems =
            apply_model_output(&policy(), EditFormat::Whole, lazy, &load(&files)).unwrap_err();
        insta::assert_snapshot!(problems.feedback());

        let refused = "Cargo.toml\n```toml\n[package]\n```\n";
        let problems =
            apply_model_output(&policy(), EditFormat::Whole, refused, &load(&files)).unwrap_err();
        assert!(matches!(
            problems.problems.as_slice(),
            [Problem::Refused { line: 2, .. }]
        ));
    }

    #[test]
    fn edit_format_names() {
        assert_eq!("whole".parse(), Ok(EditFormat::Whole));
        assert_eq!("diff".parse(), Ok(EditFormat::SearchReplace));
        assert!("udiff".parse::<EditFormat>().is_err());
    }
}
