//! shard-planner: an eyre report returned from main.
use eyre::{Result, WrapErr};
use std::env;

fn shard_count(raw: &str) -> Result<u32> {
    let n: u32 = raw.parse().wrap_err("parsing shard count")?;
    Ok(n)
}

fn plan(raw: &str) -> Result<Vec<u32>> {
    let n = shard_count(raw).wrap_err_with(|| format!("cannot plan shards for {raw:?}"))?;
    Ok((0..n).collect())
}

fn main() -> Result<()> {
    let raw = env::args().nth(1).unwrap();
    let shards = plan(&raw)?;
    println!("{} shards", shards.len());
    Ok(())
}
