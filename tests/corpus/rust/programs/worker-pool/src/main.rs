//! worker-pool: named worker threads; one panics on a bad job, then main's
//! join().unwrap() panics too.
use std::env;
use std::thread;

fn parse_job(raw: &str) -> (u32, u32) {
    let mut parts = raw.split(':');
    let id = parts.next().unwrap().parse().unwrap();
    let weight = parts.next().unwrap().parse().unwrap();
    (id, weight)
}

fn main() {
    let jobs: Vec<String> = env::args().skip(1).collect();
    let mut handles = Vec::new();
    for (i, job) in jobs.into_iter().enumerate() {
        let h = thread::Builder::new()
            .name(format!("worker-{}", i + 1))
            .spawn(move || {
                let (id, weight) = parse_job(&job);
                id * weight
            })
            .unwrap();
        handles.push(h);
    }
    let mut total = 0;
    for h in handles {
        total += h.join().unwrap();
    }
    println!("total weight {total}");
}
