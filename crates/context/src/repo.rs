//! The tracked files of a repository, and the mapping of a frame's printed
//! path to one of them.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::lang::SourceLanguage;
use crate::syntax::ParsedSource;
use crate::{ContextError, FrameRef};

/// Files larger than this are never read into a context.
pub const MAX_FILE_BYTES: u64 = 8 << 20;

/// The files git tracks in a repository, indexed by file name.
#[derive(Debug, Clone)]
pub struct RepoIndex {
    root: PathBuf,
    /// Paths relative to `root`, with `/` separators.
    files: Vec<String>,
    /// Lowercased file name → indexes into `files`.
    by_name: HashMap<String, Vec<usize>>,
}

/// A frame mapped to a tracked file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The tracked path, relative to the repository root.
    pub path: String,
    /// How many trailing path components the frame's path and the file share
    /// (at least 1: the file name).
    pub matched_components: usize,
    /// How many components the frame's path had once deploy prefixes were stripped.
    pub query_components: usize,
    /// Whether the file defines the frame's function (the tie-breaker).
    pub defines_function: bool,
    /// How many other files matched exactly as well: 0 when the choice was clear.
    pub ties: usize,
}

impl RepoIndex {
    /// The files `git -C root ls-files -z` lists (paths that are not UTF-8 are skipped).
    pub fn from_git(root: &Path) -> Result<RepoIndex, ContextError> {
        if !root.is_dir() {
            return Err(ContextError::NotADirectory(root.to_path_buf()));
        }
        let output = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["ls-files", "-z"])
            .output()
            .map_err(|source| ContextError::GitUnavailable { source })?;
        if !output.status.success() {
            return Err(ContextError::Git {
                root: root.to_path_buf(),
                message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            });
        }
        let files = output
            .stdout
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .filter_map(|p| std::str::from_utf8(p).ok())
            .map(str::to_string)
            .collect();
        Ok(RepoIndex::from_paths(root, files))
    }

    /// An index over the given paths (relative to `root`, `/` or `\` separators).
    pub fn from_paths(root: &Path, files: Vec<String>) -> RepoIndex {
        let mut files: Vec<String> = files
            .into_iter()
            .map(|f| f.replace('\\', "/").trim_start_matches("./").to_string())
            .filter(|f| !f.is_empty())
            .collect();
        files.sort();
        files.dedup();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, file) in files.iter().enumerate() {
            by_name
                .entry(file_name(file).to_lowercase())
                .or_default()
                .push(index);
        }
        RepoIndex {
            root: root.to_path_buf(),
            files,
            by_name,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The tracked paths, sorted.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files
            .binary_search_by(|f| f.as_str().cmp(path))
            .is_ok()
    }

    /// Reads a tracked file. Symbolic links and other non-regular files are
    /// refused (a link could point outside the repository), and so are files
    /// over [`MAX_FILE_BYTES`].
    pub fn read(&self, path: &str) -> io::Result<String> {
        if !self.contains(path) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "not a tracked file",
            ));
        }
        let full = self.root.join(path);
        let metadata = std::fs::symlink_metadata(&full)?;
        if !metadata.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        if metadata.len() > MAX_FILE_BYTES {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "file too large"));
        }
        let bytes = std::fs::read(&full)?;
        Ok(String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    /// Maps a frame to the tracked file whose path shares the longest suffix
    /// (counted in path components) with the frame's path once deploy
    /// prefixes are stripped: first the configured `prefixes` (the longest
    /// that matches), else the usual ones (`/app`, `/srv`, `/var/task`,
    /// `/usr/src/app`, `/home/*/…`, everything up to `site-packages/`).
    /// The file name must match (case-insensitively); nothing else is guessed.
    ///
    /// Ties go to the file that defines the frame's function, then to the one
    /// sharing more of the unstripped path, then to the shorter path, then to
    /// the first in order; `ties` says how many were left equal.
    pub fn resolve(&self, frame: &FrameRef<'_>, prefixes: &[String]) -> Option<Resolved> {
        let query = QueryPath::of(frame, prefixes)?;
        let name = query.stripped.last()?;
        let candidates = self.by_name.get(&name.to_lowercase())?;
        let scored: Vec<(usize, usize)> = candidates
            .iter()
            .map(|&i| (i, common_suffix(&self.files[i], &query.stripped)))
            .collect();
        let best = scored.iter().map(|&(_, m)| m).max()?;
        let mut tied: Vec<usize> = scored
            .iter()
            .filter(|&&(_, m)| m == best)
            .map(|&(i, _)| i)
            .collect();
        let mut defines_function = false;
        if tied.len() > 1 {
            if let Some(function) = short_function_name(frame.function) {
                let defining: Vec<usize> = tied
                    .iter()
                    .copied()
                    .filter(|&i| self.defines(&self.files[i], function))
                    .collect();
                if !defining.is_empty() {
                    defines_function = true;
                    tied = defining;
                }
            }
            // What is left: the file that is the whole stripped path, then the
            // one sharing more of the printed path, then the shorter one.
            let key = |i: usize| {
                let file = &self.files[i];
                let depth = file.split('/').count();
                (
                    depth != best,
                    std::cmp::Reverse(common_suffix(file, &query.raw)),
                    depth,
                )
            };
            tied.sort_by_key(|&i| (key(i), i));
            let first_key = key(tied[0]);
            tied.retain(|&i| key(i) == first_key);
        } else if let Some(function) = short_function_name(frame.function) {
            defines_function = self.defines(&self.files[tied[0]], function);
        }
        Some(Resolved {
            path: self.files[tied[0]].clone(),
            matched_components: best,
            query_components: query.stripped.len(),
            defines_function,
            ties: tied.len() - 1,
        })
    }

    /// Whether the file defines a function called `name`: by its syntax tree
    /// when its language has a grammar, else by a word search.
    fn defines(&self, path: &str, name: &str) -> bool {
        let Ok(text) = self.read(path) else {
            return false;
        };
        if !contains_word(&text, name) {
            return false;
        }
        match SourceLanguage::from_path(path) {
            Some(language) => !ParsedSource::new(Some(language), text)
                .definitions_named(name)
                .is_empty(),
            None => true,
        }
    }
}

/// Whether a frame's file lies in an installed-packages directory, where only
/// the application's own package (one the repository holds) is in-app.
pub(crate) fn is_installed_package(frame: &FrameRef<'_>) -> bool {
    let file = frame.file.replace('\\', "/");
    file.contains("/site-packages/") || file.contains("/dist-packages/")
}

/// A frame's path, split into components.
#[derive(Debug, Clone, PartialEq, Eq)]
struct QueryPath {
    /// After stripping deploy prefixes.
    stripped: Vec<String>,
    /// As printed, normalized (no scheme, `/` separators, no `.`/`..`).
    raw: Vec<String>,
}

impl QueryPath {
    fn of(frame: &FrameRef<'_>, prefixes: &[String]) -> Option<QueryPath> {
        let printed = if frame.file.trim().is_empty() {
            frame.path
        } else {
            frame.file
        };
        let normalized = normalize_path(printed)?;
        let raw = components(&normalized);
        let mut stripped = strip_configured(&raw, prefixes)
            .unwrap_or_else(|| components(&tracefix_core::paths::app_relative(&normalized)));
        if stripped.is_empty() {
            stripped = raw.last().cloned().into_iter().collect();
        }
        if stripped.len() == 1
            && let Some(packaged) = jvm_package_path(&stripped[0], frame.function)
        {
            stripped = packaged;
        }
        if stripped.is_empty() {
            return None;
        }
        Some(QueryPath { stripped, raw })
    }
}

/// A printed path in a comparable form: URL schemes (`file://`,
/// `webpack:///`, `webpack://name/`) removed, a query or fragment dropped,
/// `\` turned into `/`, `.` and `..` resolved. `None` for what is no file
/// (`<anonymous>`, `<frozen …>`, `node:internal/…`, `native`).
pub(crate) fn normalize_path(printed: &str) -> Option<String> {
    let mut path = printed.trim().replace('\\', "/");
    if path.is_empty() || path.starts_with('<') || path.starts_with("node:") || path == "native" {
        return None;
    }
    for scheme in ["file://", "webpack-internal://", "webpack://", "vite://"] {
        if let Some(rest) = path.strip_prefix(scheme) {
            // `webpack://app-name/./src/x.js`: the part before the first `/` names the bundle.
            path = match scheme {
                "file://" => rest.to_string(),
                _ => match rest.find('/') {
                    Some(slash) => rest[slash..].to_string(),
                    None => rest.to_string(),
                },
            };
            break;
        }
    }
    if let Some(cut) = path.find(['?', '#']) {
        path.truncate(cut);
    }
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return None;
    }
    let joined = parts.join("/");
    Some(if absolute && !is_drive(parts[0]) {
        format!("/{joined}")
    } else {
        joined
    })
}

fn is_drive(part: &str) -> bool {
    let bytes = part.as_bytes();
    bytes.len() == 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// The components of a normalized path, without a drive letter.
fn components(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|p| !p.is_empty() && !is_drive(p))
        .map(str::to_string)
        .collect()
}

/// The path after the longest configured prefix it starts with.
fn strip_configured(raw: &[String], prefixes: &[String]) -> Option<Vec<String>> {
    prefixes
        .iter()
        .filter_map(|prefix| normalize_path(prefix).map(|p| components(&p)))
        .filter(|prefix| !prefix.is_empty() && prefix.len() < raw.len())
        .filter(|prefix| raw.iter().zip(prefix).all(|(a, b)| a == b))
        .max_by_key(Vec::len)
        .map(|prefix| raw[prefix.len()..].to_vec())
}

/// JVM traces print only the file name (`Cart.java`); the package is in the
/// class of the frame (`com.acme.shop.Cart.total`), and it is the directory
/// path in the source tree.
fn jvm_package_path(file: &str, function: &str) -> Option<Vec<String>> {
    let (stem, extension) = file.rsplit_once('.')?;
    if !matches!(extension, "java" | "kt" | "scala" | "groovy") {
        return None;
    }
    let segments: Vec<&str> = function.split('.').collect();
    let class_of = |s: &str| s.split('$').next().unwrap_or(s).to_string();
    // Kotlin top-level functions live in a class named after the file (`CartKt`).
    let class_index = segments
        .iter()
        .rposition(|s| class_of(s) == stem || class_of(s) == format!("{stem}Kt"))
        .or_else(|| segments.len().checked_sub(2))?;
    if class_index == 0 {
        return None;
    }
    let mut path: Vec<String> = segments[..class_index]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if path
        .iter()
        .any(|s| s.is_empty() || s.contains(['/', ' ', '(']))
    {
        return None;
    }
    path.push(file.to_string());
    Some(path)
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// How many trailing components `file` shares with `query` (ASCII
/// case-insensitively: Windows and macOS paths may differ in case).
fn common_suffix(file: &str, query: &[String]) -> usize {
    file.split('/')
        .rev()
        .zip(query.iter().rev())
        .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
        .count()
}

fn contains_word(text: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// The plain function or method name in a frame's function as the runtime
/// printed it: `Cart.total`, `com.acme.Cart.lambda$total$0`,
/// `main.(*Cart).Total.func1`, `App\Cart->total()`, `block (2 levels) in
/// total`, `<Total>b__0_0`, `shop::Cart::total::h0123456789abcdef` → `total`
/// or `Total`. `None` for module-level code (`<module>`, `<main>`).
pub fn short_function_name(function: &str) -> Option<&str> {
    let mut text = function.trim();
    // Ruby: `block in total`, `rescue in block (2 levels) in total`.
    if let Some((_, rest)) = text.rsplit_once(" in ") {
        text = rest.trim();
    }
    // An argument list at the end (C#, PHP, Rust's `<impl …>` forms aside).
    if text.ends_with(')')
        && let Some(open) = text.rfind('(')
        && open > 0
    {
        text = &text[..open];
    }
    let segments = text
        .split(['.', ':', '#', '\\', '/', '>', ' '])
        .filter(|s| !s.is_empty());
    // C#'s compiler-generated `<Total>b__0_0` names its method in brackets.
    if let Some(open) = text.rfind('<')
        && let Some((name, generated)) = text[open + 1..].split_once('>')
        && !generated.is_empty()
        && !generated.starts_with(':')
        && is_identifier(name)
    {
        return Some(name);
    }
    for segment in segments.rev() {
        // Java lambdas: `lambda$total$0`.
        if let Some(rest) = segment.strip_prefix("lambda$")
            && let Some(name) = rest.split('$').next()
            && is_identifier(name)
        {
            return Some(name);
        }
        let cleaned =
            segment.trim_matches(|c| matches!(c, '(' | ')' | '*' | '&' | '-' | '{' | '}'));
        if is_identifier(cleaned) && !is_generated_segment(cleaned) {
            return Some(cleaned);
        }
    }
    None
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '?' | '!' | '='))
}

/// Segments that name no function of the source: Go closures (`func1`), Rust
/// symbol hashes (`h0123456789abcdef`), the `async`/`new` of V8 frames.
fn is_generated_segment(segment: &str) -> bool {
    let digits_after = |prefix: &str| {
        segment
            .strip_prefix(prefix)
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    };
    let rust_hash = segment.len() == 17
        && segment.starts_with('h')
        && segment[1..].bytes().all(|b| b.is_ascii_hexdigit());
    digits_after("func")
        || rust_hash
        || matches!(
            segment,
            "async" | "new" | "closure" | "Object" | "anonymous"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame<'a>(file: &'a str, function: &'a str) -> FrameRef<'a> {
        FrameRef {
            file,
            path: "",
            line: Some(1),
            function,
            in_app: true,
        }
    }

    fn index(files: &[&str]) -> RepoIndex {
        RepoIndex::from_paths(
            Path::new("/nonexistent"),
            files.iter().map(|f| f.to_string()).collect(),
        )
    }

    fn resolved(
        index: &RepoIndex,
        file: &str,
        function: &str,
        prefixes: &[&str],
    ) -> Option<String> {
        let prefixes: Vec<String> = prefixes.iter().map(|p| p.to_string()).collect();
        index
            .resolve(&frame(file, function), &prefixes)
            .map(|r| r.path)
    }

    #[test]
    fn normalizes_printed_paths() {
        assert_eq!(
            normalize_path("file:///app/x.js").as_deref(),
            Some("/app/x.js")
        );
        assert_eq!(
            normalize_path("webpack:///./src/cart.ts?abc").as_deref(),
            Some("/src/cart.ts")
        );
        assert_eq!(
            normalize_path("webpack://shop/./src/../lib/cart.ts").as_deref(),
            Some("/lib/cart.ts")
        );
        assert_eq!(
            normalize_path(r"C:\inetpub\Shop\Cart.cs").as_deref(),
            Some("C:/inetpub/Shop/Cart.cs")
        );
        assert_eq!(normalize_path("<anonymous>"), None);
        assert_eq!(normalize_path("node:internal/x"), None);
        assert_eq!(normalize_path("./a/b.py").as_deref(), Some("a/b.py"));
    }

    #[test]
    fn longest_suffix_wins_and_prefixes_are_stripped() {
        let repo = index(&[
            "orders/service.py",
            "billing/service.py",
            "service.py",
            "srv/handler.py",
            "handler.py",
        ]);
        assert_eq!(
            resolved(&repo, "/app/orders/service.py", "f", &[]).as_deref(),
            Some("orders/service.py")
        );
        assert_eq!(
            resolved(
                &repo,
                "/home/deploy/releases/42/billing/service.py",
                "f",
                &[]
            )
            .as_deref(),
            Some("billing/service.py")
        );
        // `/srv` is where the app was deployed, not a directory of the repository.
        assert_eq!(
            resolved(&repo, "/srv/handler.py", "f", &[]).as_deref(),
            Some("handler.py")
        );
        // A configured prefix wins over the usual ones.
        assert_eq!(
            resolved(&repo, "/opt/build/srv/handler.py", "f", &["/opt/build"]).as_deref(),
            Some("srv/handler.py")
        );
        assert_eq!(resolved(&repo, "/app/orders/missing.py", "f", &[]), None);
    }

    #[test]
    fn installed_package_maps_to_its_import_path() {
        let repo = index(&["src/shop/cart.py", "shop_tests/cart.py"]);
        let r = repo
            .resolve(
                &frame("/venv/lib/python3.12/site-packages/shop/cart.py", "total"),
                &[],
            )
            .expect("resolved");
        assert_eq!(r.path, "src/shop/cart.py");
        assert_eq!((r.matched_components, r.query_components), (2, 2));
    }

    #[test]
    fn jvm_frames_use_the_package_path() {
        let repo = index(&[
            "src/main/java/com/acme/shop/Cart.java",
            "src/main/java/com/acme/legacy/Cart.java",
        ]);
        assert_eq!(
            resolved(&repo, "Cart.java", "com.acme.shop.Cart.total", &[]).as_deref(),
            Some("src/main/java/com/acme/shop/Cart.java")
        );
        assert_eq!(
            resolved(
                &repo,
                "Cart.java",
                "com.acme.legacy.Cart$Line.lambda$price$0",
                &[]
            )
            .as_deref(),
            Some("src/main/java/com/acme/legacy/Cart.java")
        );
    }

    #[test]
    fn windows_paths_match_case_insensitively() {
        let repo = index(&["Shop/Cart.cs"]);
        assert_eq!(
            resolved(
                &repo,
                r"C:\build\src\shop\cart.cs",
                "Shop.Cart.Total()",
                &[]
            )
            .as_deref(),
            Some("Shop/Cart.cs")
        );
    }

    #[test]
    fn function_names() {
        for (printed, expected) in [
            ("Cart.total", Some("total")),
            ("total", Some("total")),
            ("com.acme.Cart.lambda$total$0", Some("total")),
            ("main.(*Cart).Total.func1", Some("Total")),
            ("github.com/acme/shop/cart.(*Cart).Total", Some("Total")),
            (r"App\Http\Cart->total()", Some("total")),
            ("App\\Cart::total", Some("total")),
            ("block (2 levels) in total", Some("total")),
            ("Cart#total", Some("total")),
            ("Shop.Cart.<Total>b__0_0", Some("Total")),
            ("Shop.Cart.Total(Int32 count)", Some("Total")),
            ("shop::cart::Cart::total::h0123456789abcdef", Some("total")),
            ("shop::cart::total::{{closure}}", Some("total")),
            ("async Cart.total", Some("total")),
            ("Object.<anonymous>", None),
            ("<module>", None),
            ("", None),
        ] {
            assert_eq!(short_function_name(printed), expected, "{printed}");
        }
    }

    #[test]
    fn words() {
        assert!(contains_word("def total(self):", "total"));
        assert!(!contains_word("def subtotal(self):", "total"));
        assert!(!contains_word("totals = 1", "total"));
    }
}
