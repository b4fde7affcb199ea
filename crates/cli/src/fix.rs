//! `tracefix context`, `tracefix fix`, and the fix job handler of `tracefix run`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use async_trait::async_trait;
use clap::Args;
use serde_json::json;
use tracefix_config::{Loaded, Settings};
use tracefix_core::{Config, Engine, ErrorEvent};
use tracefix_edit::EditFormat;
use tracefix_fixer::{
    FixConfig, FixOutcome, FixRequest, FixStatus, Fixer, Mode, Publish, Unfixable,
};
use tracefix_llm::{LlmClient, LlmSettings, Pricing, Provider};
use tracefix_notify::NotificationKind;
use tracefix_redact::{RedactOptions, Redactor};
use tracefix_store_any::{AttemptFilter, ErrorGroup, NewAttempt, Proposal, ProposalState, Store};
use tracefix_worker::{HandlerError, JobContext, JobHandler, JobOutcome};
use uuid::Uuid;

use crate::groups::parse_id;
use crate::store_open;
use crate::table::rfc3339;

/// Which trace: a stored group, or a file (needing no store); and where the
/// repository is.
#[derive(Debug, Args)]
pub struct Target {
    /// A group's id (from `tracefix groups`); or give --trace.
    #[arg(value_name = "GROUP_ID", value_parser = parse_id, required_unless_present = "trace", conflicts_with = "trace")]
    pub group: Option<Uuid>,
    /// A file holding a stack trace (its first trace is used); needs no store.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// The repository checkout (default: repo.path). It is never changed:
    /// every attempt works in a git worktree of its own.
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ContextArgs {
    #[command(flatten)]
    pub target: Target,
    /// One JSON object: snippets, estimated_tokens, system, prompt.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub target: Target,
    /// Stop before the model call (shows what would be sent).
    #[arg(long)]
    pub dry_run: bool,
    /// Print the outcome as one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn fix_config(settings: &Settings, repo: Option<&Path>) -> Result<FixConfig> {
    let llm = &settings.llm;
    let fix = &settings.fix;
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
    Ok(FixConfig {
        repo: repo.map_or_else(|| settings.repo.path.clone(), Path::to_path_buf),
        path_prefixes: settings.repo.path_prefixes.clone(),
        test_command: some(&settings.repo.test_command),
        repro_command: some(&settings.repo.repro_command),
        test_timeout: Duration::from_secs(settings.repo.test_timeout_secs.max(1)),
        test_env: settings.repo.test_env.clone(),
        context_tokens: fix.context_tokens,
        max_changed_lines: fix.max_changed_lines,
        allowed_paths: fix.allowed_paths.clone(),
        allow_ci: fix.allow_ci,
        allow_manifests: fix.allow_manifests,
        allow_secret_files: fix.allow_secret_files,
        edit_format: llm
            .edit_format
            .parse::<EditFormat>()
            .map_err(|e| anyhow::anyhow!("llm.edit_format: {e}"))?,
        max_attempts: llm.max_attempts.max(1),
        max_output_tokens: llm.max_output_tokens.max(1),
        temperature: Some(llm.temperature),
        pricing: Pricing {
            input_per_mtok: llm.input_cost_per_mtok,
            output_per_mtok: llm.output_cost_per_mtok,
        },
        templates: llm.templates.clone(),
        worktree_dir: fix.worktree_dir.clone(),
        publish: None,
    })
}

/// Where the job handler puts validated candidates: a commit on the
/// group's branch, pushed to `repo.remote` with an SSH key (the file
/// `repo.ssh_key`, or the key itself in `TRACEFIX_GIT_SSH_KEY`) and the
/// remote's host key pinned in `repo.known_hosts`, or with an HTTPS token
/// from the environment (`TRACEFIX_GIT_TOKEN`, else `GITHUB_TOKEN`,
/// `GITLAB_TOKEN`, `GITEA_TOKEN`), never on a command line or in
/// `.git/config`. A key from the environment is written to a private
/// temporary file that lives as long as the returned guard.
pub fn publish_settings(settings: &Settings) -> Result<(Publish, Option<tempfile::TempDir>)> {
    let repo = &settings.repo;
    let (name, email) = tracefix_config::parse_author(&repo.author)
        .with_context(|| format!("repo.author {:?} is not `Name <email>`", repo.author))?;
    let key_from_env = std::env::var("TRACEFIX_GIT_SSH_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty());
    let mut guard = None;
    let push_env = match (&repo.ssh_key, key_from_env, &repo.known_hosts) {
        (Some(key), _, Some(hosts)) => tracefix_git::SshAuth::new(key, hosts).env(),
        (None, Some(key), Some(hosts)) => {
            let dir = tempfile::Builder::new().prefix("tracefix-ssh-").tempdir()?;
            let path = dir.path().join("key");
            write_private(&path, &format!("{}\n", key.trim_end()))?;
            guard = Some(dir);
            tracefix_git::SshAuth::new(path, hosts).env()
        }
        (_, Some(_), None) => anyhow::bail!(
            "TRACEFIX_GIT_SSH_KEY is set but repo.known_hosts is not: the remote's host key must be pinned"
        ),
        _ => [
            "TRACEFIX_GIT_TOKEN",
            "GITHUB_TOKEN",
            "GITLAB_TOKEN",
            "GITEA_TOKEN",
        ]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .map(|token| tracefix_git::https_token_env(&token.into()))
        .unwrap_or_default(),
    };
    Ok((
        Publish {
            remote: (!repo.remote.trim().is_empty()).then(|| repo.remote.clone()),
            author: tracefix_git::Identity { name, email },
            push_env,
        },
        guard,
    ))
}

/// A file only its owner can read (ssh refuses a key others can read).
fn write_private(path: &Path, content: &str) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(content.as_bytes())?;
    Ok(())
}

pub fn redactor(settings: &Settings) -> Result<Redactor> {
    Redactor::new(&RedactOptions {
        emails: settings.redact.emails,
        ip_addresses: settings.redact.ip_addresses,
        extra_patterns: settings.redact.patterns.clone(),
        ..RedactOptions::default()
    })
    .context("redact.patterns")
}

/// The model client of `[llm]`, with keys and base URLs from the
/// environment where the file gives none; `None` for provider `none`.
pub fn llm_client(settings: &Settings) -> Result<Option<Arc<dyn LlmClient>>> {
    let llm = &settings.llm;
    let provider: Provider = llm
        .provider
        .parse()
        .map_err(|e| anyhow::anyhow!("llm.provider: {e}"))?;
    let mut s = LlmSettings::new(provider, llm.model.clone());
    if !llm.base_url.trim().is_empty() {
        s.base_url = Some(llm.base_url.clone());
    }
    if !llm.api_key.is_empty() {
        s.api_key = Some(llm.api_key.expose().to_string().into());
    }
    if !llm.region.trim().is_empty() {
        s.region = Some(llm.region.clone());
    }
    s.timeout = Duration::from_secs(llm.timeout_secs.max(1));
    s.max_retries = llm.max_retries;
    s.num_ctx = llm.num_ctx;
    s.fill_from_env(|name| std::env::var(name).ok());
    let client = tracefix_llm::client_from_settings(&s).context("[llm]")?;
    Ok(client.map(Arc::from))
}

/// The first trace of a file, as `tracefix scan` would find it.
fn event_from_file(path: &Path) -> Result<ErrorEvent> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Engine::scan_bytes(Config::default(), &bytes)
        .into_iter()
        .next()
        .with_context(|| format!("no stack trace found in {}", path.display()))
}

/// A group's request: its first kept sample, detected again (the sample is
/// the trace's raw text), with the group's counts.
async fn request_for_group(store: &dyn Store, group: &ErrorGroup) -> Result<FixRequest> {
    let samples = store.samples(group.id).await?;
    let event = samples
        .iter()
        .find_map(|s| {
            // The event of this group, else the sample's first (a cut sample
            // can fingerprint differently).
            let mut events = Engine::scan_bytes(Config::default(), s.text.as_bytes());
            let ours = events
                .iter()
                .position(|e| e.fingerprint == group.fingerprint);
            (!events.is_empty()).then(|| events.swap_remove(ours.unwrap_or(0)))
        })
        .with_context(|| {
            format!(
                "group {} has no kept sample with a readable trace",
                group.id
            )
        })?;
    Ok(FixRequest {
        count: u64::try_from(group.count).unwrap_or(0),
        first_seen: Some(rfc3339(group.first_seen)),
        last_seen: Some(rfc3339(group.last_seen)),
        ..FixRequest::new(event)
    })
}

/// The request of `--trace FILE` (no store needed) or of a stored group.
async fn load_request(settings: &Settings, target: &Target) -> Result<FixRequest> {
    let id = match (target.trace.as_deref(), target.group) {
        (Some(path), _) => return Ok(FixRequest::new(event_from_file(path)?)),
        (None, Some(id)) => id,
        (None, None) => bail!("give a GROUP_ID or --trace FILE"),
    };
    store_open::check_store_settings(settings)?;
    let store = store_open::open_existing(settings).await?;
    let request = match store.group(id).await {
        Ok(Some(group)) => request_for_group(store.as_ref(), &group).await,
        Ok(None) => Err(anyhow::anyhow!("no group {id} (see tracefix groups)")),
        Err(e) => Err(e.into()),
    };
    store.close().await;
    request
}

pub fn context(loaded: Loaded, args: ContextArgs) -> Result<ExitCode> {
    let settings = loaded.settings;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let request = load_request(&settings, &args.target).await?;
        let config = fix_config(&settings, args.target.repo.as_deref())?;
        let fixer = Fixer::new(config, redactor(&settings)?, None)?;
        let prepared = match fixer.prepare(&request)? {
            Ok(p) => p,
            Err(why) => return unfixable(&why, args.json),
        };
        let mut out = std::io::stdout().lock();
        if args.json {
            serde_json::to_writer(&mut out, &prepared)?;
            writeln!(out)?;
        } else {
            writeln!(out, "=== system prompt ===\n{}", prepared.system.trim_end())?;
            writeln!(out, "\n=== user prompt ===\n{}", prepared.prompt.trim_end())?;
            eprintln!(
                "\n{} snippet(s), about {} tokens; this is exactly what would be sent to the model.",
                prepared.snippets.len(),
                prepared.estimated_tokens
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn unfixable(why: &Unfixable, json: bool) -> Result<ExitCode> {
    if json {
        println!(
            "{}",
            json!({ "status": "skipped", "reason": why.to_string(), "snippets": [], "estimated_tokens": 0, "prompt": null })
        );
    } else {
        eprintln!("tracefix: nothing to send: {why}");
    }
    Ok(ExitCode::from(1))
}

pub fn fix(loaded: Loaded, args: FixArgs) -> Result<ExitCode> {
    let settings = loaded.settings;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let request = load_request(&settings, &args.target).await?;
        let config = fix_config(&settings, args.target.repo.as_deref())?;
        let client = if args.dry_run {
            None
        } else {
            llm_client(&settings)?
        };
        let fixer = Fixer::new(config, redactor(&settings)?, client)?;
        let mode = if args.dry_run {
            Mode::DryRun
        } else {
            Mode::Full
        };
        let show_progress = !args.json || std::io::stderr().is_terminal();
        let progress = move |step: &str| {
            if show_progress {
                eprintln!("tracefix: {step}");
            }
        };
        let outcome = fixer.fix(&request, mode, &progress).await?;
        let mut out = std::io::stdout().lock();
        if args.json {
            serde_json::to_writer(&mut out, &outcome_json(&outcome))?;
            writeln!(out)?;
        } else {
            print_outcome(&mut out, &outcome)?;
        }
        Ok(match outcome.status {
            FixStatus::Validated => ExitCode::SUCCESS,
            FixStatus::Waiting | FixStatus::Skipped => ExitCode::from(1),
            FixStatus::Failed => ExitCode::from(3),
        })
    })
}

fn outcome_json(outcome: &FixOutcome) -> serde_json::Value {
    let mut value = serde_json::to_value(outcome).unwrap_or_default();
    // The prompt is shown only when it is the result (a dry run, no model).
    if outcome.status != FixStatus::Waiting
        && let Some(map) = value.as_object_mut()
    {
        map.remove("prompt");
    }
    value
}

fn print_outcome(out: &mut impl Write, outcome: &FixOutcome) -> Result<()> {
    writeln!(out, "status: {}", outcome.status.as_str())?;
    if let Some(reason) = &outcome.reason {
        writeln!(out, "reason: {reason}")?;
    }
    for a in &outcome.attempts {
        writeln!(
            out,
            "attempt {}: {} ({} in + {} out tokens, ${:.4}){}",
            a.number,
            a.outcome.as_str(),
            a.input_tokens,
            a.output_tokens,
            a.cost_usd,
            if a.detail.is_empty() {
                String::new()
            } else {
                format!(": {}", a.detail.lines().next().unwrap_or(""))
            }
        )?;
    }
    if !outcome.explanation.is_empty() {
        writeln!(out, "\n{}", outcome.explanation)?;
    }
    if !outcome.diff.is_empty() {
        writeln!(out, "\n{}", outcome.diff.trim_end())?;
    }
    if outcome.status == FixStatus::Waiting
        && let Some(prepared) = &outcome.prompt
    {
        writeln!(
            out,
            "\n=== prompt that would be sent ===\n{}",
            prepared.prompt.trim_end()
        )?;
    }
    Ok(())
}

/// The fix job handler of `tracefix run`.
pub struct FixHandler {
    fixer: Fixer,
    min_occurrences: u64,
    group_token_budget: u64,
    daily_token_budget: u64,
    notifiers: Vec<Arc<dyn tracefix_notify::Notifier>>,
    settings: Arc<Settings>,
    /// With a forge configured: opens the pull request of a pushed branch.
    publisher: Option<crate::proposal::Publisher>,
    /// The SSH key from the environment, on disk while the handler lives.
    _ssh_key: Option<tempfile::TempDir>,
}

impl FixHandler {
    pub fn new(settings: &Settings) -> Result<FixHandler> {
        let (publish, ssh_key) = publish_settings(settings)?;
        let config = FixConfig {
            publish: Some(publish),
            ..fix_config(settings, None)?
        };
        let fixer = Fixer::new(config, redactor(settings)?, llm_client(settings)?)?;
        let notifiers = crate::notify::notifiers(settings)?;
        let settings = Arc::new(settings.clone());
        let publisher =
            crate::proposal::forge_client(&settings)?.map(|forge| crate::proposal::Publisher {
                forge,
                settings: settings.clone(),
                notifiers: notifiers.clone(),
            });
        Ok(FixHandler {
            fixer,
            min_occurrences: settings.fix.min_occurrences,
            group_token_budget: settings.fix.group_token_budget,
            daily_token_budget: settings.fix.daily_token_budget,
            notifiers,
            settings,
            publisher,
            _ssh_key: ssh_key,
        })
    }

    /// Opens the pull request of a pushed proposal; the job's outcome.
    async fn open_pull_request(
        &self,
        store: &dyn Store,
        group: &ErrorGroup,
        proposal: &Proposal,
        title: &str,
    ) -> Result<JobOutcome, HandlerError> {
        let Some(publisher) = &self.publisher else {
            return Ok(JobOutcome::proposed());
        };
        match publisher
            .open(store, &self.fixer, group, proposal, title)
            .await
        {
            Ok(_) => Ok(JobOutcome::proposed()),
            // The branch is pushed and the proposal recorded: the retry
            // only opens the pull request.
            Err(crate::proposal::OpenError::Retry(message)) => Err(HandlerError::new(format!(
                "opening the pull request: {message}"
            ))),
            Err(crate::proposal::OpenError::Final(message)) => {
                let reason = format!("the pull request could not be opened: {message}");
                self.notify(
                    NotificationKind::FixFailed,
                    group,
                    None,
                    Some(&reason),
                    None,
                )
                .await;
                Ok(JobOutcome::group_failed(reason))
            }
        }
    }

    async fn notify(
        &self,
        kind: NotificationKind,
        group: &ErrorGroup,
        trace: Option<&str>,
        reason: Option<&str>,
        pull_request_url: Option<&str>,
    ) {
        let mut n = crate::notify::notification(kind, group, &self.settings, trace);
        n.reason = reason.map(str::to_string);
        n.pull_request_url = pull_request_url.map(str::to_string);
        crate::notify::send(&self.notifiers, &n).await;
    }

    /// Tokens still allowed for this group today, or the wait until they are.
    async fn tokens_left(
        &self,
        store: &dyn Store,
        group: Uuid,
        now_ms: i64,
    ) -> Result<Result<Option<u64>, (i64, String)>> {
        let spent = |attempts: &[tracefix_store_any::FixAttempt], since: i64| -> u64 {
            attempts
                .iter()
                .filter(|a| a.started_at >= since)
                .map(|a| {
                    a.details["input_tokens"].as_u64().unwrap_or(0)
                        + a.details["output_tokens"].as_u64().unwrap_or(0)
                })
                .sum()
        };
        let mut left: Option<u64> = None;
        if self.group_token_budget > 0 {
            let attempts = store
                .list_attempts(&AttemptFilter {
                    group_id: Some(group),
                    ..AttemptFilter::default()
                })
                .await?;
            let used = spent(&attempts, 0);
            if used >= self.group_token_budget {
                return Ok(Err((
                    now_ms + 3_600_000,
                    format!(
                        "waiting: this group spent {used} tokens of its fix.group_token_budget of {}; raise it to continue",
                        self.group_token_budget
                    ),
                )));
            }
            left = Some(self.group_token_budget - used);
        }
        if self.daily_token_budget > 0 {
            let day_start = now_ms - now_ms.rem_euclid(86_400_000);
            let attempts = store.list_attempts(&AttemptFilter::default()).await?;
            let used = spent(&attempts, day_start);
            if used >= self.daily_token_budget {
                return Ok(Err((
                    day_start + 86_400_000,
                    format!(
                        "waiting: {used} tokens spent today of fix.daily_token_budget {}; resumes at 00:00 UTC",
                        self.daily_token_budget
                    ),
                )));
            }
            let day_left = self.daily_token_budget - used;
            left = Some(left.map_or(day_left, |l| l.min(day_left)));
        }
        Ok(Ok(left))
    }
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

#[async_trait]
impl JobHandler for FixHandler {
    async fn handle(
        &self,
        job: &tracefix_store_any::LeasedJob,
        ctx: &JobContext,
    ) -> Result<JobOutcome, HandlerError> {
        let store = ctx.store.as_ref();
        let Some(group_id) = job.job.group_id else {
            return Ok(JobOutcome::Done);
        };
        let err = |what: &str, e: anyhow::Error| HandlerError::new(format!("{what}: {e:#}"));
        let Some(group) = store
            .group(group_id)
            .await
            .map_err(|e| err("loading the group", e.into()))?
        else {
            return Ok(JobOutcome::group_failed("the group no longer exists"));
        };
        let now = now_ms();
        // A new group or a regression is announced once, when its job first runs.
        if job.job.attempts == 1 && job.job.last_error.is_none() {
            let kind = match job.job.payload["reason"].as_str() {
                Some("new") => Some(NotificationKind::NewGroup),
                Some("regressed") => Some(NotificationKind::Regression),
                _ => None,
            };
            if let Some(kind) = kind {
                let trace = store
                    .samples(group_id)
                    .await
                    .ok()
                    .and_then(|s| s.first().map(|s| s.text.clone()));
                self.notify(kind, &group, trace.as_deref(), None, None)
                    .await;
            }
        }
        // A retry of a job whose candidate is pushed but whose pull request
        // was not opened (a crash, a forge outage) opens it, and fixes nothing again.
        if self.publisher.is_some()
            && job.job.attempts > 1
            && let Some(proposal) = store
                .proposal(group_id)
                .await
                .map_err(|e| err("reading the proposal", e.into()))?
            && proposal.state == ProposalState::Pushed
        {
            let title = match request_for_group(store, &group).await {
                Ok(request) => Fixer::title(&request),
                Err(_) => group.exception_type.clone(),
            };
            return self
                .open_pull_request(store, &group, &proposal, &title)
                .await;
        }
        if u64::try_from(group.count).unwrap_or(0) < self.min_occurrences {
            return Ok(JobOutcome::Wait {
                until_ms: now + 600_000,
                reason: format!(
                    "waiting: seen {} time(s); fix.min_occurrences is {}",
                    group.count, self.min_occurrences
                ),
            });
        }
        let tokens_left = match self
            .tokens_left(store, group_id, now)
            .await
            .map_err(|e| err("reading the token budget", e))?
        {
            Ok(left) => left,
            Err((until_ms, reason)) => {
                // Announced once per wait, not at every deferral.
                let already = job
                    .job
                    .last_error
                    .as_deref()
                    .is_some_and(|e| e.contains("budget"));
                if !already {
                    self.notify(
                        NotificationKind::BudgetExhausted,
                        &group,
                        None,
                        Some(&reason),
                        None,
                    )
                    .await;
                }
                return Ok(JobOutcome::Wait { until_ms, reason });
            }
        };
        let mut request = match request_for_group(store, &group).await {
            Ok(r) => r,
            Err(e) => return Ok(JobOutcome::group_failed(format!("{e:#}"))),
        };
        request.tokens_left = tokens_left;
        let group_label = group.id.to_string();
        let progress = move |step: &str| tracing::info!(group = %group_label, "{step}");
        let started = now_ms();
        let outcome = self
            .fixer
            .fix(&request, Mode::Full, &progress)
            .await
            .map_err(|e| err("fixing", e.into()))?;
        let record = |outcome_name: &str, details: serde_json::Value, started_at: i64| NewAttempt {
            job_id: job.job.id,
            group_id: Some(group_id),
            started_at,
            finished_at: Some(now_ms()),
            outcome: outcome_name.to_string(),
            details,
        };
        for attempt in &outcome.attempts {
            let mut details = serde_json::to_value(attempt).unwrap_or_default();
            if attempt.outcome == tracefix_fixer::AttemptOutcome::Validated {
                details["explanation"] = json!(outcome.explanation);
                details["files_changed"] = json!(outcome.files_changed);
                details["base_commit"] = json!(outcome.base_commit);
                details["test_command"] = json!(outcome.test_command);
                details["branch"] = json!(outcome.branch);
                details["commit"] = json!(outcome.commit);
            }
            store
                .insert_attempt(&record(attempt.outcome.as_str(), details, started))
                .await
                .map_err(|e| err("recording the attempt", e.into()))?;
        }
        let reason = outcome.reason.clone().unwrap_or_default();
        match outcome.status {
            FixStatus::Validated => {
                if let (Some(branch), Some(commit)) = (&outcome.branch, &outcome.commit) {
                    // One proposal per group: a new candidate replaces the
                    // old one on the same branch.
                    let proposal = store
                        .save_proposal(&Proposal {
                            group_id,
                            branch: branch.clone(),
                            head_commit: commit.clone(),
                            forge: "local".into(),
                            state: if outcome.pushed {
                                ProposalState::Pushed
                            } else {
                                ProposalState::Local
                            },
                            number: None,
                            url: None,
                            merge_commit: None,
                            created_at: 0,
                            updated_at: 0,
                        })
                        .await
                        .map_err(|e| err("recording the proposal", e.into()))?;
                    let title = Fixer::title(&request);
                    return self
                        .open_pull_request(store, &group, &proposal, &title)
                        .await;
                }
                Ok(JobOutcome::proposed())
            }
            FixStatus::Skipped => {
                let reason = format!("not fixable: {reason}");
                self.notify(
                    NotificationKind::FixFailed,
                    &group,
                    None,
                    Some(&reason),
                    None,
                )
                .await;
                Ok(JobOutcome::group_failed(reason))
            }
            FixStatus::Waiting => {
                let over_budget = reason.contains("budget");
                let already = job
                    .job
                    .last_error
                    .as_deref()
                    .is_some_and(|e| e.contains("budget"));
                if over_budget && !already {
                    self.notify(
                        NotificationKind::BudgetExhausted,
                        &group,
                        None,
                        Some(&reason),
                        None,
                    )
                    .await;
                }
                if let Some(prepared) = &outcome.prompt {
                    // Provider `none`: the prompt is kept for whoever sends it.
                    store
                        .insert_attempt(&record(
                            "waiting",
                            json!({ "reason": reason, "system": prepared.system, "prompt": prepared.prompt, "estimated_tokens": prepared.estimated_tokens }),
                            started,
                        ))
                        .await
                        .map_err(|e| err("recording the prompt", e.into()))?;
                }
                Ok(JobOutcome::Wait {
                    until_ms: now_ms() + 3_600_000,
                    reason: format!("waiting: {reason}"),
                })
            }
            FixStatus::Failed if outcome.retryable => Err(HandlerError::new(reason)),
            FixStatus::Failed => {
                self.notify(
                    NotificationKind::FixFailed,
                    &group,
                    None,
                    Some(&reason),
                    None,
                )
                .await;
                Ok(JobOutcome::group_failed(reason))
            }
        }
    }
}
