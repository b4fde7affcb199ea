//! Grouping: the fingerprint of an event, message parameterization and the
//! AWS-compatible raw md5. The algorithm is described in `docs/fingerprint.md`;
//! any change to what is hashed must bump [`FINGERPRINT_VERSION`].

use std::fmt::Write as _;
use std::sync::LazyLock;

use md5::Md5;
use regex::Regex;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::event::{Exception, Frame};
use crate::paths;

/// The version of the grouping algorithm. Stored next to every fingerprint so
/// that an upgrade never silently regroups existing data.
pub const FINGERPRINT_VERSION: u32 = 1;

/// Context lines longer than this are not hashed (as Sentry does): they are
/// usually minified or generated code.
const MAX_CONTEXT_LINE: usize = 120;

static PARAM_RE: LazyLock<Regex> = LazyLock::new(|| {
    // Order matters: at a given position the first alternative that matches wins,
    // which gives Sentry's precedence (emails before urls before hostnames …).
    Regex::new(
        r#"(?x)
          (?P<email>[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b)
        | (?P<url>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'"<>]+)
        | (?P<ip>\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b|\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}\b)
        | (?P<uuid>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)
        | (?P<sha1>\b[0-9a-fA-F]{40}\b)
        | (?P<md5>\b[0-9a-fA-F]{32}\b)
        | (?P<date>\b\d{4}-\d{2}-\d{2}(?:[T\s]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b
            |\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b
            |\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{4}\b)
        | (?P<duration>\b\d+(?:\.\d+)?(?:ms|us|µs|ns|s|m|h)\b)
        | (?P<hex>\b0[xX][0-9a-fA-F]+\b|\b[0-9a-fA-F]{8,128}\b)
        | (?P<float>-?\b\d+\.\d+\b)
        | (?P<int>-?\b\d+\b)
        | (?P<quoted>=\s*(?:'[^']*'|"[^"]*"))
        | (?P<bool>=\s*(?i:true|false)\b)
        "#,
    )
    .expect("parameterization regex")
});

const PARAM_NAMES: [&str; 13] = [
    "email", "url", "ip", "uuid", "sha1", "md5", "date", "duration", "hex", "float", "int",
    "quoted", "bool",
];

/// Replaces the variable parts of a message (ids, numbers, addresses, dates …)
/// by `<name>` placeholders, so that two messages of the same error compare equal.
pub fn parameterize(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut last = 0;
    for caps in PARAM_RE.captures_iter(message) {
        let whole = caps.get(0).expect("match");
        out.push_str(&message[last..whole.start()]);
        last = whole.end();
        if caps
            .name("hex")
            .is_some_and(|m| !m.as_str().bytes().any(|b| b.is_ascii_digit()))
        {
            // Sentry's hex rule needs a digit: `deadbeef` is a word.
            out.push_str(whole.as_str());
            continue;
        }
        let name = PARAM_NAMES
            .iter()
            .find(|n| caps.name(n).is_some())
            .copied()
            .unwrap_or("param");
        if matches!(name, "quoted" | "bool") {
            out.push_str("=<");
        } else {
            out.push('<');
        }
        out.push_str(name);
        out.push('>');
    }
    out.push_str(&message[last..]);
    out
}

/// Generated names whose numbers or hashes change between builds and runs,
/// in the order they are applied (Sentry's rules for the JVM).
static GENERATED: LazyLock<[(Regex, &'static str); 5]> = LazyLock::new(|| {
    [
        (
            Regex::new(r"(Generated(?:Serialization)?(?:Method|Constructor)Accessor)\d+")
                .expect("re"),
            "$1",
        ),
        (
            Regex::new(r"\$\$(EnhancerBy\w*CGLIB|FastClassBy\w*CGLIB|SpringCGLIB)\$\$[0-9a-fA-F]+")
                .expect("re"),
            "$$$$$1$$$$<auto>",
        ),
        (
            Regex::new(r"_\$\$_jvst[0-9a-fA-F]+_[0-9a-fA-F]+").expect("re"),
            "_$$$$_jvst<auto>",
        ),
        (Regex::new(r"\$fn__\d+").expect("re"), "$$fn__<auto>"),
        (Regex::new(r"\$\d+(\.|$)").expect("re"), "$$<n>$1"),
    ]
});

/// The file part of a frame's key: its lowercased name, with the directory
/// for names every program has (`cmd/orders/main.go`, `billing/__init__.py`).
fn file_key(path: &str) -> String {
    const GENERIC: [&str; 10] = [
        "main.go",
        "main.rs",
        "lib.rs",
        "mod.rs",
        "index.js",
        "index.mjs",
        "index.ts",
        "__init__.py",
        "__main__.py",
        "program.cs",
    ];
    let base = paths::basename_lower(path);
    if !GENERIC.contains(&base.as_str()) {
        return base;
    }
    let mut parts = path.rsplit('/');
    parts.next();
    match parts.next() {
        Some(dir) if !dir.is_empty() => format!("{}/{base}", dir.to_lowercase()),
        _ => base,
    }
}

/// Content hashes that bundlers put in file names (`main.3f9a1c2b.js`).
static BUILD_HASH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\.[0-9a-f]{6,}\b").expect("re"));

/// Whether `BUILD_HASH` can match: a `.` followed by six lowercase hex digits
/// (checked by hand, since almost no file name has one).
fn has_build_hash(key: &str) -> bool {
    let bytes = key.as_bytes();
    memchr::memchr_iter(b'.', bytes).any(|dot| {
        bytes[dot + 1..]
            .iter()
            .take(6)
            .filter(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            .count()
            == 6
    })
}

/// Frames that never identify a bug: JVM lambda proxies and lambda bodies
/// (their numbering follows compilation order).
fn is_generated_frame(function: &str) -> bool {
    function.contains("$$Lambda$")
        || function.contains("$$Lambda/")
        || function.contains(".lambda$")
}

/// One frame's contribution to the fingerprint: basename, function and context line.
fn frame_component(frame: &Frame) -> String {
    let mut c = file_key(&frame.path);
    if has_build_hash(&c) {
        c = BUILD_HASH.replace_all(&c, "").into_owned();
    }
    if frame.function.is_empty() {
        // A `SyntaxError` location: where the parser noticed the error (and so
        // the line shown) differs between Python versions; the file is the bug.
        return c;
    }
    c.push('|');
    let mut function = frame.function.trim().to_string();
    // Every generated-name rule needs a `$` or an `Accessor`: skip the five
    // regex passes for the names of ordinary code.
    let generated = function.contains('$') || function.contains("Accessor");
    for (re, replacement) in GENERATED.iter().filter(|_| generated) {
        // `replace_all` borrows when nothing matches: no copy for most names.
        if let std::borrow::Cow::Owned(replaced) = re.replace_all(&function, *replacement) {
            function = replaced;
        }
    }
    // The last segment only (Sentry's rule for JavaScript): `Object.<anonymous>`,
    // `Module._compile`; receivers and packages vary with how code is called
    // and bundled. The file name keeps frames of different classes apart.
    let function = function.rsplit('.').next().unwrap_or(&function);
    if !matches!(function, "<anonymous>" | "?" | "<unknown>") {
        c.push_str(function);
    }
    c.push('|');
    // Only the first line of a multi-line span (Python 3.13 shows the whole
    // expression, earlier versions its first line).
    if let Some(source) = frame.source.as_deref().and_then(|s| s.lines().next()) {
        let collapsed = source.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.chars().count() <= MAX_CONTEXT_LINE {
            c.push_str(&collapsed);
        }
    }
    c
}

/// Frames that exist in some interpreter versions only: list, dict and set
/// comprehensions are inlined into their function since Python 3.12 (PEP 709).
fn is_version_dependent(frame: &Frame) -> bool {
    matches!(
        frame.function.as_str(),
        "<listcomp>" | "<dictcomp>" | "<setcomp>"
    )
}

/// The exception's class name without its module: Python prints
/// `__main__.Error` or `pkg.errors.Error` depending on how the program ran,
/// and AWS Lambda's JSON records carry the bare name.
fn type_name(ty: &str) -> &str {
    ty.rsplit('.').next().unwrap_or(ty)
}

/// Whether any exception of the chain (or of a group inside it) has an in-app frame.
fn any_in_app(chain: &[Exception]) -> bool {
    chain
        .iter()
        .any(|e| e.frames.iter().any(|f| f.in_app) || any_in_app(&e.children))
}

/// The components of one exception, appended to `out`.
fn exception_components(exc: &Exception, app_only: bool, out: &mut String) {
    let _ = writeln!(out, "type:{}", type_name(&exc.ty));
    let mut previous: Option<String> = None;
    let mut contributed = false;
    // A cut stack hashes only its crash side: runtimes cut deep stacks in
    // different places (Go 1.19 keeps the 100 innermost frames, Go 1.21 the
    // 50 innermost and 50 outermost), and the outer part of a runaway
    // recursion says nothing about the bug.
    let shown = exc.frames_elided_at.unwrap_or(0).min(exc.frames.len());
    for frame in &exc.frames[shown..] {
        if (app_only && !frame.in_app)
            || is_version_dependent(frame)
            || is_generated_frame(&frame.function)
        {
            continue;
        }
        let component = frame_component(frame);
        // Recursion: a frame identical to the one before it adds nothing.
        if previous.as_deref() == Some(component.as_str()) {
            continue;
        }
        let _ = writeln!(out, "frame:{component}");
        previous = Some(component);
        contributed = true;
    }
    // A Rust panic without a backtrace has only its location (a file, no
    // function): the message tells its bugs apart.
    let location_only = exc.ty == "panic" && exc.frames.iter().all(|f| f.function.is_empty());
    if !contributed || location_only {
        let _ = writeln!(out, "value:{}", parameterize(exc.message.trim()));
    }
    if exc.is_group {
        // Children of one type group together whatever their number; children of
        // different types do not (Sentry's rule): hash the set of distinct child hashes.
        let mut children: Vec<String> = exc
            .children
            .iter()
            .map(|c| {
                let mut s = String::new();
                exception_components(c, app_only && any_in_app(std::slice::from_ref(c)), &mut s);
                hex(&Sha256::digest(s.as_bytes()))
            })
            .collect();
        children.sort();
        children.dedup();
        for child in children {
            let _ = writeln!(out, "child:{child}");
        }
    }
}

/// The group key of a chain (oldest cause first): lowercase hex SHA-256.
pub fn fingerprint(chain: &[Exception]) -> String {
    let app_only = any_in_app(chain);
    let mut input = format!("tracefix-fingerprint:v{FINGERPRINT_VERSION}\n");
    for exc in chain {
        exception_components(exc, app_only, &mut input);
    }
    hex(&Sha256::digest(input.as_bytes()))
}

/// The md5 the AWS "self-healing code" guidance uses as its key: the raw text,
/// NFKD-normalized with non-ASCII characters dropped, md5-hashed.
pub fn md5_raw(text: &str) -> String {
    // NFKD leaves ASCII unchanged, and most traces are ASCII: skip the decomposition.
    if text.is_ascii() {
        return hex(&Md5::digest(text.as_bytes()));
    }
    let ascii: String = text.nfkd().filter(char::is_ascii).collect();
    hex(&Md5::digest(ascii.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameterizes_in_precedence_order() {
        assert_eq!(
            parameterize(
                "user bob@example.com from 10.0.0.7:5432 at 2026-11-21 10:00:00 took 35ms"
            ),
            "user <email> from <ip> at <date> took <duration>"
        );
        assert_eq!(
            parameterize("order 1234 not found (request 6f1c2d0e-1b2a-4c3d-9e8f-0123456789ab)"),
            "order <int> not found (request <uuid>)"
        );
        assert_eq!(
            parameterize("GET https://x.io/a?b=1 failed"),
            "GET <url> failed"
        );
        assert_eq!(
            parameterize("ptr 0x7f3a12 and deadbeef12"),
            "ptr <hex> and <hex>"
        );
        assert_eq!(
            parameterize("ratio 0.75 enabled=true name='x'"),
            "ratio <float> enabled=<bool> name=<quoted>"
        );
        assert_eq!(parameterize("KeyError"), "KeyError");
    }

    #[test]
    fn md5_matches_python() {
        // hashlib.md5(unicodedata.normalize('NFKD', 'café').encode('ascii', 'ignore')).hexdigest()
        assert_eq!(md5_raw("café"), md5_raw("cafe"));
        assert_eq!(md5_raw(""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}

#[cfg(test)]
mod jvm_tests {
    use super::*;

    fn jvm_frame(function: &str) -> Frame {
        Frame {
            file: "Foo.java".into(),
            path: "com/acme/Foo.java".into(),
            line: Some(1),
            function: function.into(),
            source: None,
            in_app: true,
            repeated: 0,
        }
    }

    #[test]
    fn generated_jvm_names_are_stable() {
        let a = frame_component(&jvm_frame(
            "jdk.internal.reflect.GeneratedMethodAccessor12.invoke",
        ));
        let b = frame_component(&jvm_frame(
            "jdk.internal.reflect.GeneratedMethodAccessor7.invoke",
        ));
        assert_eq!(a, b);
        let a = frame_component(&jvm_frame(
            "com.acme.Svc$$EnhancerBySpringCGLIB$$1a2b3c.get",
        ));
        let b = frame_component(&jvm_frame(
            "com.acme.Svc$$EnhancerBySpringCGLIB$$9f8e7d.get",
        ));
        assert_eq!(a, b);
        assert!(a.ends_with("|get|"), "{a}");
        let a = frame_component(&jvm_frame("com.acme.Svc$1.run"));
        let b = frame_component(&jvm_frame("com.acme.Svc$2.run"));
        assert_eq!(a, b);
        assert!(is_generated_frame(
            "com.acme.Main$$Lambda$14/0x0000000800c03000.accept"
        ));
        assert!(is_generated_frame("com.acme.Main.lambda$main$0"));
    }
}
