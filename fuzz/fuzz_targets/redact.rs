//! Fuzzes the secret redactor with default options and with every option
//! (emails, IP addresses, a user pattern).
//!
//! Checked: no panic; findings are ordered, non-overlapping ranges on
//! character boundaries of the input; the output is exactly the input with
//! those ranges replaced by their placeholders; redacting the output again
//! changes nothing and finds nothing (idempotence).

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tracefix_redact::{RedactOptions, Redactor};

static DEFAULT: LazyLock<Redactor> =
    LazyLock::new(|| Redactor::new(&RedactOptions::default()).unwrap());

static EVERYTHING: LazyLock<Redactor> = LazyLock::new(|| {
    Redactor::new(&RedactOptions {
        emails: true,
        ip_addresses: true,
        extra_patterns: vec![r"ticket-(\d{4})".into()],
        entropy: true,
    })
    .unwrap()
});

fn check(redactor: &Redactor, text: &str) {
    let out = redactor.redact(text);
    let mut rebuilt = String::with_capacity(text.len());
    let mut last = 0;
    for f in &out.findings {
        assert!(f.start >= last && f.start < f.end && f.end <= text.len());
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        rebuilt.push_str(&text[last..f.start]);
        rebuilt.push_str(&f.kind.placeholder());
        last = f.end;
    }
    rebuilt.push_str(&text[last..]);
    assert_eq!(rebuilt, out.text);
    let again = redactor.redact(&out.text);
    assert_eq!(again.text, out.text, "not idempotent");
    assert!(again.findings.is_empty());
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check(&DEFAULT, &text);
    check(&EVERYTHING, &text);
});
