//! ledger: sums balances in u32; debug builds trap the overflow.
use std::env;

fn sum_balances(balances: &[u32]) -> u32 {
    let mut total: u32 = 0;
    for b in balances {
        total += b;
    }
    total
}

fn main() {
    let extra: u32 = env::args().nth(1).unwrap().parse().unwrap();
    let balances = vec![4_000_000_000, 250_000_000, extra];
    println!("total: {}", sum_balances(&balances));
}
