//! Container log framing: Docker's json-file records and CRI (containerd,
//! Kubernetes) lines wrap each line the application wrote. Decoding them gives
//! the application's line, the stream it went to, and whether the runtime cut
//! it into pieces that must be joined.

use std::borrow::Cow;

/// The container stream a line was written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) enum Channel {
    /// No container framing.
    #[default]
    Plain,
    Stdout,
    Stderr,
}

impl Channel {
    pub(crate) fn name(self) -> Option<&'static str> {
        match self {
            Channel::Plain => None,
            Channel::Stdout => Some("stdout"),
            Channel::Stderr => Some("stderr"),
        }
    }

    fn parse(s: &[u8]) -> Channel {
        match s {
            b"stdout" => Channel::Stdout,
            b"stderr" => Channel::Stderr,
            _ => Channel::Plain,
        }
    }
}

/// A physical line with its framing removed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unframed<'a> {
    pub channel: Channel,
    pub text: Cow<'a, [u8]>,
    /// The runtime split a longer line here; the next piece of the same channel continues it.
    pub partial: bool,
}

/// Decodes Docker json-file or CRI framing; a line with neither is returned as is.
pub(crate) fn unframe(line: &[u8]) -> Unframed<'_> {
    if line.starts_with(b"{\"log\":")
        && let Some(u) = docker(line)
    {
        return u;
    }
    if let Some(u) = cri(line) {
        return u;
    }
    Unframed {
        channel: Channel::Plain,
        text: Cow::Borrowed(line),
        partial: false,
    }
}

/// `{"log":"text\n","stream":"stderr","time":"…"}`; a `log` without the final
/// newline is a piece of a line longer than 16 KiB.
fn docker(line: &[u8]) -> Option<Unframed<'_>> {
    #[derive(serde::Deserialize)]
    struct Record<'a> {
        #[serde(borrow)]
        log: Cow<'a, str>,
        #[serde(default, borrow)]
        stream: Option<Cow<'a, str>>,
    }
    let record: Record<'_> = serde_json::from_slice(line).ok()?;
    let channel = record
        .stream
        .as_deref()
        .map_or(Channel::Plain, |s| Channel::parse(s.as_bytes()));
    let mut text = match record.log {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    };
    let partial = !text.ends_with(b"\n");
    if !partial {
        let end = text.len() - 1 - usize::from(text[..text.len() - 1].ends_with(b"\r"));
        match &mut text {
            Cow::Borrowed(b) => *b = &b[..end],
            Cow::Owned(v) => v.truncate(end),
        }
    }
    Some(Unframed {
        channel,
        text,
        partial,
    })
}

/// `2026-11-21T10:00:00.123456789Z stderr F text` (`P` marks a partial piece).
fn cri(line: &[u8]) -> Option<Unframed<'_>> {
    if !line.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let ts_end = memchr::memchr(b' ', line)?;
    let ts = &line[..ts_end];
    if ts.len() < 20 || ts.get(4) != Some(&b'-') || ts.get(10) != Some(&b'T') {
        return None;
    }
    let rest = &line[ts_end + 1..];
    let stream_end = memchr::memchr(b' ', rest)?;
    let channel = match &rest[..stream_end] {
        b"stdout" => Channel::Stdout,
        b"stderr" => Channel::Stderr,
        _ => return None,
    };
    let rest = &rest[stream_end + 1..];
    let (partial, text) = match rest {
        [b'F', b' ', text @ ..] => (false, text),
        [b'P', b' ', text @ ..] => (true, text),
        [b'F'] => (false, &rest[1..]),
        _ => return None,
    };
    Some(Unframed {
        channel,
        text: Cow::Borrowed(text),
        partial,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_records() {
        let u = unframe(br#"{"log":"Traceback (most recent call last):\n","stream":"stderr","time":"2026-11-21T10:00:00.1Z"}"#);
        assert_eq!(u.channel, Channel::Stderr);
        assert_eq!(&*u.text, b"Traceback (most recent call last):");
        assert!(!u.partial);
        let p = unframe(br#"{"log":"aaaa","stream":"stdout","time":"t"}"#);
        assert!(p.partial);
        assert_eq!(p.channel, Channel::Stdout);
    }

    #[test]
    fn cri_lines() {
        let u =
            unframe(b"2026-11-21T10:00:00.123456789Z stderr F   File \"/app/x.py\", line 3, in f");
        assert_eq!(u.channel, Channel::Stderr);
        assert_eq!(&*u.text, b"  File \"/app/x.py\", line 3, in f");
        let p = unframe(b"2026-11-21T10:00:00.123456789Z stdout P abc");
        assert!(p.partial);
        let n = unframe(b"2026-11-21 10:00:00 stdout F not cri");
        assert_eq!(n.channel, Channel::Plain);
    }
}
