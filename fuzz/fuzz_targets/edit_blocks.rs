//! Fuzzes the model-edit parser and applier. The input (lossy UTF-8) is a
//! file's content and a model answer, split at the first NUL; without a NUL
//! the whole input is the answer and also the file.
//!
//! Checked: no panic; a parsed block's line points at a `SEARCH` marker;
//! a block applied to the file keeps CRLF-only files CRLF-only; an identity
//! edit (REPLACE equal to SEARCH) applied exactly leaves the file unchanged;
//! parsing the rendered blocks gives them back; whole-file parsing and the
//! path guard do not panic; errors render.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tracefix_edit::{
    EditBlock, EditPolicy, MatchMethod, apply_block, check_path, parse_search_replace,
    parse_whole_files, render_blocks,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (content, answer) = match text.split_once('\0') {
        Some((content, answer)) => (content, answer),
        None => (text.as_ref(), text.as_ref()),
    };
    let policy = EditPolicy {
        allowed: vec!["src/".to_owned(), "**/*.py".to_owned()],
        ..EditPolicy::default()
    };

    match parse_search_replace(answer) {
        Ok(parsed) => {
            let lines: Vec<&str> = answer.split('\n').collect();
            for block in &parsed.blocks {
                let marker = lines[block.line - 1].trim_end();
                assert!(
                    marker.trim_start_matches('<').contains("SEARCH"),
                    "{marker:?}"
                );
                let _ = check_path(&policy, &block.path);
                check_apply(content, block);
            }
            // Rendering and parsing again keeps the blocks (paths as parsed
            // are single path-like lines, so they survive a round trip).
            let rendered = render_blocks(&parsed.blocks);
            let again = parse_search_replace(&rendered).expect("rendered blocks parse");
            assert_eq!(again.blocks.len(), parsed.blocks.len());
            for (a, b) in again.blocks.iter().zip(&parsed.blocks) {
                assert_eq!(
                    (&a.path, &a.search, &a.replace),
                    (&b.path, &b.search, &b.replace)
                );
            }
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }

    if let Ok((_, files)) = parse_whole_files(answer) {
        for file in &files {
            let _ = check_path(&policy, &file.path);
        }
    }
});

fn check_apply(content: &str, block: &EditBlock) {
    match apply_block(content, block) {
        Ok((new, _)) => {
            let crlf_only = content.contains('\n') && !content.replace("\r\n", "").contains('\n');
            let new_breaks = new.replace("\r\n", "");
            if crlf_only && !block.replace.contains('\r') && !block.replace.is_empty() {
                assert!(
                    !new_breaks.contains('\n'),
                    "CRLF file got a bare LF: {new:?}"
                );
            }
        }
        Err(error) => assert!(!error.feedback(block).is_empty()),
    }
    // SEARCH as its own replacement: an exact match must change nothing.
    let identity = EditBlock {
        replace: block.search.clone(),
        ..block.clone()
    };
    if let Ok((new, MatchMethod::Exact)) = apply_block(content, &identity) {
        assert_eq!(new, content);
    }
}
