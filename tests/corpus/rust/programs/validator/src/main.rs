//! validator: panics with a multi-line message.
use std::env;

struct Config {
    listen_addr: Option<String>,
    replicas: u32,
    region: String,
}

fn validate(c: &Config) {
    let mut problems = Vec::new();
    if c.listen_addr.is_none() {
        problems.push("  - listen_addr: missing".to_string());
    }
    if c.replicas == 0 {
        problems.push(format!("  - replicas: must be >= 1, got {}", c.replicas));
    }
    if !c.region.starts_with("eu-") {
        problems.push(format!("  - region: {:?} is not an EU region", c.region));
    }
    if !problems.is_empty() {
        panic!("invalid configuration ({} problems):\n{}", problems.len(), problems.join("\n"));
    }
}

fn main() {
    let region = env::args().nth(1).unwrap();
    validate(&Config { listen_addr: None, replicas: 0, region });
}
