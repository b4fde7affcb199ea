//! plugins: panics with a non-string payload (std::panic::panic_any).
use std::env;

#[allow(dead_code)]
#[derive(Debug)]
struct PluginError {
    plugin: String,
    code: i32,
}

fn load(plugin: &str) {
    if plugin.ends_with(".so") {
        std::panic::panic_any(PluginError { plugin: plugin.to_string(), code: -2 });
    }
}

fn main() {
    let plugin = env::args().nth(1).unwrap();
    println!("loading plugin {plugin}");
    load(&plugin);
}
