//! metrics: the flush thread panics while holding the lock; main then finds
//! the mutex poisoned.
use std::env;
use std::sync::{Arc, Mutex};
use std::thread;

fn flush(samples: &mut Vec<f64>, endpoint: &str) {
    if endpoint.starts_with("udp://") {
        panic!("unsupported metrics endpoint {endpoint}");
    }
    samples.clear();
}

fn main() {
    let endpoint = env::args().nth(1).unwrap();
    let samples = Arc::new(Mutex::new(vec![1.0, 2.5, 4.0]));
    let s2 = Arc::clone(&samples);
    let h = thread::Builder::new()
        .name("metrics-flush".to_string())
        .spawn(move || {
            let mut guard = s2.lock().unwrap();
            flush(&mut guard, &endpoint);
        })
        .unwrap();
    let _ = h.join();
    let n = samples.lock().unwrap().len();
    println!("{n} samples pending");
}
