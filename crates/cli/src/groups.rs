//! `tracefix groups`, `show`, `ignore`, `resolve`, `retry`.
//!
//! The JSON written here is a public contract like `scan --json`: fields
//! may be added, never renamed. Times are RFC 3339 strings in UTC with
//! milliseconds.

use std::io::{self, Write};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use serde_json::{Value, json};
use tracefix_store_any::{
    AttemptFilter, ErrorGroup, GroupFilter, GroupStatus, Job, JobFilter, Store,
};
use uuid::Uuid;

use crate::jobs::job_json;
use crate::table::{self, cut, rfc3339, rfc3339_secs};

#[derive(Debug, Args)]
pub struct GroupsArgs {
    /// Only groups in this status (new, queued, fixing, proposed, resolved,
    /// ignored, failed, regressed).
    #[arg(long, value_name = "STATUS", value_parser = parse_status)]
    pub status: Option<GroupStatus>,

    /// At most this many groups; 0 lists all.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub limit: u32,

    /// One JSON object per line per group instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The group's id (from `tracefix groups`).
    #[arg(value_name = "ID", value_parser = parse_id)]
    pub id: Uuid,

    /// One JSON object with the group, its samples, jobs and attempts.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IdArg {
    /// The group's id (from `tracefix groups`).
    #[arg(value_name = "ID", value_parser = parse_id)]
    pub id: Uuid,
}

pub fn parse_status(text: &str) -> Result<GroupStatus, String> {
    text.parse().map_err(|_| {
        let names: Vec<&str> = GroupStatus::ALL.iter().map(|s| s.as_str()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

pub fn parse_id(text: &str) -> Result<Uuid, String> {
    text.trim()
        .parse()
        .map_err(|_| "expected an id like 019a4f2e-8c1b-7d3e-9f00-1a2b3c4d5e6f".to_string())
}

/// A group in the `groups --json` form.
pub fn group_json(g: &ErrorGroup) -> Value {
    json!({
        "id": g.id,
        "fingerprint": g.fingerprint,
        "fingerprint_version": g.fingerprint_version,
        "status": g.status,
        "failure_reason": g.failure_reason,
        "count": g.count,
        "language": g.language,
        "exception": { "type": g.exception_type, "message": g.exception_message },
        "first_seen": rfc3339(g.first_seen),
        "last_seen": rfc3339(g.last_seen),
        "source": g.source,
    })
}

pub async fn list(store: &dyn Store, args: &GroupsArgs) -> Result<()> {
    let groups = store
        .list_groups(&GroupFilter {
            status: args.status,
            limit: (args.limit > 0).then_some(args.limit),
        })
        .await
        .context("listing groups")?;
    let mut out = io::stdout().lock();
    if args.json {
        for group in &groups {
            writeln!(out, "{}", group_json(group))?;
        }
        return Ok(());
    }
    if groups.is_empty() {
        writeln!(out, "no groups")?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            vec![
                g.id.to_string(),
                g.status.to_string(),
                g.count.to_string(),
                rfc3339_secs(g.last_seen),
                cut(&g.exception_type, 30),
                cut(&g.exception_message, 60),
            ]
        })
        .collect();
    out.write_all(
        table::render(
            &["ID", "STATUS", "COUNT", "LAST SEEN", "TYPE", "MESSAGE"],
            &rows,
        )
        .as_bytes(),
    )?;
    Ok(())
}

pub async fn show(store: &dyn Store, args: &ShowArgs) -> Result<()> {
    let group = store
        .group(args.id)
        .await?
        .ok_or_else(|| anyhow!("there is no group {}", args.id))?;
    let samples = store.samples(group.id).await?;
    let jobs = store
        .list_jobs(&JobFilter {
            group_id: Some(group.id),
            limit: Some(10),
            ..JobFilter::default()
        })
        .await?;
    let attempts = store
        .list_attempts(&AttemptFilter {
            group_id: Some(group.id),
            ..AttemptFilter::default()
        })
        .await?;
    let mut out = io::stdout().lock();
    if args.json {
        let mut value = group_json(&group);
        value["frames"] = group.frames.clone();
        value["created_at"] = rfc3339(group.created_at).into();
        value["updated_at"] = rfc3339(group.updated_at).into();
        value["samples"] = samples
            .iter()
            .map(|s| {
                json!({
                    "ordinal": s.ordinal,
                    "occurred_at": rfc3339(s.occurred_at),
                    "source": s.source,
                    "text": s.text,
                })
            })
            .collect();
        value["jobs"] = jobs.iter().map(job_json).collect();
        value["proposal"] = serde_json::to_value(store.proposal(group.id).await?)?;
        value["attempts"] = attempts
            .iter()
            .map(|a| {
                json!({
                    "id": a.id,
                    "job_id": a.job_id,
                    "started_at": rfc3339(a.started_at),
                    "finished_at": a.finished_at.map(rfc3339),
                    "outcome": a.outcome,
                    "details": a.details,
                })
            })
            .collect();
        writeln!(out, "{value}")?;
        return Ok(());
    }

    let status = match &group.failure_reason {
        Some(reason) if group.status == GroupStatus::Failed => {
            format!("{} ({reason})", group.status)
        }
        _ => group.status.to_string(),
    };
    writeln!(out, "group        {}", group.id)?;
    writeln!(out, "status       {status}")?;
    writeln!(
        out,
        "exception    {}: {}",
        group.exception_type, group.exception_message
    )?;
    writeln!(out, "language     {}", group.language)?;
    writeln!(
        out,
        "fingerprint  {} (version {})",
        group.fingerprint, group.fingerprint_version
    )?;
    writeln!(
        out,
        "count        {} (first seen {}, last seen {})",
        group.count,
        rfc3339_secs(group.first_seen),
        rfc3339_secs(group.last_seen)
    )?;
    writeln!(out, "source       {}", group.source)?;
    let frames = frame_lines(&group.frames);
    if !frames.is_empty() {
        writeln!(out, "\nframes (outermost first)")?;
        for frame in frames {
            writeln!(out, "  {frame}")?;
        }
    }
    writeln!(out, "\nsamples ({})", samples.len())?;
    for sample in &samples {
        writeln!(
            out,
            "  #{} at {} from {}",
            sample.ordinal,
            rfc3339_secs(sample.occurred_at),
            sample.source
        )?;
        let lines: Vec<&str> = sample.text.lines().collect();
        for line in lines.iter().take(40) {
            writeln!(out, "    {line}")?;
        }
        if lines.len() > 40 {
            writeln!(out, "    … {} more lines", lines.len() - 40)?;
        }
    }
    writeln!(out, "\njobs ({})", jobs.len())?;
    if !jobs.is_empty() {
        out.write_all(indent(&job_rows(&jobs)).as_bytes())?;
    }
    writeln!(out, "\nfix attempts ({})", attempts.len())?;
    for attempt in &attempts {
        let d = &attempt.details;
        let tokens = match (d["input_tokens"].as_u64(), d["output_tokens"].as_u64()) {
            (Some(i), Some(o)) => format!("  {i} in + {o} out tokens"),
            _ => String::new(),
        };
        let detail = d["detail"]
            .as_str()
            .or(d["reason"].as_str())
            .and_then(|t| t.lines().next())
            .filter(|t| !t.is_empty())
            .map(|t| format!("  {}", cut(t, 100)))
            .unwrap_or_default();
        writeln!(
            out,
            "  {}  {}  job {}{tokens}{detail}",
            rfc3339_secs(attempt.started_at),
            attempt.outcome,
            attempt.job_id
        )?;
    }
    if let Some(p) = store.proposal(group.id).await? {
        let pr = p
            .url
            .as_deref()
            .map(|u| format!(", {u}"))
            .unwrap_or_default();
        writeln!(
            out,
            "\nproposal: branch {} at {} ({}{pr})",
            p.branch,
            &p.head_commit[..p.head_commit.len().min(12)],
            p.state
        )?;
    }
    // The candidate: the latest validated attempt's explanation and diff.
    if let Some(candidate) = attempts.iter().rev().find(|a| a.outcome == "validated") {
        let d = &candidate.details;
        writeln!(out, "\nvalidated candidate (job {})", candidate.job_id)?;
        if let Some(explanation) = d["explanation"].as_str() {
            writeln!(out, "{}", explanation.trim_end())?;
        }
        if let Some(test) = d["test_command"].as_str() {
            writeln!(out, "\ntests passed: {test}")?;
        }
        if let Some(diff) = d["diff"].as_str() {
            writeln!(out, "\n{}", diff.trim_end())?;
        }
    } else if let Some(waiting) = attempts.iter().rev().find(|a| a.outcome == "waiting") {
        let tokens = waiting.details["estimated_tokens"].as_u64().unwrap_or(0);
        writeln!(
            out,
            "\nthe prompt is stored (about {tokens} tokens): `tracefix show --json` has it"
        )?;
    }
    Ok(())
}

fn job_rows(jobs: &[Job]) -> String {
    let rows: Vec<Vec<String>> = jobs
        .iter()
        .map(|j| {
            vec![
                j.id.to_string(),
                j.status.to_string(),
                format!("{}/{}", j.attempts, j.max_attempts),
                rfc3339_secs(j.updated_at),
                cut(j.last_error.as_deref().unwrap_or(""), 60),
            ]
        })
        .collect();
    table::render(
        &["JOB", "STATUS", "ATTEMPTS", "UPDATED", "LAST ERROR"],
        &rows,
    )
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

/// `file:line in function` for frames stored as objects with those keys
/// (the ingest's format); anything else is left to `--json`.
fn frame_lines(frames: &Value) -> Vec<String> {
    let Some(frames) = frames.as_array() else {
        return Vec::new();
    };
    frames
        .iter()
        .filter_map(|f| {
            let file = f.get("file")?.as_str()?;
            let mut text = file.to_string();
            if let Some(line) = f.get("line").and_then(Value::as_u64) {
                text.push_str(&format!(":{line}"));
            }
            if let Some(function) = f.get("function").and_then(Value::as_str) {
                text.push_str(&format!(" in {function}"));
            }
            Some(text)
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
pub enum Change {
    Ignore,
    Resolve,
    Retry,
}

/// A compare-and-set from whatever the status is now, by the rules the API
/// and the dashboard use too (`tracefix_api::actions`).
pub async fn change_status(store: &dyn Store, args: &IdArg, change: Change) -> Result<()> {
    use tracefix_api::actions::{ActionError, GroupAction, apply};
    let id = args.id;
    let action = match change {
        Change::Ignore => GroupAction::Ignore,
        Change::Resolve => GroupAction::Resolve,
        Change::Retry => GroupAction::Retry,
    };
    match apply(store, id, action).await {
        Ok(done) if !done.changed => println!("group {id} is already {}", done.to),
        Ok(done) => {
            let note = if done.to == GroupStatus::Queued {
                " (a fix job is waiting for a worker)"
            } else {
                ""
            };
            println!("group {id}: {} → {}{note}", done.from, done.to);
        }
        Err(ActionError::Refused { why, .. }) => bail!("group {id}: {why}"),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
