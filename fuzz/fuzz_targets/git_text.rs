//! Fuzzes the two tracefix-git functions that see log text: `branch_name`
//! (the title is an error message) and `scrub` (git's stderr quotes URLs and
//! headers). The input's first line is the fingerprint, the rest the title
//! and the text to scrub.
//!
//! Checked: no panic; the branch name is `tracefix/<hex>-<slug>` with only
//! `[a-z0-9-]` after the prefix, a slug of at most 40 characters without
//! an edge dash; a token planted in a URL's userinfo or after
//! `Authorization:` never survives scrubbing.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tracefix_git::{branch_name, scrub};

const TOKEN: &str = "plantedtoken0123";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (fingerprint, title) = text.split_once('\n').unwrap_or(("", &text));

    let name = branch_name(fingerprint, title);
    let rest = name.strip_prefix("tracefix/").expect("namespace");
    let (hex, slug) = rest.split_once('-').expect("hex-slug");
    assert!(!hex.is_empty() && hex.len() <= 12);
    assert!(hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    assert!(!slug.is_empty() && slug.len() <= 40, "{name}");
    assert!(!slug.starts_with('-') && !slug.ends_with('-') && !slug.contains("--"));
    assert!(slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));

    // Arbitrary text: only "no panic" is checked.
    let _ = scrub(&text);
    if !text.contains(TOKEN) {
        for planted in [
            format!("{title} https://u:{TOKEN}@host/r.git {fingerprint}"),
            format!("{title}\nAuthorization: Bearer {TOKEN}\n{fingerprint}"),
        ] {
            assert!(!scrub(&planted).contains(TOKEN), "{planted:?}");
        }
    }
});
