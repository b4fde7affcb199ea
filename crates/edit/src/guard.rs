//! Which files a model's edit may touch.
//!
//! A path from the model is checked, not repaired: `..`, absolute paths,
//! drive letters and `.git/` are refusals that go back to the model, never
//! silently cleaned into something else. Only harmless spelling is
//! normalized (`./` components, repeated or Windows separators).
//!
//! The deny lists (git data, CI configuration, dependency manifests and lock
//! files, files that look like secrets) are matched case-insensitively on
//! every platform: refusing `CARGO.TOML` on Linux costs nothing, letting
//! `.GitHub/workflows/x.yml` through on macOS would not. The allow list is
//! matched case-insensitively only where the file system is
//! ([`EditPolicy::case_insensitive`]).
//!
//! The guard sees names only. The caller, which touches the disk, must still
//! make sure that no symbolic link inside the repository leads out of it.

use std::fmt;

/// What a model's edits may touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditPolicy {
    /// Repository-relative files (`src/app.py`), directories with a trailing
    /// `/` (everything below them; `./` is the whole repository), or glob
    /// patterns (`src/**/*.py`; `*` does not cross `/`). Empty: nothing.
    pub allowed: Vec<String>,
    /// Allow CI configuration (`.github/`, `.gitlab-ci.yml`, …).
    pub allow_ci: bool,
    /// Allow dependency manifests and lock files.
    pub allow_manifests: bool,
    /// Allow files whose names look like they hold secrets.
    pub allow_secret_files: bool,
    /// The most lines (added plus removed) one answer may change in total.
    pub max_changed_lines: usize,
    /// Whether `allowed` ignores case (the platform's file system does).
    pub case_insensitive: bool,
}

/// The default `fix.max_changed_lines`.
pub const DEFAULT_MAX_CHANGED_LINES: usize = 60;

impl Default for EditPolicy {
    fn default() -> EditPolicy {
        EditPolicy {
            allowed: Vec::new(),
            allow_ci: false,
            allow_manifests: false,
            allow_secret_files: false,
            max_changed_lines: DEFAULT_MAX_CHANGED_LINES,
            case_insensitive: cfg!(any(windows, target_os = "macos")),
        }
    }
}

impl EditPolicy {
    /// The default allowed set: the files of the in-app frames, and the
    /// files directly in their directories (so a fix may also touch a
    /// sibling module or add a file next to them, but not a subtree).
    pub fn for_frames<'a>(files: impl IntoIterator<Item = &'a str>) -> EditPolicy {
        let mut allowed: Vec<String> = Vec::new();
        for file in files {
            let Ok(path) = normalize(file) else { continue };
            let directory_glob = match path.0.rsplit_once('/') {
                Some((directory, _)) => format!("{}/*", glob::Pattern::escape(directory)),
                None => "*".to_owned(),
            };
            for entry in [path.0, directory_glob] {
                if !allowed.contains(&entry) {
                    allowed.push(entry);
                }
            }
        }
        EditPolicy {
            allowed,
            ..EditPolicy::default()
        }
    }
}

/// A repository-relative path with `/` separators and no `.`, `..` or empty
/// components.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NormalizedPath(String);

impl NormalizedPath {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl AsRef<str> for NormalizedPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NormalizedPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An edit the policy does not allow; `Display` explains it to the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Refused to edit `{path}`: {reason}")]
pub struct Refusal {
    /// The path as the model wrote it.
    pub path: String,
    pub reason: RefusalReason,
}

/// Why a path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefusalReason {
    #[error("the path is empty. Give the file's path relative to the repository root.")]
    Empty,
    #[error(
        "the path contains control characters. Give the file's path relative to the repository \
         root."
    )]
    ControlCharacters,
    #[error("the path is absolute. Give paths relative to the repository root, like `src/app.py`.")]
    Absolute,
    #[error(
        "the path contains `..` and could lead out of the repository. Give the path from the \
         repository root, without `..`."
    )]
    ParentDirectory,
    #[error("files under `.git/` are git's own data, not source code; they are never edited.")]
    GitDirectory,
    #[error(
        "it is CI configuration (`.github/`, `.gitlab-ci.yml`, `Jenkinsfile`, …), which is not \
         changed by fixes. Fix the application code instead."
    )]
    CiConfiguration,
    #[error(
        "it is a dependency manifest or lock file, which is not changed by fixes. Fix the code \
         without adding, removing or upgrading dependencies."
    )]
    DependencyManifest,
    #[error(
        "its name looks like a file holding secrets (keys, credentials, `.env`); such files are \
         never edited."
    )]
    SecretFile,
    #[error(
        "it is outside the files this fix may change. {}",
        allowed_list(allowed)
    )]
    NotAllowed {
        /// The policy's allowed entries.
        allowed: Vec<String>,
    },
}

fn allowed_list(allowed: &[String]) -> String {
    const SHOWN: usize = 12;
    if allowed.is_empty() {
        return "No file may be changed.".to_owned();
    }
    let mut list = allowed
        .iter()
        .take(SHOWN)
        .map(|entry| format!("`{entry}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if allowed.len() > SHOWN {
        list.push_str(&format!(" and {} more", allowed.len() - SHOWN));
    }
    format!("Only these may be changed: {list}.")
}

/// Checks that `path` (as the model wrote it) may be edited under `policy`,
/// and returns it normalized.
pub fn check_path(policy: &EditPolicy, path: &str) -> Result<NormalizedPath, Refusal> {
    let refuse = |reason| Refusal {
        path: path.to_owned(),
        reason,
    };
    let normalized = normalize(path).map_err(refuse)?;
    let lower = normalized.0.to_lowercase();
    let components: Vec<&str> = lower.split('/').collect();
    if components.contains(&".git") {
        return Err(refuse(RefusalReason::GitDirectory));
    }
    if !policy.allow_ci && is_ci_configuration(&components) {
        return Err(refuse(RefusalReason::CiConfiguration));
    }
    if !policy.allow_manifests && is_manifest(&components) {
        return Err(refuse(RefusalReason::DependencyManifest));
    }
    if !policy.allow_secret_files && is_secret_file(&components) {
        return Err(refuse(RefusalReason::SecretFile));
    }
    if !is_allowed(policy, &normalized.0) {
        return Err(refuse(RefusalReason::NotAllowed {
            allowed: policy.allowed.clone(),
        }));
    }
    Ok(normalized)
}

/// Spelling-only normalization; anything that changes which file is meant
/// is a refusal.
fn normalize(path: &str) -> Result<NormalizedPath, RefusalReason> {
    if path.trim().is_empty() {
        return Err(RefusalReason::Empty);
    }
    if path.chars().any(char::is_control) {
        return Err(RefusalReason::ControlCharacters);
    }
    let unified = path.replace('\\', "/");
    let bytes = unified.as_bytes();
    let has_drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if unified.starts_with('/') || unified.starts_with('~') || has_drive {
        return Err(RefusalReason::Absolute);
    }
    let mut components = Vec::new();
    for component in unified.split('/') {
        match component {
            "" | "." => {}
            ".." => return Err(RefusalReason::ParentDirectory),
            other => components.push(other),
        }
    }
    if components.is_empty() {
        return Err(RefusalReason::Empty);
    }
    Ok(NormalizedPath(components.join("/")))
}

/// Directories whose whole content is CI configuration.
const CI_DIRECTORIES: &[&str] = &[
    ".github",
    ".gitlab",
    ".circleci",
    ".buildkite",
    ".woodpecker",
    ".gitea",
    ".forgejo",
    ".azure-pipelines",
];

/// CI configuration file names.
const CI_FILES: &[&str] = &[
    ".gitlab-ci.yml",
    ".gitlab-ci.yaml",
    "azure-pipelines.yml",
    "azure-pipelines.yaml",
    ".travis.yml",
    "bitbucket-pipelines.yml",
    ".drone.yml",
    ".woodpecker.yml",
    "appveyor.yml",
    ".appveyor.yml",
    "cloudbuild.yaml",
    "cloudbuild.yml",
    "codecov.yml",
    ".codecov.yml",
];

/// Components are lower-case.
fn is_ci_configuration(components: &[&str]) -> bool {
    let (name, directories) = components
        .split_last()
        .expect("normalized paths are not empty");
    directories.iter().any(|dir| CI_DIRECTORIES.contains(dir))
        || CI_FILES.contains(name)
        || name.starts_with("jenkinsfile")
}

/// Dependency manifests and lock files, by exact (lower-case) name.
const MANIFEST_FILES: &[&str] = &[
    "cargo.toml",
    "cargo.lock",
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    "bun.lock",
    "bun.lockb",
    "deno.lock",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "setup.py",
    "setup.cfg",
    "go.mod",
    "go.sum",
    "go.work",
    "go.work.sum",
    "composer.json",
    "composer.lock",
    "pom.xml",
    "packages.lock.json",
    "directory.packages.props",
    "gradle.lockfile",
    "mix.exs",
    "mix.lock",
    "package.swift",
    "package.resolved",
    "podfile",
    "podfile.lock",
    "pubspec.yaml",
    "pubspec.lock",
    "flake.lock",
    "cpanfile",
    "cpanfile.snapshot",
];

/// Name prefixes of manifests with variants (`requirements-dev.txt`,
/// `Gemfile.lock`, `build.gradle.kts`).
const MANIFEST_PREFIXES: &[&str] = &["pipfile", "gemfile", "build.gradle", "settings.gradle"];

/// Extensions of project files that list dependencies.
const MANIFEST_EXTENSIONS: &[&str] = &[
    ".csproj", ".fsproj", ".vbproj", ".gemspec", ".cabal", ".nuspec",
];

fn is_manifest(components: &[&str]) -> bool {
    let name = components.last().expect("normalized paths are not empty");
    MANIFEST_FILES.contains(name)
        || MANIFEST_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
        || MANIFEST_EXTENSIONS.iter().any(|ext| name.ends_with(ext))
        || (name.starts_with("requirements") && (name.ends_with(".txt") || name.ends_with(".in")))
}

/// File names that hold secrets.
const SECRET_FILES: &[&str] = &[
    ".env",
    ".npmrc",
    ".pypirc",
    ".netrc",
    "_netrc",
    ".pgpass",
    ".htpasswd",
    ".git-credentials",
    ".dockercfg",
    ".vault-token",
];

/// Prefixes of secret file names (`.env.local`, `id_rsa.pub`,
/// `credentials.json`, `secrets.yaml`).
const SECRET_PREFIXES: &[&str] = &[
    ".env.",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "credentials",
    "secrets.",
    "secret.",
];

const SECRET_EXTENSIONS: &[&str] = &[
    ".env",
    ".pem",
    ".key",
    ".p12",
    ".pfx",
    ".jks",
    ".keystore",
    ".kdbx",
    ".ovpn",
];

/// Directories that hold keys and credentials.
const SECRET_DIRECTORIES: &[&str] = &[".ssh", ".aws", ".gnupg", ".docker"];

fn is_secret_file(components: &[&str]) -> bool {
    let (name, directories) = components
        .split_last()
        .expect("normalized paths are not empty");
    SECRET_FILES.contains(name)
        || SECRET_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
        || SECRET_EXTENSIONS.iter().any(|ext| name.ends_with(ext))
        || directories
            .iter()
            .any(|dir| SECRET_DIRECTORIES.contains(dir))
}

fn is_allowed(policy: &EditPolicy, path: &str) -> bool {
    let fold = |s: &str| {
        if policy.case_insensitive {
            s.to_lowercase()
        } else {
            s.to_owned()
        }
    };
    let path = fold(path);
    let options = glob::MatchOptions {
        case_sensitive: !policy.case_insensitive,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    policy.allowed.iter().any(|entry| {
        let entry = entry.replace('\\', "/");
        let entry = entry.trim_start_matches("./");
        if entry.is_empty() || entry == "." {
            // `./`: the whole repository.
            return true;
        }
        if entry.contains(['*', '?', '[']) {
            return glob::Pattern::new(entry)
                .is_ok_and(|pattern| pattern.matches_with(&path, options));
        }
        let entry = fold(entry);
        match entry.strip_suffix('/') {
            Some(directory) => path
                .strip_prefix(directory)
                .is_some_and(|rest| rest.starts_with('/')),
            None => path == entry,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_policy() -> EditPolicy {
        EditPolicy {
            allowed: vec!["./".to_owned()],
            ..EditPolicy::default()
        }
    }

    fn reason(policy: &EditPolicy, path: &str) -> Option<RefusalReason> {
        check_path(policy, path).err().map(|refusal| refusal.reason)
    }

    #[test]
    fn normalizes_harmless_spelling_only() {
        let policy = open_policy();
        for (path, expected) in [
            ("src/app.py", "src/app.py"),
            ("./src//app.py", "src/app.py"),
            ("src\\app.py", "src/app.py"),
            ("src/./app.py", "src/app.py"),
        ] {
            assert_eq!(check_path(&policy, path).unwrap().as_str(), expected);
        }
    }

    #[test]
    fn traversal_and_absolute_paths_are_refused() {
        let policy = open_policy();
        for path in ["../etc/passwd", "src/../../x.py", "src/..", "..\\x.py"] {
            assert_eq!(
                reason(&policy, path),
                Some(RefusalReason::ParentDirectory),
                "{path}"
            );
        }
        // Even a `..` that stays inside is refused rather than cleaned.
        assert_eq!(
            reason(&policy, "src/../app.py"),
            Some(RefusalReason::ParentDirectory)
        );
        for path in [
            "/etc/passwd",
            "C:\\Windows\\x.py",
            "c:/x.py",
            "\\\\server\\x",
            "~/.bashrc",
        ] {
            assert_eq!(
                reason(&policy, path),
                Some(RefusalReason::Absolute),
                "{path}"
            );
        }
        assert_eq!(reason(&policy, ""), Some(RefusalReason::Empty));
        assert_eq!(reason(&policy, "./"), Some(RefusalReason::Empty));
        assert_eq!(
            reason(&policy, "src/a\0.py"),
            Some(RefusalReason::ControlCharacters)
        );
    }

    #[test]
    fn git_data_is_never_edited() {
        let policy = EditPolicy {
            allow_ci: true,
            allow_manifests: true,
            allow_secret_files: true,
            ..open_policy()
        };
        for path in [
            ".git/config",
            ".GIT/hooks/pre-commit",
            "vendor/lib/.git/HEAD",
            ".git",
        ] {
            assert_eq!(
                reason(&policy, path),
                Some(RefusalReason::GitDirectory),
                "{path}"
            );
        }
        assert!(check_path(&policy, ".gitignore").is_ok());
    }

    #[test]
    fn ci_configuration_unless_allowed() {
        let policy = open_policy();
        for path in [
            ".github/workflows/ci.yml",
            ".GitHub/dependabot.yml",
            ".gitlab-ci.yml",
            "services/api/.gitlab-ci.yml",
            ".circleci/config.yml",
            "Jenkinsfile",
            "ci/Jenkinsfile.release",
            "azure-pipelines.yml",
            ".travis.yml",
            "bitbucket-pipelines.yml",
            ".buildkite/pipeline.yml",
            ".drone.yml",
        ] {
            assert_eq!(
                reason(&policy, path),
                Some(RefusalReason::CiConfiguration),
                "{path}"
            );
        }
        let allowing = EditPolicy {
            allow_ci: true,
            ..open_policy()
        };
        assert!(check_path(&allowing, ".github/workflows/ci.yml").is_ok());
    }

    #[test]
    fn manifests_and_locks_unless_allowed() {
        let policy = open_policy();
        for path in [
            "Cargo.toml",
            "crates/x/Cargo.toml",
            "Cargo.lock",
            "package.json",
            "web/package-lock.json",
            "yarn.lock",
            "pnpm-lock.yaml",
            "requirements.txt",
            "requirements-dev.txt",
            "pyproject.toml",
            "poetry.lock",
            "Pipfile",
            "Pipfile.lock",
            "setup.py",
            "setup.cfg",
            "go.mod",
            "go.sum",
            "Gemfile",
            "Gemfile.lock",
            "composer.json",
            "composer.lock",
            "pom.xml",
            "build.gradle",
            "build.gradle.kts",
            "src/App/App.csproj",
            "packages.lock.json",
            "uv.lock",
        ] {
            assert_eq!(
                reason(&policy, path),
                Some(RefusalReason::DependencyManifest),
                "{path}"
            );
        }
        let allowing = EditPolicy {
            allow_manifests: true,
            ..open_policy()
        };
        assert!(check_path(&allowing, "Cargo.toml").is_ok());
        assert!(check_path(&policy, "src/requirements.py").is_ok());
    }

    #[test]
    fn secret_looking_files_unless_allowed() {
        let policy = open_policy();
        for path in [
            ".env",
            ".env.production",
            "config/prod.env",
            "certs/server.pem",
            "tls/server.key",
            "id_rsa",
            "deploy/id_rsa.pub",
            "store.p12",
            "credentials.json",
            "config/credentials.yml.enc",
            "secrets.yaml",
            ".npmrc",
            ".pypirc",
            "home/.ssh/config",
            ".aws/config",
        ] {
            assert_eq!(
                reason(&policy, path),
                Some(RefusalReason::SecretFile),
                "{path}"
            );
        }
        let allowing = EditPolicy {
            allow_secret_files: true,
            ..open_policy()
        };
        assert!(check_path(&allowing, ".env").is_ok());
        assert!(check_path(&policy, "src/environment.py").is_ok());
        assert!(check_path(&policy, "src/keyboard.py").is_ok());
    }

    #[test]
    fn allowed_files_directories_and_globs() {
        let policy = EditPolicy {
            allowed: vec![
                "src/app.py".to_owned(),
                "lib/".to_owned(),
                "tests/**/*.py".to_owned(),
                "docs/*.md".to_owned(),
            ],
            ..EditPolicy::default()
        };
        for path in [
            "src/app.py",
            "lib/a.py",
            "lib/deep/b.py",
            "tests/unit/x/test_a.py",
            "docs/a.md",
        ] {
            assert!(check_path(&policy, path).is_ok(), "{path}");
        }
        for path in [
            "src/other.py",
            "library/a.py",
            "lib",
            "tests/a.txt",
            "docs/sub/a.md",
            "app.py",
        ] {
            assert!(
                matches!(
                    reason(&policy, path),
                    Some(RefusalReason::NotAllowed { .. })
                ),
                "{path}"
            );
        }
    }

    #[test]
    fn allowed_case_follows_the_platform_flag() {
        let sensitive = EditPolicy {
            allowed: vec![
                "src/App.py".to_owned(),
                "Lib/".to_owned(),
                "Docs/*.md".to_owned(),
            ],
            case_insensitive: false,
            ..EditPolicy::default()
        };
        assert!(check_path(&sensitive, "src/app.py").is_err());
        assert!(check_path(&sensitive, "lib/x.py").is_err());
        assert!(check_path(&sensitive, "docs/a.md").is_err());
        let insensitive = EditPolicy {
            case_insensitive: true,
            ..sensitive
        };
        assert!(check_path(&insensitive, "src/app.py").is_ok());
        assert!(check_path(&insensitive, "lib/x.py").is_ok());
        assert!(check_path(&insensitive, "docs/A.MD").is_ok());
    }

    #[test]
    fn frame_policy_allows_frame_files_and_their_siblings() {
        let policy =
            EditPolicy::for_frames(["app/views.py", "./app/models.py", "main.py", "../x.py"]);
        assert_eq!(
            policy.allowed,
            vec!["app/views.py", "app/*", "app/models.py", "main.py", "*"]
        );
        assert_eq!(policy.max_changed_lines, 60);
        assert!(check_path(&policy, "app/forms.py").is_ok());
        assert!(check_path(&policy, "setup_helpers.py").is_ok());
        assert!(check_path(&policy, "app/sub/deep.py").is_err());
        assert!(check_path(&policy, "other/x.py").is_err());
        // Glob characters in directory names are taken literally.
        let odd = EditPolicy::for_frames(["we[ird]/a.py"]);
        assert!(check_path(&odd, "we[ird]/b.py").is_ok());
        assert!(check_path(&odd, "wei/b.py").is_err());
    }

    #[test]
    fn refusal_messages() {
        let policy = EditPolicy {
            allowed: vec!["src/app.py".to_owned(), "src/".to_owned()],
            ..EditPolicy::default()
        };
        let messages: Vec<String> = [
            "../secrets.txt",
            "/etc/passwd",
            ".git/config",
            ".github/workflows/ci.yml",
            "requirements.txt",
            ".env",
            "lib/other.py",
        ]
        .iter()
        .map(|path| check_path(&policy, path).unwrap_err().to_string())
        .collect();
        insta::assert_snapshot!(messages.join("\n"));
        let nothing = check_path(&EditPolicy::default(), "a.py").unwrap_err();
        assert_eq!(
            nothing.to_string(),
            "Refused to edit `a.py`: it is outside the files this fix may change. No file may be changed."
        );
    }
}
