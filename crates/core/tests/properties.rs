//! Property tests of the engine: it never panics, its spans and texts agree
//! with the input, the way input is cut into `push` calls changes nothing, and
//! fingerprinting is deterministic.
//!
//! Inputs mix windows of the real corpora (`tests/corpus/python/cases`,
//! `tests/corpus/negative`, read at test time) with generated noise lines:
//! trace-like fragments, container framing, JSON records, prefixes, control
//! bytes, invalid UTF-8 and very long lines. When the corpora are missing the
//! built-in samples below still give every test real traces.
//!
//! Set `PROPTEST_CASES` to run more cases than the defaults.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;
use tracefix_core::{
    Config, Engine, ErrorEvent, SourceId, SourceStats, Span, fingerprint, parameterize,
};

// ---------------------------------------------------------------------------
// Samples

/// Small traces that are always available, whatever state the corpora are in.
const BUILTIN: &[&str] = &[
    "2026-11-21 10:00:00,123 INFO app: starting\n\
     2026-11-21 10:00:01,456 ERROR app.orders: failed to place order\n\
     Traceback (most recent call last):\n\
     \x20 File \"/srv/app/orders.py\", line 42, in place\n\
     \x20   sku = item[\"sku\"]\n\
     \x20         ~~~~^^^^^^^\n\
     KeyError: 'sku'\n\
     2026-11-21 10:00:02,000 INFO app: next request\n",
    "Traceback (most recent call last):\n\
     \x20 File \"/srv/app/a.py\", line 3, in <module>\n\
     \x20   main()\n\
     \x20 File \"/srv/app/a.py\", line 2, in main\n\
     \x20   1 / 0\n\
     ZeroDivisionError: division by zero\n\
     \n\
     During handling of the above exception, another exception occurred:\n\
     \n\
     Traceback (most recent call last):\n\
     \x20 File \"/srv/app/a.py\", line 5, in <module>\n\
     \x20   raise RuntimeError(\"wrapped 42\")\n\
     RuntimeError: wrapped 42\n",
    "12345 ERROR app.x [req-1 - - -] Unhandled error\n\
     12345 ERROR app.x [req-1 - - -] Traceback (most recent call last):\n\
     12345 ERROR app.x [req-1 - - -]   File \"/srv/app/x.py\", line 7, in run\n\
     12345 ERROR app.x [req-1 - - -]     return go()\n\
     12345 ERROR app.x [req-1 - - -] ValueError: bad value 0x1f\n",
    "{\"log\":\"Traceback (most recent call last):\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-21T10:00:00.1Z\"}\n\
     {\"log\":\"  File \\\"/srv/app/d.py\\\", line 1, in f\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-21T10:00:00.1Z\"}\n\
     {\"log\":\"TypeError: nope\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-21T10:00:00.1Z\"}\n",
    "2026-11-21T10:00:00.1Z stderr F Traceback (most recent call last):\n\
     2026-11-21T10:00:00.1Z stderr P   File \"/srv/app/c.py\", \n\
     2026-11-21T10:00:00.1Z stderr F line 9, in g\n\
     2026-11-21T10:00:00.1Z stderr F OSError: [Errno 2] No such file: '/tmp/x'\n",
    "{\"message\": \"request failed\", \"exc_info\": \"Traceback (most recent call last):\\n  File \\\"/srv/app/j.py\\\", line 4, in h\\n    x()\\nNameError: name 'x' is not defined\"}\n",
    "  File \"/srv/app/rules.py\", line 3\n\
     \x20   if x\n\
     \x20       ^\n\
     SyntaxError: expected ':'\n",
    "Stack (most recent call last):\n\
     \x20 File \"/srv/app/s.py\", line 10, in <module>\n\
     \x20   logging.error(\"x\", stack_info=True)\n",
];

/// Which of [`BUILTIN`] are plain (see [`Sample::plain`]).
const BUILTIN_PLAIN: [bool; 8] = [true, true, false, false, false, false, true, true];

/// A piece of real log that generated inputs take windows of.
struct Sample {
    data: Vec<u8>,
    /// One writer, no container framing, no JSON records: the events of such
    /// a log show every line of their span.
    plain: bool,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

/// `(format, path)` of every file of the Python corpus (`<case>.<format>.log`).
fn python_cases() -> Vec<(String, PathBuf)> {
    let mut cases = Vec::new();
    if let Ok(dir) = std::fs::read_dir(corpus_dir().join("python/cases")) {
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".log") {
                let format = stem.rsplit('.').next().unwrap_or("").to_string();
                cases.push((format, entry.path()));
            }
        }
    }
    cases.sort();
    cases
}

fn negative_files() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir().join("negative"))
        .map(|dir| {
            dir.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "log"))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths
}

/// Windows of these are mixed into generated inputs: the built-in traces, the
/// 3 smallest files of every format of the Python corpus, and the negative
/// corpus. Missing corpus files are skipped.
fn samples() -> &'static [Sample] {
    static SAMPLES: OnceLock<Vec<Sample>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let mut out: Vec<Sample> = BUILTIN
            .iter()
            .zip(BUILTIN_PLAIN)
            .map(|(text, plain)| Sample {
                data: text.as_bytes().to_vec(),
                plain,
            })
            .collect();
        let mut sized: Vec<(String, u64, PathBuf)> = python_cases()
            .into_iter()
            .map(|(format, path)| {
                let size = std::fs::metadata(&path).map_or(u64::MAX, |m| m.len());
                (format, size, path)
            })
            .collect();
        sized.sort();
        let mut per_format: Vec<(String, usize)> = Vec::new();
        for (format, size, path) in sized {
            let taken = per_format
                .iter()
                .find(|(f, _)| *f == format)
                .map_or(0, |(_, n)| *n);
            if taken >= 3 || size > 32 * 1024 {
                continue;
            }
            let Ok(data) = std::fs::read(&path) else {
                continue;
            };
            match per_format.iter_mut().find(|(f, _)| *f == format) {
                Some((_, n)) => *n += 1,
                None => per_format.push((format.clone(), 1)),
            }
            let plain = matches!(format.as_str(), "stderr" | "logging" | "noisy");
            out.push(Sample { data, plain });
        }
        for path in negative_files() {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if let Ok(data) = std::fs::read(&path) {
                let plain = !matches!(
                    name.as_str(),
                    "docker.log" | "cri.log" | "mixed.log" | "json.log"
                );
                out.push(Sample { data, plain });
            }
        }
        out
    })
}

/// Lines `start..start + count` (wrapping `start`) of a sample, newlines included.
fn window(data: &[u8], start: usize, count: usize) -> &[u8] {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(
            data.iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .filter(|&i| i < data.len())
        .collect();
    if starts.is_empty() {
        return data;
    }
    let first = start % starts.len();
    let end = starts.get(first + count).copied().unwrap_or(data.len());
    &data[starts[first]..end]
}

// ---------------------------------------------------------------------------
// Generated input

/// Lines that look like parts of traces, framing or log records.
const FRAGMENTS: &[&str] = &[
    "Traceback (most recent call last):",
    "Stack (most recent call last):",
    "  File \"/srv/app/x.py\", line 12, in handler",
    "  File \"/srv/app/x.py\", line 12",
    "  File \"<frozen importlib._bootstrap>\", line 1204, in _gcd_import",
    "    return compute(value)",
    "    ^^^^^^^^^^^^^^^^^^^^^",
    "    ~~~~^^^^^^^",
    "  [Previous line repeated 996 more times]",
    "ValueError: bad value 42",
    "KeyError: 'sku-1234'",
    "__main__.PaymentError: card 4242 declined at 2026-11-21T10:00:00Z",
    "RecursionError: maximum recursion depth exceeded",
    "AssertionError",
    "SyntaxError: invalid syntax",
    "Note: a PEP 678 note",
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
    "  + Exception Group Traceback (most recent call last):",
    "  |   File \"/srv/app/g.py\", line 3, in <module>",
    "  | ExceptionGroup: 2 errors (2 sub-exceptions)",
    "  +-+---------------- 1 ----------------",
    "    | ValueError: one",
    "    +------------------------------------",
    "Exception in thread Thread-1 (worker):",
    "Task exception was never retrieved",
    "future: <Task finished name='Task-1' coro=<main() done> exception=ValueError()>",
    "2026-11-21 10:00:00,123 ERROR app.orders: failed to place order",
    "2026-11-21 10:00:00,123 INFO app.orders: ok id=5 took 12ms",
    "ERROR:app.cache:lookup failed",
    "12345 ERROR app.x [req-1 - - -] Traceback (most recent call last):",
    "12345 ERROR app.x [req-1 - - -]   File \"/srv/app/x.py\", line 7, in run",
    "12346 ERROR app.y [req-2 - - -]   File \"/srv/app/y.py\", line 8, in run",
    "12345 ERROR app.x [req-1 - - -] ValueError: x",
    "[Sat Nov 21 2026] [wsgi:error] [pid 1:tid 2] Traceback (most recent call last):",
    "[Sat Nov 21 2026] [wsgi:error] [pid 1:tid 2]   File \"/srv/app/w.py\", line 1, in w, referer: https://x",
    "{\"log\":\"Traceback (most recent call last):\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-21T10:00:00.1Z\"}",
    "{\"log\":\"  File \\\"/srv/app/d.py\\\", line 1, in f\\n\",\"stream\":\"stderr\",\"time\":\"t\"}",
    "{\"log\":\"ValueError: docker\\n\",\"stream\":\"stderr\",\"time\":\"t\"}",
    "{\"log\":\"a piece of a long line without its newline\",\"stream\":\"stdout\",\"time\":\"t\"}",
    "{\"log\":\"ordinary line\\n\",\"stream\":\"stdout\",\"time\":\"t\"}",
    "2026-11-21T10:00:00.123456789Z stderr F Traceback (most recent call last):",
    "2026-11-21T10:00:00.123456789Z stderr P   File \"/srv/app/c.py\", line",
    "2026-11-21T10:00:00.123456789Z stderr F  9, in g",
    "2026-11-21T10:00:00.123456789Z stdout F KeyError: 'x'",
    "2026-11-21T10:00:00.123456789Z stdout P ",
    "2026-11-21T10:00:00.123456789Z stderr F",
    "{\"message\": \"boom\", \"exc_info\": \"Traceback (most recent call last):\\n  File \\\"/a.py\\\", line 1, in f\\nValueError: x\"}",
    "{\"errorType\": \"KeyError\", \"errorMessage\": \"'k'\", \"stackTrace\": [\"  File \\\"/var/task/h.py\\\", line 2, in handler\\n    x = d['k']\\n\"]}",
    "{\"event\": \"Traceback (most recent call last):\", \"level\": \"error\"}",
    "{\"msg\": \"not closed\", \"exception\": \"Traceback (most recent call last):",
    "An error occurred: Traceback (most recent call last): see above",
    "  File uploads finished",
    "",
    " ",
    "\t",
    "\r",
    "\u{feff}Traceback (most recent call last):",
    "\x1b[31mTraceback (most recent call last):\x1b[0m",
];

const PREFIXES: &[&str] = &[
    "",
    "",
    "",
    "12345 ERROR app.x [req-1 - - -] ",
    "[pid 7:tid 9] ",
    "INFO: ",
    "  ",
    "\t",
];

fn noise_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (prop::sample::select(PREFIXES), prop::sample::select(FRAGMENTS))
            .prop_map(|(p, f)| format!("{p}{f}").into_bytes()),
        2 => "[ -~]{0,80}".prop_map(String::into_bytes),
        1 => "[a-zA-Z0-9 :.,_=/\"'()\\[\\]{}-]{0,60}(Error|Exception|Traceback|File \"|panic|line [0-9]+)[ -~]{0,40}"
            .prop_map(String::into_bytes),
        // Any bytes but the newline: NUL, invalid UTF-8, lone `\r`, control bytes.
        1 => prop::collection::vec(any::<u8>().prop_filter("no newline", |&b| b != b'\n'), 0..60),
        // A long line, possibly around a fragment.
        1 => (1usize..20_000, prop::sample::select(FRAGMENTS), any::<bool>()).prop_map(|(n, f, before)| {
            let fill = "x".repeat(n);
            if before { format!("{fill}{f}") } else { format!("{f}{fill}") }.into_bytes()
        }),
    ]
}

/// Whether a line can be part of a plain single-writer log: no container
/// framing, no JSON record, and trace literals only where Python prints them
/// (headers at the start of the line, frames after two spaces). Text before
/// one, even spaces alone, is taken for a per-line prefix of another writer
/// (see `regression_indented_trace_text_skips_blank_lines`).
fn is_plain_line(line: &[u8]) -> bool {
    let text = String::from_utf8_lossy(line);
    let at_python_place = |anchor: &str, indent: &str| {
        text.match_indices(anchor)
            .all(|(at, _)| &text[..at] == indent)
    };
    !framed(line)
        && !text.trim_start().starts_with('{')
        && at_python_place("Traceback (most recent call last)", "")
        && at_python_place("Stack (most recent call last)", "")
        && at_python_place("File \"", "  ")
        && !text.contains("File \\\"")
}

#[derive(Debug, Clone)]
enum Segment {
    /// A window of lines of one sample (or all of it when `lines` is 0).
    Sample {
        which: Index,
        start: usize,
        lines: usize,
    },
    Noise {
        lines: Vec<Vec<u8>>,
        crlf: bool,
    },
}

fn segment(plain: bool) -> impl Strategy<Value = Segment> {
    let line = noise_line().prop_filter("plain line", move |l| !plain || is_plain_line(l));
    prop_oneof![
        3 => (any::<Index>(), any::<usize>(), 0usize..60)
            .prop_map(|(which, start, lines)| Segment::Sample { which, start, lines }),
        2 => (prop::collection::vec(line, 1..8), prop::bool::weighted(0.2))
            .prop_map(|(lines, crlf)| Segment::Noise { lines, crlf }),
    ]
}

/// Builds a log from segments (windows of `pool`); `cut_last_newline` leaves
/// the last line unterminated.
fn assemble(pool: &[&Sample], segments: &[Segment], cut_last_newline: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for s in segments {
        match s {
            Segment::Sample {
                which,
                start,
                lines,
            } => {
                let data = &pool[which.index(pool.len())].data;
                if *lines == 0 {
                    out.extend_from_slice(data);
                } else {
                    out.extend_from_slice(window(data, *start, *lines));
                }
            }
            Segment::Noise { lines, crlf } => {
                for line in lines {
                    out.extend_from_slice(line);
                    out.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
                }
            }
        }
        if !out.is_empty() && !out.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    if cut_last_newline && out.ends_with(b"\n") {
        out.pop();
    }
    out
}

/// Log bytes that print readably when a property fails.
#[derive(Clone)]
struct Log(Vec<u8>);

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}

/// Any mix of samples and noise: framing, prefixes, JSON, several writers.
fn log() -> impl Strategy<Value = Log> {
    (
        prop::collection::vec(segment(false), 1..8),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(segments, cut)| {
            let pool: Vec<&Sample> = samples().iter().collect();
            Log(assemble(&pool, &segments, cut))
        })
}

/// A single-writer log: plain samples and plain noise lines only.
fn plain_log() -> impl Strategy<Value = Log> {
    (
        prop::collection::vec(segment(true), 1..8),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(segments, cut)| {
            let pool: Vec<&Sample> = samples().iter().filter(|s| s.plain).collect();
            Log(assemble(&pool, &segments, cut))
        })
}

/// Limits small enough that every cap is hit now and then.
fn small_config() -> impl Strategy<Value = Config> {
    (
        1usize..=4096,
        1usize..=64,
        1usize..=16_384,
        0usize..=8,
        1usize..=4,
    )
        .prop_map(
            |(
                max_line_bytes,
                max_event_lines,
                max_event_bytes,
                max_foreign_lines,
                max_open_traces,
            )| Config {
                max_event_lines,
                max_event_bytes,
                max_line_bytes,
                idle_timeout_ms: 100,
                max_foreign_lines,
                max_open_traces,
            },
        )
}

fn any_config() -> impl Strategy<Value = Config> {
    prop_oneof![1 => Just(Config::default()), 1 => small_config()]
}

// ---------------------------------------------------------------------------
// Running the engine

/// Pushes `data` cut at `cuts` (byte offsets, any order), then finishes.
fn run_split(config: &Config, data: &[u8], cuts: &[usize]) -> (Vec<ErrorEvent>, SourceStats) {
    let mut points: Vec<usize> = cuts.iter().map(|&c| c.min(data.len())).collect();
    points.push(0);
    points.push(data.len());
    points.sort_unstable();
    points.dedup();
    let mut engine = Engine::new(config.clone());
    let mut out = Vec::new();
    for w in points.windows(2) {
        engine.push(SourceId(0), &data[w[0]..w[1]], 0, &mut out);
    }
    let stats = engine.finish(SourceId(0), 0, &mut out);
    (out, stats)
}

fn run_whole(config: &Config, data: &[u8]) -> (Vec<ErrorEvent>, SourceStats) {
    run_split(config, data, &[])
}

fn run_bytewise(config: &Config, data: &[u8]) -> (Vec<ErrorEvent>, SourceStats) {
    let cuts: Vec<usize> = (1..data.len()).collect();
    run_split(config, data, &cuts)
}

/// The counters that must not depend on how the input was cut.
fn counts(stats: &SourceStats) -> (u64, u64, u64, u64, u64) {
    (
        stats.bytes,
        stats.lines,
        stats.events,
        stats.cut_lines,
        stats.cut_bytes,
    )
}

/// What must not depend on how the input was cut (the events themselves are
/// compared too; this is what a failure prints first).
type Summary = (
    String,
    u64,
    u64,
    String,
    bool,
    Option<String>,
    Option<String>,
);

fn summary(events: &[ErrorEvent]) -> Vec<Summary> {
    events
        .iter()
        .map(|e| {
            let span = (e.span.first_line, e.span.last_line);
            (
                e.fingerprint.clone(),
                span.0,
                span.1,
                e.text.clone(),
                e.truncated,
                e.intro.clone(),
                e.stream.clone(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Invariants

/// The physical lines of `data` as the engine numbers them (a final line
/// without a newline counts), without their newline.
fn physical_lines(data: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.is_empty() || data.ends_with(b"\n") {
        lines.pop();
    }
    lines
}

/// How an event shows input line `line`: cut at `max_line_bytes`, then
/// without a final `\r` (see `regression_carriage_return_at_cut_depends_on_chunking`).
fn shown(line: &[u8], max_line_bytes: usize) -> [Cow<'_, str>; 1] {
    let cut = &line[..line.len().min(max_line_bytes)];
    [String::from_utf8_lossy(
        cut.strip_suffix(b"\r").unwrap_or(cut),
    )]
}

/// Whether `text_line` shows input `line`. Lines kept as intro candidates are
/// shortened to 64 KiB, so a long line may appear as a prefix of itself.
fn shows(text_line: &str, line: &[u8], max_line_bytes: usize) -> bool {
    shown(line, max_line_bytes).iter().any(|s| {
        s == text_line
            || (s.len() > 64 * 1024 && text_line.len() >= 64 * 1024 - 4 && s.starts_with(text_line))
    })
}

/// Whether the engine reads `line` as a Docker json-file or CRI record: such
/// lines go to their container stream, so an unframed trace skips them.
fn framed(line: &[u8]) -> bool {
    if line.starts_with(b"{\"log\":") {
        return true;
    }
    let mut fields = line.splitn(3, |&b| b == b' ');
    let (Some(ts), Some(stream)) = (fields.next(), fields.next()) else {
        return false;
    };
    ts.len() >= 20
        && ts[0].is_ascii_digit()
        && ts[4] == b'-'
        && ts[10] == b'T'
        && (stream == b"stdout" || stream == b"stderr")
}

/// Span and text invariants of every event of `data`:
///
/// - the span lies inside the input (`1 <= first <= last <= lines`);
/// - the text shows input lines of the span, in order, starting with the
///   span's first line and ending with its last (lines of other writers or
///   container streams in between are not the event's);
/// - with `single_writer` (a plain log: no framing, no per-line prefixes),
///   every event without a stream shows exactly the lines of its span.
fn check_events(
    config: &Config,
    data: &[u8],
    events: &[ErrorEvent],
    single_writer: bool,
) -> Result<(), TestCaseError> {
    let lines = physical_lines(data);
    let n = lines.len() as u64;
    for e in events {
        let Span {
            first_line: first,
            last_line: last,
            ..
        } = e.span;
        prop_assert!(!e.chain.is_empty(), "empty chain");
        prop_assert!(
            1 <= first && first <= last && last <= n,
            "span {first}-{last} outside 1..={n}"
        );
        prop_assert_eq!(e.fingerprint.len(), 64, "fingerprint {:?}", e.fingerprint);
        prop_assert!(e.fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
        let text: Vec<&str> = e.text.split('\n').collect();
        let span_len = (last - first + 1) as usize;
        let span_lines = &lines[first as usize - 1..last as usize];
        let shown_as = |t: &str, l: &[u8]| shows(t, l, config.max_line_bytes);
        prop_assert!(
            text.len() <= span_len,
            "event {first}-{last} has {} text lines",
            text.len()
        );
        prop_assert!(
            shown_as(text[0], span_lines[0]),
            "event {first}-{last} starts with {:?}",
            text[0]
        );
        let end = text[text.len() - 1];
        prop_assert!(
            shown_as(end, span_lines[span_len - 1]),
            "event {first}-{last} ends with {end:?}"
        );
        let mut rest = span_lines.iter();
        for t in &text {
            prop_assert!(
                rest.any(|l| shown_as(t, l)),
                "event {first}-{last}: text line {t:?} is not an input line of the span (in order)"
            );
        }
        if single_writer && e.stream.is_none() {
            prop_assert_eq!(
                text.len(),
                span_len,
                "event {}-{} misses lines: {:?}",
                first,
                last,
                e.text
            );
            for (t, l) in text.iter().zip(span_lines) {
                prop_assert!(
                    shown_as(t, l),
                    "event {first}-{last}: text line {t:?} stands for {:?}",
                    String::from_utf8_lossy(l)
                );
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Properties

/// `default` cases, or `PROPTEST_CASES` when set (for longer local runs).
/// Failures are saved next to this file, in `properties.proptest-regressions`.
fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases(512))]

    /// Arbitrary bytes, cut anywhere, under any limits, with idle polls: no panic.
    #[test]
    fn arbitrary_bytes_never_panic(
        Log(data) in prop::collection::vec(any::<u8>(), 0..2048).prop_map(Log),
        cuts in prop::collection::vec(any::<Index>(), 0..8),
        config in small_config(),
    ) {
        let mut engine = Engine::new(config.clone());
        let mut out = Vec::new();
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(data.len() + 1)).collect();
        points.extend([0, data.len()]);
        points.sort_unstable();
        points.dedup();
        for (t, w) in points.windows(2).enumerate() {
            engine.push(SourceId(0), &data[w[0]..w[1]], t as u64 * 60, &mut out);
            engine.poll(t as u64 * 60, &mut out);
        }
        let stats = engine.finish(SourceId(0), 10_000, &mut out);
        prop_assert_eq!(stats.bytes, data.len() as u64);
        prop_assert_eq!(stats.lines, physical_lines(&data).len() as u64);
        check_events(&config, &data, &out, false)?;
    }
}

proptest! {
    #![proptest_config(cases(64))]

    /// Long lines (with or without a trace in them) under tiny line limits.
    #[test]
    fn huge_lines_never_panic(
        parts in prop::collection::vec(
            (0usize..150_000, prop::sample::select(FRAGMENTS), any::<u8>()),
            1..4,
        ),
        max_line_bytes in prop_oneof![1usize..=16, 17usize..=4096],
        cuts in prop::collection::vec(any::<Index>(), 0..4),
    ) {
        let mut data = Vec::new();
        for (n, fragment, byte) in &parts {
            data.extend_from_slice(fragment.as_bytes());
            data.extend(std::iter::repeat_n(if *byte == b'\n' { b'x' } else { *byte }, *n));
            data.push(b'\n');
            data.extend_from_slice(fragment.as_bytes());
            data.push(b'\n');
        }
        let config = Config { max_line_bytes, max_event_lines: 8, ..Config::default() };
        let cuts: Vec<usize> = cuts.iter().map(|c| c.index(data.len() + 1)).collect();
        let (events, stats) = run_split(&config, &data, &cuts);
        prop_assert_eq!(stats.lines, physical_lines(&data).len() as u64);
        check_events(&config, &data, &events, false)?;
    }
}

proptest! {
    #![proptest_config(cases(768))]

    /// Spans lie inside the input and texts show lines of their span.
    #[test]
    fn spans_and_texts_match_the_input(Log(data) in log(), config in any_config()) {
        let (events, stats) = run_whole(&config, &data);
        prop_assert_eq!(stats.lines, physical_lines(&data).len() as u64);
        prop_assert_eq!(stats.events, events.len() as u64);
        check_events(&config, &data, &events, false)?;
    }

    /// In a single-writer log an event's text is exactly its span's lines.
    #[test]
    fn plain_log_texts_are_their_spans(Log(data) in plain_log(), config in any_config()) {
        let (events, _) = run_whole(&config, &data);
        check_events(&config, &data, &events, true)?;
    }

    /// Cutting the input into any `push` calls gives the same events.
    #[test]
    fn chunking_does_not_change_events(
        Log(data) in log(),
        config in any_config(),
        cuts in prop::collection::vec(any::<Index>(), 1..24),
    ) {
        let (whole, whole_stats) = run_whole(&config, &data);
        let cuts: Vec<usize> = cuts.iter().map(|c| c.index(data.len() + 1)).collect();
        let (split, split_stats) = run_split(&config, &data, &cuts);
        prop_assert_eq!(summary(&whole), summary(&split), "cuts at {:?}", cuts);
        prop_assert_eq!(whole, split);
        prop_assert_eq!(counts(&whole_stats), counts(&split_stats));
    }

    /// Running the same input twice gives the same events, and every
    /// fingerprint is the fingerprint of the event's chain.
    #[test]
    fn fingerprints_are_deterministic(Log(data) in log()) {
        let first = Engine::scan_bytes(Config::default(), &data);
        let second = Engine::scan_bytes(Config::default(), &data);
        prop_assert_eq!(&first, &second);
        for e in &first {
            prop_assert_eq!(&fingerprint(&e.chain), &e.fingerprint);
        }
    }

    /// `parameterize` leaves its own output unchanged.
    #[test]
    fn parameterize_is_idempotent(
        message in prop_oneof![
            any::<String>(),
            "[ -~]{0,60}",
            "([a-z]{1,6}|[0-9]{1,5}|[0-9a-f]{6,40}|[ .:,;@/=_'\"<>x+-]|-?[0-9]+\\.[0-9]+|0x[0-9a-fA-F]{1,6}|[0-9]+(ms|s|h)|(true|false|True)){0,24}",
        ],
    ) {
        let once = parameterize(&message);
        prop_assert_eq!(parameterize(&once), once.clone(), "message {:?}", message);
    }
}

proptest! {
    #![proptest_config(cases(32))]

    /// The worst case for carried-over lines: every byte its own `push`.
    #[test]
    fn one_byte_chunks_do_not_change_events(Log(data) in log(), config in any_config()) {
        let data = &data[..data.len().min(24 * 1024)];
        let (whole, whole_stats) = run_whole(&config, data);
        let (bytewise, bytewise_stats) = run_bytewise(&config, data);
        prop_assert_eq!(summary(&whole), summary(&bytewise));
        prop_assert_eq!(whole, bytewise);
        prop_assert_eq!(counts(&whole_stats), counts(&bytewise_stats));
    }
}

// ---------------------------------------------------------------------------
// Whole-corpus checks (not random, but the same invariants)

/// Every file of both corpora: span and text invariants (exact texts for
/// events without a stream: on the corpus even interleaved traces carry one),
/// and parameterization of every message found is idempotent.
#[test]
fn corpus_holds_the_invariants() {
    let config = Config::default();
    let mut files: Vec<PathBuf> = python_cases().into_iter().map(|(_, p)| p).collect();
    files.extend(negative_files());
    let mut events_seen = 0;
    for path in &files {
        let data = std::fs::read(path).expect("corpus file");
        let events = Engine::scan_bytes(config.clone(), &data);
        events_seen += events.len();
        if let Err(e) = check_events(&config, &data, &events, true) {
            panic!("{}: {e}", path.display());
        }
        for exc in events.iter().flat_map(|e| &e.chain) {
            let once = parameterize(&exc.message);
            assert_eq!(
                parameterize(&once),
                once,
                "{}: message {:?}",
                path.display(),
                exc.message
            );
        }
    }
    eprintln!("{} corpus files, {events_seen} events", files.len());
}

/// Every sample pushed one byte at a time and in odd-sized chunks gives the
/// events of one `push`.
#[test]
fn samples_do_not_depend_on_chunking() {
    let config = Config::default();
    let mut events_seen = 0;
    for (i, sample) in samples().iter().enumerate() {
        let data = &sample.data;
        let (whole, _) = run_whole(&config, data);
        events_seen += whole.len();
        for step in [1usize, 7, 4093] {
            if step == 1 && data.len() > 32 * 1024 {
                continue;
            }
            let cuts: Vec<usize> = (step..data.len()).step_by(step).collect();
            let (split, _) = run_split(&config, data, &cuts);
            assert_eq!(
                summary(&whole),
                summary(&split),
                "sample {i} pushed in {step}-byte chunks"
            );
        }
    }
    assert!(
        events_seen >= BUILTIN.len(),
        "only {events_seen} events in all samples"
    );
}

// ---------------------------------------------------------------------------
// Regressions: engine bugs the properties and the fuzzer found, now fixed.
// Each test keeps the minimal reproducer and states the invariant.

/// Input lines `first..=last` as the engine shows them (no `\r`, lossy UTF-8).
fn span_text(data: &[u8], first: u64, last: u64) -> String {
    physical_lines(data)[first as usize - 1..last as usize]
        .iter()
        .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\r").unwrap_or(l)).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A log line holding a prefixed frame (`12345 ERROR app.x [req-1]   File …`,
/// a frame quoted in a message or the only line of a cut trace) opens a
/// headerless trace whose lines must carry `12345 ERROR app.x [req-1] `. Every
/// later line lacks that prefix and is skipped as another writer's (up to
/// `max_foreign_lines`, 1000 by default), but the first frame without it that
/// comes along, here the first frame of a real traceback 3 lines later, makes
/// the engine drop the prefix ("it was an intro after all", `Route::DropPrefix`
/// in `logical_line`) and hand that frame and the following ones to the stale
/// trace. Result: one `Stack` event 1-8 whose text is lines 1 and 5-8, and the
/// real `IndexError` (lines 3-9) is never reported. `DropPrefix` should only
/// apply while the trace has skipped no line (`foreign == 0`).
#[test]
fn regression_stale_prefixed_trace_takes_frames() {
    let data = b"12345 ERROR app.x [req-1 - - -]   File \"/srv/app/g.py\", line 3, in <module>\n\
                 2026-11-21 10:14:08,086 INFO app.health: ok\n\
                 2026-11-21 10:14:08,086 ERROR app.config: failed to connect\n\
                 Traceback (most recent call last):\n\
                 \x20 File \"/srv/app/c.py\", line 20, in <module>\n\
                 \x20   connect_all(CONFIG)\n\
                 \x20 File \"/srv/app/c.py\", line 15, in connect_all\n\
                 \x20   return x[1]\n\
                 IndexError: list index out of range\n";
    let events = Engine::scan_bytes(Config::default(), data);
    for e in &events {
        assert_eq!(
            e.text,
            span_text(data, e.span.first_line, e.span.last_line),
            "event {:?}",
            e.span
        );
    }
    assert!(
        events
            .iter()
            .any(|e| e.exception().ty == "IndexError"
                && (e.span.first_line, e.span.last_line) == (3, 9)),
        "the IndexError trace on lines 3-9 is lost"
    );
}

/// The same with a header: `ERROR boom: Traceback …` (a logger line holding the
/// header) expects `ERROR boom: ` on every line, skips line 2, lets line 3
/// open a second trace, then takes that trace's frame on line 4. Result: one
/// event 1-5 with no stream whose text is lines 1, 4 and 5.
#[test]
fn regression_header_prefix_dropped_after_skipped_lines() {
    let data = b"ERROR boom: Traceback (most recent call last):\n\
                 some unrelated line\n\
                 Traceback (most recent call last):\n\
                 \x20 File \"/srv/app/a.py\", line 1, in f\n\
                 ValueError: x\n";
    let events = Engine::scan_bytes(Config::default(), data);
    assert!(!events.is_empty());
    for e in &events {
        assert_eq!(
            e.text,
            span_text(data, e.span.first_line, e.span.last_line),
            "event {:?}",
            e.span
        );
    }
}

/// A line longer than 128 KiB right before a trace is its intro when the
/// input comes in one `push`, but `remember_tail` keeps no line once 128 KiB
/// are exceeded, so when a `push` boundary falls between the line and the
/// trace the intro (and the event's first line) is lost.
#[test]
fn regression_long_line_before_push_boundary_loses_intro() {
    let mut data = b"2026-11-21 10:00:00,123 ERROR app: failed ".to_vec();
    data.extend(std::iter::repeat_n(b'y', 140_000));
    data.push(b'\n');
    let boundary = data.len();
    data.extend_from_slice(
        b"Traceback (most recent call last):\n  File \"/a.py\", line 1, in f\nValueError: x\n",
    );
    let (whole, _) = run_whole(&Config::default(), &data);
    let (split, _) = run_split(&Config::default(), &data, &[boundary]);
    assert_eq!(whole[0].span.first_line, 1);
    assert_eq!(summary(&whole), summary(&split));
}

/// A `\r` that falls exactly at `max_line_bytes` stays in the event text when
/// the line arrives in one `push` (the line is cut after its `\r\n` ending was
/// looked at) but is stripped when the line crosses a `push` boundary (the
/// carried line is cut first, then its last byte, the `\r`, is stripped).
#[test]
fn regression_carriage_return_at_cut_depends_on_chunking() {
    let config = Config {
        max_line_bytes: 40,
        ..Config::default()
    };
    let data = b"Traceback (most recent call last):\n\
                 \x20 File \"/a.py\", line 1, in f\n\
                 \x20   xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\rtail\n\
                 ValueError: x\n";
    let boundary = data.windows(4).position(|w| w == b"tail").expect("tail");
    let (whole, _) = run_whole(&config, data);
    let (split, _) = run_split(&config, data, &[boundary]);
    assert_eq!(summary(&whole), summary(&split));
}

/// `SourceStats::cut_lines`/`cut_bytes` ("lines longer than max_line_bytes")
/// miss every long line the anchor search skips over, so they are 0 for one
/// `push` and 1 when the same line crosses a `push` boundary.
#[test]
fn regression_cut_line_stats_depend_on_chunking() {
    let config = Config {
        max_line_bytes: 4,
        ..Config::default()
    };
    let data = b"xxxxxxxxxx\n";
    let (_, whole) = run_whole(&config, data);
    let (_, split) = run_split(&config, data, &[5]);
    assert_eq!(whole, split);
    assert_eq!(whole.cut_lines, 1);
}

/// A traceback indented as a whole (`textwrap.indent(traceback, "    ")`,
/// which leaves blank lines empty) is read with `"    "` as its per-line
/// prefix, so the empty lines of a chained traceback count as another
/// writer's and are left out of the text, although the event has no stream:
/// event 2-12 with 9 text lines. (Its `ERROR request failed:` intro on line 1
/// is not attached either, since it lacks the indentation.)
#[test]
fn regression_indented_trace_text_skips_blank_lines() {
    let data = b"ERROR request failed:\n\
                 \x20   Traceback (most recent call last):\n\
                 \x20     File \"/srv/app/a.py\", line 1, in f\n\
                 \x20       x()\n\
                 \x20   ValueError: x\n\
                 \n\
                 \x20   During handling of the above exception, another exception occurred:\n\
                 \n\
                 \x20   Traceback (most recent call last):\n\
                 \x20     File \"/srv/app/a.py\", line 3, in g\n\
                 \x20       y()\n\
                 \x20   RuntimeError: y\n";
    let events = Engine::scan_bytes(Config::default(), data);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.stream, None);
    assert_eq!(e.text, span_text(data, e.span.first_line, e.span.last_line));
}

/// Found by `cargo fuzz` (`fuzz/`): `parse_group` in `python.rs` slices a
/// line of an exception group at a byte column (`line[..child_col]`, and
/// `line[..col]` the line before) without checking for a char boundary, so a
/// multi-byte character there (`é`, or the U+FFFD that replaces invalid
/// UTF-8) panics with "byte index 4 is not a char boundary". Four lines of
/// valid UTF-8 are enough.
#[test]
fn regression_group_line_with_multibyte_char_panics() {
    let data = "  + Exception Group Traceback (most recent call last):\n    +v\n  |é\n";
    Engine::scan_bytes(Config::default(), data.as_bytes());
    Engine::scan_bytes(
        Config::default(),
        b"  + Exception Group Traceback (most recent call last):\n    +v\n  |\xf7",
    );
}

/// The email pattern has no word boundary after its TLD, so in
/// `bob@example.com42` it matches `bob@example.com` and leaves `42`, which a
/// second pass then replaces because `>` now stands before it.
#[test]
fn regression_parameterize_email_before_word() {
    let once = parameterize("mail bob@example.com42 failed");
    assert_eq!(parameterize(&once), once);
}
