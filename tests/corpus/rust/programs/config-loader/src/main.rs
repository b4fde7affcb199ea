//! config-loader: parses the listen port with unwrap().
use std::env;

#[derive(Debug)]
struct Settings {
    host: String,
    port: u16,
}

fn parse_settings(raw_host: &str, raw_port: &str) -> Settings {
    let port: u16 = raw_port.trim().parse().unwrap();
    Settings { host: raw_host.to_string(), port }
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let settings = parse_settings("0.0.0.0", &args[1]);
    println!("listening on {}:{}", settings.host, settings.port);
}
