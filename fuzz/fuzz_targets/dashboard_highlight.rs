//! The dashboard's trace and diff highlighter over arbitrary text: it must
//! not panic (slicing at frame locations) and must only split lines, never
//! change, drop or add text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracefix_dashboard::highlight::{diff_lines, highlight_trace};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = highlight_trace(&text);
    assert_eq!(lines.len(), text.lines().count());
    for (line, got) in text.lines().zip(&lines) {
        let rebuilt: String = got.parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(rebuilt, line);
    }
    let diff = diff_lines(&text);
    assert_eq!(diff.len(), text.lines().count());
    for (line, got) in text.lines().zip(&diff) {
        assert_eq!(got.text, line);
    }
});
