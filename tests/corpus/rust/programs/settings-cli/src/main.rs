//! settings-cli: anyhow error with context returned from main.
use anyhow::{Context, Result};
use std::{env, fs};

fn read_settings(path: &str) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("reading {path}"))
}

fn load(path: &str) -> Result<usize> {
    let text = read_settings(path).context("failed to load settings")?;
    Ok(text.lines().count())
}

fn main() -> Result<()> {
    let path = env::args().nth(1).unwrap();
    let n = load(&path)?;
    println!("{n} settings");
    Ok(())
}
