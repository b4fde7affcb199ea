//! `tracefix init`: a commented configuration file with every key.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use tracefix_config::DEFAULT_CONFIG_FILE;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// Every key with its default, except the example source. Kept in step
/// with `tracefix-config` by the test below (it must load, and give the
/// defaults).
pub const TEMPLATE: &str = r#"# tracefix configuration. Every key is optional; the values shown are the
# defaults. Environment variables override this file: TRACEFIX_SECTION__KEY,
# e.g. TRACEFIX_STORE__URL or TRACEFIX_SERVER__TOKEN. Flags override both.
# `tracefix doctor` checks this file and everything it names.

[store]
# sqlite://PATH (one machine) or postgres://USER[:PASSWORD]@HOST[:PORT]/DB
# (several `tracefix run` processes sharing one database). Prefer putting a
# password in TRACEFIX_STORE__URL rather than here.
url = "sqlite://tracefix.db"
# Database connections per process.
max_connections = 8

# Where logs come from: any number of [[source]] tables.
# type = "file": a path or glob, relative to the working directory;
# type = "stdin": standard input (at most one).
[[source]]
type = "file"
path = "logs/*.log"

[server]
# The HTTP API (log intake). Set enabled = false to run without it.
enabled = true
listen = "127.0.0.1:7070"
# Bearer token for the HTTP API; required when `listen` is not a loopback
# address. Prefer TRACEFIX_SERVER__TOKEN.
token = ""

[repo]
# Checkout of the application whose errors these are (a git repository, or
# a directory inside one). tracefix never writes to it: every fix attempt
# works in a git worktree of HEAD of its own.
path = "."
# Deploy prefixes to strip from frame paths, besides the usual ones (/app,
# /srv, /var/task, /usr/src/app, /home/*/..., site-packages).
path_prefixes = []
# The project's tests, run with `sh -c` in the attempt's worktree, with an
# environment cleared of secrets; a candidate is valid only when they pass.
# Empty: only the syntax check runs.
test_command = ""
# A command that reproduces the error; it must pass after the fix too.
repro_command = ""
# Tests (and the repro) are killed, with their whole process group, after this.
test_timeout_secs = 600
# Environment variables the tests may see besides PATH, HOME, LANG, LC_ALL,
# TMPDIR, TERM and USER (names that look like secrets never pass).
test_env = []
# A validated candidate is committed (by `author`) on the group's branch
# tracefix/<short fingerprint>-<slug> and pushed with --force-with-lease to
# this remote; a repository without it keeps the branch locally.
remote = "origin"
author = "tracefix <tracefix@localhost>"
# SSH push: a private key and a known_hosts file pinning the remote's host
# key (strict host-key checking). Without them, HTTPS pushes use a token
# from TRACEFIX_GIT_TOKEN (or GITHUB_TOKEN, GITLAB_TOKEN, GITEA_TOKEN),
# passed through git's environment, never on a command line.
# ssh_key = "/etc/tracefix/deploy_key"
# known_hosts = "/etc/tracefix/known_hosts"

[llm]
# "openai" (Chat Completions; also Ollama, vLLM, llama.cpp, LM Studio),
# "anthropic", "bedrock", or "none": everything up to the model call, then
# the job waits with its prompt stored (see `tracefix show`).
provider = "none"
model = ""
# Defaults: OPENAI_BASE_URL / ANTHROPIC_BASE_URL, else the provider's own.
# Ollama: "http://localhost:11434/v1" (raise its num_ctx in a Modelfile).
base_url = ""
# Prefer the environment: OPENAI_API_KEY, ANTHROPIC_API_KEY,
# AWS_BEARER_TOKEN_BEDROCK.
api_key = ""
# Bedrock's region (default: AWS_REGION).
region = ""
timeout_secs = 120
# Retries of one call on 408, 429, 5xx and 529 (honouring retry-after).
max_retries = 4
# Answers tried per job; each failure (an edit that does not apply, failing
# tests) is told to the model.
max_attempts = 3
# "diff" (SEARCH/REPLACE blocks) or "whole" (whole files, for weak or local models).
edit_format = "diff"
max_output_tokens = 4096
temperature = 0.2
# US dollars per million tokens, for the cost recorded with each attempt.
input_cost_per_mtok = 0.0
output_cost_per_mtok = 0.0
# The server's context window (Ollama's num_ctx); longer prompts are refused.
# num_ctx = 8192
# A directory with system.j2 and/or user.j2 to override the built-in prompts.
# templates = "prompts"

[fix]
# Token budget of the source code in a prompt; the crash site always fits.
context_tokens = 6000
# Lines added plus removed, at most, per candidate.
max_changed_lines = 60
# Groups seen fewer times wait (visibly, in `tracefix jobs`) before a fix.
min_occurrences = 1
# Files, directories (trailing /) or globs edits may touch. Empty: the files
# of the trace's in-app frames and their directories.
allowed_paths = []
# CI configuration, dependency manifests and lock files, and files that look
# like secrets are never edited unless allowed here.
allow_ci = false
allow_manifests = false
allow_secret_files = false
# Tokens one group may spend in all, and all jobs per UTC day; 0: no limit.
# A job over budget waits and is not lost.
group_token_budget = 0
daily_token_budget = 0
# Where attempt worktrees are made (default: the system's temp directory).
# worktree_dir = "/var/tmp/tracefix"

[forge]
# "github", "gitlab", "gitea" (Forgejo too) or "local" (the pushed branch is
# the proposal; `tracefix show ID` shows it).
kind = "local"
# owner/name (GitLab: group/subgroup/name).
repository = ""
# Default: GITHUB_API_URL or the forge's public API; required for Gitea.
api_url = ""
# Prefer GITHUB_TOKEN, GITLAB_TOKEN or GITEA_TOKEN in the environment.
token = ""
# Or a GitHub App: its id and private key (installation tokens are fetched).
# app_id = 12345
# app_private_key_file = "/etc/tracefix/app.pem"
# Empty: the repository's default branch.
base = ""
draft = true
labels = ["tracefix"]
# How often open pull requests are checked; merged resolves the group,
# closed without merge leaves it failed for a person.
poll_secs = 300
# Retries of one forge call on 5xx and network errors.
max_retries = 4
# GitHub webhook secret: POST /v1/webhooks/github on server.listen reports
# merges and closes at once (checked with X-Hub-Signature-256).
webhook_secret = ""
# The dashboard's address, for links to groups in pull requests and messages.
public_url = ""

# Notifications on: new group, pull request opened, fix failed, regression,
# budget exhausted. Messages are templates, and redacted.
[notify]
# templates = "notify-templates"
[notify.slack]
# An incoming webhook (or SLACK_WEBHOOK_URL), or a bot token (or
# SLACK_BOT_TOKEN) with a channel for chat.postMessage.
webhook_url = ""
bot_token = ""
channel = ""
[notify.webhook]
# A JSON webhook signed with X-Tracefix-Signature: t=<unix>,v1=<hex HMAC-SHA256
# of "<t>.<body>"> using `secret`.
url = ""
secret = ""
[notify.jira]
# One issue per group (REST v3), with the pull request linked.
url = ""
project = ""
email = ""
# Or JIRA_API_TOKEN.
api_token = ""
issue_type = "Bug"

[redact]
# Secrets (keys, tokens, passwords, private keys, high-entropy strings) are
# always removed before anything leaves the process; these add more.
emails = false
ip_addresses = false
# Extra regular expressions to remove (the first capture group, or the match).
patterns = []

[worker]
# Run fix workers in `tracefix run` (false: fix jobs wait in the queue).
enabled = true
# "fix": the fixer ([llm], [fix], [repo]). "noop" records an attempt and
# marks each group failed; "record" is a diagnostic handler (see README).
handler = "fix"
# Jobs run at once by this process. The limit across all processes is the
# store's (see `tracefix jobs`).
concurrency = 2
# A lease lasts this long without a heartbeat; heartbeats come every
# heartbeat_secs while a job runs.
lease_secs = 300
heartbeat_secs = 60
# Attempts before a job is dead (for jobs enqueued from now on).
max_attempts = 5
# Retry delays grow exponentially from backoff_base_secs up to
# backoff_max_secs, with jitter.
backoff_base_secs = 10
backoff_max_secs = 3600
# How long an idle worker waits before asking for jobs again.
poll_ms = 1000
# On shutdown, running jobs get this long to finish; then their leases are
# released for another worker.
shutdown_grace_secs = 30
# record handler only: the file it appends to, and how long each job takes.
# record_file = "runs.csv"
record_sleep_ms = 0

[ingest]
# Events per store transaction, and how long a partial batch may wait.
batch_size = 1000
batch_interval_ms = 500

[metrics]
# Prometheus metrics at http://LISTEN/metrics; off unless set.
# listen = "127.0.0.1:9464"
# How often the store gauges (groups by status, queue depth) are read.
poll_secs = 5

[log]
# "text" or "json" (one JSON object per line on standard error).
format = "text"
# A tracing filter for `tracefix run`; TRACEFIX_LOG overrides it.
level = "info"
"#;

pub fn run(config: Option<&Path>, args: &InitArgs) -> Result<ExitCode> {
    let path = config.unwrap_or(Path::new(DEFAULT_CONFIG_FILE));
    let mut options = OpenOptions::new();
    options.write(true);
    if args.force {
        options.create(true).truncate(true);
    } else {
        // create_new: no check-then-write race with another writer.
        options.create_new(true);
    }
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::AlreadyExists => bail!(
            "{} already exists; use --force to overwrite it",
            path.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
    };
    file.write_all(TEMPLATE.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    println!(
        "wrote {}; edit it, then check it with `tracefix doctor`",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use tracefix_config::{Settings, SourceKind};

    use super::*;

    #[test]
    fn the_template_loads_and_states_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tracefix.toml");
        std::fs::write(&path, TEMPLATE).unwrap();
        let loaded = tracefix_config::load(Some(&path), &Default::default()).unwrap();
        let mut settings = loaded.settings;
        assert_eq!(settings.sources.len(), 1);
        assert_eq!(settings.sources[0].kind, SourceKind::File);
        settings.sources.clear();
        assert_eq!(settings, Settings::default());
    }
}
