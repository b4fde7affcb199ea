//! slugger: truncates a title at a byte offset inside a multi-byte character.
use std::env;

fn short_slug(title: &str, max: usize) -> String {
    title[..max].to_lowercase().replace(' ', "-")
}

fn main() {
    let title = env::args().nth(1).unwrap();
    println!("{}", short_slug(&title, 4));
}
