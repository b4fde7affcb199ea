//! Per-line log prefixes. Some formats (OpenStack, mod_wsgi, syslog relays)
//! repeat a prefix such as `2026-11-21 10:00:00.123 12345 ERROR nova [req-1] `
//! on every line of a trace. The prefix of the header line is learnt; later
//! lines continue the trace when their prefix has the same *shape* (equal up
//! to the digits of timestamps) and the same *identity* (equal once
//! timestamps are removed, so a different pid, thread or request id is a
//! different stream).

/// A learnt prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prefix {
    text: Vec<u8>,
    identity: Vec<u8>,
    /// A suffix repeated on every line (mod_wsgi's `, referer: …`), stripped when present.
    suffix: Vec<u8>,
}

impl Prefix {
    pub(crate) fn new(text: &[u8], suffix: &[u8]) -> Prefix {
        Prefix {
            text: text.to_vec(),
            identity: identity(text),
            suffix: suffix.to_vec(),
        }
    }

    pub(crate) fn identity(&self) -> &[u8] {
        &self.identity
    }

    /// A prefix of whitespace only: an indented block rather than a log format.
    pub(crate) fn is_blank(&self) -> bool {
        self.text.iter().all(u8::is_ascii_whitespace)
    }

    /// Whether `line` ends with this prefix (modulo whitespace) after other text:
    /// the first line of a tagged record, whose later lines carry the tag alone.
    pub(crate) fn text_is_tail_of(&self, line: &str) -> bool {
        let tag = String::from_utf8_lossy(&self.text);
        let tag = tag.trim();
        let line = line.trim_end();
        !tag.is_empty() && line.len() > tag.len() && line.ends_with(tag)
    }

    /// If `line` carries this prefix (same shape and identity), the content after it.
    pub(crate) fn strip<'a>(&self, line: &'a [u8]) -> Option<&'a [u8]> {
        if self.is_blank() && line.iter().all(u8::is_ascii_whitespace) {
            // Indenting tools leave blank lines empty.
            return Some(&line[line.len()..]);
        }
        let len = shape_match(&self.text, line)?;
        if identity(&line[..len]) != self.identity {
            return None;
        }
        let mut content = &line[len..];
        if !self.suffix.is_empty()
            && let Some(stripped) = content.strip_suffix(self.suffix.as_slice())
        {
            content = stripped;
        }
        Some(content)
    }

    /// Whether `line` has this prefix's shape but another identity: a line of
    /// another writer in the same format.
    pub(crate) fn is_sibling(&self, line: &[u8]) -> bool {
        shape_match(&self.text, line).is_some_and(|len| identity(&line[..len]) != self.identity)
    }
}

/// Length of the prefix of `line` that has the shape of `prefix`: equal bytes,
/// except that a run of digits matches any run of digits.
fn shape_match(prefix: &[u8], line: &[u8]) -> Option<usize> {
    let (mut p, mut l) = (0, 0);
    while p < prefix.len() {
        let pc = prefix[p];
        if pc.is_ascii_digit() {
            if !line.get(l).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            while p < prefix.len() && prefix[p].is_ascii_digit() {
                p += 1;
            }
            while l < line.len() && line[l].is_ascii_digit() {
                l += 1;
            }
            continue;
        }
        if line.get(l) != Some(&pc) {
            return None;
        }
        p += 1;
        l += 1;
    }
    Some(l)
}

/// The prefix without its time-like tokens (dates, times, epoch-like
/// timestamps with separators), which change from line to line.
pub(crate) fn identity(prefix: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(prefix.len());
    for token in prefix.split(|b| b.is_ascii_whitespace()) {
        let core = trim_brackets(token);
        if is_time_like(core) {
            continue;
        }
        out.extend_from_slice(token);
        out.push(b' ');
    }
    out
}

fn trim_brackets(token: &[u8]) -> &[u8] {
    let start = token
        .iter()
        .position(|b| !b"[(<\"'".contains(b))
        .unwrap_or(token.len());
    let end = token
        .iter()
        .rposition(|b| !b"])>\"',:".contains(b))
        .map_or(start, |e| e + 1);
    if start >= end {
        &[]
    } else {
        &token[start..end]
    }
}

fn is_time_like(token: &[u8]) -> bool {
    if token.len() < 5 || !token.iter().any(u8::is_ascii_digit) {
        return false;
    }
    token
        .iter()
        .all(|b| b.is_ascii_digit() || b"-:.,/TZ+".contains(b))
        && token.iter().any(|b| b"-:/".contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openstack_prefix() {
        let p = Prefix::new(
            b"2026-11-21 10:00:00.123 12345 ERROR nova.api [req-1 - -] ",
            b"",
        );
        let line =
            b"2026-11-21 10:00:00.9 12345 ERROR nova.api [req-1 - -]   File \"x\", line 1, in f";
        assert_eq!(p.strip(line), Some(&b"  File \"x\", line 1, in f"[..]));
        let other_pid = b"2026-11-21 10:00:00.9 12346 ERROR nova.api [req-1 - -]   File \"x\"";
        assert_eq!(p.strip(other_pid), None);
        assert!(p.is_sibling(other_pid));
        assert_eq!(p.strip(b"plain line"), None);
        assert!(!p.is_sibling(b"plain line"));
    }

    #[test]
    fn wsgi_prefix_and_suffix() {
        let p = Prefix::new(
            b"[Sat Nov 21 10:00:00.123456 2026] [wsgi:error] [pid 1234:tid 99] [remote 10.0.0.7:51234] ",
            b", referer: https://shop/cart",
        );
        let line = b"[Sat Nov 21 10:00:00.200001 2026] [wsgi:error] [pid 1234:tid 99] [remote 10.0.0.7:51234] KeyError: 'x', referer: https://shop/cart";
        assert_eq!(p.strip(line), Some(&b"KeyError: 'x'"[..]));
    }
}
