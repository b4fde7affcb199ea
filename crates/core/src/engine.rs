//! The streaming engine: bytes in, [`ErrorEvent`]s out.
//!
//! Lines are split with `memchr`. While no trace is open in a source, the
//! engine does not look at lines one by one: it searches the buffer for the
//! literals that a line able to start a trace of some language holds
//! ([`ANCHORS`]) and only counts the newlines it skips. At
//! an anchor it steps back a few lines (so the log line that introduced the
//! trace, a header printed before the first frame, and container pieces of a
//! split line are seen), then follows the source line by line until every
//! trace in it has ended. Which language a line starts, and how a trace
//! continues, is the `grammar` module's business.
//!
//! Each source keeps separate state per container stream (stdout/stderr of
//! Docker and CRI logs) and, inside a stream, per writer when the lines carry
//! a per-line prefix with a pid, thread or request id (see the `prefix` module).
//! The engine never reads a clock: callers pass the time in, so following a
//! live stream and scanning a file are the same code.

use std::collections::{HashMap, VecDeque};
use std::sync::LazyLock;

use memchr::{memchr, memchr_iter, memrchr};

use crate::assemble::{self, Verdict};
use crate::event::{ErrorEvent, EventKind, Exception, Language, SourceId, Span};
use crate::fingerprint::{self, FINGERPRINT_VERSION};
use crate::framing::{self, Channel};
use crate::grammar::{self, TraceState};
use crate::json_record;
use crate::prefix::Prefix;
use crate::python;

/// Literals of which every trace holds at least one on its first line or
/// within [`LOOKBACK_LINES`] after it: Python `(most recent call last)`
/// headers and `File "` frames, JVM `\tat` frames, the space-indented frames
/// of JavaScript, .NET and some JVM loggers, Firefox/Safari `f@url` frames,
/// Ruby `:in` frames, Go, PHP and Rust headers, anyhow/eyre reports. All are
/// searched in one SIMD pass (see [`Anchors`]); `File ` and `Error: ` are
/// checked further before they count.
pub const ANCHORS: [&str; 20] = [
    "most recent call last)",
    "File ",
    "\tat ",
    "  at ",
    "@http",
    "@file:",
    "@webpack",
    ":in `",
    ":in '",
    "panic: ",
    "panic serving ",
    "fatal error: ",
    "SIGQUIT: quit",
    "Uncaught ",
    "[object] (",
    "Stack trace:",
    "panicked at ",
    "Caused by:",
    "Error: ",
    // The same frames inside JSON strings (Docker json-file, logstash), where a tab is `\t`.
    "\\tat ",
];

/// How many earlier lines the engine looks at when it finds an anchor.
const LOOKBACK_LINES: usize = 16;
/// How much of a line an unrelated (not yet trace) line keeps for a possible intro.
const RECENT_LINE_BYTES: usize = 64 * 1024;
const RECENT_LINES: usize = 32;
/// How many physical lines may separate two pieces of one container line
/// (the other stream's records can come between them).
const MAX_PARTIAL_GAP: u64 = 8;
/// How much of each line before an anchor lookback keeps.
const LOOKBACK_LINE_BYTES: usize = 128 * 1024;
/// Lines of a multi-line log message before a trace that can form its intro.
const MAX_INTRO_LINES: usize = 3;

/// Limits that keep memory bounded whatever the input.
#[derive(Debug, Clone)]
pub struct Config {
    /// A trace with more lines is cut here and marked truncated.
    pub max_event_lines: usize,
    /// A trace with more bytes is cut here and marked truncated.
    pub max_event_bytes: usize,
    /// Longer lines are cut to this many bytes; the rest is counted and skipped.
    pub max_line_bytes: usize,
    /// When following a live stream, an open trace with no new line for this
    /// long is considered complete.
    pub idle_timeout_ms: u64,
    /// Lines of other writers tolerated inside a trace whose lines carry a prefix.
    pub max_foreign_lines: usize,
    /// Open traces per source; beyond this the oldest is closed.
    pub max_open_traces: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_event_lines: 2_000,
            max_event_bytes: 512 * 1024,
            max_line_bytes: 1024 * 1024,
            idle_timeout_ms: 3_000,
            max_foreign_lines: 1_000,
            max_open_traces: 32,
        }
    }
}

/// Counters of what the engine has read from one source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceStats {
    pub bytes: u64,
    pub lines: u64,
    /// Lines longer than [`Config::max_line_bytes`].
    pub cut_lines: u64,
    /// Bytes dropped from those lines.
    pub cut_bytes: u64,
    pub events: u64,
}

/// The streaming detector. Feed it bytes with [`Engine::push`], then call
/// [`Engine::finish`] at the end of each source (and [`Engine::poll`] now and
/// then when following live input).
pub struct Engine {
    config: Config,
    anchors: &'static Anchors,
    sources: HashMap<SourceId, SourceState>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(Config::default())
    }
}

impl Engine {
    pub fn new(config: Config) -> Engine {
        Engine {
            config,
            anchors: &ANCHOR_SEARCH,
            sources: HashMap::new(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Feeds the next bytes of `source`. `now_ms` is any monotonic clock in
    /// milliseconds (used only for [`Config::idle_timeout_ms`]). Completed
    /// events are appended to `out` in the order they complete.
    pub fn push(&mut self, source: SourceId, data: &[u8], now_ms: u64, out: &mut Vec<ErrorEvent>) {
        let state = self
            .sources
            .entry(source)
            .or_insert_with(|| SourceState::new(source));
        let mut ctx = Ctx {
            config: &self.config,
            anchors: self.anchors,
            now_ms,
            out,
        };
        state.push(data, &mut ctx);
    }

    /// Ends `source`: a final line without a newline is processed and every open
    /// trace is closed.
    pub fn finish(
        &mut self,
        source: SourceId,
        now_ms: u64,
        out: &mut Vec<ErrorEvent>,
    ) -> SourceStats {
        let Some(mut state) = self.sources.remove(&source) else {
            return SourceStats::default();
        };
        let mut ctx = Ctx {
            config: &self.config,
            anchors: self.anchors,
            now_ms,
            out,
        };
        state.finish(&mut ctx);
        state.stats
    }

    /// Closes traces that saw no new line for [`Config::idle_timeout_ms`].
    pub fn poll(&mut self, now_ms: u64, out: &mut Vec<ErrorEvent>) {
        for state in self.sources.values_mut() {
            let mut ctx = Ctx {
                config: &self.config,
                anchors: self.anchors,
                now_ms,
                out,
            };
            state.close_idle(&mut ctx);
        }
    }

    /// Counters for a source that has not been finished yet.
    pub fn stats(&self, source: SourceId) -> SourceStats {
        self.sources
            .get(&source)
            .map(|s| s.stats)
            .unwrap_or_default()
    }

    /// Whether `source` holds nothing that later bytes could still complete:
    /// no open trace, no piece of a split container line, no partial line.
    /// A reader may record its position here as a restart point: resuming
    /// there (with [`Engine::resume`]) gives the same events as reading on.
    pub fn is_quiet(&self, source: SourceId) -> bool {
        self.sources
            .get(&source)
            .is_none_or(|s| s.carry.is_empty() && s.carry_cut == 0 && !s.active())
    }

    /// Bytes of `source` held back as an incomplete last line.
    pub fn pending_bytes(&self, source: SourceId) -> usize {
        self.sources.get(&source).map_or(0, |s| s.carry.len())
    }

    /// Starts `source` afresh as if `lines_before` lines had already been
    /// read (a reader restarting from a recorded position): line numbers of
    /// its events continue from there. Earlier state of `source` is dropped.
    pub fn resume(&mut self, source: SourceId, lines_before: u64) {
        self.resume_with_context(source, lines_before, &[]);
    }

    /// [`Engine::resume`], with the complete lines just before the restart
    /// point (`context`, ending at line `lines_before`) seen as context only:
    /// they produce no event but can be claimed as a header or intro by a
    /// trace that starts after the restart point, as they would have been
    /// had the reader never stopped.
    pub fn resume_with_context(&mut self, source: SourceId, lines_before: u64, context: &[u8]) {
        let mut state = SourceState::new(source);
        let context = match memrchr(b'\n', context) {
            Some(i) => &context[..=i],
            None => &context[..0],
        };
        let count = memchr_iter(b'\n', context).count() as u64;
        let first = (lines_before + 1).saturating_sub(count);
        let mut out = Vec::new();
        let mut ctx = Ctx {
            config: &self.config,
            anchors: self.anchors,
            now_ms: 0,
            out: &mut out,
        };
        for (i, line) in context.split_inclusive(|&b| b == b'\n').enumerate() {
            let line = &line[..line.len() - 1];
            state.physical_line(line, first + i as u64, true, &mut ctx);
        }
        state.line_no = lines_before;
        state.processed_upto = lines_before;
        self.sources.insert(source, state);
    }

    /// Runs the engine over one complete input and returns its events.
    pub fn scan_bytes(config: Config, data: &[u8]) -> Vec<ErrorEvent> {
        let mut engine = Engine::new(config);
        let mut out = Vec::new();
        engine.push(SourceId(0), data, 0, &mut out);
        engine.finish(SourceId(0), 0, &mut out);
        out
    }
}

/// Built once: engines are cheap to create (JSON fields are scanned by one each).
static ANCHOR_SEARCH: LazyLock<Anchors> = LazyLock::new(Anchors::new);

/// The anchor search: one SIMD multi-literal pass (Teddy, from aho-corasick's
/// `packed` module) over all anchors of all languages, the space-led frame
/// marker included. Measured on realistic logs, one Teddy pass over 20
/// literals costs about as much as two `memmem` passes (what the Python-only
/// engine did), while a `memmem` pass per literal costs one pass each, and a
/// separate `memmem` pass for `  at ` (whose bytes are all common) was as slow
/// as the Teddy pass itself. An Aho-Corasick automaton with its rare-byte
/// prefilter stalls on quote-heavy logs; it is only the fallback where Teddy
/// is unavailable (no SIMD).
struct Anchors {
    teddy: Option<aho_corasick::packed::Searcher>,
    automaton: aho_corasick::AhoCorasick,
}

impl Anchors {
    fn new() -> Anchors {
        let mut builder = aho_corasick::packed::Config::new().builder();
        builder.extend(ANCHORS);
        Anchors {
            teddy: builder.build(),
            automaton: aho_corasick::AhoCorasick::new(ANCHORS).expect("anchor automaton"),
        }
    }

    fn raw_find(&self, buf: &[u8], from: usize) -> Option<(usize, usize)> {
        match &self.teddy {
            Some(t) => t
                .find_in(buf, aho_corasick::Span::from(from..buf.len()))
                .map(|m| (m.start(), m.pattern().as_usize())),
            None => self
                .automaton
                .find(aho_corasick::Input::new(buf).range(from..))
                .map(|m| (m.start(), m.pattern().as_usize())),
        }
    }

    /// The position of the first anchor at or after `from` in `buf`.
    fn find(&self, buf: &[u8], from: usize) -> Option<usize> {
        let mut pos = from;
        loop {
            let (at, pattern) = self.raw_find(buf, pos)?;
            let pattern = ANCHORS[pattern];
            let wanted = match pattern {
                // `File ` counts only before a quote (`File "` or, in JSON, `File \"`).
                "File " => matches!(buf.get(at + 5), Some(b'"' | b'\\')),
                // A Rust `main` error report starts a line (or a JSON string,
                // a CRI record, a syslog/journald `unit[pid]: ` record);
                // `Error:` inside a log message is ordinary prose.
                "Error: " => {
                    at == 0
                        || matches!(buf[at - 1], b'\n' | b'"')
                        || (at >= 3 && matches!(&buf[at - 3..at], b" F " | b" P " | b"]: "))
                }
                _ => true,
            };
            if wanted {
                return Some(at);
            }
            pos = at + 1;
        }
    }
}

struct Ctx<'a> {
    config: &'a Config,
    anchors: &'a Anchors,
    now_ms: u64,
    out: &'a mut Vec<ErrorEvent>,
}

/// A line as the application wrote it: container framing removed and split pieces joined.
#[derive(Debug, Clone)]
struct LogicalLine {
    first: u64,
    last: u64,
    /// The physical lines, joined by `\n`.
    raw: String,
    content: String,
}

#[derive(Debug, Default)]
struct ChannelState {
    /// Pieces of a line the container runtime split.
    partial: Option<LogicalLine>,
    /// Recent lines that belong to no trace (intro candidates), oldest first.
    recent: VecDeque<LogicalLine>,
    open: Vec<OpenTrace>,
    /// The last line of the latest unprefixed trace closed here: a trace
    /// between a record and a new trace keeps the record from being its intro.
    last_trace_end: u64,
}

#[derive(Debug)]
struct OpenTrace {
    prefix: Option<Prefix>,
    state: TraceState,
    first_line: u64,
    last_line: u64,
    intro: Option<LogicalLine>,
    raw: Vec<String>,
    content: Vec<String>,
    /// The last physical line number of each line in `raw`.
    ends: Vec<u64>,
    /// The free-form message lines taken last (see
    /// `TraceState::message_lines`): another runtime's trace that starts
    /// right after may claim them back as its header.
    message_tail: Vec<LogicalLine>,
    /// Blank lines waiting for a chain sentence to confirm them.
    held: Vec<LogicalLine>,
    bytes: usize,
    foreign: usize,
    last_activity_ms: u64,
    truncated: bool,
    /// The trace was cut by a cap and emitted: the rest of it is consumed
    /// (so its frames do not start new events) but not kept.
    draining: bool,
}

impl OpenTrace {
    fn take(&mut self, line: LogicalLine, content: String, now_ms: u64) {
        for held in std::mem::take(&mut self.held) {
            let c = self.strip(&held.content).unwrap_or_default();
            self.push_line(held, c);
        }
        let in_message = self.state.message_lines().is_some_and(|n| n > 0);
        if in_message && !self.draining {
            if self.message_tail.len() == grammar::MAX_BACK {
                self.message_tail.remove(0);
            }
            self.message_tail.push(line.clone());
        } else if !self.message_tail.is_empty() {
            self.message_tail.clear();
        }
        self.push_line(line, content);
        self.last_activity_ms = now_ms;
        self.foreign = 0;
    }

    /// Takes back the last `n` lines (all from `message_tail`).
    fn give_back(&mut self, n: usize) -> Vec<LogicalLine> {
        let n = n
            .min(self.message_tail.len())
            .min(self.raw.len().saturating_sub(1));
        for _ in 0..n {
            if let Some(raw) = self.raw.pop() {
                self.bytes -= raw.len() + 1;
            }
            self.content.pop();
            self.ends.pop();
        }
        if let Some(&last) = self.ends.last() {
            self.last_line = last;
        }
        let keep = self.message_tail.len() - n;
        self.message_tail.split_off(keep)
    }

    fn push_line(&mut self, line: LogicalLine, content: String) {
        if self.draining {
            return;
        }
        self.bytes += line.raw.len() + 1;
        self.last_line = line.last;
        self.ends.push(line.last);
        self.raw.push(line.raw);
        self.content.push(content);
    }

    fn strip(&self, content: &str) -> Option<String> {
        content_after(self.prefix.as_ref(), content)
    }

    fn over_limits(&self, config: &Config) -> bool {
        self.raw.len() >= config.max_event_lines || self.bytes >= config.max_event_bytes
    }
}

struct SourceState {
    id: SourceId,
    /// An incomplete last line, waiting for its newline (capped).
    carry: Vec<u8>,
    carry_cut: u64,
    /// Physical lines completed so far (the number of the last line read).
    line_no: u64,
    /// The last line looked at one by one; lookback never goes before it.
    processed_upto: u64,
    /// The last lines of the previous buffer, for lookback across `push` calls.
    history: VecDeque<(u64, Vec<u8>)>,
    channels: [ChannelState; 3],
    stats: SourceStats,
}

fn channel_index(c: Channel) -> usize {
    match c {
        Channel::Plain => 0,
        Channel::Stdout => 1,
        Channel::Stderr => 2,
    }
}

const CHANNELS: [Channel; 3] = [Channel::Plain, Channel::Stdout, Channel::Stderr];

impl SourceState {
    fn new(id: SourceId) -> SourceState {
        SourceState {
            id,
            carry: Vec::new(),
            carry_cut: 0,
            line_no: 0,
            processed_upto: 0,
            history: VecDeque::new(),
            channels: Default::default(),
            stats: SourceStats::default(),
        }
    }

    /// Whether lines must be looked at one by one: a trace is open, or a
    /// container piece waits for the rest of its line.
    fn active(&self) -> bool {
        self.channels
            .iter()
            .any(|c| !c.open.is_empty() || c.partial.is_some())
    }

    fn push(&mut self, mut data: &[u8], ctx: &mut Ctx<'_>) {
        self.stats.bytes += data.len() as u64;
        if !self.carry.is_empty() || self.carry_cut > 0 {
            match memchr(b'\n', data) {
                None => {
                    self.extend_carry(data, ctx.config);
                    return;
                }
                Some(i) => {
                    self.extend_carry(&data[..i], ctx.config);
                    let mut line = std::mem::take(&mut self.carry);
                    line.push(b'\n');
                    self.note_cut_line();
                    self.region(&line, ctx);
                    data = &data[i + 1..];
                }
            }
        }
        let (complete, tail) = match memrchr(b'\n', data) {
            Some(i) => data.split_at(i + 1),
            None => (&data[..0], data),
        };
        self.region(complete, ctx);
        self.extend_carry(tail, ctx.config);
    }

    fn extend_carry(&mut self, bytes: &[u8], config: &Config) {
        let room = config.max_line_bytes.saturating_sub(self.carry.len());
        let keep = bytes.len().min(room);
        self.carry.extend_from_slice(&bytes[..keep]);
        self.carry_cut += (bytes.len() - keep) as u64;
    }

    fn note_cut_line(&mut self) {
        if self.carry_cut > 0 {
            self.stats.cut_lines += 1;
            self.stats.cut_bytes += self.carry_cut;
            self.carry_cut = 0;
        }
    }

    fn finish(&mut self, ctx: &mut Ctx<'_>) {
        if !self.carry.is_empty() || self.carry_cut > 0 {
            let mut line = std::mem::take(&mut self.carry);
            line.push(b'\n');
            self.note_cut_line();
            self.region(&line, ctx);
        }
        for ch in 0..CHANNELS.len() {
            if let Some(partial) = self.channels[ch].partial.take() {
                self.logical_line(ch, partial, ctx);
            }
            for trace in std::mem::take(&mut self.channels[ch].open) {
                self.close(ch, trace, true, ctx);
            }
        }
    }

    fn close_idle(&mut self, ctx: &mut Ctx<'_>) {
        let timeout = ctx.config.idle_timeout_ms;
        for ch in 0..CHANNELS.len() {
            let open = std::mem::take(&mut self.channels[ch].open);
            for trace in open {
                if ctx.now_ms.saturating_sub(trace.last_activity_ms) >= timeout {
                    self.close(ch, trace, true, ctx);
                } else {
                    self.channels[ch].open.push(trace);
                }
            }
        }
    }

    /// Processes complete lines (each ends with `\n`).
    fn region(&mut self, buf: &[u8], ctx: &mut Ctx<'_>) {
        let mut pos = 0;
        while pos < buf.len() {
            if !self.active() {
                let Some(anchor) = ctx.anchors.find(buf, pos) else {
                    let rest = &buf[pos..];
                    self.remember_tail(rest);
                    self.count_cut_lines(rest, ctx.config.max_line_bytes);
                    self.advance_lines(memchr_iter(b'\n', rest).count() as u64);
                    return;
                };
                let line_start = memrchr(b'\n', &buf[pos..anchor]).map_or(pos, |i| pos + i + 1);
                self.count_cut_lines(&buf[pos..line_start], ctx.config.max_line_bytes);
                let skipped = memchr_iter(b'\n', &buf[pos..line_start]).count() as u64;
                self.lookback(&buf[pos..line_start], skipped, ctx);
                self.advance_lines(skipped);
                self.history.clear();
                pos = line_start;
            }
            let end = pos + memchr(b'\n', &buf[pos..]).expect("region lines end with a newline");
            self.line_no += 1;
            self.stats.lines += 1;
            self.processed_upto = self.line_no;
            let line = &buf[pos..end];
            self.physical_line(line, self.line_no, false, ctx);
            pos = end + 1;
        }
    }

    /// Counts the overlong lines of a skipped stretch of complete lines. Only a
    /// stretch longer than the cap can hold one, so ordinary buffers cost nothing.
    fn count_cut_lines(&mut self, skipped: &[u8], max_line_bytes: usize) {
        if skipped.len() <= max_line_bytes {
            return;
        }
        let mut start = 0;
        for end in memchr_iter(b'\n', skipped) {
            let len = end - start;
            if len > max_line_bytes {
                self.stats.cut_lines += 1;
                self.stats.cut_bytes += (len - max_line_bytes) as u64;
            }
            start = end + 1;
        }
    }

    fn advance_lines(&mut self, n: u64) {
        self.line_no += n;
        self.stats.lines += n;
    }

    /// Keeps the last lines of a skipped buffer so that an anchor at the start
    /// of the next buffer can still look back at them.
    fn remember_tail(&mut self, skipped: &[u8]) {
        let total = memchr_iter(b'\n', skipped).count();
        let mut end = skipped.len();
        let mut lines = Vec::new();
        while end > 0 && lines.len() < LOOKBACK_LINES {
            let start = memrchr(b'\n', &skipped[..end - 1]).map_or(0, |i| i + 1);
            lines.push(lookback_copy(&skipped[start..end - 1]));
            end = start;
        }
        if lines.len() < total {
            // The saved lines must be contiguous with what follows.
            self.history.clear();
        }
        let first_no = self.line_no + (total - lines.len()) as u64 + 1;
        for (i, line) in lines.into_iter().rev().enumerate() {
            self.history.push_back((first_no + i as u64, line));
        }
        while self.history.len() > LOOKBACK_LINES {
            self.history.pop_front();
        }
    }

    /// Feeds the lines just before an anchor (from `skipped`, whose `count`
    /// lines follow `self.line_no`, and from the saved history) as context only.
    fn lookback(&mut self, skipped: &[u8], count: u64, ctx: &mut Ctx<'_>) {
        let mut lines: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut end = skipped.len();
        let mut no = self.line_no + count;
        while end > 0 && lines.len() < LOOKBACK_LINES {
            let start = memrchr(b'\n', &skipped[..end - 1]).map_or(0, |i| i + 1);
            lines.push((no, lookback_copy(&skipped[start..end - 1])));
            no -= 1;
            end = start;
        }
        while lines.len() < LOOKBACK_LINES {
            match self.history.pop_back() {
                Some((n, line)) if n <= no && n > self.processed_upto => {
                    lines.push((n, line));
                    no = n - 1;
                }
                Some(_) => continue,
                None => break,
            }
        }
        for (n, line) in lines.into_iter().rev() {
            if n > self.processed_upto {
                self.physical_line(&line, n, true, ctx);
            }
        }
    }

    fn physical_line(&mut self, line: &[u8], no: u64, context_only: bool, ctx: &mut Ctx<'_>) {
        let mut line = line;
        if line.len() > ctx.config.max_line_bytes {
            // Lines looked at only as context were counted when they were skipped.
            if !context_only {
                self.stats.cut_lines += 1;
                self.stats.cut_bytes += (line.len() - ctx.config.max_line_bytes) as u64;
            }
            line = &line[..ctx.config.max_line_bytes];
        }
        // Cut first, then drop `\r`: the same bytes whether or not the line
        // crossed a `push` boundary (a carried line is capped as it arrives).
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let unframed = framing::unframe(line);
        let ch = channel_index(unframed.channel);
        let raw = utf8_lossy(line).into_owned();
        let text = utf8_lossy(&unframed.text);
        // A piece whose continuation did not come within a few lines is a line
        // of its own (the writer died, or the log was cut): it must not be
        // glued to a later line, whatever lines were skipped in between.
        for c in 0..CHANNELS.len() {
            if let Some(stale) = self.channels[c]
                .partial
                .take_if(|p| no - p.last > MAX_PARTIAL_GAP)
            {
                if context_only {
                    remember(&mut self.channels[c], stale);
                } else {
                    self.logical_line(c, stale, ctx);
                }
            }
        }
        let channel = &mut self.channels[ch];
        let logical = match channel.partial.take() {
            Some(mut p) => {
                p.last = no;
                p.raw.push('\n');
                p.raw.push_str(&raw);
                if p.content.len() + text.len() <= ctx.config.max_line_bytes {
                    p.content.push_str(&text);
                }
                p
            }
            None => LogicalLine {
                first: no,
                last: no,
                raw,
                content: text.into_owned(),
            },
        };
        if unframed.partial {
            channel.partial = Some(logical);
            return;
        }
        if context_only {
            remember(channel, logical);
            return;
        }
        self.logical_line(ch, logical, ctx);
    }

    fn logical_line(&mut self, ch: usize, line: LogicalLine, ctx: &mut Ctx<'_>) {
        // 1. A trace whose lines carry a prefix takes the lines with that prefix.
        let mut i = 0;
        while i < self.channels[ch].open.len() {
            let route = {
                let trace = &self.channels[ch].open[i];
                match &trace.prefix {
                    None => Route::Skip,
                    Some(prefix) => match prefix.strip(line.content.as_bytes()) {
                        Some(content) => {
                            Route::Offer(String::from_utf8_lossy(content).into_owned())
                        }
                        // A prefix seen on the header line only (`ERROR boom: Traceback …`)
                        // followed by unprefixed frames: the prefix was an intro, not a format.
                        None if !prefix.is_sibling(line.content.as_bytes())
                            && trace.content.len() == 1
                            && trace.foreign == 0
                            && matches!(
                                trace.state.clone().offer(&line.content),
                                Verdict::Take | Verdict::Hold
                            )
                            && !line.content.trim().is_empty() =>
                        {
                            Route::DropPrefix
                        }
                        None => Route::Foreign,
                    },
                }
            };
            let content = match route {
                Route::Skip => {
                    i += 1;
                    continue;
                }
                Route::Offer(content) => content,
                Route::DropPrefix => {
                    self.channels[ch].open[i].prefix = None;
                    line.content.clone()
                }
                Route::Foreign => {
                    let trace = &mut self.channels[ch].open[i];
                    trace.foreign += 1;
                    if trace.foreign > ctx.config.max_foreign_lines {
                        let trace = self.channels[ch].open.remove(i);
                        self.close(ch, trace, false, ctx);
                    } else {
                        i += 1;
                    }
                    continue;
                }
            };
            return match self.offer(ch, i, line.clone(), content, ctx) {
                Offer::Taken => {}
                Offer::Ended => self.free_line(ch, line, ctx),
            };
        }
        // 2. Otherwise an open unprefixed trace of this stream decides.
        if let Some(i) = self.channels[ch]
            .open
            .iter()
            .position(|t| t.prefix.is_none())
        {
            let content = line.content.clone();
            if let Offer::Taken = self.offer(ch, i, line.clone(), content, ctx) {
                return;
            }
        }
        self.free_line(ch, line, ctx);
    }

    /// Offers a content line to open trace `i` of channel `ch` and applies the verdict.
    fn offer(
        &mut self,
        ch: usize,
        i: usize,
        line: LogicalLine,
        content: String,
        ctx: &mut Ctx<'_>,
    ) -> Offer {
        let trace = &mut self.channels[ch].open[i];
        if trace.state.message_lines().is_some()
            && let Some(other) = grammar::other_report(&content, trace.state.language())
        {
            // Another runtime's report begins: the message is over, and the
            // lines just taken as message may be that report's header.
            let mut trace = self.channels[ch].open.remove(i);
            let claimed = match other {
                Some(start)
                    if !trace.draining && trace.content.len() > trace.message_tail.len() =>
                {
                    let tail = &trace.content[trace.content.len() - trace.message_tail.len()..];
                    grammar::back(&start, tail).map_or(0, |b| b.lines)
                }
                _ => 0,
            };
            let given_back = trace.give_back(claimed);
            self.close(ch, trace, false, ctx);
            for line in given_back {
                remember(&mut self.channels[ch], line);
            }
            return Offer::Ended;
        }
        match trace.state.offer(&content) {
            Verdict::Take => {
                trace.take(line, content, ctx.now_ms);
                if !trace.draining && trace.over_limits(ctx.config) {
                    // Emit what fits; keep consuming the rest of the trace unseen.
                    let cut = OpenTrace {
                        prefix: trace.prefix.clone(),
                        state: trace.state,
                        first_line: trace.first_line,
                        last_line: trace.last_line,
                        intro: trace.intro.take(),
                        raw: std::mem::take(&mut trace.raw),
                        content: std::mem::take(&mut trace.content),
                        ends: std::mem::take(&mut trace.ends),
                        message_tail: Vec::new(),
                        held: Vec::new(),
                        bytes: trace.bytes,
                        foreign: 0,
                        last_activity_ms: ctx.now_ms,
                        truncated: true,
                        draining: false,
                    };
                    trace.draining = true;
                    self.close(ch, cut, false, ctx);
                }
                Offer::Taken
            }
            Verdict::Hold => {
                trace.held.push(line);
                trace.last_activity_ms = ctx.now_ms;
                Offer::Taken
            }
            Verdict::End => {
                let trace = self.channels[ch].open.remove(i);
                self.close(ch, trace, false, ctx);
                Offer::Ended
            }
            Verdict::Abandon => {
                self.channels[ch].open.remove(i);
                Offer::Ended
            }
        }
    }

    /// A line that belongs to no open trace: it may start one, be a JSON record
    /// carrying one, or be an intro candidate for a later one.
    fn free_line(&mut self, ch: usize, line: LogicalLine, ctx: &mut Ctx<'_>) {
        let content = line.content.as_str();
        let trimmed = content.trim_start();
        if trimmed.starts_with('{') {
            // The field's text goes through the engine itself, so every language
            // is found inside JSON; the record is the event.
            let config = ctx.config;
            let mut scan = |text: &str| {
                Engine::scan_bytes(config.clone(), text.as_bytes())
                    .into_iter()
                    .next()
            };
            if let Some(found) = json_record::find_trace(trimmed.as_bytes(), &mut scan) {
                let mut inner = found.trace;
                let intro = found.intro.or(inner.intro.take());
                if inner.kind == EventKind::Stack
                    && let (Some(intro), Some(last)) = (&intro, inner.chain.last_mut())
                {
                    // A stack dump's message is the record that asked for it.
                    last.message = intro.trim().to_string();
                }
                let text = line.raw;
                self.stats.events += 1;
                ctx.out.push(ErrorEvent {
                    span: Span {
                        source: self.id,
                        first_line: line.first,
                        last_line: line.last,
                    },
                    text,
                    intro,
                    stream: CHANNELS[ch].name().map(str::to_string),
                    ..inner
                });
                return;
            }
            remember(&mut self.channels[ch], line);
            return;
        }
        if let Some(start) = grammar::start(content) {
            let prefix_text = &content.as_bytes()[..start.prefix_len];
            let suffix = &content.as_bytes()[content.len() - start.suffix_len..];
            let prefix = (!prefix_text.is_empty() || !suffix.is_empty())
                .then(|| Prefix::new(prefix_text, suffix));
            let earlier = self.adjacent_recent(ch, &line, prefix.as_ref());
            let contents: Vec<String> = earlier.iter().map(|(_, c)| c.clone()).collect();
            if let Some(grammar::Back {
                lines: taken,
                state,
                intro: intro_allowed,
                any_intro,
            }) = grammar::back(&start, &contents)
            {
                let own = content[start.prefix_len..content.len() - start.suffix_len].to_string();
                let mut lines: Vec<(LogicalLine, String)> = Vec::with_capacity(taken + 1);
                // Remove the claimed lines from the recent ones, newest first.
                let claimed: Vec<(usize, String)> = earlier.into_iter().rev().take(taken).collect();
                for (index, content) in claimed {
                    let l = self.channels[ch]
                        .recent
                        .remove(index)
                        .expect("index of a recent line");
                    lines.push((l, content));
                }
                lines.reverse();
                lines.push((line, own));
                let intro_prefix = prefix.as_ref().filter(|p| !p.is_blank());
                let intro = if intro_allowed {
                    self.take_intro(ch, &lines[0].0, intro_prefix, any_intro)
                } else {
                    None
                };
                let mut lines = lines.into_iter();
                let (first, first_content) = lines.next().expect("at least the start line");
                self.open(ch, first, first_content, prefix, state, intro, ctx);
                let trace = self.channels[ch].open.last_mut().expect("just opened");
                for (l, c) in lines {
                    trace.take(l, c, ctx.now_ms);
                }
                return;
            }
        }
        remember(&mut self.channels[ch], line);
    }

    #[allow(clippy::too_many_arguments)]
    fn open(
        &mut self,
        ch: usize,
        line: LogicalLine,
        content: String,
        prefix: Option<Prefix>,
        state: TraceState,
        intro: Option<LogicalLine>,
        ctx: &mut Ctx<'_>,
    ) {
        // A new trace of a writer that already has one open ends the old one.
        let same_writer = self.channels[ch]
            .open
            .iter()
            .position(|t| match (&t.prefix, &prefix) {
                (None, None) => true,
                (Some(a), Some(b)) => a.identity() == b.identity(),
                _ => false,
            });
        if let Some(i) = same_writer {
            let old = self.channels[ch].open.remove(i);
            self.close(ch, old, false, ctx);
        }
        if self.channels.iter().map(|c| c.open.len()).sum::<usize>() >= ctx.config.max_open_traces
            && let Some((oc, _)) = self
                .channels
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.open.is_empty())
                .min_by_key(|(_, c)| c.open[0].last_activity_ms)
        {
            let oldest = self.channels[oc].open.remove(0);
            self.close(oc, oldest, false, ctx);
        }
        let first_line = intro.as_ref().map_or(line.first, |l| l.first);
        let mut trace = OpenTrace {
            prefix,
            state,
            first_line,
            last_line: line.last,
            intro,
            raw: Vec::new(),
            content: Vec::new(),
            ends: Vec::new(),
            message_tail: Vec::new(),
            held: Vec::new(),
            bytes: 0,
            foreign: 0,
            last_activity_ms: ctx.now_ms,
            truncated: false,
            draining: false,
        };
        trace.take(line, content, ctx.now_ms);
        self.channels[ch].open.push(trace);
    }

    /// The recent lines that introduced a trace starting at `line` (removed from
    /// the recent lines): the log record right before it, which may span
    /// several lines (`Task exception was never retrieved` + `future: …`).
    fn take_intro(
        &mut self,
        ch: usize,
        line: &LogicalLine,
        prefix: Option<&Prefix>,
        any_level: bool,
    ) -> Option<LogicalLine> {
        let last_trace_end = self.channels[ch].last_trace_end;
        let recent = &mut self.channels[ch].recent;
        let window_start = line.first.saturating_sub(LOOKBACK_LINES as u64);
        let content_of = |l: &LogicalLine| content_after(prefix, &l.content);
        // A writer whose prefix says ERROR: its line before the trace is the intro.
        let writer_is_error = prefix
            .is_some_and(|p| assemble::looks_like_intro(&String::from_utf8_lossy(p.identity())));
        // The adjacent lines of the same writer before the trace, newest first,
        // back to the start of their log record.
        let mut run: Vec<(usize, bool)> = Vec::new(); // (index, intro-like)
        let mut chosen: Option<usize> = None;
        let mut next_first = line.first;
        for i in (0..recent.len()).rev() {
            let r = &recent[i];
            if r.last < window_start || run.len() >= MAX_INTRO_LINES {
                break;
            }
            let Some(content) = content_of(r) else {
                if prefix.is_some() {
                    continue; // another writer's line in between
                }
                break;
            };
            // Container channels interleave the other stream's records, and a
            // prefixed writer other writers' lines; but a trace of the same
            // stream in between separates a record from the new trace.
            let trace_between =
                prefix.is_none() && r.last < last_trace_end && last_trace_end < next_first;
            let adjacent =
                r.last + 1 == next_first || ((prefix.is_some() || ch != 0) && !trace_between);
            let usable = adjacent
                && !content.trim().is_empty()
                && !content.starts_with(' ')
                && !content.starts_with('\t')
                && python::find_header(&content).is_none();
            if !usable {
                break;
            }
            let intro_like = writer_is_error || assemble::looks_like_intro(&content);
            if assemble::is_record_start(&content) {
                // The record that holds the trace's message: it is the intro if
                // it is an error-level record.
                if intro_like || any_level {
                    chosen = Some(i);
                }
                run.clear();
                break;
            }
            run.push((i, intro_like));
            next_first = r.first;
        }
        if chosen.is_none() {
            // No record start: the oldest error-like line of the run (plain
            // stderr, where `Exception in thread …:` or a multi-line message
            // precedes the traceback), or the line right before in lenient mode.
            chosen = run
                .iter()
                .rev()
                .find(|(_, intro_like)| *intro_like)
                .map(|(i, _)| *i);
        }
        if chosen.is_none()
            && let Some(p) = prefix
            && let Some(last) = recent.back()
            && last.last + 1 == line.first
            && p.text_is_tail_of(&last.content)
        {
            // Tagged logging (Rails): the record's own line ends with the tag that
            // prefixes the lines after it (`FATAL -- : [req-id]   `).
            return recent.pop_back();
        }
        let i = chosen?;
        let mut lines: Vec<LogicalLine> = recent.drain(i..).collect();
        if prefix.is_some() {
            // Keep only the writer's own lines; lines of others stay recent.
            let (own, others): (Vec<_>, Vec<_>) =
                lines.drain(..).partition(|l| content_of(l).is_some());
            recent.extend(others);
            lines = own;
        }
        let mut intro = lines.into_iter();
        let mut merged = intro.next()?;
        for l in intro {
            merged.last = l.last;
            merged.raw.push('\n');
            merged.raw.push_str(&l.raw);
            merged.content.push('\n');
            merged.content.push_str(&l.content);
        }
        Some(merged)
    }

    /// The writer's recent lines right before `line` (adjacent to it and to
    /// each other, other writers' lines skipped), oldest first, with their
    /// content after the writer's prefix: at most [`grammar::MAX_BACK`].
    fn adjacent_recent(
        &self,
        ch: usize,
        line: &LogicalLine,
        prefix: Option<&Prefix>,
    ) -> Vec<(usize, String)> {
        let recent = &self.channels[ch].recent;
        let mut out = Vec::new();
        let mut next_first = line.first;
        for i in (0..recent.len()).rev() {
            if out.len() >= grammar::MAX_BACK {
                break;
            }
            let r = &recent[i];
            match content_after(prefix, &r.content) {
                Some(content) => {
                    if prefix.is_none() && ch == 0 && r.last + 1 != next_first {
                        break;
                    }
                    next_first = r.first;
                    out.push((i, content));
                }
                None if prefix.is_some() => continue,
                None => break,
            }
        }
        out.reverse();
        out
    }

    /// Turns a finished trace into an event (or drops it when it holds no trace after all).
    fn close(&mut self, ch: usize, trace: OpenTrace, at_end: bool, ctx: &mut Ctx<'_>) {
        if trace.prefix.is_none() {
            let channel = &mut self.channels[ch];
            channel.last_trace_end = channel.last_trace_end.max(trace.last_line);
        }
        if trace.draining {
            return;
        }
        let complete = trace.state.is_complete();
        let lines: Vec<&str> = trace.content.iter().map(String::as_str).collect();
        let mut raw: Vec<&str> = Vec::with_capacity(trace.raw.len() + 1);
        if let Some(intro) = &trace.intro {
            raw.push(&intro.raw);
        }
        raw.extend(trace.raw.iter().map(String::as_str));
        let intro_content = trace
            .intro
            .as_ref()
            .map(|l| trace.strip(&l.content).unwrap_or_else(|| l.content.clone()));
        let stream = stream_label(CHANNELS[ch], trace.prefix.as_ref());
        let truncated = trace.truncated || (!complete && at_end);
        if let Some(event) = build_event(
            self.id,
            trace.state.language(),
            &lines,
            &raw,
            (trace.first_line, trace.last_line),
            intro_content,
            Some(complete),
            stream,
            truncated,
        ) {
            self.stats.events += 1;
            ctx.out.push(event);
        }
        // Held blank lines were not part of the trace: they are ordinary lines again.
        for held in trace.held {
            remember(&mut self.channels[ch], held);
        }
    }
}

enum Offer {
    Taken,
    Ended,
}

/// How a line relates to an open trace with a per-line prefix.
enum Route {
    /// The trace has no prefix.
    Skip,
    /// The line carries the trace's prefix; the content after it.
    Offer(String),
    /// The trace's "prefix" turned out to be an intro on the header line.
    DropPrefix,
    /// A line of another writer.
    Foreign,
}

/// A line kept for lookback, capped the same way whether it comes from the
/// current buffer or the saved history, so results do not depend on where
/// `push` boundaries fall. The cap exceeds a Docker piece (16 KiB, escaped).
fn lookback_copy(line: &[u8]) -> Vec<u8> {
    line[..line.len().min(LOOKBACK_LINE_BYTES)].to_vec()
}

/// The content of a line after `prefix` (the whole line when there is none),
/// or None when the line does not carry that prefix.
fn content_after(prefix: Option<&Prefix>, content: &str) -> Option<String> {
    match prefix {
        None => Some(content.to_string()),
        Some(p) => p
            .strip(content.as_bytes())
            .map(|c| String::from_utf8_lossy(c).into_owned()),
    }
}

fn remember(channel: &mut ChannelState, mut line: LogicalLine) {
    // Blank lines are kept: they break intros, but a trace may claim one back
    // (Node's uncaught-error preamble ends with a blank line).
    if line.raw.len() > RECENT_LINE_BYTES {
        line.raw
            .truncate(floor_char_boundary(&line.raw, RECENT_LINE_BYTES));
    }
    if line.content.len() > RECENT_LINE_BYTES {
        line.content
            .truncate(floor_char_boundary(&line.content, RECENT_LINE_BYTES));
    }
    channel.recent.push_back(line);
    while channel.recent.len() > RECENT_LINES {
        channel.recent.pop_front();
    }
}

/// `String::from_utf8_lossy` checks byte by byte; `str::from_utf8` validates
/// ASCII a word at a time, and almost every log line is valid UTF-8.
fn utf8_lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn stream_label(channel: Channel, prefix: Option<&Prefix>) -> Option<String> {
    let writer = prefix
        .map(|p| String::from_utf8_lossy(p.identity()).trim().to_string())
        .filter(|s| !s.is_empty());
    match (channel.name(), writer) {
        (None, None) => None,
        (Some(c), None) => Some(c.to_string()),
        (None, Some(w)) => Some(w),
        (Some(c), Some(w)) => Some(format!("{c} {w}")),
    }
}

/// Parses and fingerprints one assembled trace. `complete` is None for JSON
/// records (always complete), else whether the exception line was seen.
#[allow(clippy::too_many_arguments)]
fn build_event(
    source: SourceId,
    language: Language,
    content: &[&str],
    raw: &[&str],
    (first_line, last_line): (u64, u64),
    intro: Option<String>,
    complete: Option<bool>,
    stream: Option<String>,
    truncated: bool,
) -> Option<ErrorEvent> {
    let (kind, mut chain) = grammar::parse(language, content);
    let last = chain
        .last_mut()
        .expect("parse returns at least one exception");
    if last.ty.is_empty()
        && kind == EventKind::Exception
        && let Some((ty, message)) = intro.as_deref().and_then(assemble::lambda_intro_exception)
    {
        last.ty = ty;
        last.message = message;
    }
    let has_substance = chain
        .iter()
        .any(|e| !e.ty.is_empty() || !e.frames.is_empty());
    if !has_substance {
        return None;
    }
    if kind == EventKind::Stack
        && let Some(intro) = &intro
    {
        chain.last_mut().expect("non-empty").message = intro.trim().to_string();
    }
    let text = raw.join("\n");
    let truncated = truncated
        || (complete == Some(false) && kind == EventKind::Exception && chain_is_cut(&chain));
    Some(ErrorEvent {
        language,
        kind,
        fingerprint: fingerprint::fingerprint(&chain),
        fingerprint_version: FINGERPRINT_VERSION,
        chain,
        span: Span {
            source,
            first_line,
            last_line,
        },
        text,
        intro,
        stream,
        truncated,
    })
}

/// A chain whose last exception has frames but no exception line was cut short.
fn chain_is_cut(chain: &[Exception]) -> bool {
    chain.last().is_some_and(|e| e.ty.is_empty())
}
