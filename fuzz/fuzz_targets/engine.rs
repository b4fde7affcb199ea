//! Fuzzes the streaming engine: the input is pushed in two pieces cut at a
//! point derived from its bytes, then the source is finished. Small limits make
//! the line, event and open-trace caps fire on small inputs.
//!
//! Checked: no panic; every event's span lies inside the input and its text
//! has between 1 and span-length lines; the two-piece run gives the same
//! events as one `push` (`Engine::scan_bytes`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use tracefix_core::{Config, Engine, ErrorEvent, SourceId};

fn config() -> Config {
    Config {
        max_event_lines: 64,
        max_event_bytes: 64 * 1024,
        max_line_bytes: 4096,
        idle_timeout_ms: 1_000,
        max_foreign_lines: 16,
        max_open_traces: 4,
    }
}

/// A cut point that depends on every byte, so mutations move it around
/// without spending input bytes on it (corpus seeds stay real logs).
fn cut_point(data: &[u8]) -> usize {
    let h = data.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    (h % (data.len() as u64 + 1)) as usize
}

/// Physical lines as the engine numbers them: a last line without `\n` counts.
fn line_count(data: &[u8]) -> u64 {
    let newlines = data.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(data.last().is_some_and(|&b| b != b'\n'))
}

fn check(events: &[ErrorEvent], lines: u64) {
    for e in events {
        let (first, last) = (e.span.first_line, e.span.last_line);
        assert!(
            1 <= first && first <= last && last <= lines,
            "span {first}-{last} outside 1..={lines}"
        );
        assert!(
            !e.chain.is_empty(),
            "event {first}-{last} has an empty chain"
        );
        let text_lines = e.text.split('\n').count() as u64;
        assert!(
            text_lines <= last - first + 1,
            "event {first}-{last} has {text_lines} text lines"
        );
        assert!(
            e.fingerprint.len() == 64 && e.fingerprint.bytes().all(|b| b.is_ascii_hexdigit()),
            "fingerprint {:?}",
            e.fingerprint
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let config = config();
    let cut = cut_point(data);
    let mut engine = Engine::new(config.clone());
    let mut events = Vec::new();
    // One clock reading for every call, as `scan_bytes` does: which trace the
    // open-trace cap closes depends on the time of each trace's last line.
    engine.push(SourceId(0), &data[..cut], 0, &mut events);
    engine.push(SourceId(0), &data[cut..], 0, &mut events);
    let stats = engine.finish(SourceId(0), 0, &mut events);

    let lines = line_count(data);
    assert_eq!(stats.bytes, data.len() as u64);
    assert_eq!(stats.lines, lines);
    assert_eq!(stats.events, events.len() as u64);
    check(&events, lines);

    let whole = Engine::scan_bytes(config, data);
    assert_eq!(
        whole, events,
        "cutting the input at byte {cut} changed the events"
    );
});
