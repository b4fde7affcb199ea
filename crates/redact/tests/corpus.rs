//! The repository's stack-trace corpus (`tests/corpus/**`, 2,000+ files of
//! Python, JVM, Node, Go, Ruby, PHP, .NET and Rust traces, log formats and
//! trace-free logs) through the redactor with default options.
//!
//! What is asserted, and why:
//! - No finding touches a frame line (of any language, also inside JSON or
//!   CRI wrappers): frames are what localization and the model need, and
//!   they hold no secrets in this corpus.
//! - High-entropy findings occur only on the lines of `negative/mixed.log`
//!   that carry its deliberately random payload (`"large payload echoed"`,
//!   20,000 random characters): random data is exactly what the rule is for.
//!   Everything else (commit SHAs, UUIDs, request ids, paths, identifiers,
//!   lock-file integrity hashes) stays.
//! - Every other finding is listed in a snapshot with its file, line, kind
//!   and text, so any change in what is redacted shows up in review.

use std::path::{Path, PathBuf};

use regex::RegexSet;
use tracefix_redact::{Finding, RedactOptions, Redactor, SecretKind};

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Frame lines of every language in the corpus; unanchored and tolerant of
/// escaped quotes, so frames inside JSON log records count too.
fn frame_lines() -> RegexSet {
    RegexSet::new([
        // Python
        r#"File \\?"[^"\\]+\\?", line \d+"#,
        // JVM: at pkg.Class.method(File.java:12) / (Native Method)
        r"\bat [\w$.<>/-]+\([^()]*\)",
        // .NET
        r"\bat .+ in .+:line \d+",
        // Node / browsers
        r"\bat .*:\d+:\d+\)?",
        r"^[\w$.<>]*@.*:\d+:\d+$",
        // Go
        r"\.go:\d+",
        // Ruby
        r"\.rb:\d+:in ",
        // PHP
        r"#\d+ .+\(\d+\): ",
        r"\.php(?::| on line |\()\d+",
        // Rust
        r"\bat \S+\.rs:\d+:\d+",
        r"^\s*\d+: [\w<>]+::",
    ])
    .unwrap()
}

struct FileFindings {
    path: String,
    text: String,
    findings: Vec<Finding>,
}

fn line_of(text: &str, offset: usize) -> (usize, &str) {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    (text[..offset].matches('\n').count() + 1, &text[start..end])
}

fn redact_corpus() -> Vec<FileFindings> {
    let redactor = Redactor::new(&RedactOptions::default()).unwrap();
    let mut paths = Vec::new();
    files(&corpus_root(), &mut paths);
    paths.sort();
    assert!(
        paths.len() > 1000,
        "corpus not found: {} files",
        paths.len()
    );
    paths
        .iter()
        .map(|path| {
            let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
            let findings = redactor.redact(&text).findings;
            let path = path
                .strip_prefix(corpus_root())
                .unwrap()
                .display()
                .to_string();
            FileFindings {
                path,
                text,
                findings,
            }
        })
        .collect()
}

#[test]
fn corpus_frames_survive_and_entropy_stays_quiet() {
    let frames = frame_lines();
    let corpus = redact_corpus();
    let mut damaged = Vec::new();
    let mut entropy_elsewhere = Vec::new();
    let mut payload_findings = 0;
    let mut others = Vec::new();
    let mut frame_lines_seen = 0usize;
    for file in &corpus {
        frame_lines_seen += file.text.lines().filter(|l| frames.is_match(l)).count();
        for f in &file.findings {
            let (line_no, line) = line_of(&file.text, f.start);
            if frames.is_match(line) {
                damaged.push(format!("{}:{line_no}: {line}", file.path));
            }
            if f.kind == SecretKind::HighEntropy {
                if file.path == "negative/mixed.log" && line.contains("large payload echoed") {
                    payload_findings += 1;
                } else {
                    entropy_elsewhere.push(format!(
                        "{}:{line_no}: {:?}",
                        file.path,
                        &file.text[f.start..f.end]
                    ));
                }
            } else {
                others.push(format!(
                    "{}:{line_no}: {} {:?}",
                    file.path,
                    f.kind,
                    &file.text[f.start..f.end]
                ));
            }
        }
    }
    // The frame patterns must actually find the corpus's frames.
    assert!(
        frame_lines_seen > 20_000,
        "only {frame_lines_seen} frame lines"
    );
    eprintln!("{frame_lines_seen} frame lines, {payload_findings} payload findings");
    assert!(
        damaged.is_empty(),
        "frame lines changed:\n{}",
        damaged.join("\n")
    );
    assert!(
        entropy_elsewhere.is_empty(),
        "high-entropy findings outside the random payload:\n{}",
        entropy_elsewhere.join("\n")
    );
    // The random payload is found (the rule works on this corpus at all).
    assert!(payload_findings > 50, "{payload_findings} payload findings");
    insta::assert_snapshot!(others.join("\n"));
}
