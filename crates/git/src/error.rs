//! Errors, and the scrubbing that keeps credentials out of them.
//!
//! Git errors travel far (job records, logs, PR comments), so every string
//! that goes into a [`GitError`] passes through [`scrub`] first: URL
//! userinfo, `Authorization:` header values and `extraHeader` settings are
//! replaced by `***`, and so is any secret value the caller put in the
//! environment of the call.

use std::time::Duration;

/// What replaces a credential in error text.
pub const REDACTED: &str = "***";

/// Most stderr text kept in an error (its end, where git puts the reason).
const STDERR_KEEP: usize = 8 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The `git` program could not be started because it is not installed.
    #[error("git is not installed (no `git` program on PATH)")]
    NotFound,
    /// git ran and exited unsuccessfully (or was killed by a signal: no status).
    #[error("`git {args}` failed with status {}: {stderr}", status_text(*.status))]
    Failed {
        args: String,
        status: Option<i32>,
        stderr: String,
    },
    /// git did not finish in time; its whole process group was killed.
    #[error("`git {args}` timed out after {after:?}")]
    Timeout { args: String, after: Duration },
    /// Starting git or talking to it failed.
    #[error("`git {args}`: {source}")]
    Io {
        args: String,
        #[source]
        source: std::io::Error,
    },
    /// `commit_all` found no change to commit.
    #[error("nothing to commit")]
    NothingToCommit,
    /// The remote refused the push, for example because the lease no longer holds.
    #[error("push to {reference} rejected: {reason}")]
    PushRejected { reference: String, reason: String },
    /// A caller-supplied name or revision that git would misread (an option, a path).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// git succeeded but printed something this wrapper does not understand.
    #[error("unexpected output from `git {args}`: {detail}")]
    Unexpected { args: String, detail: String },
}

fn status_text(status: Option<i32>) -> String {
    match status {
        Some(code) => code.to_string(),
        None => "none (killed by a signal)".to_owned(),
    }
}

/// Joins arguments for an error message, each scrubbed.
pub(crate) fn describe_args(args: &[&str], secrets: &[String]) -> String {
    let joined = args.join(" ");
    scrub_with(&joined, secrets)
}

/// Keeps the end of a long stderr and scrubs it.
pub(crate) fn describe_stderr(stderr: &[u8], secrets: &[String]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim_end();
    let kept = if text.len() > STDERR_KEEP {
        let mut start = text.len() - STDERR_KEEP;
        while !text.is_char_boundary(start) {
            start += 1;
        }
        &text[start..]
    } else {
        text
    };
    scrub_with(kept, secrets)
}

/// Removes credentials from text that may quote a git command line, a
/// remote URL or an HTTP header: URL userinfo (`https://user:pw@host` →
/// `https://***@host`), the rest of the line after `Authorization:` and
/// after `extraHeader=` / `extraheader ` (a `-c` setting or a `config --list`
/// line).
pub fn scrub(text: &str) -> String {
    scrub_with(text, &[])
}

/// [`scrub`], and also replaces every occurrence of the given secret values
/// (and of their long whitespace-separated parts, such as the base64 blob of
/// a Basic header) with `***`.
pub fn scrub_with(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        for piece in std::iter::once(secret.as_str()).chain(secret.split_whitespace()) {
            // Short pieces ("Basic", "Bearer") are not secret and would
            // shred ordinary text.
            if piece.len() >= 8 && out.contains(piece) {
                out = out.replace(piece, REDACTED);
            }
        }
    }
    let out = scrub_userinfo(&out);
    let out = scrub_after(&out, "authorization:");
    let out = scrub_after(&out, "extraheader=");
    scrub_after(&out, "extraheader ")
}

/// Replaces `user[:password]` in `scheme://user[:password]@host`.
fn scrub_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let authority_start = at + 3;
        out.push_str(&rest[..authority_start]);
        let after = &rest[authority_start..];
        // The authority ends at the first character that cannot be in it.
        let end = after
            .find(|c: char| {
                matches!(c, '/' | '?' | '#') || c.is_whitespace() || "\"'<>`".contains(c)
            })
            .unwrap_or(after.len());
        match after[..end].rfind('@') {
            Some(userinfo_end) => {
                out.push_str(REDACTED);
                rest = &after[userinfo_end..];
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    out
}

/// Replaces what follows `marker` (ASCII, matched case-insensitively) up to
/// the end of its line.
fn scrub_after(text: &str, marker: &str) -> String {
    // ASCII lowercasing keeps byte offsets, so positions in `lower` are
    // positions in `text`.
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search_from = 0;
    while let Some(found) = lower[search_from..].find(marker) {
        let value_start = search_from + found + marker.len();
        let line_end = text[value_start..]
            .find(['\n', '\r'])
            .map_or(text.len(), |i| value_start + i);
        if text[value_start..line_end].trim() != REDACTED && value_start < line_end {
            out.push_str(&text[copied..value_start]);
            if !marker.ends_with(' ') {
                out.push(' ');
            }
            out.push_str(REDACTED);
            copied = line_end;
        }
        search_from = line_end.max(value_start);
        if search_from >= text.len() {
            break;
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn url_userinfo_is_removed() {
        assert_eq!(
            scrub(
                "fatal: unable to access 'https://x-access-token:ghp_abc123@github.com/o/r.git/': 403"
            ),
            "fatal: unable to access 'https://***@github.com/o/r.git/': 403"
        );
        assert_eq!(scrub("ssh://git@host:22/repo"), "ssh://***@host:22/repo");
        assert_eq!(
            scrub("https://host/path@not-userinfo"),
            "https://host/path@not-userinfo"
        );
    }

    #[test]
    fn headers_and_settings_are_removed() {
        insta::assert_snapshot!(scrub(
            "-c http.extraHeader=Authorization: Basic eC1hY2Nlc3M= push origin\n\
             http.https://h/.extraheader Authorization: Bearer tok\n\
             > AUTHORIZATION: token abc\n\
             plain line"
        ), @r"
        -c http.extraHeader= ***
        http.https://h/.extraheader ***
        > AUTHORIZATION: ***
        plain line
        ");
    }

    #[test]
    fn known_secret_values_and_their_parts_are_removed() {
        let secrets = vec!["Authorization: Basic eC1hY2Nlc3MtdG9rZW46c2VjcmV0".to_owned()];
        let text = "error: header eC1hY2Nlc3MtdG9rZW46c2VjcmV0 refused";
        assert_eq!(scrub_with(text, &secrets), "error: header *** refused");
    }

    #[test]
    fn long_stderr_keeps_its_end() {
        let stderr = format!("{}fatal: the reason", "x".repeat(20_000));
        let kept = describe_stderr(stderr.as_bytes(), &[]);
        assert!(kept.len() <= STDERR_KEEP);
        assert!(kept.ends_with("fatal: the reason"));
    }

    proptest! {
        /// A token in a URL or a header never survives, whatever surrounds it.
        #[test]
        fn planted_tokens_never_survive(
            prefix in "[ -~\n]{0,40}",
            suffix in "[ -~\n]{0,40}",
            token in "[A-Za-z0-9_]{12,30}",
            form in 0..3usize,
        ) {
            let planted = match form {
                0 => format!("https://user:{token}@example.com/r.git"),
                1 => format!("Authorization: Bearer {token}"),
                _ => format!("http.extraHeader=Authorization: Basic {token}"),
            };
            let text = format!("{prefix}{planted}{suffix}");
            let scrubbed = scrub(&text);
            prop_assert!(!scrubbed.contains(&token), "{scrubbed:?}");
        }

        #[test]
        fn scrub_is_idempotent(text in "\\PC{0,80}") {
            let once = scrub(&text);
            prop_assert_eq!(scrub(&once), once.clone());
        }
    }
}
