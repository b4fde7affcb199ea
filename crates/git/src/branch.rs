//! Branch names for fix branches.
//!
//! The title comes from an error message, that is from log text: untrusted.
//! The name is built only from `[a-z0-9-]` after the `tracefix/` namespace,
//! so it is valid under every `git check-ref-format` rule by construction
//! and cannot be read as an option or a path.

/// Longest slug kept from the title.
const SLUG_MAX: usize = 40;
/// Hex digits of the fingerprint kept.
const FINGERPRINT_HEX: usize = 12;

/// `tracefix/<first 12 hex digits of fingerprint>-<slug of title>`.
///
/// The slug is the title in ASCII lowercase with every run of other
/// characters turned into one `-`, at most 40 characters, without a leading
/// or trailing `-`; `fix` when nothing is left. Non-hex characters of the
/// fingerprint are skipped; `0` stands for a fingerprint without any.
pub fn branch_name(fingerprint: &str, title: &str) -> String {
    let hex: String = fingerprint
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(FINGERPRINT_HEX)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let hex = if hex.is_empty() { "0".to_owned() } else { hex };
    format!("tracefix/{hex}-{}", slug(title))
}

fn slug(title: &str) -> String {
    let mut slug = String::with_capacity(SLUG_MAX);
    let mut pending_dash = false;
    for c in title.chars() {
        if slug.len() >= SLUG_MAX {
            break;
        }
        if c.is_ascii_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                // A dash needs a character after it, or the slug would end in one.
                if slug.len() + 2 > SLUG_MAX {
                    break;
                }
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    if slug.is_empty() {
        "fix".to_owned()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The rules of `git check-ref-format` (see its manual), for a full ref
    /// name such as `refs/heads/<branch>`.
    fn is_valid_ref_name(name: &str) -> bool {
        let forbidden_char =
            |c: char| c.is_ascii_control() || c == ' ' || "~^:?*[\\".contains(c) || c == '\x7f';
        !name.is_empty()
            && name != "@"
            && !name.contains("..")
            && !name.contains("@{")
            && !name.contains("//")
            && !name.ends_with('.')
            && !name.ends_with('/')
            && !name.starts_with('/')
            && !name.chars().any(forbidden_char)
            && name.split('/').all(|component| {
                !component.is_empty()
                    && !component.starts_with('.')
                    && !component.ends_with(".lock")
            })
    }

    #[test]
    fn examples() {
        assert_eq!(
            branch_name(
                "3F2A9C01B7D4E5F60718293A4B5C6D7E",
                "KeyError: 'user_id' in handlers.py"
            ),
            "tracefix/3f2a9c01b7d4-keyerror-user-id-in-handlers-py"
        );
        assert_eq!(branch_name("", "…"), "tracefix/0-fix");
        assert_eq!(branch_name("v2:abc", "--force"), "tracefix/2abc-force");
        assert_eq!(
            branch_name("ab", &"x".repeat(100)),
            format!("tracefix/ab-{}", "x".repeat(40))
        );
        assert_eq!(branch_name("ab", "../.lock"), "tracefix/ab-lock");
    }

    /// A few names checked by git itself, including the hostile ones.
    #[test]
    fn git_accepts_the_names() {
        for (fingerprint, title) in [
            (
                "deadbeefdeadbeefdead",
                "NullPointerException at Foo.bar(Foo.java:42)",
            ),
            ("", "refs/heads/../../etc/passwd.lock"),
            ("zz", " @{-1} ~^:?*[\\ \u{7f}\n"),
            ("0123456789abcdef", "Ünïcödé Fehler — 失败"),
        ] {
            let name = branch_name(fingerprint, title);
            let status = std::process::Command::new("git")
                .args(["check-ref-format", "--branch", &name])
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .output()
                .expect("git runs");
            assert!(status.status.success(), "{name}");
        }
    }

    proptest! {
        #[test]
        fn always_a_valid_ref(fingerprint in "\\PC{0,40}", title in "\\PC{0,120}") {
            let name = branch_name(&fingerprint, &title);
            prop_assert!(is_valid_ref_name(&format!("refs/heads/{name}")), "{name}");
            let slug = name.split_once('-').map(|(_, s)| s).unwrap();
            prop_assert!(slug.len() <= SLUG_MAX);
            prop_assert!(!slug.ends_with('-') && !slug.starts_with('-'));
        }
    }
}
