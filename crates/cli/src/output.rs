//! Output formats of `tracefix scan`. The JSON shapes here are a public
//! contract: fields may be added, never renamed.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;
use tracefix_core::{ErrorEvent, Exception, Frame, SourceStats};

#[derive(Serialize)]
struct EventJson<'a> {
    language: &'static str,
    kind: &'static str,
    exception: ExceptionHead<'a>,
    chain: Vec<ExceptionJson<'a>>,
    frames: Vec<FrameJson<'a>>,
    fingerprint: &'a str,
    fingerprint_version: u32,
    md5_raw: String,
    source: SourceJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    intro: Option<&'a str>,
    truncated: bool,
    text: &'a str,
}

#[derive(Serialize)]
struct ExceptionHead<'a> {
    #[serde(rename = "type")]
    ty: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct ExceptionJson<'a> {
    #[serde(rename = "type")]
    ty: &'a str,
    message: &'a str,
    frames: Vec<FrameJson<'a>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    is_group: bool,
    /// Index in `frames` before which the runtime left frames out.
    #[serde(skip_serializing_if = "Option::is_none")]
    frames_elided_at: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    exceptions: Vec<ExceptionJson<'a>>,
}

#[derive(Serialize)]
struct FrameJson<'a> {
    file: &'a str,
    line: Option<u32>,
    function: &'a str,
    in_app: bool,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "is_zero")]
    repeated: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Serialize)]
struct SourceJson<'a> {
    path: &'a str,
    first_line: u64,
    last_line: u64,
}

fn frame_json(f: &Frame) -> FrameJson<'_> {
    FrameJson {
        file: &f.file,
        line: f.line,
        function: &f.function,
        in_app: f.in_app,
        path: &f.path,
        source: f.source.as_deref(),
        repeated: f.repeated,
    }
}

fn exception_json(e: &Exception) -> ExceptionJson<'_> {
    ExceptionJson {
        ty: &e.ty,
        message: &e.message,
        frames: e.frames.iter().map(frame_json).collect(),
        is_group: e.is_group,
        frames_elided_at: e.frames_elided_at,
        exceptions: e.children.iter().map(exception_json).collect(),
    }
}

pub fn write_event_json(out: &mut impl Write, event: &ErrorEvent, path: &str) -> Result<()> {
    let exc = event.exception();
    let json = EventJson {
        language: event.language.as_str(),
        kind: event.kind.as_str(),
        exception: ExceptionHead {
            ty: &exc.ty,
            message: &exc.message,
        },
        chain: event.chain.iter().map(exception_json).collect(),
        frames: exc.frames.iter().map(frame_json).collect(),
        fingerprint: &event.fingerprint,
        fingerprint_version: event.fingerprint_version,
        md5_raw: event.md5_raw(),
        source: SourceJson {
            path,
            first_line: event.span.first_line,
            last_line: event.span.last_line,
        },
        stream: event.stream.as_deref(),
        intro: event.intro.as_deref(),
        truncated: event.truncated,
        text: &event.text,
    };
    serde_json::to_writer(&mut *out, &json)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Where an event was seen.
#[derive(Debug, Clone, Serialize)]
pub struct Occurrence {
    pub path: String,
    pub line: u64,
}

/// One error group, aggregated over the scanned inputs.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub fingerprint: String,
    pub fingerprint_version: u32,
    pub count: u64,
    pub language: &'static str,
    #[serde(rename = "type")]
    pub ty: String,
    pub message: String,
    /// The crash-site frame, `path:line in function`.
    pub location: Option<String>,
    pub first: Occurrence,
    pub last: Occurrence,
}

#[derive(Debug, Default)]
pub struct Groups {
    by_fingerprint: HashMap<String, usize>,
    groups: Vec<Group>,
    pub events: u64,
}

impl Groups {
    pub fn add(&mut self, event: &ErrorEvent, path: &str) {
        self.events += 1;
        let here = Occurrence {
            path: path.to_string(),
            line: event.span.first_line,
        };
        if let Some(&i) = self.by_fingerprint.get(&event.fingerprint) {
            let g = &mut self.groups[i];
            g.count += 1;
            g.last = here;
            return;
        }
        let exc = event.exception();
        let location = exc.crash_frame().map(|f| {
            let line = f.line.map(|l| format!(":{l}")).unwrap_or_default();
            if f.function.is_empty() {
                format!("{}{line}", f.path)
            } else {
                format!("{}{line} in {}", f.path, f.function)
            }
        });
        self.by_fingerprint
            .insert(event.fingerprint.clone(), self.groups.len());
        self.groups.push(Group {
            fingerprint: event.fingerprint.clone(),
            fingerprint_version: event.fingerprint_version,
            count: 1,
            language: event.language.as_str(),
            ty: if exc.ty.is_empty() {
                "(no exception)".to_string()
            } else {
                exc.ty.clone()
            },
            message: exc.message_first_line().to_string(),
            location,
            first: here.clone(),
            last: here,
        });
    }

    /// Most frequent first; ties in order of first appearance.
    pub fn sorted(&self) -> Vec<&Group> {
        let mut groups: Vec<&Group> = self.groups.iter().collect();
        groups.sort_by_key(|g| std::cmp::Reverse(g.count));
        groups
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }
}

pub fn write_groups_json(out: &mut impl Write, groups: &Groups) -> Result<()> {
    for group in groups.sorted() {
        serde_json::to_writer(&mut *out, group)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

const MESSAGE_WIDTH: usize = 48;
const TYPE_WIDTH: usize = 28;

pub fn write_table(out: &mut impl Write, groups: &Groups) -> Result<()> {
    if groups.len() == 0 {
        return Ok(());
    }
    let rows: Vec<[String; 4]> = groups
        .sorted()
        .into_iter()
        .map(|g| {
            [
                g.count.to_string(),
                clip(&g.ty, TYPE_WIDTH),
                clip(&g.message, MESSAGE_WIDTH),
                g.location.clone().unwrap_or_else(|| "-".to_string()),
            ]
        })
        .collect();
    let headers = ["COUNT", "TYPE", "MESSAGE", "WHERE"];
    let mut widths = headers.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut dyn Write, cells: [&str; 4]| -> std::io::Result<()> {
        writeln!(
            out,
            "{:>w0$}  {:<w1$}  {:<w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        )
    };
    line(out, headers)?;
    for row in &rows {
        line(out, [&row[0], &row[1], &row[2], &row[3]])?;
    }
    writeln!(out)?;
    Ok(())
}

pub fn write_summary(
    out: &mut impl Write,
    groups: &Groups,
    totals: &SourceStats,
    inputs: usize,
    elapsed: Duration,
) -> Result<()> {
    writeln!(
        out,
        "{} in {} from {} and {} of {} in {:.2}s",
        plural(groups.events, "event"),
        plural(groups.len() as u64, "group"),
        plural(inputs as u64, "input"),
        plural(totals.lines, "line"),
        human_bytes(totals.bytes),
        elapsed.as_secs_f64()
    )?;
    Ok(())
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Shortens `s` to `width` characters with an ellipsis, on one line.
fn clip(s: &str, width: usize) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= width {
        return one_line;
    }
    let mut clipped: String = one_line.chars().take(width.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}
