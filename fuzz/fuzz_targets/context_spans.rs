//! Fuzzes the localizer's syntax layer: arbitrary bytes parsed as Python or
//! JavaScript (the first byte picks the language, the next two the line), then the
//! enclosing function of that line, the file's imports and the function's
//! callees.
//!
//! Checked: no panic; a function found contains the line and lies inside
//! the file; its class lines come before it.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tracefix_context::{ParsedSource, SourceLanguage};

fuzz_target!(|data: &[u8]| {
    let [selector, low, high, rest @ ..] = data else {
        return;
    };
    let language = if selector & 1 == 0 {
        SourceLanguage::Python
    } else {
        SourceLanguage::JavaScript
    };
    let text = String::from_utf8_lossy(rest).into_owned();
    let source = ParsedSource::new(Some(language), text);
    let line = u32::from(u16::from_le_bytes([*low, *high])) % (source.line_count() + 2);
    if let Some(function) = source.enclosing_function(line) {
        assert!(function.start_line <= line && line <= function.end_line);
        assert!(function.end_line <= source.line_count());
        assert!(function.header_lines.iter().all(|&h| h < function.start_line));
        let _ = source.callees(&function);
    }
    for import in source.import_lines() {
        assert!(import >= 1 && import <= source.line_count());
    }
});
