//! The engine's output: structured, fingerprinted error events.
//!
//! These are plain data types with no serialization attached: the edge crates
//! (the CLI, later the store and the server) convert them into their own wire
//! formats, so changing a wire format never touches the engine.

/// Identifies one input (a file, standard input, an HTTP body) inside an [`crate::Engine`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub u32);

/// The runtime that printed a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Python,
    /// Every JVM language (Java, Kotlin, Scala, Groovy).
    Java,
    /// Node.js and browsers (V8, SpiderMonkey, JavaScriptCore).
    JavaScript,
    Ruby,
    Go,
    Php,
    /// .NET (CoreCLR and Mono).
    DotNet,
    Rust,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Java => "java",
            Language::JavaScript => "javascript",
            Language::Ruby => "ruby",
            Language::Go => "go",
            Language::Php => "php",
            Language::DotNet => "dotnet",
            Language::Rust => "rust",
        }
    }
}

/// What kind of report an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A trace that ends in an exception (the common case).
    Exception,
    /// A stack dump with no exception, such as Python's `Stack (most recent call last):`
    /// written by `traceback.print_stack()` or `logging`'s `stack_info=True`.
    Stack,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Exception => "exception",
            EventKind::Stack => "stack",
        }
    }
}

/// One stack frame, as printed by the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The path exactly as the trace printed it.
    pub file: String,
    /// The path relative to the application: deploy prefixes and
    /// `site-packages/` stripped (see `docs/fingerprint.md`).
    pub path: String,
    pub line: Option<u32>,
    /// The function name; empty when the runtime printed none (a `SyntaxError` location).
    pub function: String,
    /// The source line when the trace shows it (several lines joined by `\n`
    /// when the runtime printed a multi-line span, as Python 3.13 does).
    pub source: Option<String>,
    /// Whether the frame belongs to the application rather than a library,
    /// the standard library or the runtime.
    pub in_app: bool,
    /// How many more times Python said the frame repeated (`[Previous line repeated N more times]`).
    pub repeated: u32,
}

/// One exception of an event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Exception {
    /// The type exactly as printed (`KeyError`, `__main__.EndOfStream`).
    pub ty: String,
    /// The whole message, possibly several lines (PEP 678 notes included, as
    /// Python prints them after the message). Empty when the type was printed alone.
    pub message: String,
    /// Outermost call first, crash site last.
    pub frames: Vec<Frame>,
    /// Sub-exceptions when this is an exception group, in printed order.
    pub children: Vec<Exception>,
    /// True for `ExceptionGroup`/`BaseExceptionGroup` blocks.
    pub is_group: bool,
    /// Set when the runtime left frames out of a deep stack (Go's
    /// `...N frames elided...` and `...additional frames elided...`): the
    /// missing frames lie just before `frames[i]`. Frames from `i` on are the
    /// crash side of the stack.
    pub frames_elided_at: Option<usize>,
}

impl Exception {
    /// The first line of the message.
    pub fn message_first_line(&self) -> &str {
        self.message.lines().next().unwrap_or("")
    }

    /// The crash-site frame: the innermost in-app frame, or the innermost frame.
    pub fn crash_frame(&self) -> Option<&Frame> {
        self.frames
            .iter()
            .rev()
            .find(|f| f.in_app)
            .or(self.frames.last())
    }
}

/// Where an event sits in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub source: SourceId,
    /// 1-based physical line numbers, inclusive.
    pub first_line: u64,
    pub last_line: u64,
}

/// One detected error: a whole trace with its chain, fingerprinted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEvent {
    pub language: Language,
    pub kind: EventKind,
    /// Every exception of the event, oldest cause first. The last one is the
    /// exception that ended the program or request. Never empty.
    pub chain: Vec<Exception>,
    /// The group key, lowercase hex SHA-256 (see [`crate::fingerprint`]).
    pub fingerprint: String,
    /// The version of the fingerprint algorithm that produced `fingerprint`.
    pub fingerprint_version: u32,
    pub span: Span,
    /// The raw text of the event: its physical input lines joined by `\n`
    /// (invalid UTF-8 replaced by U+FFFD).
    pub text: String,
    /// The log line that introduced the trace (`... ERROR app: failed to charge`), if any.
    pub intro: Option<String>,
    /// The stream the event came from inside its source (`stderr`, `pid 123`), if known.
    pub stream: Option<String>,
    /// True when a cap on lines or bytes, or the end of the input, cut the event short.
    pub truncated: bool,
}

impl ErrorEvent {
    /// The md5 of the raw text as the AWS "self-healing code" guidance computes
    /// it; computed on demand, since only `scan --json` shows it.
    pub fn md5_raw(&self) -> String {
        crate::fingerprint::md5_raw(&self.text)
    }

    /// The exception that ended the program or request.
    pub fn exception(&self) -> &Exception {
        self.chain.last().expect("an event always has an exception")
    }
}
