//! .NET exceptions (CoreCLR and Mono): a header `Ns.OuterException: msg --->
//! Ns.InnerException: msg`, frames (`   at Ns.Type.Method(Args) in
//! /p/File.cs:line 42`, Mono's `  at Ns.Type.Method (Args) [0x0001f] in
//! /p/File.cs:42`), `--- End of inner exception stack trace ---`, `--- End of
//! stack trace from previous location ---`, and AggregateException's
//! `---> (Inner Exception #N) … <---` listings. Recognised at the first frame;
//! the header is claimed back.

use std::sync::LazyLock;

use regex::Regex;

use crate::assemble::{Verdict, is_record_start};
use crate::event::{EventKind, Exception, Frame};
use crate::paths;

/// `at Ns.Type.Method(args)` with optional Mono IL offset and ` in file:line N` / ` in file:N`.
static FRAME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s+at (?:\(wrapper [^)]*\) )?([^\s(][^(]*?) ?\(([^)]*)\)(?: \[0x[0-9a-f]+\])?(?: in (.+?):(?:line )?(\d+))?\s*(?:<---)?\s*$")
        .expect("dotnet frame regex")
});

/// An exception type and message: `System.InvalidOperationException: msg`.
static HEADER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:Unhandled [Ee]xception[.:]? ?|\[ERROR\] FATAL UNHANDLED EXCEPTION: |---> \(Inner Exception #\d+\) )?((?:[A-Za-z_][\w`+]*\.)+[A-Za-z_][\w`+]*|[A-Za-z_][\w`+]*(?:Exception|Error))(?: \(0x[0-9A-Fa-f]+\))?(?:: ?(.*))?\s*$")
        .expect("dotnet header regex")
});

static END_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*--- End of (?:inner exception stack trace|stack trace from previous location(?: where exception was thrown)?) ---\s*$")
        .expect("dotnet end regex")
});

const MAX_HEADER_LINES: usize = 12;

pub(crate) fn is_frame(line: &str) -> bool {
    line.starts_with(' ') && line.trim_start().starts_with("at ") && FRAME_RE.is_match(line)
}

fn is_header(line: &str) -> bool {
    HEADER_RE.is_match(line) && (line.contains("Exception") || line.contains("Error"))
}

/// How many of the writer's recent lines (oldest first) form the header before
/// the first frame (message lines of the inner exceptions included).
pub(crate) fn header_lines(recent: &[String]) -> Option<usize> {
    for (n, line) in recent.iter().rev().enumerate() {
        if n >= MAX_HEADER_LINES || line.trim().is_empty() || is_frame(line) {
            return None;
        }
        // Mono's header names the outer exception, then ` ---> ` inner ones.
        let first = line.split(" ---> ").next().unwrap_or(line);
        if is_header(first) {
            return Some(n + 1);
        }
        if is_record_start(line) {
            return None;
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Frames,
    /// Inside an AggregateException's inner-exception listing, until `<---`.
    Listing,
}

impl State {
    pub(crate) fn offer(&mut self, line: &str) -> Verdict {
        match *self {
            State::Frames => {
                if is_frame(line) || END_RE.is_match(line) {
                    return Verdict::Take;
                }
                if line.trim().is_empty() {
                    // Mono separates rethrown parts and listed inner exceptions by blank lines.
                    return Verdict::Hold;
                }
                if line.trim_start().starts_with("---> (Inner Exception #") {
                    if !line.trim_end().ends_with("<---") {
                        *self = State::Listing;
                    }
                    return Verdict::Take;
                }
                Verdict::End
            }
            State::Listing => {
                if line.trim_end().ends_with("<---") {
                    *self = State::Frames;
                    return Verdict::Take;
                }
                if is_record_start(line) {
                    return Verdict::End;
                }
                Verdict::Take
            }
        }
    }

    pub(crate) fn is_complete(self) -> bool {
        true
    }
}

pub(crate) fn is_in_app(function: &str, file: &str) -> bool {
    !(function.starts_with("System.")
        || function.starts_with("Microsoft.")
        || function.starts_with("Mono.")
        || file.starts_with('<')
        || file.is_empty() && function.starts_with('('))
}

fn make_frame(caps: &regex::Captures<'_>) -> Frame {
    let function = caps[1].trim().to_string();
    let file = caps.get(3).map_or("", |m| m.as_str()).to_string();
    Frame {
        in_app: is_in_app(&function, &file),
        path: paths::app_relative(&file),
        line: caps.get(4).and_then(|m| m.as_str().parse().ok()),
        file,
        function,
        source: None,
        repeated: 0,
    }
}

/// Parses a .NET trace. The header lists the outer exception first and each
/// inner one after ` ---> `; frames come innermost exception first, separated
/// by `--- End of inner exception stack trace ---`. Chain oldest first.
pub(crate) fn parse(lines: &[&str]) -> (EventKind, Vec<Exception>) {
    let mut header = String::new();
    let mut blocks: Vec<Vec<Frame>> = vec![Vec::new()];
    let mut in_listing = false;
    let mut seen_frame = false;
    for line in lines {
        if in_listing {
            in_listing = !line.trim_end().ends_with("<---");
            continue;
        }
        if line.trim_start().starts_with("---> (Inner Exception #") {
            in_listing = !line.trim_end().ends_with("<---");
            continue;
        }
        if let Some(caps) = FRAME_RE.captures(line)
            && line.trim_start().starts_with("at ")
        {
            seen_frame = true;
            blocks.last_mut().expect("a block").push(make_frame(&caps));
            continue;
        }
        if END_RE.is_match(line) {
            if line.contains("inner exception") {
                blocks.push(Vec::new());
            }
            continue;
        }
        if !seen_frame {
            if !header.is_empty() {
                header.push('\n');
            }
            header.push_str(line.trim_end());
        }
    }
    // Outer first: split the header at ` ---> ` (a message may span lines).
    let mut printed: Vec<Exception> = Vec::new();
    for part in header.split(" ---> ") {
        let mut part_lines = part.lines();
        let first = part_lines.next().unwrap_or("");
        let (ty, message) = match HEADER_RE.captures(first) {
            Some(c) => (
                c[1].to_string(),
                c.get(2).map_or("", |m| m.as_str()).to_string(),
            ),
            None => continue,
        };
        let mut message = message;
        for rest in part_lines {
            message.push('\n');
            message.push_str(rest);
        }
        printed.push(Exception {
            ty,
            message,
            ..Exception::default()
        });
    }
    // Frame blocks: the innermost exception's first.
    let n = printed.len();
    for (i, mut frames) in blocks.into_iter().enumerate() {
        frames.reverse();
        if let Some(exc) = n.checked_sub(1 + i).and_then(|k| printed.get_mut(k)) {
            exc.frames = frames;
        } else if let Some(outer) = printed.first_mut() {
            outer.frames.extend(frames);
        }
    }
    printed.reverse();
    if printed.is_empty() {
        printed.push(Exception::default());
    }
    (EventKind::Exception, printed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_exceptions() {
        let text = "System.InvalidOperationException: cannot total invoice ---> System.FormatException: Input string was not in a correct format.
  at System.Number.ParseDecimal (System.ReadOnlySpan`1[T] value) [0x00011] in <12b418a7>:0 
  at Shop.Billing.AmountParser.Parse (System.String raw) [0x00009] in /src/ChargeInner.cs:12 
   --- End of inner exception stack trace ---
  at Shop.Billing.InvoiceService.Total (System.String invoiceId) [0x0004d] in /src/ChargeInner.cs:30 ";
        let lines: Vec<&str> = text.lines().collect();
        assert!(is_frame(lines[1]));
        assert!(is_frame(
            "   at Shop.Orders.Charge(Int32 id) in /src/Orders.cs:line 42"
        ));
        assert!(!is_frame("\tat com.acme.Foo.bar(Foo.java:10)"));
        assert_eq!(header_lines(&[lines[0].to_string()]), Some(1));
        let (_, chain) = parse(&lines);
        let types: Vec<&str> = chain.iter().map(|e| e.ty.as_str()).collect();
        assert_eq!(
            types,
            ["System.FormatException", "System.InvalidOperationException"]
        );
        assert_eq!(
            chain[0].frames.last().unwrap().function,
            "System.Number.ParseDecimal"
        );
        assert_eq!(
            chain[0].crash_frame().unwrap().function,
            "Shop.Billing.AmountParser.Parse"
        );
        assert_eq!(chain[1].frames[0].line, Some(30));
    }
}
