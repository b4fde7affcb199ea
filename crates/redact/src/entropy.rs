//! The high-entropy rule: long tokens that look random.
//!
//! A token is a maximal run of base64/base64url bytes (`A-Z a-z 0-9 + / _ -`)
//! with optional `=` padding, at least [`MIN_LEN`] long. It is redacted when
//! all of these hold:
//!
//! 1. It is not hex-like: only hex digits and `-`, optionally after a short
//!    alphabetic prefix (`req-<uuid>`). Commit SHAs, SHA-256 digests, UUIDs,
//!    trace and request ids, container ids and Go/JVM addresses fill stack
//!    traces and are what a reader correlates on; a hex *secret* nearly always
//!    sits behind a key name (`api_key=…`), which the key/value rule catches.
//!    So a bare 40-hex git SHA in a trace is kept, by design.
//! 2. It is not a Subresource-Integrity hash (`sha512-…`, lock files).
//! 3. It has a letter and a digit (identifiers and words rarely have digits
//!    mixed in; random tokens of 32+ characters nearly always do).
//! 4. Its Shannon entropy is at least the *expected* entropy of a uniformly
//!    random string of the same length over the same character classes,
//!    minus [`ENTROPY_MARGIN`] bits. A fixed threshold cannot work: 32 random
//!    base64 characters have about 4.56 bits per character, 32 random
//!    lowercase-alphanumerics about 4.27 and 100 random base64 characters
//!    about 5.48 (measured on 20,000 samples each).
//! 5. It is not made of words: the mean length of its letter/digit runs
//!    (`[A-Z]?[a-z]+`, `[A-Z]+`, `[0-9]+`) is at most 3.5 for mixed-case and
//!    4.0 for single-case tokens. Random mixed-case tokens average about 1.9;
//!    identifiers such as `hw-rust172-validator-oneline-multiline` (5.7) or
//!    `u003cInvokeNextActionFilterAsync` (4.0) are longer.
//!
//! Paths: a token with `/` that starts with `/` or has a lowercase word
//! segment before its last `/` (`/rustc/<sha>/library/core/src/panicking`,
//! `cases/foo-bar`) is judged segment by segment, so a hash inside a path is
//! judged as a hash.
//!
//! Calibration (2,164 files of `tests/corpus`, 17 MB): the only tokens that
//! pass are the deliberately random payload of `negative/mixed.log`
//! (`"large payload echoed"`). On random tokens the rule misses about 0.4% of
//! 32-character base64/base64url tokens (mostly those without a digit), under
//! 0.2% at 40 characters, none at 64; and about 3% of 32-character
//! single-case alphanumeric tokens, 1% at 64.

/// Shortest token the rule considers.
pub(crate) const MIN_LEN: usize = 32;

/// How far below the expected entropy of a random string a token may be.
/// 0.5 bits is about three standard deviations for 32–64 characters.
pub(crate) const ENTROPY_MARGIN: f64 = 0.5;

/// Tokens are judged on at most this many characters' worth of expected
/// entropy (longer tokens only get a slightly lower bar).
const MAX_EXPECTED_LEN: usize = 256;

fn in_alphabet(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-')
}

/// Byte ranges of high-entropy tokens in `text`.
pub(crate) fn find(text: &str, out: &mut Vec<(usize, usize)>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            // An escape in JSON or a quoted string (`\n`, `\u003c`) is not
            // part of the token that follows it.
            i += escape_len(&bytes[i..]);
            continue;
        }
        if !in_alphabet(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && in_alphabet(bytes[i]) {
            i += 1;
        }
        let body_end = i;
        while i < bytes.len() && bytes[i] == b'=' {
            i += 1;
        }
        if body_end - start < MIN_LEN {
            continue;
        }
        let token = &text[start..body_end];
        if token.contains('/') && is_path(token) {
            let mut offset = start;
            for segment in token.split('/') {
                if is_random(segment) {
                    out.push((offset, offset + segment.len()));
                }
                offset += segment.len() + 1;
            }
        } else if is_random(token) {
            out.push((start, i));
        }
    }
}

/// Length of the escape sequence at the start of `bytes` (which starts with
/// a backslash).
fn escape_len(bytes: &[u8]) -> usize {
    match bytes.get(1) {
        Some(b'u') if bytes.len() >= 6 && bytes[2..6].iter().all(u8::is_ascii_hexdigit) => 6,
        Some(_) => 2,
        None => 1,
    }
}

fn is_path(token: &str) -> bool {
    if token.starts_with('/') {
        return true;
    }
    let segments: Vec<&str> = token.split('/').collect();
    segments[..segments.len() - 1].iter().any(|s| {
        s.len() >= 3
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-')
    })
}

/// Whether a token (without padding) looks like a random secret; see the
/// module documentation for the tests.
pub(crate) fn is_random(token: &str) -> bool {
    let bytes = token.as_bytes();
    if bytes.len() < MIN_LEN || is_hex_like(bytes) || is_integrity_hash(token) {
        return false;
    }
    let upper = bytes.iter().any(u8::is_ascii_uppercase);
    let lower = bytes.iter().any(u8::is_ascii_lowercase);
    let digit = bytes.iter().any(u8::is_ascii_digit);
    if !digit || !(upper || lower) {
        return false;
    }
    let symbols = [b'+', b'/', b'_', b'-']
        .iter()
        .filter(|s| bytes.contains(s))
        .count();
    let alphabet = 26 * usize::from(upper) + 26 * usize::from(lower) + 10 + symbols;
    let threshold = expected_entropy(bytes.len().min(MAX_EXPECTED_LEN), alphabet) - ENTROPY_MARGIN;
    if shannon_entropy(bytes) < threshold {
        return false;
    }
    let max_mean_run = if upper && lower { 3.5 } else { 4.0 };
    mean_run_length(bytes) <= max_mean_run
}

fn is_hex_like(bytes: &[u8]) -> bool {
    let hexish = |s: &[u8]| s.iter().all(|b| b.is_ascii_hexdigit() || *b == b'-');
    if hexish(bytes) {
        return true;
    }
    // A short alphabetic prefix: `req-<uuid>`, `trace_<hex>`.
    match bytes.iter().position(|b| matches!(b, b'-' | b'_')) {
        Some(p) if (1..=12).contains(&p) && bytes[..p].iter().all(u8::is_ascii_alphabetic) => {
            hexish(&bytes[p + 1..])
        }
        _ => false,
    }
}

fn is_integrity_hash(token: &str) -> bool {
    ["sha1-", "sha256-", "sha384-", "sha512-"]
        .iter()
        .any(|p| token.starts_with(p))
}

/// Shannon entropy in bits per byte.
pub(crate) fn shannon_entropy(bytes: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// The expected empirical Shannon entropy of `n` independent uniform draws
/// from `k` symbols: by linearity, `k` times the expected contribution of one
/// symbol, whose count is Binomial(n, 1/k).
pub(crate) fn expected_entropy(n: usize, k: usize) -> f64 {
    if n == 0 || k <= 1 {
        return 0.0;
    }
    let nf = n as f64;
    let p = 1.0 / k as f64;
    let ratio = p / (1.0 - p);
    let mut pmf = (1.0 - p).powi(n as i32);
    let mut per_symbol = 0.0;
    for c in 1..=n {
        let cf = c as f64;
        pmf *= (nf - cf + 1.0) / cf * ratio;
        per_symbol += pmf * (cf / nf) * (nf / cf).log2();
    }
    k as f64 * per_symbol
}

/// Mean length of the word-like runs `[A-Z]?[a-z]+`, `[A-Z]+` and `[0-9]+`
/// (symbols are separators).
pub(crate) fn mean_run_length(bytes: &[u8]) -> f64 {
    let mut runs = 0usize;
    let mut chars = 0usize;
    let mut record = |len: usize| {
        if len > 0 {
            runs += 1;
            chars += len;
        }
    };
    let run_end = |mut j: usize, pred: fn(&u8) -> bool| {
        while j < bytes.len() && pred(&bytes[j]) {
            j += 1;
        }
        j
    };
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() {
            let j = run_end(i, u8::is_ascii_digit);
            record(j - i);
            i = j;
        } else if b.is_ascii_lowercase() {
            let j = run_end(i, u8::is_ascii_lowercase);
            record(j - i);
            i = j;
        } else if b.is_ascii_uppercase() {
            let j = run_end(i, u8::is_ascii_uppercase);
            if j < bytes.len() && bytes[j].is_ascii_lowercase() {
                // The last capital starts a capitalised word.
                record(j - 1 - i);
                let k = run_end(j, u8::is_ascii_lowercase);
                record(k - (j - 1));
                i = k;
            } else {
                record(j - i);
                i = j;
            }
        } else {
            i += 1;
        }
    }
    if runs == 0 {
        return 0.0;
    }
    chars as f64 / runs as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        let mut spans = Vec::new();
        find(text, &mut spans);
        spans.iter().map(|&(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn expected_entropy_matches_measurements() {
        // Means measured over 20,000 random samples (see module docs).
        for (n, k, measured) in [
            (32, 64, 4.56),
            (100, 64, 5.48),
            (32, 36, 4.27),
            (40, 16, 3.71),
        ] {
            let e = expected_entropy(n, k);
            assert!(
                (e - measured).abs() < 0.03,
                "n={n} k={k}: {e} vs {measured}"
            );
        }
    }

    #[test]
    fn runs_split_camel_case_and_digits() {
        // "u", "003", "c", "Invoke", "Next", "Action", "Filter", "Async"
        assert_eq!(mean_run_length(b"u003cInvokeNextActionFilterAsync"), 4.0);
        // "AB", "Cdef", "12"
        assert_eq!(mean_run_length(b"ABCdef12"), 8.0 / 3.0);
        assert_eq!(mean_run_length(b"--__"), 0.0);
    }

    #[test]
    fn random_tokens_are_found() {
        for token in [
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq9Xa3Lk2P",
            "Zk3q9Xv2Lr8Tn5Wm1Bc7Hd4Jf6Gs0Pa2Qe9Ry3Ui",
            "q8w7e6r5t4y3u2i1o0p9a8s7d6f5g4h3j2k1l0zx",
            "dGhpcyBpcyBhIHNlY3JldCB2YWx1ZSAxMjM0NTY3OA==",
            "xK9_mP2-vL7qR4_tN8wB3-zC6yD1hF5jG0sA2eU",
        ] {
            let text = format!("value {token} end");
            let got = found(&text);
            assert_eq!(got.len(), 1, "{token}: {got:?}");
            assert!(token.starts_with(got[0]), "{token}: {got:?}");
        }
    }

    #[test]
    fn ordinary_long_tokens_are_kept() {
        for text in [
            // hashes, ids
            "commit 3f786850e387550fdab836ed7e6dc881de23001b",
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "request_id=7a4b305fb76205384ae781ec42f99264",
            "req-5f0c2a71-93de-4c41-9d53-0e6e4f8a2b77",
            "container 4f5d9a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f",
            // paths with a hash segment
            "at /rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/panicking.rs:74:14",
            // identifiers
            "_app_views_orders_show_html_erb___2815526043394857021_34520",
            "AbstractAutowireCapableBeanFactory.createBeanInstanceWithArguments",
            "hw-rust172-validator-oneline-multiline",
            "rb_r34_inventory_acme_timeout_thread",
            "u003cInvokeNextActionFilterAsync",
            "abcdefghijklmnopqrstuvwxyz0123456789",
            // lock file integrity
            "sha512-P5mokDkSvCGBz6mZDD/2l+w9QoICRXdCyZ9ONGmTePr40oihJg3Kpn0YU3twKd6PJnwSlLBWNQeOT6yWEV2c4A==",
        ] {
            assert_eq!(found(text), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn escapes_are_not_part_of_tokens() {
        let text = r"key\nZk3q9Xv2Lr8Tn5Wm1Bc7Hd4Jf6Gs0Pa2Qe9Ry3Ui\u003cend";
        assert_eq!(found(text), ["Zk3q9Xv2Lr8Tn5Wm1Bc7Hd4Jf6Gs0Pa2Qe9Ry3Ui"]);
    }

    #[test]
    fn padding_belongs_to_the_token() {
        let text = "k dGhpcyBpcyBhIHNlY3JldCB2YWx1ZSAxMjM0NTY3OA== x";
        assert_eq!(
            found(text),
            ["dGhpcyBpcyBhIHNlY3JldCB2YWx1ZSAxMjM0NTY3OA=="]
        );
    }
}
