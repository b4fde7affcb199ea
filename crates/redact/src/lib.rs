//! Secret redaction for everything tracefix sends out of the process: model
//! prompts, pull-request bodies, Slack/Jira notifications, log lines.
//!
//! Pure: no IO, no async, no global state beyond the compiled built-in rules.
//! Build one [`Redactor`] and share it (it is `Clone`, `Send` and `Sync`; a
//! clone shares the compiled rules).
//!
//! ```
//! use tracefix_redact::{RedactOptions, Redactor, SecretKind};
//!
//! let redactor = Redactor::new(&RedactOptions::default()).unwrap();
//! let out = redactor.redact("connect postgres://app:hunter2@db:5432/x password=hunter2");
//! assert_eq!(
//!     out.text,
//!     "connect postgres://app:[REDACTED:url-password]@db:5432/x password=[REDACTED:key-value-secret]"
//! );
//! assert_eq!(out.findings[0].kind, SecretKind::UrlPassword);
//! ```
//!
//! Invariants:
//! - Only the secret is replaced: a key and its separator, a URL's scheme,
//!   user and host, an `Authorization` header's name and scheme, PEM BEGIN/END
//!   lines stay; quotes stay, so JSON stays valid.
//! - Overlapping matches merge into one finding; its kind is that of the
//!   longest match, and among equally long ones the most specific (token
//!   shape, then context, then emails/IPs, then entropy).
//! - Idempotent: placeholders (`[REDACTED:<kind>]`) are never redacted
//!   again, and the rules run over their own output until nothing new is
//!   found, so `redact(redact(x)) == redact(x)`.
//! - Findings are byte ranges of the original text, in order, not
//!   overlapping, on character boundaries.

mod entropy;
mod kind;
mod rules;

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use regex::Regex;

pub use kind::SecretKind;
use rules::{BUILTIN_RULES, Check, Gate, secret_span};

/// What to redact besides the always-on rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactOptions {
    /// Redact email addresses. Off by default: a stack trace rarely holds
    /// one and authors' addresses help triage.
    pub emails: bool,
    /// Redact IPv4 and IPv6 addresses. Off by default.
    pub ip_addresses: bool,
    /// User regular expressions (Rust `regex` syntax). When a pattern has
    /// capture groups, only the first group that took part in a match is
    /// replaced (so `api_secret: (\S+)` keeps the key); otherwise the whole
    /// match. Findings have kind [`SecretKind::Custom`].
    pub extra_patterns: Vec<String>,
    /// The high-entropy rule (long random-looking tokens). On by default.
    pub entropy: bool,
}

impl Default for RedactOptions {
    fn default() -> Self {
        RedactOptions {
            emails: false,
            ip_addresses: false,
            extra_patterns: Vec::new(),
            entropy: true,
        }
    }
}

/// Errors building a [`Redactor`].
#[derive(Debug, thiserror::Error)]
pub enum RedactError {
    /// A user pattern in [`RedactOptions::extra_patterns`] does not compile.
    #[error("invalid redaction pattern {pattern:?}: {source}")]
    InvalidPattern {
        pattern: String,
        #[source]
        source: regex::Error,
    },
}

/// One redacted secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finding {
    pub kind: SecretKind,
    /// Byte range in the ORIGINAL text.
    pub start: usize,
    pub end: usize,
}

/// The result of [`Redactor::redact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted<'a> {
    /// The text with every finding replaced by `[REDACTED:<kind>]`; borrowed
    /// when there was nothing to redact.
    pub text: Cow<'a, str>,
    /// Findings in text order, not overlapping.
    pub findings: Vec<Finding>,
}

struct Rule {
    kind: SecretKind,
    regex: Regex,
    gate: Gate,
    check: Option<Check>,
}

/// The built-in rules, compiled once per process.
///
/// Each rule runs on its own: every pattern starts with (or contains) a
/// literal, and the regex engine skips to it with a vectorised substring
/// search, so a rule that does not occur costs about 0.1 ms per 2 MB. A
/// `RegexSet` over all patterns, as a prefilter, was measured 70 times slower
/// (1.1 s against 15 ms for 1.9 MB of traces): its combined automaton is too
/// large for the lazy DFA's cache and falls back to the slow engine.
static BUILTINS: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    BUILTIN_RULES
        .iter()
        .map(|spec| Rule {
            kind: spec.kind,
            // The patterns are constants checked by a unit test.
            regex: Regex::new(spec.pattern).expect("built-in redaction pattern"),
            gate: spec.gate,
            check: spec.check,
        })
        .collect()
});

/// Text this crate produced; never redacted again.
static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[REDACTED:[a-z-]+\]").expect("placeholder pattern"));

/// The redactor. Build once, share freely.
#[derive(Clone)]
pub struct Redactor {
    inner: Arc<Inner>,
}

struct Inner {
    emails: bool,
    ip_addresses: bool,
    entropy: bool,
    custom: Vec<Regex>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("emails", &self.inner.emails)
            .field("ip_addresses", &self.inner.ip_addresses)
            .field("entropy", &self.inner.entropy)
            .field(
                "extra_patterns",
                &self
                    .inner
                    .custom
                    .iter()
                    .map(Regex::as_str)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A candidate before merging.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    kind: SecretKind,
}

impl Redactor {
    /// Compiles the options' user patterns (the built-in rules are compiled
    /// once per process). A bad user pattern is an error naming it.
    pub fn new(options: &RedactOptions) -> Result<Redactor, RedactError> {
        let custom = options
            .extra_patterns
            .iter()
            .map(|pattern| {
                Regex::new(pattern).map_err(|source| RedactError::InvalidPattern {
                    pattern: pattern.clone(),
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        LazyLock::force(&BUILTINS);
        Ok(Redactor {
            inner: Arc::new(Inner {
                emails: options.emails,
                ip_addresses: options.ip_addresses,
                entropy: options.entropy,
                custom,
            }),
        })
    }

    /// Replaces every secret in `text` by `[REDACTED:<kind>]`.
    ///
    /// Replacing a secret changes the context of its neighbours (a token
    /// glued to a redacted one starts at a word boundary now; a path cut by a
    /// placeholder is judged differently), so the redactor runs its rules
    /// again over its own output and folds anything new back into the
    /// findings, until a round finds nothing: that is what makes
    /// `redact(redact(x)) == redact(x)`. Ordinary text needs one round, text
    /// with secrets two.
    pub fn redact<'a>(&self, text: &'a str) -> Redacted<'a> {
        let mut spans = without_placeholders(text, self.candidates(text));
        if spans.is_empty() {
            return Redacted {
                text: Cow::Borrowed(text),
                findings: Vec::new(),
            };
        }
        let mut findings = merge(spans.clone());
        let mut out = render(text, &findings);
        for _ in 1..MAX_ROUNDS {
            let new = without_placeholders(&out, self.candidates(&out));
            if new.is_empty() {
                break;
            }
            spans.extend(new.into_iter().map(|span| to_original(span, &findings)));
            findings = merge(spans.clone());
            out = render(text, &findings);
        }
        Redacted {
            text: Cow::Owned(out),
            findings,
        }
    }

    /// [`Redactor::redact`] into an owned string.
    pub fn redact_string(&self, text: &str) -> String {
        self.redact(text).text.into_owned()
    }

    fn candidates(&self, text: &str) -> Vec<Span> {
        let mut spans = Vec::new();
        for rule in BUILTINS.iter() {
            let enabled = match rule.gate {
                Gate::Always => true,
                Gate::Emails => self.inner.emails,
                Gate::IpAddresses => self.inner.ip_addresses,
            };
            if enabled {
                collect(text, &rule.regex, rule.kind, rule.check, &mut spans);
            }
        }
        let mut cookies = Vec::new();
        rules::cookie_values(text, &mut cookies);
        spans.extend(cookies.into_iter().map(|(start, end)| Span {
            start,
            end,
            kind: SecretKind::KeyValueSecret,
        }));
        for regex in &self.inner.custom {
            collect(text, regex, SecretKind::Custom, None, &mut spans);
        }
        if self.inner.entropy {
            let mut ranges = Vec::new();
            entropy::find(text, &mut ranges);
            spans.extend(ranges.into_iter().map(|(start, end)| Span {
                start,
                end,
                kind: SecretKind::HighEntropy,
            }));
        }
        spans
    }
}

fn collect(text: &str, regex: &Regex, kind: SecretKind, check: Option<Check>, out: &mut Vec<Span>) {
    for caps in regex.captures_iter(text) {
        let Some(secret) = secret_span(&caps) else {
            continue;
        };
        if secret.is_empty() || check.is_some_and(|check| !check(text, &caps, secret)) {
            continue;
        }
        out.push(Span {
            start: secret.start(),
            end: secret.end(),
            kind,
        });
    }
}

/// Rounds of [`Redactor::redact`]: each round only grows the redacted part
/// of the text, so the loop ends on its own; the cap bounds the work an
/// adversarial text can cause.
const MAX_ROUNDS: usize = 8;

/// The text with every finding replaced by its placeholder.
fn render(text: &str, findings: &[Finding]) -> String {
    let mut out = String::with_capacity(text.len() + findings.len() * 24);
    let mut last = 0;
    for f in findings {
        out.push_str(&text[last..f.start]);
        out.push_str("[REDACTED:");
        out.push_str(f.kind.name());
        out.push(']');
        last = f.end;
    }
    out.push_str(&text[last..]);
    out
}

/// Maps a span of `render(text, findings)` that lies outside every
/// placeholder back to `text`.
fn to_original(span: Span, findings: &[Finding]) -> Span {
    // Output offset minus original offset, after each finding so far.
    let mut shift: isize = 0;
    for f in findings {
        let placeholder_len = "[REDACTED:]".len() + f.kind.name().len();
        let out_start = (f.start as isize + shift) as usize;
        if out_start >= span.end {
            break;
        }
        shift += placeholder_len as isize - (f.end - f.start) as isize;
    }
    Span {
        start: (span.start as isize - shift) as usize,
        end: (span.end as isize - shift) as usize,
        kind: span.kind,
    }
}

/// Cuts existing placeholders out of every span, so that redacted text is
/// never redacted again; what is left of a span around a placeholder is
/// still redacted.
fn without_placeholders(text: &str, spans: Vec<Span>) -> Vec<Span> {
    let placeholders: Vec<(usize, usize)> = PLACEHOLDER
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect();
    if placeholders.is_empty() {
        return spans;
    }
    let mut out = Vec::with_capacity(spans.len());
    for span in spans {
        let mut start = span.start;
        for &(p_start, p_end) in &placeholders {
            if p_end <= start {
                continue;
            }
            if p_start >= span.end {
                break;
            }
            if p_start > start {
                out.push(Span {
                    start,
                    end: p_start,
                    kind: span.kind,
                });
            }
            start = start.max(p_end);
        }
        if start < span.end {
            out.push(Span {
                start,
                end: span.end,
                kind: span.kind,
            });
        }
    }
    out
}

/// Merges overlapping spans into findings in text order. A merged finding
/// takes the kind of its longest span, and among equally long spans the one
/// of lowest rank: `token=ghp_…` is a GitHub token (same span, the shape
/// ranks first) but a whole `Authorization: AWS4-HMAC-SHA256 …` value that
/// contains an access key id stays an authorization header.
fn merge(mut spans: Vec<Span>) -> Vec<Finding> {
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end), s.kind.rank()));
    let mut findings: Vec<Finding> = Vec::with_capacity(spans.len());
    // The span that decides the current finding's kind.
    let mut decider: Option<Span> = None;
    for span in spans {
        match (findings.last_mut(), decider.as_mut()) {
            (Some(last), Some(best)) if span.start < last.end => {
                last.end = last.end.max(span.end);
                let (len, best_len) = (span.end - span.start, best.end - best.start);
                if len > best_len || (len == best_len && span.kind.rank() < best.kind.rank()) {
                    *best = span;
                    last.kind = span.kind;
                }
            }
            _ => {
                findings.push(Finding {
                    kind: span.kind,
                    start: span.start,
                    end: span.end,
                });
                decider = Some(span);
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests;
