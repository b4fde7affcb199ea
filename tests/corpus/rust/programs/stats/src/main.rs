//! stats: average order value of a day without orders.
use std::env;

fn average(total_cents: u64, orders: u64) -> u64 {
    total_cents / orders
}

fn main() {
    let day = env::args().nth(1).unwrap();
    let orders: u64 = env::args().count() as u64 - 2;
    println!("report for {day}");
    println!("average: {}", average(0, orders));
}
