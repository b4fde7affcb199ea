//! Snapshot tests of `tracefix scan --json` over every corpus: the
//! real binary runs on every corpus file and a readable rendering of its
//! events (lines, chain, frames, fingerprint) is compared with the stored
//! snapshot. Review changes with `cargo insta review`.

use std::fmt::Write as _;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

fn render_exception(out: &mut String, exc: &Value, depth: usize) {
    let pad = "  ".repeat(depth);
    let message = exc["message"].as_str().unwrap_or("");
    let first = message.lines().next().unwrap_or("");
    let more = message.lines().count().saturating_sub(1);
    let _ = write!(out, "{pad}{}: {first}", exc["type"].as_str().unwrap_or(""));
    if more > 0 {
        let _ = write!(out, " (+{more} message lines)");
    }
    out.push('\n');
    for f in exc["frames"].as_array().into_iter().flatten() {
        let source = f["source"]
            .as_str()
            .map(|s| s.lines().next().unwrap_or(""))
            .unwrap_or("-");
        let repeated = f["repeated"]
            .as_u64()
            .map(|n| format!(" (repeated {n} more)"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{pad}  {}:{} in {} [{}]{repeated} | {source}",
            f["path"].as_str().unwrap_or(""),
            f["line"],
            f["function"].as_str().unwrap_or(""),
            if f["in_app"].as_bool() == Some(true) {
                "app"
            } else {
                "lib"
            },
        );
    }
    for child in exc["exceptions"].as_array().into_iter().flatten() {
        render_exception(out, child, depth + 2);
    }
}

#[test]
fn python_corpus_json_snapshots() {
    snapshot_corpus("python");
}

#[test]
fn ruby_corpus_json_snapshots() {
    snapshot_corpus("ruby");
}

#[test]
fn php_corpus_json_snapshots() {
    snapshot_corpus("php");
}

#[test]
fn dotnet_corpus_json_snapshots() {
    snapshot_corpus("dotnet");
}

#[test]
fn go_corpus_json_snapshots() {
    snapshot_corpus("go");
}

#[test]
fn rust_corpus_json_snapshots() {
    snapshot_corpus("rust");
}

#[test]
fn jvm_corpus_json_snapshots() {
    snapshot_corpus("jvm");
}

#[test]
fn javascript_corpus_json_snapshots() {
    snapshot_corpus("node");
}

#[test]
fn mixed_corpus_json_snapshots() {
    snapshot_corpus("mixed");
}

fn snapshot_corpus(language: &str) {
    let base = format!("../../../tests/corpus/{language}/cases");
    // One snapshot folder per corpus: file names repeat across corpora.
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(format!("snapshots/{language}"));
    settings.set_prepend_module_to_snapshot(false);
    let _guard = settings.bind_to_scope();
    insta::glob!(&base, "*.log", |path| {
        let out = Command::cargo_bin("tracefix")
            .unwrap()
            .arg("scan")
            .arg("--json")
            .arg(path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut rendered = String::new();
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            let e: Value = serde_json::from_str(line).unwrap();
            let _ = writeln!(
                rendered,
                "lines {}-{} {} {} stream={} truncated={} fingerprint={}",
                e["source"]["first_line"],
                e["source"]["last_line"],
                e["language"].as_str().unwrap(),
                e["kind"].as_str().unwrap(),
                e["stream"].as_str().unwrap_or("-"),
                e["truncated"],
                &e["fingerprint"].as_str().unwrap()[..16],
            );
            if let Some(intro) = e["intro"].as_str() {
                let _ = writeln!(rendered, "intro: {}", intro.lines().next().unwrap_or(""));
            }
            for exc in e["chain"].as_array().unwrap() {
                render_exception(&mut rendered, exc, 0);
            }
            rendered.push('\n');
        }
        insta::assert_snapshot!(language, rendered);
    });
}
