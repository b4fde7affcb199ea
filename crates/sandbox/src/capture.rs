//! Bounded capture of a child's output: the first and the last bytes.
//!
//! A failing test run prints its summary at the end and its first error near
//! the start; the middle is what can go.

use std::collections::VecDeque;

/// Keeps at most `limit` bytes: the first half of them and the last half.
#[derive(Debug)]
pub(crate) struct Capture {
    head_cap: usize,
    tail_cap: usize,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: u64,
}

/// The kept bytes, and how many were dropped between them.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Captured {
    pub head: Vec<u8>,
    pub omitted: u64,
    pub tail: Vec<u8>,
    pub total: u64,
}

impl Capture {
    pub(crate) fn new(limit: usize) -> Capture {
        let head_cap = limit / 2;
        Capture {
            head_cap,
            tail_cap: limit - head_cap,
            head: Vec::with_capacity(head_cap.min(64 * 1024)),
            tail: VecDeque::new(),
            total: 0,
        }
    }

    pub(crate) fn push(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len() as u64;
        let to_head = bytes.len().min(self.head_cap - self.head.len());
        self.head.extend_from_slice(&bytes[..to_head]);
        bytes = &bytes[to_head..];
        if bytes.len() >= self.tail_cap {
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - self.tail_cap..]);
        } else {
            self.tail.extend(bytes);
            let excess = self.tail.len().saturating_sub(self.tail_cap);
            self.tail.drain(..excess);
        }
    }

    pub(crate) fn finish(self) -> Captured {
        let kept = (self.head.len() + self.tail.len()) as u64;
        Captured {
            head: self.head,
            omitted: self.total - kept,
            tail: self.tail.into(),
            total: self.total,
        }
    }
}

impl Captured {
    /// The text: lossy UTF-8, and when bytes were dropped, a marker line in
    /// their place (a character cut in two at either edge is left out).
    pub(crate) fn render(&self) -> String {
        if self.omitted == 0 {
            let mut all = self.head.clone();
            all.extend_from_slice(&self.tail);
            return String::from_utf8_lossy(&all).into_owned();
        }
        let head = trim_incomplete_end(&self.head);
        let tail = trim_continuation_start(&self.tail);
        let mut text = String::from_utf8_lossy(head).into_owned();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!("[... {} bytes omitted ...]\n", self.omitted));
        text.push_str(&String::from_utf8_lossy(tail));
        text
    }
}

/// Drops a UTF-8 sequence cut off at the end.
fn trim_incomplete_end(bytes: &[u8]) -> &[u8] {
    match std::str::from_utf8(bytes) {
        Err(e) if e.error_len().is_none() => &bytes[..e.valid_up_to()],
        _ => bytes,
    }
}

/// Drops continuation bytes (the rest of a cut character) at the start.
fn trim_continuation_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes
        .iter()
        .take(3)
        .take_while(|&&b| b & 0b1100_0000 == 0b1000_0000)
        .count();
    &bytes[skip..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_output_is_whole() {
        let mut capture = Capture::new(100);
        capture.push(b"hello ");
        capture.push(b"world\n");
        let captured = capture.finish();
        assert_eq!(captured.omitted, 0);
        assert_eq!(captured.render(), "hello world\n");
    }

    #[test]
    fn large_output_keeps_head_and_tail() {
        let mut capture = Capture::new(20);
        for i in 0..100 {
            capture.push(format!("line {i}\n").as_bytes());
        }
        insta::assert_snapshot!(capture.finish().render(), @r"
        line 0
        lin
        [... 770 bytes omitted ...]
        8
        line 99
        ");
    }

    #[test]
    fn cut_characters_are_dropped_not_mangled() {
        let mut capture = Capture::new(8);
        capture.push("aaé".as_bytes()); // 4 bytes: "aa" + é (2 bytes)
        capture.push("bébébé".as_bytes());
        capture.push("xxxxxxé".as_bytes());
        let text = capture.finish().render();
        assert!(!text.contains('\u{fffd}'), "{text:?}");
        assert!(text.starts_with("aaé\n[..."), "{text:?}");
        assert!(text.ends_with("xxé"), "{text:?}");
    }

    proptest! {
        /// Whatever the chunking: the kept bytes are exactly the first
        /// `limit/2` and the last `limit - limit/2` of the stream, and
        /// nothing is dropped when the stream fits.
        #[test]
        fn keeps_exact_head_and_tail(
            chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..50), 0..30),
            limit in 0usize..200,
        ) {
            let stream: Vec<u8> = chunks.concat();
            let mut capture = Capture::new(limit);
            for chunk in &chunks {
                capture.push(chunk);
            }
            let captured = capture.finish();
            prop_assert_eq!(captured.total, stream.len() as u64);
            if stream.len() <= limit {
                prop_assert_eq!(captured.omitted, 0);
                prop_assert_eq!([captured.head.clone(), captured.tail.clone()].concat(), stream);
            } else {
                let head_len = limit / 2;
                let tail_len = limit - head_len;
                prop_assert_eq!(&captured.head[..], &stream[..head_len]);
                prop_assert_eq!(&captured.tail[..], &stream[stream.len() - tail_len..]);
                prop_assert_eq!(captured.omitted, (stream.len() - limit) as u64);
            }
        }
    }
}
