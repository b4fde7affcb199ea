//! Measuring and showing a change.

use similar::TextDiff;

use crate::lcs::LcsPattern;

/// The number of lines added plus removed between `old` and `new` (a
/// changed line counts twice, as in `git diff --numstat`). Lines compare
/// with their terminators, so a changed line ending counts as a change. The
/// count is the exact minimum (through the longest common subsequence of
/// lines), not a diff heuristic's.
pub fn changed_lines(old: &str, new: &str) -> usize {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    // Common first and last lines need no bit-parallel work.
    let prefix = old_lines
        .iter()
        .zip(&new_lines)
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = old_lines[prefix..]
        .iter()
        .rev()
        .zip(new_lines[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let old_middle = &old_lines[prefix..old_lines.len() - suffix];
    let new_middle = &new_lines[prefix..new_lines.len() - suffix];
    let common = LcsPattern::new(old_middle.iter().copied()).lcs(new_middle.iter().copied());
    old_middle.len() + new_middle.len() - 2 * common
}

/// A git-style unified diff (`diff --git a/… b/…`, three lines of context)
/// of one file; empty when nothing changed.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    render_diff(path, Some(old), new)
}

/// Like [`unified_diff`], with `None` for a file that did not exist
/// (`--- /dev/null`).
pub(crate) fn render_diff(path: &str, old: Option<&str>, new: &str) -> String {
    let before = old.unwrap_or("");
    if old.is_some() && before == new {
        return String::new();
    }
    let from = match old {
        Some(_) => format!("a/{path}"),
        None => "/dev/null".to_owned(),
    };
    let mut out = format!("diff --git a/{path} b/{path}\n");
    if old.is_none() {
        out.push_str("new file mode 100644\n");
    }
    let diff = TextDiff::from_lines(before, new);
    out.push_str(
        &diff
            .unified_diff()
            .context_radius(3)
            .header(&from, &format!("b/{path}"))
            .to_string(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_added_and_removed_lines() {
        assert_eq!(changed_lines("a\nb\nc\n", "a\nb\nc\n"), 0);
        assert_eq!(changed_lines("a\nb\nc\n", "a\nB\nc\n"), 2);
        assert_eq!(changed_lines("a\n", "a\nb\nc\n"), 2);
        assert_eq!(changed_lines("a\nb\n", ""), 2);
        // Changing the last line's terminator changes that line.
        assert_eq!(changed_lines("a\nb", "a\nb\n"), 2);
        assert_eq!(changed_lines("a\r\nb\r\n", "a\nb\r\n"), 2);
        assert_eq!(changed_lines("x\na\nb\nx\n", "x\nb\na\nx\n"), 2);
    }

    #[test]
    fn unified_diff_snapshot() {
        let old = "import os\n\ndef load(path):\n    with open(path) as f:\n        return f.read()\n\n\ndef helper():\n    pass\n\n\ndef main():\n    print(load(os.environ['CONFIG']))\n    return 0\n";
        let new = "import os\n\ndef load(path):\n    with open(path, encoding='utf-8') as f:\n        return f.read()\n\n\ndef helper():\n    pass\n\n\ndef main():\n    print(load(os.environ.get('CONFIG', 'app.toml')))\n    return 0\n";
        insta::assert_snapshot!(unified_diff("src/app.py", old, new));
    }

    #[test]
    fn new_file_and_no_change() {
        assert_eq!(unified_diff("a.py", "x\n", "x\n"), "");
        insta::assert_snapshot!(render_diff("src/new.py", None, "x = 1\ny = 2"));
    }
}
