//! Engine throughput on generated logs: `cargo bench -p tracefix-core`.
//!
//! Two ~32 MiB buffers come from the same generator as the `genlog` example
//! (`examples/support/loggen.rs`): `clean` (no traces) and `mixed` (2% of lines
//! in Python tracebacks). Each is fed to a fresh [`Engine`] in 1 MiB chunks, as
//! `tracefix scan` reads files. `floor` counts the newlines of the same buffer
//! with `memchr`, the least any line-oriented scan has to do.
//! See docs/BENCHMARKS.md for the end-to-end figures.

#[path = "../examples/support/loggen.rs"]
mod loggen;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tracefix_core::{Config, Engine, SourceId};

const SIZE: usize = 32 << 20;
const CHUNK: usize = 1 << 20;
const SEED: u64 = 1;

/// Runs the engine over `data` in `CHUNK`-sized pushes; returns (events, lines).
fn scan(data: &[u8]) -> (u64, u64) {
    let mut engine = Engine::new(Config::default());
    let mut out = Vec::new();
    let mut events = 0u64;
    for chunk in data.chunks(CHUNK) {
        engine.push(SourceId(0), chunk, 0, &mut out);
        events += out.len() as u64;
        out.clear();
    }
    let stats = engine.finish(SourceId(0), 0, &mut out);
    events += out.len() as u64;
    (events, stats.lines)
}

fn engine_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));

    for kind in [loggen::Kind::Clean, loggen::Kind::Mixed] {
        let (data, stats) = loggen::generate(kind, SIZE, SEED);
        // The benchmark only means something if the engine finds what was written.
        let (events, lines) = scan(&data);
        assert_eq!(
            events, stats.traces,
            "{kind:?}: events found vs traces written"
        );
        assert_eq!(
            lines, stats.lines,
            "{kind:?}: lines counted vs lines written"
        );

        let name = match kind {
            loggen::Kind::Clean => "clean",
            loggen::Kind::Mixed => "mixed",
        };
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_function(format!("{name}/scan"), |b| {
            b.iter(|| scan(black_box(&data)))
        });
        group.bench_function(format!("{name}/floor_memchr_newlines"), |b| {
            b.iter(|| memchr::memchr_iter(b'\n', black_box(&data)).count())
        });
    }
    group.finish();
}

criterion_group!(benches, engine_throughput);
criterion_main!(benches);
