//! payload-check: rejects a batch with the whole (long) payload in the panic message.
use std::env;

fn validate(batch: u32, rows: &[String]) {
    for (i, r) in rows.iter().enumerate() {
        if !r.starts_with('{') {
            panic!("batch {batch}: row {i} is not JSON: payload=[{}]", rows.join(","));
        }
    }
}

fn main() {
    let batch: u32 = env::args().nth(1).unwrap().parse().unwrap();
    let mut rows: Vec<String> = (0..700).map(|i| format!("{{\"sku\":\"SKU-{i:04}\",\"qty\":{}}}", i % 9)).collect();
    rows.push("qty=3".to_string());
    validate(batch, &rows);
}
