//! The settings tree. Every struct denies unknown fields (a typo is an
//! error, not a silently ignored key) and defaults every field (an empty
//! file is a valid configuration).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::{Problem, Secret};

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub store: StoreSettings,
    /// `[[source]]` tables.
    #[serde(rename = "source")]
    pub sources: Vec<SourceSettings>,
    pub server: ServerSettings,
    pub repo: RepoSettings,
    pub worker: WorkerSettings,
    pub ingest: IngestSettings,
    pub metrics: MetricsSettings,
    pub log: LogSettings,
    pub llm: LlmSettings,
    pub fix: FixSettings,
    pub redact: RedactSettings,
    pub forge: ForgeSettings,
    pub notify: NotifySettings,
}

#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSettings {
    /// `sqlite://PATH` or `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`.
    pub url: String,
    /// Database connections per process.
    pub max_connections: u32,
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            url: "sqlite://tracefix.db".into(),
            max_connections: 8,
        }
    }
}

impl StoreSettings {
    /// The URL with its password replaced by `***`, for messages and logs.
    pub fn redacted_url(&self) -> String {
        tracefix_store::redact_url(&self.url)
    }
}

/// By hand: the URL may hold the database password.
impl fmt::Debug for StoreSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreSettings")
            .field("url", &self.redacted_url())
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    File,
    Stdin,
}

/// One `[[source]]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    #[serde(rename = "type")]
    pub kind: SourceKind,
    /// `file`: a path or glob (`logs/*.log`), relative to the working
    /// directory.
    #[serde(default)]
    pub path: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Whether `tracefix run` starts the HTTP API.
    pub enabled: bool,
    pub listen: String,
    /// Bearer token for the HTTP API; required when `listen` is not a
    /// loopback address.
    pub token: Secret,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            enabled: true,
            listen: "127.0.0.1:7070".into(),
            token: Secret::default(),
        }
    }
}

impl ServerSettings {
    /// The listen address, if it parses.
    pub fn listen_addr(&self) -> Option<SocketAddr> {
        self.listen.parse().ok()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RepoSettings {
    /// Checkout of the application whose errors these are. tracefix never
    /// changes it: each fix attempt works in a git worktree of its own.
    pub path: PathBuf,
    /// Deploy prefixes to strip from frame paths (`/opt/shop/`), besides the
    /// usual ones (`/app`, `/srv`, `/var/task`, `/usr/src/app`, `/home/*/…`).
    pub path_prefixes: Vec<String>,
    /// The project's tests, run by `sh -c` in the attempt's worktree; a fix
    /// is validated only when it exits 0. Empty: only the syntax check runs.
    pub test_command: String,
    /// A command that reproduces the error; it must pass after the fix too.
    pub repro_command: String,
    /// Each test or repro run is killed (its whole process group) after this long.
    pub test_timeout_secs: u64,
    /// Environment variables passed to the tests besides PATH, HOME, LANG,
    /// LC_ALL, TMPDIR, TERM and USER (secret-looking names never are).
    pub test_env: Vec<String>,
    /// Where a validated candidate's branch is pushed (`--force-with-lease`);
    /// a repository without this remote keeps the branch locally.
    pub remote: String,
    /// The commits' author, `Name <email>`.
    pub author: String,
    /// SSH push: the private key file and a known_hosts file with the
    /// remote's pinned host key (strict host-key checking).
    pub ssh_key: Option<PathBuf>,
    pub known_hosts: Option<PathBuf>,
}

impl Default for RepoSettings {
    fn default() -> Self {
        RepoSettings {
            path: ".".into(),
            path_prefixes: Vec::new(),
            test_command: String::new(),
            repro_command: String::new(),
            test_timeout_secs: 600,
            test_env: Vec::new(),
            remote: "origin".into(),
            author: "tracefix <tracefix@localhost>".into(),
            ssh_key: None,
            known_hosts: None,
        }
    }
}

/// Which model answers, and how it is asked.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LlmSettings {
    /// `openai` (and compatible servers: Ollama, vLLM, llama.cpp, LM
    /// Studio), `anthropic`, `bedrock`, or `none` (everything up to the
    /// model call; the job then waits with its prompt stored).
    pub provider: String,
    pub model: String,
    /// Defaults: `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL`, else the provider's.
    pub base_url: String,
    /// Prefer the environment (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`,
    /// `AWS_BEARER_TOKEN_BEDROCK`).
    pub api_key: Secret,
    /// Bedrock's region (default: `AWS_REGION`).
    pub region: String,
    pub timeout_secs: u64,
    /// Retries of one call on 408, 429, 5xx and 529.
    pub max_retries: u32,
    /// Answers tried per job; each failure is told to the model.
    pub max_attempts: u32,
    /// `diff` (SEARCH/REPLACE blocks) or `whole` (whole files, for weak or local models).
    pub edit_format: String,
    /// Output tokens per answer.
    pub max_output_tokens: u32,
    pub temperature: f32,
    /// US dollars per million tokens, for the recorded cost.
    pub input_cost_per_mtok: f64,
    pub output_cost_per_mtok: f64,
    /// The server's context window (Ollama's `num_ctx`); prompts over it are refused.
    pub num_ctx: Option<u32>,
    /// A directory with `system.j2` and/or `user.j2` overriding the built-in prompts.
    pub templates: Option<PathBuf>,
}

impl Default for LlmSettings {
    fn default() -> Self {
        LlmSettings {
            provider: "none".into(),
            model: String::new(),
            base_url: String::new(),
            api_key: Secret::default(),
            region: String::new(),
            timeout_secs: 120,
            max_retries: 4,
            max_attempts: 3,
            edit_format: "diff".into(),
            max_output_tokens: 4096,
            temperature: 0.2,
            input_cost_per_mtok: 0.0,
            output_cost_per_mtok: 0.0,
            num_ctx: None,
            templates: None,
        }
    }
}

/// What gets fixed, and within which bounds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FixSettings {
    /// The token budget of the source context in a prompt.
    pub context_tokens: usize,
    /// Lines added plus removed, at most, per candidate.
    pub max_changed_lines: usize,
    /// Groups seen fewer times wait (visibly) before a fix is tried.
    pub min_occurrences: u64,
    /// Files or directories (trailing `/`) or globs edits may touch; empty:
    /// the files of the in-app frames and their directories.
    pub allowed_paths: Vec<String>,
    pub allow_ci: bool,
    pub allow_manifests: bool,
    pub allow_secret_files: bool,
    /// Tokens (input + output) spent on one group, at most; 0: no limit.
    pub group_token_budget: u64,
    /// Tokens spent per UTC day by all jobs sharing the store; 0: no limit.
    pub daily_token_budget: u64,
    /// Where attempt worktrees are made (default: the system's temp dir).
    pub worktree_dir: Option<PathBuf>,
}

impl Default for FixSettings {
    fn default() -> Self {
        FixSettings {
            context_tokens: 6000,
            max_changed_lines: 60,
            min_occurrences: 1,
            allowed_paths: Vec::new(),
            allow_ci: false,
            allow_manifests: false,
            allow_secret_files: false,
            group_token_budget: 0,
            daily_token_budget: 0,
            worktree_dir: None,
        }
    }
}

/// Where pull requests are opened and followed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ForgeSettings {
    /// `github`, `gitlab`, `gitea` (Forgejo too) or `local` (the branch is
    /// the proposal; nothing is opened).
    pub kind: String,
    /// `owner/name` (GitLab: `group/subgroup/name`).
    pub repository: String,
    /// Default: `GITHUB_API_URL` or the forge's public API; required for Gitea.
    pub api_url: String,
    /// Prefer the environment: `GITHUB_TOKEN`, `GITLAB_TOKEN`, `GITEA_TOKEN`.
    pub token: Secret,
    /// A GitHub App instead of a token: its id and private key file.
    pub app_id: Option<u64>,
    pub app_private_key_file: Option<PathBuf>,
    pub installation_id: Option<u64>,
    /// Empty: the repository's default branch.
    pub base: String,
    pub draft: bool,
    pub labels: Vec<String>,
    /// How often open pull requests are checked (merged, closed).
    pub poll_secs: u64,
    /// Retries of one forge call on 5xx and network errors (rate limits
    /// are waited for); beyond them the fix job retries later.
    pub max_retries: u32,
    /// The secret of the GitHub webhook (`POST /v1/webhooks/github` on
    /// `server.listen`); empty: no webhook endpoint.
    pub webhook_secret: Secret,
    /// The dashboard's address, for the link to the group in pull requests.
    pub public_url: String,
}

impl Default for ForgeSettings {
    fn default() -> Self {
        ForgeSettings {
            kind: "local".into(),
            repository: String::new(),
            api_url: String::new(),
            token: Secret::default(),
            app_id: None,
            app_private_key_file: None,
            installation_id: None,
            base: String::new(),
            draft: true,
            labels: vec!["tracefix".into()],
            poll_secs: 300,
            max_retries: 4,
            webhook_secret: Secret::default(),
            public_url: String::new(),
        }
    }
}

/// Who hears about new groups, pull requests, failures, regressions and
/// exhausted budgets.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifySettings {
    pub slack: SlackSettings,
    pub webhook: WebhookSettings,
    pub jira: JiraSettings,
    /// A directory with templates overriding the built-in messages.
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlackSettings {
    /// An incoming webhook (or `SLACK_WEBHOOK_URL`).
    pub webhook_url: Secret,
    /// Or `chat.postMessage` with a bot token (or `SLACK_BOT_TOKEN`) and a channel.
    pub bot_token: Secret,
    pub channel: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// A generic JSON webhook, signed with HMAC-SHA256 of `secret`.
    pub url: String,
    pub secret: Secret,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JiraSettings {
    /// `https://example.atlassian.net`; empty: no Jira issues.
    pub url: String,
    pub project: String,
    pub email: String,
    /// Or `JIRA_API_TOKEN`.
    pub api_token: Secret,
    pub issue_type: String,
}

impl Default for JiraSettings {
    fn default() -> Self {
        JiraSettings {
            url: String::new(),
            project: String::new(),
            email: String::new(),
            api_token: Secret::default(),
            issue_type: "Bug".into(),
        }
    }
}

/// The redactor applied before anything leaves the process.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedactSettings {
    pub emails: bool,
    pub ip_addresses: bool,
    /// Extra regular expressions; the first capture group (or the match) is removed.
    pub patterns: Vec<String>,
}

/// Which job handler `tracefix run` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HandlerKind {
    /// The fixer: context, model, edits, tests (`[llm]`, `[fix]`, `[repo]`).
    Fix,
    /// Records an attempt and marks the group failed ("no fixer configured").
    Noop,
    /// Diagnostic: appends `job_id,pid,start_ms,end_ms` to
    /// `worker.record_file` after sleeping `worker.record_sleep_ms`.
    Record,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerSettings {
    /// Whether `tracefix run` runs workers (false: jobs wait in the queue).
    pub enabled: bool,
    pub handler: HandlerKind,
    /// Jobs run at once by this process (the global limit is the store's).
    pub concurrency: u32,
    /// How long a lease lasts without a heartbeat.
    pub lease_secs: u64,
    /// How often a running job's lease is extended; below `lease_secs`.
    pub heartbeat_secs: u64,
    /// Attempts before a job is dead (applies to jobs enqueued from now on).
    pub max_attempts: i32,
    /// Retry delay: exponential from `backoff_base_secs`, capped at
    /// `backoff_max_secs`, with jitter.
    pub backoff_base_secs: u64,
    pub backoff_max_secs: u64,
    /// How long an idle worker waits before asking for jobs again.
    pub poll_ms: u64,
    /// On shutdown, how long running jobs may finish before their leases
    /// are released.
    pub shutdown_grace_secs: u64,
    /// `record` handler only: the file it appends to.
    pub record_file: Option<PathBuf>,
    /// `record` handler only: how long each job takes.
    pub record_sleep_ms: u64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            enabled: true,
            handler: HandlerKind::Fix,
            concurrency: 2,
            lease_secs: 300,
            heartbeat_secs: 60,
            max_attempts: 5,
            backoff_base_secs: 10,
            backoff_max_secs: 3600,
            poll_ms: 1000,
            shutdown_grace_secs: 30,
            record_file: None,
            record_sleep_ms: 0,
        }
    }
}

impl WorkerSettings {
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_secs)
    }
    pub fn heartbeat(&self) -> Duration {
        Duration::from_secs(self.heartbeat_secs)
    }
    pub fn poll(&self) -> Duration {
        Duration::from_millis(self.poll_ms)
    }
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestSettings {
    /// Events per store transaction.
    pub batch_size: usize,
    /// A partial batch is written after this long.
    pub batch_interval_ms: u64,
}

impl Default for IngestSettings {
    fn default() -> Self {
        IngestSettings {
            batch_size: 1000,
            batch_interval_ms: 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    /// Address of the Prometheus `/metrics` listener; none when unset.
    pub listen: Option<String>,
    /// How often store gauges (groups by status, queue depth) are read.
    pub poll_secs: u64,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        MetricsSettings {
            listen: None,
            poll_secs: 5,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A tracing filter (`info`, `tracefix=debug,sqlx=warn`) for
    /// `tracefix run`; `TRACEFIX_LOG` overrides it.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

impl Settings {
    /// Everything wrong that the types cannot express, in plain words.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, message: String| {
            problems.push(Problem {
                key: key.into(),
                message,
            })
        };

        if let Err(e) = tracefix_store::Backend::from_url(&self.store.url) {
            problem("store.url", e.to_string());
        }
        if self.store.max_connections == 0 {
            problem("store.max_connections", "must be at least 1".into());
        }

        if !matches!(
            self.llm.provider.as_str(),
            "none" | "openai" | "anthropic" | "bedrock"
        ) {
            problem(
                "llm.provider",
                format!(
                    "unknown provider {:?}; use openai, anthropic, bedrock or none",
                    self.llm.provider
                ),
            );
        } else if self.llm.provider != "none" && self.llm.model.trim().is_empty() {
            problem(
                "llm.model",
                format!("llm.provider = {:?} needs a model name", self.llm.provider),
            );
        }
        if !matches!(self.llm.edit_format.as_str(), "diff" | "whole") {
            problem(
                "llm.edit_format",
                format!("{:?} is not diff or whole", self.llm.edit_format),
            );
        }
        if self.llm.max_attempts == 0 {
            problem("llm.max_attempts", "must be at least 1".into());
        }
        if parse_author(&self.repo.author).is_none() {
            problem(
                "repo.author",
                format!("{:?} is not `Name <email>`", self.repo.author),
            );
        }
        if self.repo.ssh_key.is_some() != self.repo.known_hosts.is_some() {
            problem(
                "repo.known_hosts",
                "repo.ssh_key and repo.known_hosts go together: the remote's host key is pinned, never accepted blindly".into(),
            );
        }
        match self.forge.kind.as_str() {
            "local" => {}
            "github" | "gitlab" | "gitea" => {
                if self.forge.repository.trim().is_empty() {
                    problem(
                        "forge.repository",
                        format!(
                            "forge.kind = {:?} needs the repository, e.g. \"owner/name\"",
                            self.forge.kind
                        ),
                    );
                }
                if self.forge.kind == "gitea" && self.forge.api_url.trim().is_empty() {
                    problem(
                        "forge.api_url",
                        "a Gitea or Forgejo server has no default address; set forge.api_url (…/api/v1)".into(),
                    );
                }
            }
            other => problem(
                "forge.kind",
                format!("unknown forge {other:?}; use github, gitlab, gitea or local"),
            ),
        }
        if self.forge.app_id.is_some() != self.forge.app_private_key_file.is_some() {
            problem(
                "forge.app_private_key_file",
                "a GitHub App needs both forge.app_id and forge.app_private_key_file".into(),
            );
        }
        if !self.notify.jira.url.trim().is_empty() && self.notify.jira.project.trim().is_empty() {
            problem(
                "notify.jira.project",
                "Jira issues need a project key (notify.jira.project)".into(),
            );
        }
        if self.fix.context_tokens < 200 {
            problem("fix.context_tokens", "must be at least 200".into());
        }
        if self.fix.max_changed_lines == 0 {
            problem("fix.max_changed_lines", "must be at least 1".into());
        }
        for (i, pattern) in self.redact.patterns.iter().enumerate() {
            if let Err(e) = regex_syntax_check(pattern) {
                problem(&format!("redact.patterns[{i}]"), e);
            }
        }

        let mut stdin_sources = 0;
        for (i, source) in self.sources.iter().enumerate() {
            match source.kind {
                SourceKind::File => {
                    if source.path.as_deref().is_none_or(|p| p.trim().is_empty()) {
                        problem(
                            &format!("source[{i}].path"),
                            "a file source needs a path or glob, e.g. path = \"logs/*.log\"".into(),
                        );
                    }
                }
                SourceKind::Stdin => {
                    stdin_sources += 1;
                    if source.path.is_some() {
                        problem(
                            &format!("source[{i}].path"),
                            "a stdin source reads standard input and takes no path".into(),
                        );
                    }
                }
            }
        }
        if stdin_sources > 1 {
            problem(
                "source",
                "standard input can be read by one source only".into(),
            );
        }

        match self.server.listen_addr() {
            None => problem(
                "server.listen",
                format!(
                    "{:?} is not an address with a port, e.g. \"127.0.0.1:7070\"",
                    self.server.listen
                ),
            ),
            Some(addr) => {
                if self.server.enabled && !addr.ip().is_loopback() && self.server.token.is_empty() {
                    problem(
                        "server.token",
                        format!(
                            "the server listens on {addr}, which other machines can reach, so \
                             it needs a bearer token: set server.token or TRACEFIX_SERVER__TOKEN"
                        ),
                    );
                }
            }
        }

        let w = &self.worker;
        if w.enabled && w.concurrency == 0 {
            problem(
                "worker.concurrency",
                "must be at least 1 (set worker.enabled = false to run no workers)".into(),
            );
        }
        if w.lease_secs == 0 {
            problem("worker.lease_secs", "must be at least 1".into());
        }
        if w.heartbeat_secs == 0 || w.heartbeat_secs >= w.lease_secs {
            problem(
                "worker.heartbeat_secs",
                format!(
                    "must be at least 1 and shorter than worker.lease_secs ({}), or leases \
                     expire while their jobs run",
                    w.lease_secs
                ),
            );
        }
        if w.max_attempts < 1 {
            problem("worker.max_attempts", "must be at least 1".into());
        }
        if w.backoff_base_secs == 0 || w.backoff_base_secs > w.backoff_max_secs {
            problem(
                "worker.backoff_base_secs",
                format!(
                    "must be at least 1 and at most worker.backoff_max_secs ({})",
                    w.backoff_max_secs
                ),
            );
        }
        if w.poll_ms == 0 {
            problem("worker.poll_ms", "must be at least 1".into());
        }
        if w.handler == HandlerKind::Record && w.record_file.is_none() {
            problem(
                "worker.record_file",
                "the record handler needs a file to append to".into(),
            );
        }

        if self.ingest.batch_size == 0 {
            problem("ingest.batch_size", "must be at least 1".into());
        }
        if self.ingest.batch_interval_ms == 0 {
            problem("ingest.batch_interval_ms", "must be at least 1".into());
        }

        if let Some(listen) = &self.metrics.listen
            && listen.parse::<SocketAddr>().is_err()
        {
            problem(
                "metrics.listen",
                format!("{listen:?} is not an address with a port, e.g. \"127.0.0.1:9090\""),
            );
        }
        if self.metrics.poll_secs == 0 {
            problem("metrics.poll_secs", "must be at least 1".into());
        }
        if self.log.level.trim().is_empty() {
            problem("log.level", "must not be empty (e.g. \"info\")".into());
        }
        problems
    }
}

/// `Name <email>` as (name, email).
pub fn parse_author(author: &str) -> Option<(String, String)> {
    let (name, rest) = author.trim().split_once('<')?;
    let email = rest.strip_suffix('>')?.trim();
    let name = name.trim();
    (!name.is_empty() && email.contains('@') && !email.contains(['<', '>', ' ']))
        .then(|| (name.to_string(), email.to_string()))
}

/// A redaction pattern must compile; the redactor says the same at startup,
/// but a configuration check should catch it first.
fn regex_syntax_check(pattern: &str) -> Result<(), String> {
    regex::Regex::new(pattern)
        .map(|_| ())
        .map_err(|e| format!("not a valid regular expression: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_passwords_and_tokens() {
        let mut settings = Settings::default();
        settings.store.url = "postgres://tracefix:hunter2@db:5432/tracefix".into();
        settings.server.token = Secret::new("s3cret-token");
        let text = format!("{settings:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("s3cret-token"), "{text}");
        assert!(
            text.contains("postgres://tracefix:***@db:5432/tracefix"),
            "{text}"
        );
        let text = format!("{settings:#?}");
        assert!(!text.contains("hunter2") && !text.contains("s3cret-token"));
    }

    #[test]
    fn loopback_needs_no_token_but_other_addresses_do() {
        let mut settings = Settings::default();
        assert!(settings.problems().is_empty());
        settings.server.listen = "[::1]:7070".into();
        assert!(settings.problems().is_empty());
        settings.server.listen = "0.0.0.0:7070".into();
        assert_eq!(settings.problems()[0].key, "server.token");
        settings.server.token = Secret::new("t");
        assert!(settings.problems().is_empty());
        // A disabled server needs nothing.
        settings.server.token = Secret::default();
        settings.server.enabled = false;
        assert!(settings.problems().is_empty());
    }

    #[test]
    fn worker_timing_rules() {
        let mut settings = Settings::default();
        settings.worker.heartbeat_secs = settings.worker.lease_secs;
        assert_eq!(settings.problems()[0].key, "worker.heartbeat_secs");
        settings.worker = WorkerSettings {
            handler: HandlerKind::Record,
            ..WorkerSettings::default()
        };
        assert_eq!(settings.problems()[0].key, "worker.record_file");
        settings.worker.record_file = Some("runs.csv".into());
        assert!(settings.problems().is_empty());
        settings.worker.concurrency = 0;
        assert_eq!(settings.problems()[0].key, "worker.concurrency");
        settings.worker.enabled = false;
        assert!(settings.problems().is_empty());
    }
}
