//! search: release build (no debug info); unwraps a missing query parameter.
use std::collections::HashMap;
use std::env;

#[inline(never)]
fn param<'a>(params: &'a HashMap<String, String>, name: &str) -> &'a str {
    params.get(name).map(|s| s.as_str()).unwrap()
}

fn main() {
    let mut params = HashMap::new();
    for arg in env::args().skip(1) {
        if let Some((k, v)) = arg.split_once('=') {
            params.insert(k.to_string(), v.to_string());
        }
    }
    println!("searching for {}", param(&params, "q"));
}
