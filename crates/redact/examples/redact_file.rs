//! Redacts a file (or standard input) to standard output with the default
//! options, and prints the findings to standard error.
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
        eprintln!("{:>7}..{:<7} {}", f.start, f.end, f.kind);
    }
    Ok(())
}
