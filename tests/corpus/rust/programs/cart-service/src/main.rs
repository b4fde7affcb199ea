//! cart-service: picks the "recommended" slot of a cart, past the end.
use std::env;

#[derive(Debug, Clone)]
struct Item {
    sku: String,
    cents: u32,
}

fn recommended(items: &[Item], slot: usize) -> &Item {
    &items[slot]
}

fn render(items: &[Item], slot: usize) -> String {
    let it = recommended(items, slot);
    format!("{} for {} cents", it.sku, it.cents)
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let n: usize = args[1].parse().expect("item count");
    let slot: usize = args[2].parse().expect("slot");
    let items: Vec<Item> = (0..n)
        .map(|i| Item { sku: format!("SKU-{}", 1000 + i), cents: 499 + i as u32 })
        .collect();
    println!("{}", render(&items, slot));
}
