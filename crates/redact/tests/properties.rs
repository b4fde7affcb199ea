//! Invariants over generated text: a planted secret never survives whatever
//! surrounds it; redaction is idempotent; findings are ordered,
//! non-overlapping ranges of the original text and the output is exactly
//! the text with those ranges replaced.

use std::sync::LazyLock;

use proptest::prelude::*;
use tracefix_redact::{RedactOptions, Redactor};

static REDACTOR: LazyLock<Redactor> =
    LazyLock::new(|| Redactor::new(&RedactOptions::default()).unwrap());

static ALL_OPTIONS: LazyLock<Redactor> = LazyLock::new(|| {
    Redactor::new(&RedactOptions {
        emails: true,
        ip_addresses: true,
        extra_patterns: vec![r"ticket-(\d{4})".into()],
        entropy: true,
    })
    .unwrap()
});

fn chars(
    alphabet: &'static str,
    len: impl Into<proptest::collection::SizeRange>,
) -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = alphabet.chars().collect();
    proptest::collection::vec(proptest::sample::select(alphabet), len)
        .prop_map(|v| v.into_iter().collect())
}

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const URLSAFE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const BASE64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGITS: &str = "0123456789";
const HEX: &str = "0123456789abcdef";

/// A secret as it would be written, and the part of it that must go.
fn secret() -> impl Strategy<Value = (String, String)> {
    let bare = |s: String| (s.clone(), s);
    prop_oneof![
        chars(UPPER32, 16).prop_map(move |s| bare(format!("AKIA{s}"))),
        chars(UPPER32, 16).prop_map(move |s| bare(format!("ASIA{s}"))),
        chars(ALNUM, 36).prop_map(move |s| bare(format!("ghp_{s}"))),
        chars(ALNUM, 36).prop_map(move |s| bare(format!("gho_{s}"))),
        chars(ALNUM, 82).prop_map(move |s| bare(format!("github_pat_{}_{}", &s[..22], &s[22..]))),
        chars(URLSAFE, 20).prop_map(move |s| bare(format!("glpat-{s}"))),
        (chars(DIGITS, 12), chars(DIGITS, 13), chars(ALNUM, 24))
            .prop_map(move |(a, b, c)| bare(format!("xoxb-{a}-{b}-{c}"))),
        (chars(DIGITS, 12), chars(HEX, 32))
            .prop_map(move |(a, b)| bare(format!("xoxp-{a}-{a}-{a}-{b}"))),
        chars(ALNUM, 30).prop_map(|s| {
            let path = format!("T{}/B{}/{}", &s[..8], &s[8..16], &s[6..30]);
            (format!("https://hooks.slack.com/services/{path}"), path)
        }),
        chars(URLSAFE, 120).prop_map(move |s| bare(format!("sk-proj-{s}"))),
        chars(URLSAFE, 93).prop_map(move |s| bare(format!("sk-ant-api03-{s}AA"))),
        (chars(URLSAFE, 30), chars(URLSAFE, 43))
            .prop_map(move |(p, s)| bare(format!("eyJhbGciOiJIUzI1NiJ9.eyJ{p}.{s}"))),
        chars(BASE64, 40).prop_map(|s| (format!("aws_secret_access_key={s}"), s)),
        chars(ALNUM, 12).prop_map(|s| (format!("password=x{s}9"), format!("x{s}9"))),
        chars(ALNUM, 12).prop_map(|s| (format!("\"token\": \"{s}\""), s)),
        chars(ALNUM, 14).prop_map(|s| (format!("postgres://app:{s}@db:5432/x"), s)),
        chars(URLSAFE, 30).prop_map(|s| (format!("Authorization: Bearer {s}"), s)),
        chars(BASE64, 64).prop_map(|s| {
            let body = format!("{}\n{}", &s[..32], &s[32..]);
            (
                format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"),
                body,
            )
        }),
    ]
}

/// Text around a planted secret: anything printable, any script.
fn surrounding() -> impl Strategy<Value = String> {
    "\\PC{0,60}"
}

/// Where the secret meets its surroundings.
fn delimiter() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(vec![
        " ", "\n", "\t", "\"", "'", "(", ")", "[", "]", "{", "}", ",", ";", "<", ">", "|", " = ",
        ": ", "\r\n",
    ])
}

/// Log-like text built from fragments that make rules fire and interact:
/// key words, separators, quotes, escapes, URL parts, token prefixes,
/// placeholders, random runs.
fn loggy() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        proptest::sample::select(vec![
            "password",
            "token",
            "api_key",
            "secret",
            "auth",
            "Authorization",
            "Cookie",
            "Set-Cookie",
            "PWD",
            "=",
            ":",
            ": ",
            "=>",
            " ",
            "\n",
            "\t",
            "\"",
            "'",
            "\\\"",
            "\\n",
            "&",
            "?",
            ";",
            ",",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            "://",
            "http",
            "postgres",
            "@",
            "user",
            "Bearer ",
            "Basic ",
            "Digest ",
            "ghp_",
            "sk-",
            "sk-ant-api03-",
            "xoxb-",
            "glpat-",
            "AKIA",
            "eyJ",
            ".",
            "-",
            "_",
            "/",
            "+",
            "==",
            "[REDACTED:jwt]",
            "[REDACTED:key-value-secret]",
            "[REDACTED:",
            "-----BEGIN PRIVATE KEY-----",
            "-----END PRIVATE KEY-----",
            "None",
            "****",
            "bob@example.com",
            "10.0.0.1",
            "::1",
            "ticket-1234",
            "é",
            "✓",
        ])
        .prop_map(str::to_owned),
        chars(ALNUM, 1..=40usize),
        chars(BASE64, 30..=50usize),
        "\\PC{0,8}",
    ];
    proptest::collection::vec(fragment, 0..30).prop_map(|v| v.concat())
}

fn check_findings(redactor: &Redactor, text: &str) -> Result<String, TestCaseError> {
    let out = redactor.redact(text);
    let mut rebuilt = String::new();
    let mut last = 0;
    for f in &out.findings {
        prop_assert!(
            f.start >= last,
            "unordered or overlapping: {:?}",
            out.findings
        );
        prop_assert!(f.start < f.end && f.end <= text.len());
        prop_assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        rebuilt.push_str(&text[last..f.start]);
        rebuilt.push_str(&f.kind.placeholder());
        last = f.end;
    }
    rebuilt.push_str(&text[last..]);
    prop_assert_eq!(&rebuilt, out.text.as_ref());
    Ok(rebuilt)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn planted_secret_never_survives(
        (written, secret) in secret(),
        before in surrounding(),
        after in surrounding(),
        open in delimiter(),
        close in delimiter(),
    ) {
        let text = format!("{before}{open}{written}{close}{after}");
        let out = REDACTOR.redact_string(&text);
        for piece in secret.split('\n') {
            prop_assert!(!out.contains(piece), "{piece:?} survived in {out:?}");
        }
    }

    #[test]
    fn redaction_is_idempotent(text in loggy()) {
        let once = check_findings(&REDACTOR, &text)?;
        let twice = REDACTOR.redact(&once);
        prop_assert_eq!(twice.text.as_ref(), once.as_str());
        prop_assert!(twice.findings.is_empty(), "{:?}", twice.findings);
    }

    #[test]
    fn redaction_is_idempotent_with_every_option(text in loggy()) {
        let once = check_findings(&ALL_OPTIONS, &text)?;
        let twice = ALL_OPTIONS.redact(&once);
        prop_assert_eq!(twice.text.as_ref(), once.as_str());
    }

    #[test]
    fn arbitrary_text_never_panics_and_findings_are_consistent(text in "\\PC{0,200}") {
        let once = check_findings(&REDACTOR, &text)?;
        prop_assert_eq!(REDACTOR.redact_string(&once), once);
    }

    #[test]
    fn secrets_inside_loggy_text_are_removed((written, secret) in secret(), text in loggy(), at in any::<prop::sample::Index>()) {
        // Cut the log text at a character boundary and plant the secret there,
        // set off by newlines.
        let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        let cut = cuts[at.index(cuts.len())];
        let planted = format!("{}\n{written}\n{}", &text[..cut], &text[cut..]);
        let out = REDACTOR.redact_string(&planted);
        for piece in secret.split('\n') {
            prop_assert!(!out.contains(piece), "{piece:?} survived in {out:?}");
        }
    }
}
