//! migrate: anyhow error from main; with RUST_BACKTRACE=1 anyhow prints the
//! backtrace it captured.
use anyhow::{anyhow, Context, Result};
use std::env;

fn execute(sql: &str) -> Result<()> {
    if sql.contains("orders") {
        return Err(anyhow!("relation \"orders\" does not exist"));
    }
    Ok(())
}

fn apply(name: &str) -> Result<()> {
    execute("CREATE INDEX orders_customer_idx ON orders (customer_id)")
        .with_context(|| format!("migration {name} failed"))
}

fn main() -> Result<()> {
    let name = env::args().nth(1).unwrap();
    apply(&name)?;
    println!("applied {name}");
    Ok(())
}
