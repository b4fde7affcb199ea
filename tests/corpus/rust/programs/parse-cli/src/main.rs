//! parse-cli: main returns Box<dyn Error>; the error's Debug form is printed.
use std::env;
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let raw = env::args().nth(1).unwrap();
    let limit: u32 = raw.parse()?;
    println!("limit {limit}");
    Ok(())
}
