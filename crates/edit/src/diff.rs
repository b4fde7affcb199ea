//! Measuring and showing a change.

use similar::{ChangeTag, TextDiff};

/// The number of lines added plus removed between `old` and `new` (a
/// changed line counts twice, as in `git diff --numstat`).
pub fn changed_lines(old: &str, new: &str) -> usize {
    TextDiff::from_lines(old, new)
        .iter_all_changes()
        .filter(|change| change.tag() != ChangeTag::Equal)
        .count()
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
    }

    #[test]
    fn unified_diff_snapshot() {
        let old = "import os\n\ndef load(path):\n    with open(path) as f:\n        return f.read()\n\n\n\n\ndef main():\n    print(load(os.environ['CONFIG']))\n";
        let new = "import os\n\ndef load(path):\n    with open(path, encoding='utf-8') as f:\n        return f.read()\n\n\n\n\ndef main():\n    print(load(os.environ.get('CONFIG', 'app.toml')))\n";
        insta::assert_snapshot!(unified_diff("src/app.py", old, new));
    }

    #[test]
    fn new_file_and_no_change() {
        assert_eq!(unified_diff("a.py", "x\n", "x\n"), "");
        insta::assert_snapshot!(render_diff("src/new.py", None, "x = 1\ny = 2"));
    }
}
