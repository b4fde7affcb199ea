//! The localizer: from a trace's frames to the source snippets of the
//! application's repository that the model is shown.
//!
//! 1. **Mapping** ([`RepoIndex::resolve`]): each frame's printed path, with
//!    deploy prefixes stripped, is matched against the files git tracks by
//!    the longest common path suffix; library frames are left out.
//! 2. **Spans** ([`syntax`]): tree-sitter finds the function, method or named
//!    closure enclosing each frame's line (with its decorators, attributes,
//!    doc comments and the declaration line of its class), the file's imports
//!    and the names the crash-site function calls; a file no grammar covers,
//!    or a line outside any function, gets a window of lines.
//! 3. **Budget** ([`build_context`]): the crash-site function always; then the
//!    callers' functions, the imports and the called definitions, in that
//!    order, while they fit `context_tokens`.
//!
//! The repository is read, never written; only tracked regular files are
//! opened (no symbolic links), so a path in a log cannot reach outside it.

mod lang;
mod render;
mod repo;
pub mod syntax;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

pub use lang::SourceLanguage;
pub use render::{estimate_tokens, render_snippet};
pub use repo::{MAX_FILE_BYTES, RepoIndex, Resolved, short_function_name};
pub use syntax::{FunctionSpan, ParsedSource, enclosing_function};

/// Lines longer than this many characters are clipped in snippets (minified
/// code would otherwise spend the whole budget on one line).
pub const MAX_LINE_CHARS: usize = 1000;

/// Called definitions looked for in files other than the frames' own are
/// searched in at most this many files (same language family, in the
/// directories of the in-app frames, sorted by path).
pub const MAX_DEFINITION_FILES: usize = 32;

/// At most this many called definitions are offered to the budget.
pub const MAX_DEFINITIONS: usize = 12;

/// One frame of a trace, borrowed from wherever the caller keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRef<'a> {
    /// The path exactly as the trace printed it.
    pub file: &'a str,
    /// The path with deploy prefixes stripped (as `tracefix_core::Frame::path`);
    /// used when `file` is empty.
    pub path: &'a str,
    pub line: Option<u32>,
    /// The function as printed (`Cart.total`, `com.acme.Cart.total`, `main.(*Cart).Total`).
    pub function: &'a str,
    /// Whether the frame belongs to the application rather than a library.
    pub in_app: bool,
}

impl<'a> From<&'a tracefix_core::Frame> for FrameRef<'a> {
    fn from(frame: &'a tracefix_core::Frame) -> FrameRef<'a> {
        FrameRef {
            file: &frame.file,
            path: &frame.path,
            line: frame.line,
            function: &frame.function,
            in_app: frame.in_app,
        }
    }
}

/// The frames of an exception in the order [`build_context`] takes them:
/// crash site first. `tracefix_core::Exception::frames` holds the outermost
/// call first (the order Python prints), so this reverses it.
pub fn crash_site_first(exception: &tracefix_core::Exception) -> Vec<FrameRef<'_>> {
    exception.frames.iter().rev().map(FrameRef::from).collect()
}

/// Settings of the localizer (`repo.path_prefixes`, `fix.context_tokens`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextOptions {
    /// Deploy prefixes to strip from printed paths before the usual ones.
    pub path_prefixes: Vec<String>,
    /// The token budget of all snippets together (see [`estimate_tokens`]).
    pub context_tokens: usize,
    /// Lines shown on each side of a frame's line when no function encloses it.
    pub window_lines: usize,
}

impl Default for ContextOptions {
    fn default() -> ContextOptions {
        ContextOptions {
            path_prefixes: Vec::new(),
            context_tokens: 6000,
            window_lines: 20,
        }
    }
}

/// Why a snippet is in the context; also its priority in the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SnippetKind {
    /// The function of the innermost in-app frame: always included.
    CrashSite,
    /// The function of another in-app frame.
    CallerFrame,
    /// The import lines of a frame's file.
    Imports,
    /// A function the crash-site function calls, defined in the repository.
    Definition,
}

/// How much of the source a snippet covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Extent {
    /// A whole function or method (with its class line).
    Function,
    /// `window_lines` either side of a frame's line: no function encloses it
    /// (module-level code, a file without a grammar, a parse that found none).
    Window,
    /// Part of the crash-site function around the crash line: the whole of it
    /// is over the budget.
    Truncated,
    /// Selected lines (imports).
    Lines,
}

/// One numbered source line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine {
    /// 1-based.
    pub number: u32,
    /// Without its line ending; clipped past [`MAX_LINE_CHARS`].
    pub text: String,
}

/// A piece of one file shown to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// Relative to the repository root.
    pub path: String,
    pub kind: SnippetKind,
    pub extent: Extent,
    /// The qualified function name (`Cart.total`) when the snippet is a function.
    pub symbol: Option<String>,
    /// The first and last line shown.
    pub start_line: u32,
    pub end_line: u32,
    /// The lines shown, ascending, possibly with gaps (a class line above a method).
    pub lines: Vec<SourceLine>,
    /// The lines frames point at (the crash line, the callers' call lines).
    pub marked_lines: Vec<u32>,
    /// Said to the model after the lines (what truncation left out).
    pub note: Option<String>,
}

impl Snippet {
    /// The lines shown, joined by `\n`, without numbers.
    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// What [`build_context`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CodeContext {
    /// Crash site first, then callers, imports and definitions, each file's
    /// overlapping pieces merged into one snippet.
    pub snippets: Vec<Snippet>,
    /// The estimate of all rendered snippets ([`estimate_tokens`] of
    /// [`render_snippet`]); at most the budget unless the crash line alone exceeds it.
    pub estimated_tokens: usize,
    /// In-app frames that could not be placed in the repository, with the reason.
    pub unresolved_frames: Vec<String>,
    /// What the budget left out, in priority order, with its estimated cost.
    pub omitted: Vec<String>,
}

impl CodeContext {
    /// Every snippet rendered, separated by blank lines: the prompt's code section.
    pub fn render(&self) -> String {
        self.snippets
            .iter()
            .map(render_snippet)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("{0} is not a directory")]
    NotADirectory(PathBuf),
    #[error("could not run git")]
    GitUnavailable {
        #[source]
        source: std::io::Error,
    },
    #[error("git ls-files failed in {root}: {message}")]
    Git { root: PathBuf, message: String },
}

/// A piece of context before the budget: a set of lines of one file.
#[derive(Debug, Clone)]
struct Candidate {
    path: String,
    kind: SnippetKind,
    extent: Extent,
    symbol: Option<String>,
    /// The lines of the piece itself: what overlaps or touches merges.
    lines: BTreeSet<u32>,
    /// Declaration lines shown above it (`class Cart:`), which merge nothing.
    headers: BTreeSet<u32>,
    marked: BTreeSet<u32>,
    note: Option<String>,
    /// How `omitted` names it.
    label: String,
}

/// The files read so far, parsed; `None` for a file that could not be read.
struct Sources<'r> {
    repo: &'r RepoIndex,
    parsed: HashMap<String, Option<ParsedSource>>,
}

impl<'r> Sources<'r> {
    fn get(&mut self, path: &str) -> Option<&ParsedSource> {
        let repo = self.repo;
        self.parsed
            .entry(path.to_string())
            .or_insert_with(|| {
                repo.read(path)
                    .ok()
                    .map(|text| ParsedSource::new(SourceLanguage::from_path(path), text))
            })
            .as_ref()
    }
}

/// Builds the code context of a trace.
///
/// `frames` must come **crash site first** (innermost call first): the first
/// in-app frame that resolves to a readable line of a tracked file is the
/// crash site; the following in-app frames are its callers, in order. A trace
/// printed outermost first (Python, or `tracefix_core::Exception::frames`)
/// is reversed by the caller ([`crash_site_first`]).
///
/// Frames with `in_app == false` are library frames and are left out, except
/// a frame inside `site-packages/`/`dist-packages/` whose whole package path
/// matches a tracked file (the application installed as a package). In-app
/// frames that cannot be placed are listed in `unresolved_frames`.
///
/// Budget: the crash-site function is always included (cut to the lines
/// around the crash line, with a note, when it alone is over the budget);
/// then the callers' functions, the imports of each frame's file, and the
/// definitions the crash-site function calls, in that order, until the next
/// one does not fit; it and everything after it go to `omitted`. Pieces of
/// the same file that overlap or touch are merged, so each function appears once.
pub fn build_context(
    repo: &RepoIndex,
    frames: &[FrameRef<'_>],
    options: &ContextOptions,
) -> Result<CodeContext, ContextError> {
    if !repo.root().is_dir() {
        return Err(ContextError::NotADirectory(repo.root().to_path_buf()));
    }
    let mut sources = Sources {
        repo,
        parsed: HashMap::new(),
    };
    let mut context = CodeContext::default();
    let mut frame_items: Vec<Candidate> = Vec::new();
    let mut crash_function: Option<FunctionSpan> = None;

    for frame in frames {
        let library = !frame.in_app;
        if library && !repo::is_installed_package(frame) {
            continue;
        }
        let Some(resolved) = repo.resolve(frame, &options.path_prefixes) else {
            if !library {
                context
                    .unresolved_frames
                    .push(describe_frame(frame, "no tracked file matches its path"));
            }
            continue;
        };
        if library && resolved.matched_components < resolved.query_components {
            continue;
        }
        let Some(source) = sources.get(&resolved.path) else {
            context.unresolved_frames.push(describe_frame(
                frame,
                &format!("{} could not be read", resolved.path),
            ));
            continue;
        };
        let kind = if frame_items.is_empty() {
            SnippetKind::CrashSite
        } else {
            SnippetKind::CallerFrame
        };
        let (item, function) = match frame_item(frame, &resolved.path, source, kind, options) {
            Ok(found) => found,
            Err(reason) => {
                context
                    .unresolved_frames
                    .push(describe_frame(frame, &reason));
                continue;
            }
        };
        if kind == SnippetKind::CrashSite {
            crash_function = function;
        }
        // Recursion, or several frames in one function: one snippet, every line marked.
        if let Some(same) = frame_items
            .iter_mut()
            .find(|c| c.path == item.path && c.lines == item.lines)
        {
            same.marked.extend(item.marked);
        } else {
            frame_items.push(item);
        }
    }

    let Some(crash) = frame_items.first().cloned() else {
        return Ok(context);
    };
    let mut frame_files: Vec<String> = Vec::new();
    for item in &frame_items {
        if !frame_files.contains(&item.path) {
            frame_files.push(item.path.clone());
        }
    }
    let mut queue: Vec<Candidate> = frame_items[1..].to_vec();
    for path in &frame_files {
        if let Some(source) = sources.get(path) {
            let lines = source.import_lines();
            if !lines.is_empty() {
                queue.push(Candidate {
                    path: path.clone(),
                    kind: SnippetKind::Imports,
                    extent: Extent::Lines,
                    symbol: None,
                    lines: lines.into_iter().collect(),
                    headers: BTreeSet::new(),
                    marked: BTreeSet::new(),
                    note: None,
                    label: format!("imports of {path}"),
                });
            }
        }
    }
    if let Some(function) = &crash_function {
        queue.extend(called_definitions(
            repo,
            &mut sources,
            &crash.path,
            function,
            &frame_files,
            &frame_items,
        ));
    }

    let budget = options.context_tokens;
    let mut accepted = vec![crash.clone()];
    if cost(&crash, &mut sources) > budget {
        let (truncated, left_out) = truncate_crash_site(&crash, &mut sources, budget);
        accepted = vec![truncated];
        context.omitted.push(left_out);
    }
    let mut used = cost(&accepted[0], &mut sources);
    for (index, candidate) in queue.iter().enumerate() {
        let (merged, merged_cost) = merge(&accepted, candidate, used, &mut sources);
        if merged_cost <= budget {
            accepted = merged;
            used = merged_cost;
            continue;
        }
        for left in &queue[index..] {
            let alone = cost(left, &mut sources);
            context
                .omitted
                .push(format!("{} (about {alone} tokens)", left.label));
        }
        break;
    }
    context.snippets = accepted
        .iter()
        .map(|c| to_snippet(c, &mut sources))
        .collect();
    context.estimated_tokens = context
        .snippets
        .iter()
        .map(|s| estimate_tokens(&render_snippet(s)))
        .sum();
    Ok(context)
}

fn describe_frame(frame: &FrameRef<'_>, reason: &str) -> String {
    let file = if frame.file.is_empty() {
        frame.path
    } else {
        frame.file
    };
    let line = frame.line.map(|l| format!(":{l}")).unwrap_or_default();
    let function = if frame.function.is_empty() {
        String::new()
    } else {
        format!(" in {}", frame.function)
    };
    format!("{file}{line}{function}: {reason}")
}

/// The piece of a resolved frame: its enclosing function, else a window of
/// lines; with the function found, for the crash site's calls.
fn frame_item(
    frame: &FrameRef<'_>,
    path: &str,
    source: &ParsedSource,
    kind: SnippetKind,
    options: &ContextOptions,
) -> Result<(Candidate, Option<FunctionSpan>), String> {
    let role = if kind == SnippetKind::CrashSite {
        "crash-site frame"
    } else {
        "caller frame"
    };
    let line_count = source.line_count();
    let function = match frame.line {
        Some(line) if line == 0 || line > line_count => {
            return Err(format!(
                "line {line} is outside {path} ({line_count} lines): the deployed code differs from the repository"
            ));
        }
        Some(line) => source.enclosing_function(line),
        None => short_function_name(frame.function)
            .and_then(|name| source.definitions_named(name).into_iter().next()),
    };
    let marked: BTreeSet<u32> = frame.line.into_iter().collect();
    let at = frame.line.map(|l| format!(":{l}")).unwrap_or_default();
    if let Some(function) = function {
        let candidate = Candidate {
            path: path.to_string(),
            kind,
            extent: Extent::Function,
            symbol: Some(function.qualified_name.clone()),
            lines: (function.start_line..=function.end_line).collect(),
            headers: function.header_lines.iter().copied().collect(),
            marked,
            note: None,
            label: format!("{role} {} ({path}{at})", function.qualified_name),
        };
        return Ok((candidate, Some(function)));
    }
    let Some(line) = frame.line else {
        return Err(format!(
            "no line number, and {path} defines no function of that name"
        ));
    };
    let window = u32::try_from(options.window_lines).unwrap_or(u32::MAX);
    let first = line.saturating_sub(window).max(1);
    let last = line.saturating_add(window).min(line_count);
    let symbol = short_function_name(frame.function).map(str::to_string);
    let candidate = Candidate {
        path: path.to_string(),
        kind,
        extent: Extent::Window,
        symbol,
        lines: (first..=last).collect(),
        headers: BTreeSet::new(),
        marked,
        note: None,
        label: format!("{role} {path}{at} (lines {first}-{last})"),
    };
    Ok((candidate, None))
}

/// The definitions of the names the crash-site function calls: first in its
/// own file, then in the other frames' files, then in at most
/// [`MAX_DEFINITION_FILES`] other tracked files of the same language family
/// in the frames' directories. The first definition of each name wins;
/// definitions already shown by a frame are skipped.
fn called_definitions(
    repo: &RepoIndex,
    sources: &mut Sources<'_>,
    crash_path: &str,
    crash_function: &FunctionSpan,
    frame_files: &[String],
    frame_items: &[Candidate],
) -> Vec<Candidate> {
    let Some(family) = SourceLanguage::from_path(crash_path).map(SourceLanguage::family) else {
        return Vec::new();
    };
    let mut names: Vec<String> = match sources.get(crash_path) {
        Some(source) => source.callees(crash_function),
        None => return Vec::new(),
    };
    names.retain(|n| *n != crash_function.name);
    if names.is_empty() {
        return Vec::new();
    }
    let directories: BTreeSet<&str> = frame_files
        .iter()
        .map(|f| f.rsplit_once('/').map_or("", |(dir, _)| dir))
        .collect();
    let same_family =
        |path: &str| SourceLanguage::from_path(path).is_some_and(|l| l.family() == family);
    let mut search_order: Vec<String> = vec![crash_path.to_string()];
    search_order.extend(
        frame_files
            .iter()
            .filter(|f| f.as_str() != crash_path && same_family(f))
            .cloned(),
    );
    search_order.extend(
        repo.files()
            .iter()
            .filter(|f| !frame_files.contains(f) && same_family(f))
            .filter(|f| directories.contains(f.rsplit_once('/').map_or("", |(dir, _)| dir)))
            .take(MAX_DEFINITION_FILES)
            .cloned(),
    );

    let mut found: Vec<Candidate> = Vec::new();
    for name in names {
        if found.len() == MAX_DEFINITIONS {
            break;
        }
        'files: for path in &search_order {
            let Some(source) = sources.get(path) else {
                continue;
            };
            for definition in source.definitions_named(&name) {
                let shown =
                    |c: &Candidate| c.path == *path && c.lines.contains(&definition.start_line);
                if frame_items.iter().any(shown) || found.iter().any(shown) {
                    continue;
                }
                found.push(Candidate {
                    path: path.clone(),
                    kind: SnippetKind::Definition,
                    extent: Extent::Function,
                    symbol: Some(definition.qualified_name.clone()),
                    label: format!(
                        "called definition {} ({path}:{}-{})",
                        definition.qualified_name, definition.start_line, definition.end_line
                    ),
                    lines: (definition.start_line..=definition.end_line).collect(),
                    headers: definition.header_lines.iter().copied().collect(),
                    marked: BTreeSet::new(),
                    note: None,
                });
                break 'files;
            }
        }
    }
    found
}

/// The accepted pieces with `candidate` added (merged into the pieces of the
/// same file it overlaps or touches), and their total cost.
fn merge(
    accepted: &[Candidate],
    candidate: &Candidate,
    used: usize,
    sources: &mut Sources<'_>,
) -> (Vec<Candidate>, usize) {
    let touches = |c: &Candidate| {
        c.path == candidate.path
            && candidate.lines.iter().any(|&l| {
                c.lines.contains(&l)
                    || c.lines.contains(&(l + 1))
                    || (l > 1 && c.lines.contains(&(l - 1)))
            })
    };
    let touched: Vec<usize> = (0..accepted.len())
        .filter(|&i| touches(&accepted[i]))
        .collect();
    let mut result = accepted.to_vec();
    let Some(&first) = touched.first() else {
        let added = cost(candidate, sources);
        result.push(candidate.clone());
        return (result, used + added);
    };
    let mut removed_cost = 0;
    let mut host = accepted[first].clone();
    for &i in &touched {
        removed_cost += cost(&accepted[i], sources);
        if i != first {
            host.lines.extend(&accepted[i].lines);
            host.headers.extend(&accepted[i].headers);
            host.marked.extend(&accepted[i].marked);
        }
    }
    host.lines.extend(&candidate.lines);
    host.headers.extend(&candidate.headers);
    host.marked.extend(&candidate.marked);
    let host_cost = cost(&host, sources);
    result[first] = host;
    for &i in touched.iter().skip(1).rev() {
        result.remove(i);
    }
    (result, used - removed_cost + host_cost)
}

fn cost(candidate: &Candidate, sources: &mut Sources<'_>) -> usize {
    estimate_tokens(&render_snippet(&to_snippet(candidate, sources)))
}

fn to_snippet(candidate: &Candidate, sources: &mut Sources<'_>) -> Snippet {
    let source = sources.get(&candidate.path);
    let lines: Vec<SourceLine> = candidate
        .headers
        .union(&candidate.lines)
        .map(|&number| SourceLine {
            number,
            text: clip(source.map_or("", |s| s.line(number))),
        })
        .collect();
    Snippet {
        path: candidate.path.clone(),
        kind: candidate.kind,
        extent: candidate.extent,
        symbol: candidate.symbol.clone(),
        start_line: lines.first().map_or(0, |l| l.number),
        end_line: lines.last().map_or(0, |l| l.number),
        lines,
        marked_lines: candidate.marked.iter().copied().collect(),
        note: candidate.note.clone(),
    }
}

fn clip(line: &str) -> String {
    match line.char_indices().nth(MAX_LINE_CHARS) {
        None => line.to_string(),
        Some((cut, _)) => {
            let more = line[cut..].chars().count();
            format!("{} [... {more} more characters]", &line[..cut])
        }
    }
}

/// The crash-site piece cut to the contiguous lines around the crash line
/// that fit `budget` (the crash line at least), and what `omitted` says.
fn truncate_crash_site(
    crash: &Candidate,
    sources: &mut Sources<'_>,
    budget: usize,
) -> (Candidate, String) {
    let first = crash.lines.first().copied().unwrap_or(1);
    let last = crash.lines.last().copied().unwrap_or(first);
    let crash_line = crash.marked.first().copied().unwrap_or(first);
    let symbol = crash.symbol.as_deref().unwrap_or("(unnamed)");
    let mut cut = crash.clone();
    cut.extent = Extent::Truncated;
    cut.headers.clear();
    let shown = |cut: &mut Candidate, low: u32, high: u32, sources: &mut Sources<'_>| {
        cut.lines = (low..=high).collect();
        cut.note = Some(format!(
            "{symbol} spans lines {first}-{last}; only lines {low}-{high} fit the context budget"
        ));
        cost(cut, sources)
    };
    let (mut low, mut high) = (crash_line, crash_line);
    shown(&mut cut, low, high, sources);
    // Grow one line at a time, after then before the crash line, while it fits.
    loop {
        let mut grew = false;
        if high < last && shown(&mut cut, low, high + 1, sources) <= budget {
            high += 1;
            grew = true;
        }
        if low > first && shown(&mut cut, low - 1, high, sources) <= budget {
            low -= 1;
            grew = true;
        }
        if !grew {
            break;
        }
    }
    shown(&mut cut, low, high, sources);
    let full = cost(crash, sources);
    let left_out = format!(
        "crash-site function {symbol} ({}:{first}-{last}, about {full} tokens) cut to lines {low}-{high}",
        crash.path
    );
    (cut, left_out)
}
