//! `tracefix jobs`, `requeue`, `pause`, `resume`.

use std::io::{self, Write};

use anyhow::{Result, anyhow, bail};
use clap::Args;
use serde_json::{Value, json};
use tracefix_store_any::{FIX_JOB_KIND, GroupStatus, Job, JobFilter, JobStatus, Store};
use uuid::Uuid;

use crate::groups::parse_id;
use crate::table::{self, cut, rfc3339, rfc3339_secs};

#[derive(Debug, Args)]
pub struct JobsArgs {
    /// Only jobs in this status (ready, leased, done, dead).
    #[arg(long, value_name = "STATUS", value_parser = parse_job_status)]
    pub status: Option<JobStatus>,

    /// Only the jobs of this group.
    #[arg(long, value_name = "ID", value_parser = parse_id)]
    pub group: Option<Uuid>,

    /// At most this many jobs; 0 lists all.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub limit: u32,

    /// One JSON object per line per job instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JobIdArg {
    /// The job's id (from `tracefix jobs`).
    #[arg(value_name = "JOB_ID", value_parser = parse_id)]
    pub id: Uuid,
}

fn parse_job_status(text: &str) -> Result<JobStatus, String> {
    text.parse()
        .map_err(|_| "expected one of ready, leased, done, dead".to_string())
}

/// A job in the `jobs --json` form (its lease token is left out: it is
/// the proof of holding the lease).
pub fn job_json(j: &Job) -> Value {
    json!({
        "id": j.id,
        "kind": j.kind,
        "status": j.status,
        "attempts": j.attempts,
        "max_attempts": j.max_attempts,
        "visible_at": rfc3339(j.visible_at),
        "leased_by": j.leased_by,
        "last_error": j.last_error,
        "group_id": j.group_id,
        "payload": j.payload,
        "created_at": rfc3339(j.created_at),
        "updated_at": rfc3339(j.updated_at),
    })
}

pub async fn list(store: &dyn Store, args: &JobsArgs) -> Result<()> {
    let jobs = store
        .list_jobs(&JobFilter {
            status: args.status,
            group_id: args.group,
            limit: (args.limit > 0).then_some(args.limit),
        })
        .await?;
    let mut out = io::stdout().lock();
    if args.json {
        for job in &jobs {
            writeln!(out, "{}", job_json(job))?;
        }
        return Ok(());
    }
    if jobs.is_empty() {
        writeln!(out, "no jobs")?;
    } else {
        let rows: Vec<Vec<String>> = jobs
            .iter()
            .map(|j| {
                vec![
                    j.id.to_string(),
                    j.kind.clone(),
                    j.status.to_string(),
                    format!("{}/{}", j.attempts, j.max_attempts),
                    j.group_id.map(|g| g.to_string()).unwrap_or_default(),
                    rfc3339_secs(j.updated_at),
                    cut(j.last_error.as_deref().unwrap_or(""), 50),
                ]
            })
            .collect();
        out.write_all(
            table::render(
                &[
                    "ID",
                    "KIND",
                    "STATUS",
                    "ATTEMPTS",
                    "GROUP",
                    "UPDATED",
                    "LAST ERROR",
                ],
                &rows,
            )
            .as_bytes(),
        )?;
    }
    let depth = store.queue_depth().await?;
    let paused = store.paused().await?;
    let limit = store.concurrency_limit().await?;
    writeln!(
        out,
        "\nqueue: {} ready, {} waiting to retry, {} leased, {} with expired leases, {} done, {} dead; \
         {}; global limit: {}",
        depth.ready,
        depth.scheduled,
        depth.leased,
        depth.expired,
        depth.done,
        depth.dead,
        if paused { "PAUSED" } else { "not paused" },
        limit.map_or("none".to_string(), |n| format!("{n} leases")),
    )?;
    Ok(())
}

pub async fn requeue(store: &dyn Store, args: &JobIdArg) -> Result<()> {
    let id = args.id;
    let job = store
        .job(id)
        .await?
        .ok_or_else(|| anyhow!("there is no job {id}"))?;
    if !store.requeue(id).await? {
        bail!(
            "job {id} is {}, not dead; only dead jobs can be requeued",
            job.status
        );
    }
    println!("job {id}: dead → ready (attempts reset)");
    // A dead fix job left its group failed; a worker skips fix jobs of
    // failed groups, so the group must want a fix again. The job is ready
    // (live) now, so entering `queued` enqueues no second one.
    if job.kind == FIX_JOB_KIND
        && let Some(group_id) = job.group_id
        && let Some(group) = store.group(group_id).await?
        && group.status == GroupStatus::Failed
        && store
            .set_group_status(group_id, GroupStatus::Failed, GroupStatus::Queued, None)
            .await?
    {
        println!("group {group_id}: failed → queued");
    }
    Ok(())
}

pub async fn set_paused(store: &dyn Store, paused: bool) -> Result<()> {
    store.set_paused(paused).await?;
    if paused {
        println!("queue paused: no worker on this store leases jobs until `tracefix resume`");
    } else {
        println!("queue resumed");
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct LimitArgs {
    /// Leases held at once by all workers together, or `none`.
    #[arg(value_name = "N|none", value_parser = parse_limit)]
    pub limit: Limit,
}

#[derive(Debug, Clone, Copy)]
pub struct Limit(Option<u32>);

fn parse_limit(text: &str) -> Result<Limit, String> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(Limit(None));
    }
    match text.parse::<u32>() {
        Ok(0) => Err("0 would stop every worker; use `tracefix pause` for that".into()),
        Ok(n) => Ok(Limit(Some(n))),
        Err(_) => Err(format!("{text:?} is not a number of jobs or `none`")),
    }
}

pub async fn set_limit(store: &dyn Store, args: &LimitArgs) -> Result<()> {
    store.set_concurrency_limit(args.limit.0).await?;
    match args.limit.0 {
        Some(n) => println!("global limit: at most {n} jobs run at once on this store"),
        None => println!("global limit lifted (each process keeps worker.concurrency)"),
    }
    Ok(())
}
