//! The settings of tracefix, layered as defaults < file (`tracefix.toml`) <
//! environment (`TRACEFIX_SECTION__KEY`) < command-line flags.
//!
//! [`load`] reads and merges the layers with figment; unknown keys and
//! values of the wrong type are errors that name the key and the layer it
//! came from (a file path or an environment variable). [`Settings::problems`]
//! then checks what types cannot say (addresses parse, a heartbeat is
//! shorter than the lease, …) in plain words. `Debug` never shows a token or
//! a database password.

mod secret;
mod settings;

use std::fmt;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};

pub use secret::Secret;
pub use settings::*;

/// The file read when `--config` is not given; it may be missing.
pub const DEFAULT_CONFIG_FILE: &str = "tracefix.toml";

/// Environment variables with this prefix and a `__` between section and
/// key (e.g. `TRACEFIX_STORE__URL`) override the file.
pub const ENV_PREFIX: &str = "TRACEFIX_";

/// Values given as command-line flags: the top layer.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub store_url: Option<String>,
    pub log_format: Option<LogFormat>,
}

/// Settings and where they came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub settings: Settings,
    /// The file that was read (`None` when the default file does not exist).
    pub file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the configuration file {} does not exist (create one with `tracefix init`)", .0.display())]
    MissingFile(PathBuf),

    /// An unknown key, a value of the wrong type, a file that is not TOML;
    /// each named with its key and the file or variable it came from.
    #[error("invalid configuration: {0}")]
    Figment(String),

    #[error("invalid configuration:\n{}", ProblemList(.0))]
    Invalid(Vec<Problem>),
}

/// One thing wrong with otherwise well-typed settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The dotted key, e.g. `server.token`.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

/// Reads the layers. `file` is `--config`: when given it must exist; when
/// not, `./tracefix.toml` is read if it exists. Does not run
/// [`Settings::problems`] (so `tracefix doctor` can list them).
pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Loaded, ConfigError> {
    let (path, explicit) = match file {
        Some(path) => (path.to_path_buf(), true),
        None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
    };
    let read = if path.exists() {
        Some(path)
    } else if explicit {
        return Err(ConfigError::MissingFile(path));
    } else {
        None
    };
    let mut figment = Figment::new();
    if let Some(path) = &read {
        // `file_exact`: figment's `file` would also search parent directories.
        figment = figment.merge(Toml::file_exact(path));
    }
    figment = figment.merge(env_provider());
    if let Some(url) = &overrides.store_url {
        figment = figment.merge(Serialized::default("store.url", url));
    }
    if let Some(format) = overrides.log_format {
        figment = figment.merge(Serialized::default("log.format", format.as_str()));
    }
    let settings: Settings = figment
        .extract()
        .map_err(|e| ConfigError::Figment(describe(e)))?;
    Ok(Loaded {
        settings,
        file: read,
    })
}

/// [`load`], then fails on any [`Settings::problems`].
pub fn load_valid(file: Option<&Path>, overrides: &Overrides) -> Result<Loaded, ConfigError> {
    let loaded = load(file, overrides)?;
    let problems = loaded.settings.problems();
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(ConfigError::Invalid(problems))
    }
}

/// figment's errors, each as "what: key `a.b` in WHERE", where WHERE is
/// the file, the environment variable (spelled as it is set) or a flag.
/// figment's own text would say `default.a.b` (its profile) and name
/// variables `A.B`.
fn describe(err: figment::Error) -> String {
    let lines: Vec<String> = err
        .into_iter()
        .map(|e| {
            let mut text = e.kind.to_string();
            if !e.path.is_empty() {
                text.push_str(&format!(": key `{}`", e.path.join(".")));
            }
            match &e.metadata {
                Some(md) if md.name.contains("environment variable") => {
                    let var: Vec<String> = e.path.iter().map(|p| p.to_ascii_uppercase()).collect();
                    text.push_str(&format!(
                        " in environment variable {ENV_PREFIX}{}",
                        var.join("__")
                    ));
                }
                Some(md) => match &md.source {
                    Some(figment::Source::File(path)) => {
                        text.push_str(&format!(" in {}", path.display()))
                    }
                    Some(figment::Source::Code(_)) => text.push_str(" in a command-line flag"),
                    _ => text.push_str(&format!(" in {}", md.name)),
                },
                None => {}
            }
            text
        })
        .collect();
    if lines.len() == 1 {
        lines.into_iter().next().unwrap_or_default()
    } else {
        lines.iter().map(|l| format!("\n  - {l}")).collect()
    }
}

/// `TRACEFIX_SECTION__KEY` variables. Variables without `__` are not
/// settings (`TRACEFIX_LOG` is the log filter, `TRACEFIX_SKIP_POSTGRES` a
/// test switch), so they are left out rather than reported as unknown.
fn env_provider() -> Env {
    Env::prefixed(ENV_PREFIX)
        .filter(|key| key.as_str().contains("__"))
        .split("__")
}

#[cfg(test)]
// figment's `Jail` closures return its (large) error type; not ours to shrink.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    fn err_text(result: Result<Loaded, ConfigError>) -> String {
        result.map(|_| ()).unwrap_err().to_string()
    }

    #[test]
    fn defaults_without_a_file() {
        Jail::expect_with(|_jail| {
            let loaded = load(None, &Overrides::default()).unwrap();
            assert_eq!(loaded.file, None);
            assert_eq!(loaded.settings, Settings::default());
            assert_eq!(loaded.settings.store.url, "sqlite://tracefix.db");
            assert_eq!(loaded.settings.server.listen, "127.0.0.1:7070");
            assert!(loaded.settings.sources.is_empty());
            assert!(loaded.settings.problems().is_empty());
            Ok(())
        });
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        Jail::expect_with(|_jail| {
            let text = err_text(load(Some(Path::new("nope.toml")), &Overrides::default()));
            assert!(text.contains("nope.toml does not exist"), "{text}");
            Ok(())
        });
    }

    #[test]
    fn file_then_environment_then_flags() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "tracefix.toml",
                r#"
                [store]
                url = "sqlite://from-file.db"
                [server]
                listen = "127.0.0.1:9000"
                token = "file-token"
                [[source]]
                type = "file"
                path = "logs/*.log"
                [[source]]
                type = "stdin"
                [worker]
                concurrency = 4
                [log]
                format = "text"
                "#,
            )?;
            jail.set_env("TRACEFIX_STORE__URL", "sqlite://from-env.db");
            jail.set_env("TRACEFIX_WORKER__CONCURRENCY", "7");
            // Digits only: still a token, not a number.
            jail.set_env("TRACEFIX_SERVER__TOKEN", "12345");
            // Not settings: no `__`.
            jail.set_env("TRACEFIX_LOG", "debug");
            jail.set_env("TRACEFIX_SKIP_POSTGRES", "1");
            let loaded = load(None, &Overrides::default()).unwrap();
            let s = &loaded.settings;
            assert_eq!(loaded.file.as_deref(), Some(Path::new("tracefix.toml")));
            assert_eq!(s.store.url, "sqlite://from-env.db");
            assert_eq!(s.server.listen, "127.0.0.1:9000");
            assert_eq!(s.server.token.expose(), "12345");
            assert_eq!(s.worker.concurrency, 7);
            assert_eq!(s.sources.len(), 2);
            assert_eq!(s.sources[0].kind, SourceKind::File);
            assert_eq!(s.sources[0].path.as_deref(), Some("logs/*.log"));
            assert_eq!(s.sources[1].kind, SourceKind::Stdin);

            let flags = Overrides {
                store_url: Some("sqlite://from-flag.db".into()),
                log_format: Some(LogFormat::Json),
            };
            let s = load(None, &flags).unwrap().settings;
            assert_eq!(s.store.url, "sqlite://from-flag.db");
            assert_eq!(s.log.format, LogFormat::Json);
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_name_the_key_and_where_it_came_from() {
        Jail::expect_with(|jail| {
            jail.create_file("tracefix.toml", "[store]\nurll = \"sqlite://x.db\"\n")?;
            let text = err_text(load(None, &Overrides::default()));
            assert!(text.contains("unknown field: found `urll`"), "{text}");
            assert!(text.contains("key `store.urll` in "), "{text}");
            assert!(text.ends_with("tracefix.toml"), "{text}");

            jail.create_file("tracefix.toml", "[stor]\nurl = \"x\"\n")?;
            let text = err_text(load(None, &Overrides::default()));
            assert!(text.contains("found `stor`"), "{text}");

            jail.create_file("tracefix.toml", "")?;
            jail.set_env("TRACEFIX_WORKER__CONCURENCY", "3");
            let text = err_text(load(None, &Overrides::default()));
            assert!(text.contains("found `concurency`"), "{text}");
            assert!(
                text.contains("in environment variable TRACEFIX_WORKER__CONCURENCY"),
                "{text}"
            );
            Ok(())
        });
    }

    #[test]
    fn wrong_types_name_the_key() {
        Jail::expect_with(|jail| {
            jail.create_file("tracefix.toml", "[worker]\nconcurrency = \"many\"\n")?;
            let text = err_text(load(None, &Overrides::default()));
            assert!(text.contains("worker.concurrency"), "{text}");
            jail.create_file("tracefix.toml", "[log]\nformat = \"xml\"\n")?;
            let text = err_text(load(None, &Overrides::default()));
            assert!(text.contains("xml"), "{text}");
            assert!(text.contains("log.format"), "{text}");
            jail.create_file("tracefix.toml", "[[source]]\ntype = \"kafka\"\n")?;
            let text = err_text(load(None, &Overrides::default()));
            assert!(text.contains("kafka"), "{text}");
            Ok(())
        });
    }

    #[test]
    fn problems_are_reported_all_at_once_in_plain_words() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "tracefix.toml",
                r#"
                [store]
                url = "mysql://root:hunter2@db/x"
                [server]
                listen = "0.0.0.0:7070"
                [worker]
                lease_secs = 10
                heartbeat_secs = 10
                [[source]]
                type = "file"
                "#,
            )?;
            let text = err_text(load_valid(None, &Overrides::default()));
            assert!(text.contains("store.url"), "{text}");
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains("server.token"), "{text}");
            assert!(text.contains("worker.heartbeat_secs"), "{text}");
            assert!(text.contains("source[0].path"), "{text}");
            Ok(())
        });
    }
}
