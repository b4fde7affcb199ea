//! Lines with their own terminators.
//!
//! Files are edited as lines, but written back byte for byte: every line keeps
//! the terminator it had (`\r\n`, `\n`, or none for a last line without a final
//! newline), so an edit never rewrites the line endings of untouched lines.

/// One line of a text and the terminator that followed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line<'a> {
    /// The line without its terminator (and without a `\r` before `\n`).
    pub text: &'a str,
    /// `"\r\n"`, `"\n"`, or `""` for a last line without a final newline.
    pub ending: &'a str,
}

/// Splits `s` into lines. An empty string has no lines; `"a\n"` has one.
pub(crate) fn split_lines(s: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        match rest.find('\n') {
            Some(end) => {
                let (text, ending) = if end > 0 && rest.as_bytes()[end - 1] == b'\r' {
                    (&rest[..end - 1], &rest[end - 1..=end])
                } else {
                    (&rest[..end], &rest[end..=end])
                };
                lines.push(Line { text, ending });
                rest = &rest[end + 1..];
            }
            None => {
                lines.push(Line {
                    text: rest,
                    ending: "",
                });
                rest = "";
            }
        }
    }
    lines
}

/// The texts of `s`'s lines, terminators removed.
pub(crate) fn line_texts(s: &str) -> Vec<&str> {
    split_lines(s).into_iter().map(|line| line.text).collect()
}

/// The terminator new lines get: `\r\n` when most lines of the file use it,
/// else `\n` (also for files without any line break).
pub(crate) fn dominant_ending(lines: &[Line<'_>]) -> &'static str {
    let crlf = lines.iter().filter(|line| line.ending == "\r\n").count();
    let lf = lines.iter().filter(|line| line.ending == "\n").count();
    if crlf > lf { "\r\n" } else { "\n" }
}

/// Whether the text ends with a line break (an empty text counts as ending
/// with one: adding lines to it gives a normal file).
pub(crate) fn ends_with_newline(s: &str) -> bool {
    s.is_empty() || s.ends_with('\n')
}

/// The leading whitespace of a line.
pub(crate) fn indentation(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// Joins owned line texts with `ending`, ending the last line with a
/// terminator only when `final_newline` is set.
pub(crate) fn join_lines<S: AsRef<str>>(lines: &[S], ending: &str, final_newline: bool) -> String {
    let mut out = String::new();
    for (index, line) in lines.iter().enumerate() {
        out.push_str(line.as_ref());
        if index + 1 < lines.len() || final_newline {
            out.push_str(ending);
        }
    }
    out
}

/// Rewrites `new` to the conventions of `old`: `old`'s dominant line ending
/// and its final-newline state. Used for whole-file answers, which the parser
/// returns with `\n` endings and a final newline.
pub(crate) fn conform_to(old: &str, new: &str) -> String {
    let old_lines = split_lines(old);
    let ending = dominant_ending(&old_lines);
    let final_newline = ends_with_newline(old);
    join_lines(&line_texts(new), ending, final_newline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_each_terminator() {
        let lines = split_lines("a\r\nb\nc");
        assert_eq!(
            lines,
            vec![
                Line {
                    text: "a",
                    ending: "\r\n"
                },
                Line {
                    text: "b",
                    ending: "\n"
                },
                Line {
                    text: "c",
                    ending: ""
                },
            ]
        );
        assert!(split_lines("").is_empty());
        assert_eq!(split_lines("\n").len(), 1);
    }

    #[test]
    fn a_lone_carriage_return_stays_in_the_text() {
        let lines = split_lines("a\rb\n");
        assert_eq!(lines[0].text, "a\rb");
    }

    #[test]
    fn dominant_ending_follows_the_majority() {
        assert_eq!(dominant_ending(&split_lines("a\r\nb\r\nc\n")), "\r\n");
        assert_eq!(dominant_ending(&split_lines("a\r\nb\nc\n")), "\n");
        assert_eq!(dominant_ending(&split_lines("abc")), "\n");
    }

    #[test]
    fn conform_applies_crlf_and_missing_final_newline() {
        assert_eq!(conform_to("x\r\ny", "a\nb\n"), "a\r\nb");
        assert_eq!(conform_to("x\n", "a\nb"), "a\nb\n");
        assert_eq!(conform_to("", "a\n"), "a\n");
    }
}
