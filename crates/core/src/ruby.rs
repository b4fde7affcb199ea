//! Ruby backtraces: the interpreter's report (`file.rb:3:in 'meth': msg
//! (Class)` then `\tfrom` lines, causes printed after), in the backtick form
//! of Ruby ≤ 3.3 and the `'Klass#meth'` form of 3.4, and Rails' log blocks
//! (`ActionView::Template::Error (msg):`, source excerpt, then bare frames).

use std::sync::LazyLock;

use regex::Regex;

use crate::assemble::{Verdict, is_record_start};
use crate::event::{EventKind, Exception, Frame};
use crate::paths;

/// The first line of a report: location, method, message, class.
static REPORT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([^\s:]+):(\d+):in [`']([^']*)': (.*?) ?\(([A-Z][\w:]*)\)\s*$")
        .expect("ruby report regex")
});

/// A report line whose message continues on the next lines: Ruby puts the
/// class at the end of the first line.
static FROM_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s+from ([^\s:]+):(\d+):in [`']([^']*)'\s*$").expect("ruby from regex")
});

/// What Ruby prints instead of the middle of a very deep backtrace.
static LEVELS_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s+\.\.\. \d+ levels\.\.\.\s*$").expect("ruby levels regex"));

/// Rails' header: `ActionView::Template::Error (message):`.
static RAILS_HEADER_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Z][\w:]*) \((.*)\):\s*$").expect("rails header regex"));

/// A bare frame as Rails logs them, with an optional `gem (1.2.3) ` prefix.
static BARE_FRAME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^((?:[\w.-]+ \([\w.]+\) )?[^\s:]+):(\d+):in [`']([^']*)'\s*$")
        .expect("ruby bare frame regex")
});

/// Rails' annotated source excerpt: `    6:   <dd><%= … %></dd>`.
static EXCERPT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s+\d+: ").expect("excerpt regex"));

const MAX_MESSAGE_LINES: usize = 40;

pub(crate) fn is_report_line(line: &str) -> bool {
    line.contains(":in ") && REPORT_RE.is_match(line)
}

pub(crate) fn is_rails_header(line: &str) -> bool {
    line.trim_end().ends_with("):")
        && RAILS_HEADER_RE.is_match(line.trim_end())
        && line.contains("Error")
}

pub(crate) fn is_bare_frame(line: &str) -> bool {
    line.contains(":in ") && BARE_FRAME_RE.is_match(line)
}

/// Where a report starts in a line that may carry a log prefix: the start of
/// the token holding `:in `.
pub(crate) fn find_report(line: &str) -> Option<usize> {
    let at = line.find(":in ")?;
    let start = line[..at].rfind(' ').map_or(0, |i| i + 1);
    is_report_line(&line[start..]).then_some(start)
}

/// How many of the writer's recent lines (oldest first) form a Rails block's
/// header and source excerpt before its first bare frame.
pub(crate) fn rails_header_lines(recent: &[String]) -> Option<usize> {
    for (n, line) in recent.iter().rev().enumerate() {
        if is_rails_header(line) {
            return Some(n + 1);
        }
        if !(line.trim().is_empty() || EXCERPT_RE.is_match(line)) {
            return None;
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// After a report line: message lines, then `from` lines. `after_blank`
    /// once a blank line was held: only indented lines, hints and frames follow.
    Report {
        message_lines: usize,
        after_blank: bool,
    },
    /// Inside a Rails block: excerpt and bare frames.
    Rails { frames: usize },
}

impl State {
    pub(crate) fn offer(&mut self, line: &str) -> Verdict {
        match *self {
            State::Report {
                message_lines,
                after_blank,
            } => {
                if FROM_RE.is_match(line) || LEVELS_RE.is_match(line) {
                    *self = State::Report {
                        message_lines: MAX_MESSAGE_LINES,
                        after_blank: false,
                    };
                    return Verdict::Take;
                }
                // A cause's report follows the frames of the exception it caused.
                if is_report_line(line) {
                    *self = State::Report {
                        message_lines: 0,
                        after_blank: false,
                    };
                    return Verdict::Take;
                }
                if message_lines >= MAX_MESSAGE_LINES {
                    return Verdict::End;
                }
                if line.trim().is_empty() {
                    // error_highlight and did_you_mean put blank lines in the message.
                    *self = State::Report {
                        message_lines: message_lines + 1,
                        after_blank: true,
                    };
                    return Verdict::Hold;
                }
                let hint = line.starts_with([' ', '\t']) || line.starts_with("Did you mean?");
                if (hint || !after_blank) && !is_record_start(line) && !line.starts_with('#') {
                    *self = State::Report {
                        message_lines: message_lines + 1,
                        after_blank,
                    };
                    return Verdict::Take;
                }
                Verdict::End
            }
            State::Rails { frames } => {
                if BARE_FRAME_RE.is_match(line.trim_start()) {
                    *self = State::Rails { frames: frames + 1 };
                    return Verdict::Take;
                }
                if frames == 0
                    && (line.trim().is_empty()
                        || EXCERPT_RE.is_match(line)
                        || !is_record_start(line))
                {
                    return Verdict::Take;
                }
                Verdict::End
            }
        }
    }

    pub(crate) fn is_complete(self) -> bool {
        true
    }
}

/// Not the application: installed gems and the standard library.
pub(crate) fn is_in_app(file: &str) -> bool {
    !(file.contains("/gems/")
        || file.contains("/rubygems/")
        || file.contains("/lib/ruby/")
        || file.starts_with('<')
        || file.contains(") lib/")
        || file.contains(") app/"))
}

fn make_frame(file: &str, line: &str, function: &str) -> Frame {
    let path = match file.find("/gems/") {
        Some(i) => file[i + "/gems/".len()..].to_string(),
        None => paths::app_relative(file),
    };
    Frame {
        in_app: is_in_app(file),
        file: file.to_string(),
        path,
        line: line.parse().ok(),
        function: function.to_string(),
        source: None,
        repeated: 0,
    }
}

/// Parses a Ruby report or Rails block. Ruby prints the exception raised last
/// first and its causes after it; the chain is reversed into cause order, and
/// frames (printed innermost first) into call order.
pub(crate) fn parse(lines: &[&str]) -> (EventKind, Vec<Exception>) {
    let mut printed: Vec<Exception> = Vec::new();
    let mut in_message = false;
    for line in lines {
        if let Some(caps) = REPORT_RE.captures(line) {
            let mut exc = Exception {
                ty: caps[5].to_string(),
                message: caps[4].to_string(),
                ..Exception::default()
            };
            exc.frames.push(make_frame(&caps[1], &caps[2], &caps[3]));
            printed.push(exc);
            in_message = true;
            continue;
        }
        if let Some(caps) = FROM_RE.captures(line) {
            in_message = false;
            if let Some(exc) = printed.last_mut() {
                exc.frames.push(make_frame(&caps[1], &caps[2], &caps[3]));
            }
            continue;
        }
        if printed.is_empty() {
            if let Some(caps) = RAILS_HEADER_RE.captures(line.trim_end()) {
                printed.push(Exception {
                    ty: caps[1].to_string(),
                    message: caps[2].to_string(),
                    ..Exception::default()
                });
            }
            continue;
        }
        if let Some(caps) = BARE_FRAME_RE.captures(line.trim_start()) {
            in_message = false;
            if let Some(exc) = printed.last_mut() {
                exc.frames.push(make_frame(&caps[1], &caps[2], &caps[3]));
            }
            continue;
        }
        if in_message && let Some(exc) = printed.last_mut() {
            exc.message.push('\n');
            exc.message.push_str(line.trim_end());
        }
    }
    (
        EventKind::Exception,
        crate::grammar::newest_first_to_cause_order(printed),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_and_causes() {
        let text = "/app/job.rb:21:in `rescue in perform': import failed (Jobs::JobFailed)
\tfrom /app/job.rb:18:in `perform'
/usr/lib/ruby/3.1.0/json/common.rb:216:in `parse': unexpected token (JSON::ParserError)
\tfrom /usr/lib/ruby/3.1.0/json/common.rb:216:in `parse'
\tfrom /app/job.rb:8:in `parse'";
        let lines: Vec<&str> = text.lines().collect();
        assert!(is_report_line(lines[0]));
        let mut state = State::Report {
            message_lines: 0,
            after_blank: false,
        };
        assert!(lines[1..].iter().all(|l| state.offer(l) == Verdict::Take));
        let (_, chain) = parse(&lines);
        let types: Vec<&str> = chain.iter().map(|e| e.ty.as_str()).collect();
        assert_eq!(types, ["JSON::ParserError", "Jobs::JobFailed"]);
        assert_eq!(
            chain[1].frames.last().unwrap().function,
            "rescue in perform"
        );
        assert!(!chain[0].frames.last().unwrap().in_app);
        let r34 = "app/models/user.rb:3:in 'User#greet': undefined method 'upcase' for nil (NoMethodError)";
        assert!(is_report_line(r34));
    }
}
