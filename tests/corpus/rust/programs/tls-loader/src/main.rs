//! tls-loader: reads the certificate with expect().
use std::{env, fs};

fn load_cert(path: &str) -> Vec<u8> {
    fs::read(path).expect(&format!("failed to read certificate {path}"))
}

fn main() {
    let path = env::args().nth(1).unwrap();
    let cert = load_cert(&path);
    println!("loaded {} bytes", cert.len());
}
