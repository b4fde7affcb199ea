//! Redacts a file (or standard input) to standard output with the default
//! options, and prints the findings (with the original text and its line)
//! to standard error.
//!
//! `cargo run -p tracefix-redact --example redact_file -- FILE`

use std::io::Read;

use tracefix_redact::{RedactOptions, Redactor};

fn main() -> std::io::Result<()> {
    let mut text = String::new();
    match std::env::args().nth(1) {
        Some(path) => text = String::from_utf8_lossy(&std::fs::read(path)?).into_owned(),
        None => {
            std::io::stdin().read_to_string(&mut text)?;
        }
    }
    let redactor = Redactor::new(&RedactOptions::default()).expect("default options are valid");
    let out = redactor.redact(&text);
    print!("{}", out.text);
    for f in &out.findings {
        // The line around the finding, so a reviewer can judge it.
        let line_start = text[..f.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[f.end..].find('\n').map_or(text.len(), |i| f.end + i);
        let line: String = text[line_start..line_end].chars().take(160).collect();
        eprintln!(
            "{:>7}..{:<7} {:<20} {:?} | {line}",
            f.start,
            f.end,
            f.kind,
            &text[f.start..f.end]
        );
    }
    Ok(())
}
