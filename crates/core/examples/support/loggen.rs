//! Deterministic generator of realistic application logs, for benchmarks.
//!
//! Shared by the `genlog` example (which writes big files) and the criterion
//! bench in `benches/engine.rs` (which builds buffers in memory); both include
//! this file with `#[path = "..."] mod loggen;`. Standard library only.
//!
//! Ordinary lines are a mix of Python `logging` records (`%(asctime)s
//! %(levelname)s %(name)s: %(message)s`, about 70%), JSON records (about 15%)
//! and combined access-log lines (about 15%), 100 to 200 bytes each, with
//! varying timestamps, levels, logger names and ids. None of them contains a
//! trace anchor (`Traceback (most recent call last)`, `File "`).
//!
//! In [`Kind::Mixed`] logs, 2% of all lines belong to Python tracebacks: an
//! `ERROR` logging record (the intro, as `logger.exception(...)` prints it)
//! followed by one of the real CPython tracebacks in `traces/` (10 to 19
//! lines, two of them chained). The digits of the final exception messages
//! are varied so the events are not byte-identical.
//!
//! The same kind and seed always give the same bytes.

#![allow(dead_code)] // each includer uses a different part of the API

use std::io::{self, Write};

/// Real CPython tracebacks, copied from `tests/corpus/python/cases/*.stderr.log`.
const TRACES: [&str; 6] = [
    include_str!("../traces/orders_py311.txt"),
    include_str!("../traces/chained_from_py312.txt"),
    include_str!("../traces/venv_fakedb_py311.txt"),
    include_str!("../traces/stats_zerodivision_py310.txt"),
    include_str!("../traces/chained_context_py311.txt"),
    include_str!("../traces/stdlib_json_py311.txt"),
];

/// Share of all lines (intro lines included) that belong to traces in mixed logs.
pub const TRACE_LINE_PERCENT: u64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Ordinary lines only.
    Clean,
    /// Ordinary lines with 2% of lines in tracebacks.
    Mixed,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "clean" => Some(Kind::Clean),
            "mixed" => Some(Kind::Mixed),
            _ => None,
        }
    }
}

/// What a generator has written so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub bytes: u64,
    pub lines: u64,
    /// Lines of traces, intro lines included.
    pub trace_lines: u64,
    /// Tracebacks written; each one should give exactly one event.
    pub traces: u64,
}

/// Parses `123`, `64K`, `32M`, `1G` (binary units; `KiB`/`MiB`/`GiB`/`KB`/... accepted too).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n: u64 = s[..digits].parse().ok()?;
    let unit = match s[digits..]
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(unit)
}

/// Generates a whole log of at least `size` bytes in memory.
pub fn generate(kind: Kind, size: usize, seed: u64) -> (Vec<u8>, Stats) {
    let mut g = Generator::new(kind, seed);
    let mut buf = Vec::with_capacity(size + 4096);
    g.fill(&mut buf, size);
    (buf, g.stats())
}

/// Writes a log of at least `size` bytes to `out`, in 4 MiB blocks.
pub fn write_log(kind: Kind, size: u64, seed: u64, out: &mut impl Write) -> io::Result<Stats> {
    const BLOCK: usize = 4 << 20;
    let mut g = Generator::new(kind, seed);
    let mut buf = Vec::with_capacity(BLOCK + 64 * 1024);
    while g.stats().bytes < size {
        let left = size - g.stats().bytes;
        g.fill(&mut buf, BLOCK.min(left as usize));
        out.write_all(&buf)?;
        buf.clear();
    }
    out.flush()?;
    Ok(g.stats())
}

struct Trace {
    lines: Vec<&'static str>,
    /// Lines whose digits are varied (exception lines and their continuation).
    vary: Vec<bool>,
}

pub struct Generator {
    kind: Kind,
    rng: Rng,
    /// Milliseconds since 2026-03-14 00:00:00 UTC.
    clock_ms: u64,
    /// Cached `YYYY-MM-DD` and CLF `DD/Mon/YYYY` of `cached_day`.
    cached_day: u64,
    date_iso: [u8; 10],
    date_clf: [u8; 11],
    traces: Vec<Trace>,
    /// The trace to write next and the number of ordinary lines to write before it.
    next_trace: usize,
    ordinary_target: u64,
    ordinary: u64,
    stats: Stats,
}

/// Mixed logs get other ordinary lines than clean logs of the same seed.
const MIXED_SEED: u64 = 0x6d69_7865_6400;
const START_DAYS: u64 = 20_526; // 2026-03-14 as days since 1970-01-01

impl Generator {
    pub fn new(kind: Kind, seed: u64) -> Generator {
        let traces = TRACES
            .iter()
            .map(|text| {
                let lines: Vec<&str> = text.lines().collect();
                let vary = lines
                    .iter()
                    .map(|l| {
                        !l.starts_with(' ')
                            && !l.is_empty()
                            && !l.starts_with("Traceback (")
                            && !l.starts_with("During handling")
                            && !l.starts_with("The above exception")
                    })
                    .collect();
                Trace { lines, vary }
            })
            .collect();
        let mut g = Generator {
            kind,
            rng: Rng::new(seed ^ if kind == Kind::Mixed { MIXED_SEED } else { 0 }),
            clock_ms: 8 * 3_600_000,
            cached_day: u64::MAX,
            date_iso: [0; 10],
            date_clf: [0; 11],
            traces,
            next_trace: 0,
            ordinary_target: 0,
            ordinary: 0,
            stats: Stats::default(),
        };
        g.plan_next_trace();
        g
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Appends whole lines (and whole traces) to `buf` until it holds at least `len` bytes.
    pub fn fill(&mut self, buf: &mut Vec<u8>, len: usize) {
        while buf.len() < len {
            let start = buf.len();
            if self.kind == Kind::Mixed && self.ordinary >= self.ordinary_target {
                let lines = self.write_trace(buf);
                self.stats.lines += lines;
                self.stats.trace_lines += lines;
                self.stats.traces += 1;
                self.plan_next_trace();
            } else {
                self.write_ordinary(buf);
                self.stats.lines += 1;
                self.ordinary += 1;
            }
            self.stats.bytes += (buf.len() - start) as u64;
        }
    }

    /// Picks the next trace and how many ordinary lines come before it, so that on
    /// average trace lines are `TRACE_LINE_PERCENT`% of all lines.
    fn plan_next_trace(&mut self) {
        self.next_trace = self.rng.below(self.traces.len() as u64) as usize;
        let lines = self.traces[self.next_trace].lines.len() as u64 + 1;
        let per_trace = lines * (100 - TRACE_LINE_PERCENT) / TRACE_LINE_PERCENT;
        // Uniform in [0.5, 1.5] × the average gap: irregular spacing, exact mean.
        self.ordinary_target += per_trace / 2 + self.rng.below(per_trace + 1);
    }

    fn tick(&mut self) {
        self.clock_ms += self.rng.below(40);
        let day = self.clock_ms / 86_400_000;
        if day != self.cached_day {
            self.cached_day = day;
            let (y, m, d) = civil_from_days(START_DAYS + day);
            let mut iso = Vec::with_capacity(10);
            let _ = write!(iso, "{y:04}-{m:02}-{d:02}");
            self.date_iso.copy_from_slice(&iso);
            let mut clf = Vec::with_capacity(11);
            let _ = write!(clf, "{d:02}/{}/{y:04}", MONTHS[m as usize - 1]);
            self.date_clf.copy_from_slice(&clf);
        }
    }

    /// `HH:MM:SS` then `sep` and milliseconds when `sep` is not 0.
    fn put_time(&self, buf: &mut Vec<u8>, sep: u8) {
        let ms = self.clock_ms % 86_400_000;
        put_num(buf, ms / 3_600_000, 2);
        buf.push(b':');
        put_num(buf, ms / 60_000 % 60, 2);
        buf.push(b':');
        put_num(buf, ms / 1000 % 60, 2);
        if sep != 0 {
            buf.push(sep);
            put_num(buf, ms % 1000, 3);
        }
    }

    /// `2026-03-14 08:12:33,123 LEVEL logger: `
    fn put_logging_prefix(&self, buf: &mut Vec<u8>, level: &str, logger: &str) {
        buf.extend_from_slice(&self.date_iso);
        buf.push(b' ');
        self.put_time(buf, b',');
        buf.push(b' ');
        buf.extend_from_slice(level.as_bytes());
        buf.push(b' ');
        buf.extend_from_slice(logger.as_bytes());
        buf.extend_from_slice(b": ");
    }

    fn write_ordinary(&mut self, buf: &mut Vec<u8>) {
        self.tick();
        match self.rng.below(100) {
            0..70 => self.write_logging(buf),
            70..85 => self.write_json(buf),
            _ => self.write_access(buf),
        }
    }

    fn write_logging(&mut self, buf: &mut Vec<u8>) {
        let level = match self.rng.below(100) {
            0..15 => "DEBUG",
            15..83 => "INFO",
            83..95 => "WARNING",
            _ => "ERROR",
        };
        let logger = self.pick(&LOGGERS);
        self.put_logging_prefix(buf, level, logger);
        let r = &mut self.rng;
        let order = 10_000 + r.below(90_000);
        let customer = 1_000 + r.below(9_000);
        let req = r.next();
        let ms = 1 + r.below(900);
        let _ = match (level, r.below(6)) {
            ("ERROR", 0) => write!(
                buf,
                "payment declined for order {order} (customer {customer}): card_expired, gateway=stripe request_id=req-{req:016x}"
            ),
            ("ERROR", 1) => write!(
                buf,
                "upstream inventory-svc returned 503 for sku SKU-{} after {ms} ms; giving up after 3 attempts (order {order})",
                r.below(10_000)
            ),
            ("ERROR", 2) => write!(
                buf,
                "Error: could not send receipt to customer {customer}: SMTP 451 4.7.1 try again later (queue id {req:012X})"
            ),
            ("ERROR", _) => write!(
                buf,
                "job export-{order} failed: ValueError raised in worker, see run {req:016x} for details (attempt {} of 5)",
                1 + r.below(5)
            ),
            ("WARNING", 0) => write!(
                buf,
                "slow query on orders ({ms} ms > 250 ms): SELECT * FROM orders WHERE customer_id = {customer} LIMIT 50"
            ),
            ("WARNING", 1) => write!(
                buf,
                "retrying request to https://api.partner.example.com/v2/shipments/{order} (attempt {}/5, last status 502)",
                2 + r.below(4)
            ),
            ("WARNING", 2) => write!(
                buf,
                "cache miss rate {}.{}% above threshold for region eu-west-{} (keys={}, evictions={})",
                10 + r.below(80),
                r.below(10),
                1 + r.below(3),
                r.below(1_000_000),
                r.below(5_000)
            ),
            ("WARNING", _) => write!(
                buf,
                "deprecated field 'shipping_addr' used by client app-{}/{}.{}.{}; request_id=req-{req:016x}",
                r.below(50),
                r.below(4),
                r.below(20),
                r.below(10)
            ),
            ("DEBUG", 0 | 1) => write!(
                buf,
                "cache get key=cart:{customer}:{order} hit={} ttl={}s size={}B",
                r.below(2) == 1,
                r.below(3600),
                r.below(40_000)
            ),
            ("DEBUG", 2 | 3) => write!(
                buf,
                "SQL: UPDATE orders SET status='paid', updated_at=now() WHERE id={order} -- {ms} rows/s, conn=pool-{}",
                r.below(16)
            ),
            ("DEBUG", _) => write!(
                buf,
                "dispatching event order.updated id=evt_{req:016x} to {} subscribers (partition {})",
                1 + r.below(8),
                r.below(64)
            ),
            (_, 0) => write!(
                buf,
                "order {order} created for customer {customer} (items={}, total={}.{:02} EUR, request_id=req-{req:016x})",
                1 + r.below(9),
                r.below(2000),
                r.below(100)
            ),
            (_, 1) => write!(
                buf,
                "GET /api/v1/orders/{order} completed in {ms} ms with status 200 for user {customer} via gateway-{}",
                r.below(8)
            ),
            (_, 2) => write!(
                buf,
                "shipment {req:012X} for order {order} handed over to carrier dhl, tracking JD0146{:010}, eta {} days",
                r.below(10_000_000_000),
                1 + r.below(6)
            ),
            (_, 3) => write!(
                buf,
                "user {customer} logged in from 203.0.113.{} (session s-{req:016x}, mfa={}, client=web)",
                r.below(255),
                r.below(2) == 1
            ),
            (_, 4) => write!(
                buf,
                "worker-{} processed batch {order} of {} messages from queue orders.events in {ms} ms (lag {} ms)",
                r.below(32),
                1 + r.below(500),
                r.below(5000)
            ),
            (_, _) => write!(
                buf,
                "refund {} issued for order {order}: {}.{:02} EUR to customer {customer}, reason=customer_request",
                r.below(100_000),
                r.below(500),
                r.below(100)
            ),
        };
        buf.push(b'\n');
    }

    fn write_json(&mut self, buf: &mut Vec<u8>) {
        let level = match self.rng.below(100) {
            0..10 => "debug",
            10..85 => "info",
            85..96 => "warning",
            _ => "error",
        };
        let logger = self.pick(&LOGGERS);
        buf.extend_from_slice(b"{\"timestamp\":\"");
        buf.extend_from_slice(&self.date_iso);
        buf.push(b'T');
        self.put_time(buf, b'.');
        let r = &mut self.rng;
        let event = EVENTS[r.below(EVENTS.len() as u64) as usize];
        let _ = writeln!(
            buf,
            "Z\",\"level\":\"{level}\",\"logger\":\"{logger}\",\"event\":\"{event}\",\"order_id\":{},\"amount_cents\":{},\"request_id\":\"{:016x}\",\"duration_ms\":{}}}",
            10_000 + r.below(90_000),
            r.below(200_000),
            r.next(),
            r.below(2000)
        );
    }

    fn write_access(&mut self, buf: &mut Vec<u8>) {
        let r = &mut self.rng;
        let _ = write!(
            buf,
            "10.{}.{}.{} - - [",
            r.below(4),
            r.below(256),
            1 + r.below(254)
        );
        buf.extend_from_slice(&self.date_clf);
        buf.push(b':');
        self.put_time(buf, 0);
        let r = &mut self.rng;
        let (method, path) = PATHS[r.below(PATHS.len() as u64) as usize];
        let status = match r.below(100) {
            0..88 => 200,
            88..92 => 201,
            92..95 => 304,
            95..98 => 404,
            _ => 500,
        };
        let agent = AGENTS[r.below(AGENTS.len() as u64) as usize];
        let _ = writeln!(
            buf,
            " +0000] \"{method} {path}{} HTTP/1.1\" {status} {} \"-\" \"{agent}\" 0.{:03}",
            10_000 + r.below(90_000),
            r.below(60_000),
            r.below(1000)
        );
    }

    /// Writes an `ERROR` intro and a traceback; returns the number of lines written.
    fn write_trace(&mut self, buf: &mut Vec<u8>) -> u64 {
        self.tick();
        let logger = self.pick(&LOGGERS);
        self.put_logging_prefix(buf, "ERROR", logger);
        let r = &mut self.rng;
        let _ = writeln!(
            buf,
            "unhandled exception while processing {} {} (request_id=req-{:016x}, worker={})",
            ["order", "payment", "webhook", "invoice"][r.below(4) as usize],
            10_000 + r.below(90_000),
            r.next(),
            r.below(32)
        );
        let trace = &self.traces[self.next_trace];
        for (line, vary) in trace.lines.iter().zip(&trace.vary) {
            let start = buf.len();
            buf.extend_from_slice(line.as_bytes());
            if *vary {
                for b in &mut buf[start..] {
                    if b.is_ascii_digit() {
                        *b = b'0' + self.rng.below(10) as u8;
                    }
                }
            }
            buf.push(b'\n');
        }
        trace.lines.len() as u64 + 1
    }

    fn pick(&mut self, list: &[&'static str]) -> &'static str {
        list[self.rng.below(list.len() as u64) as usize]
    }
}

const LOGGERS: [&str; 12] = [
    "app.orders",
    "app.payments",
    "app.billing.invoices",
    "app.shipping",
    "app.auth",
    "app.api.views",
    "celery.worker",
    "gunicorn.error",
    "sqlalchemy.engine",
    "app.inventory.sync",
    "app.notifications.email",
    "urllib3.connectionpool",
];

const EVENTS: [&str; 8] = [
    "charge_authorized",
    "order_created",
    "cart_updated",
    "invoice_rendered",
    "stock_reserved",
    "webhook_delivered",
    "session_refreshed",
    "shipment_label_printed",
];

const PATHS: [(&str, &str); 8] = [
    ("GET", "/api/v1/orders/"),
    ("GET", "/api/v1/customers/"),
    ("POST", "/api/v1/payments/intents/"),
    ("GET", "/static/js/app.bundle.js?v="),
    ("PUT", "/api/v1/carts/"),
    ("GET", "/healthz?probe="),
    ("DELETE", "/api/v1/sessions/"),
    ("POST", "/webhooks/stripe/evt_"),
];

const AGENTS: [&str; 5] = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15",
    "python-requests/2.32.3",
    "kube-probe/1.30",
    "curl/8.8.0",
];

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Appends `n` in decimal, zero-padded to `width` digits.
fn put_num(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut i = digits.len();
    let mut n = n;
    while n > 0 || i == digits.len() {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let start = i.min(digits.len() - width);
    buf.extend_from_slice(&digits[start..]);
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n < 2^32).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() >> 32) * n) >> 32
    }
}
