//! orders-api: prices an order; a SKU missing from the catalog is unwrapped.
use std::collections::HashMap;
use std::env;

struct Catalog {
    prices: HashMap<String, u32>,
}

impl Catalog {
    fn price_of(&self, sku: &str) -> u32 {
        *self.prices.get(sku).unwrap()
    }
}

fn order_total(catalog: &Catalog, lines: &[(String, u32)]) -> u32 {
    lines.iter().map(|(sku, qty)| catalog.price_of(sku) * qty).sum()
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let order_id = &args[1];
    let mut prices = HashMap::new();
    prices.insert("SKU-1001".to_string(), 1299);
    prices.insert("SKU-1002".to_string(), 499);
    let catalog = Catalog { prices };
    println!("pricing order {order_id}");
    let lines = vec![("SKU-1001".to_string(), 1), (args[2].clone(), 2)];
    let total = order_total(&catalog, &lines);
    println!("order {order_id}: {total} cents");
}
