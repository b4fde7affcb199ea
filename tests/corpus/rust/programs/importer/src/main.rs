//! importer: an unnamed thread panics on a short CSV row; main reports and exits.
use std::env;
use std::process;
use std::thread;

fn parse_row(n: usize, row: &str) -> Vec<String> {
    let cols: Vec<String> = row.split(',').map(|s| s.to_string()).collect();
    if cols.len() != 5 {
        panic!("row {n}: expected 5 columns, found {}", cols.len());
    }
    cols
}

fn main() {
    let bad_row = env::args().nth(1).unwrap();
    let rows = vec!["1,SKU-1,2,499,EUR".to_string(), bad_row];
    let h = thread::spawn(move || {
        for (n, r) in rows.iter().enumerate() {
            parse_row(n + 1, r);
        }
    });
    if h.join().is_err() {
        println!("import aborted");
        process::exit(3);
    }
}
