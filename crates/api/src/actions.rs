//! What a person can do to a group or a job: retry, ignore, resolve,
//! reopen, requeue.
//!
//! These mirror the CLI's `tracefix retry|ignore|resolve` (`change_status`
//! in `crates/cli/src/groups.rs`) and `tracefix requeue`
//! (`crates/cli/src/jobs.rs`) rule for rule, so the API and the CLI agree;
//! the CLI may later call this module instead of keeping its own copy.
//!
//! Every change is a compare-and-set from the status just read, read again
//! and retried when another process moved the group in between.

use std::fmt;

use tracefix_store::{
    ErrorGroup, FIX_JOB_KIND, GroupStatus, Job, JobFilter, JobStatus, Store, StoreError,
    transition_allowed,
};
use uuid::Uuid;

/// How often a change is tried when the group keeps moving under it.
const CAS_TRIES: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupAction {
    /// Ask for a fix again (`queued`): after `failed`, `proposed`,
    /// `ignored`, or a group left `fixing` by a worker that died on the
    /// job's last attempt.
    Retry,
    Ignore,
    Resolve,
    /// Bring back a group a person put aside or called fixed too soon:
    /// `ignored` or `resolved` → `queued`, which enqueues a fix job.
    Reopen,
}

impl GroupAction {
    pub const ALL: [GroupAction; 4] = [
        GroupAction::Retry,
        GroupAction::Ignore,
        GroupAction::Resolve,
        GroupAction::Reopen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupAction::Retry => "retry",
            GroupAction::Ignore => "ignore",
            GroupAction::Resolve => "resolve",
            GroupAction::Reopen => "reopen",
        }
    }

    /// The status the action moves a group in `from` to, or why it cannot.
    fn target(self, from: GroupStatus) -> Result<GroupStatus, String> {
        use GroupStatus::*;
        match self {
            GroupAction::Retry => Ok(Queued),
            GroupAction::Ignore => Ok(Ignored),
            GroupAction::Resolve => Ok(Resolved),
            GroupAction::Reopen => match from {
                Ignored | Resolved => Ok(Queued),
                _ => Err(format!(
                    "only a resolved or ignored group can be reopened; it is {from}{}",
                    if matches!(from, Failed | Proposed | Fixing) {
                        " (retry asks for a fix again)"
                    } else {
                        ""
                    }
                )),
            },
        }
    }
}

impl fmt::Display for GroupAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an action did.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionOutcome {
    /// The group as it is after the action.
    pub group: ErrorGroup,
    pub from: GroupStatus,
    pub to: GroupStatus,
    /// False when the group already was in `to` (nothing was written).
    pub changed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("there is no group {0}")]
    NotFound(Uuid),
    /// The state machine (or a worker holding the job) refuses the change.
    #[error("cannot {action} group {id}: {why}")]
    Refused {
        id: Uuid,
        action: GroupAction,
        from: GroupStatus,
        why: String,
    },
    /// Another process kept changing the group; the client may try again.
    #[error("group {0} kept changing while it was being updated; try again")]
    Contended(Uuid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Applies `action` to group `id` (see the module's documentation).
pub async fn apply(
    store: &dyn Store,
    id: Uuid,
    action: GroupAction,
) -> Result<ActionOutcome, ActionError> {
    for _ in 0..CAS_TRIES {
        let group = store.group(id).await?.ok_or(ActionError::NotFound(id))?;
        let from = group.status;
        let refuse = |why: String| ActionError::Refused {
            id,
            action,
            from,
            why,
        };
        let to = action.target(from).map_err(refuse)?;
        if from == to {
            return Ok(ActionOutcome {
                group,
                from,
                to,
                changed: false,
            });
        }
        // Retrying while a worker holds the fix job would take it away from
        // under the worker; but a group left `fixing` by a worker that died
        // on the job's last attempt has no live job, and retry is the way
        // out.
        let held = action == GroupAction::Retry
            && from == GroupStatus::Fixing
            && has_live_job(store, id).await?;
        if !transition_allowed(from, to) || held {
            let why = match (action, from) {
                (GroupAction::Retry, GroupStatus::Fixing) => {
                    " and a worker holds its fix job".to_string()
                }
                (GroupAction::Retry, GroupStatus::New | GroupStatus::Regressed) => {
                    " (its fix job is already waiting)".to_string()
                }
                _ => String::new(),
            };
            return Err(refuse(format!(
                "it is {from}{why}; it cannot become {to} (from {from} it can become: {})",
                allowed_targets(from)
            )));
        }
        if store.set_group_status(id, from, to, None).await? {
            let group = store.group(id).await?.ok_or(ActionError::NotFound(id))?;
            return Ok(ActionOutcome {
                group,
                from,
                to,
                changed: true,
            });
        }
    }
    Err(ActionError::Contended(id))
}

fn allowed_targets(from: GroupStatus) -> String {
    let targets: Vec<&str> = GroupStatus::ALL
        .iter()
        .filter(|to| transition_allowed(from, **to))
        .map(|to| to.as_str())
        .collect();
    if targets.is_empty() {
        "nothing".into()
    } else {
        targets.join(", ")
    }
}

/// Whether the group has a ready or leased job (an expired lease counts:
/// another worker may take it up).
async fn has_live_job(store: &dyn Store, group: Uuid) -> Result<bool, StoreError> {
    for status in [JobStatus::Ready, JobStatus::Leased] {
        let jobs = store
            .list_jobs(&JobFilter {
                status: Some(status),
                group_id: Some(group),
                limit: Some(1),
            })
            .await?;
        if !jobs.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What requeueing a dead job did.
#[derive(Debug, Clone, PartialEq)]
pub struct RequeueOutcome {
    /// The job as it is now (`ready`, attempts reset).
    pub job: Job,
    /// The group of a fix job that went from `failed` back to `queued`.
    pub group_requeued: Option<Uuid>,
}

#[derive(Debug, thiserror::Error)]
pub enum RequeueError {
    #[error("there is no job {0}")]
    NotFound(Uuid),
    #[error("job {id} is {status}, not dead; only dead jobs can be requeued")]
    NotDead { id: Uuid, status: JobStatus },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Puts a dead job back to `ready` with its attempts reset, as `tracefix
/// requeue` does.
pub async fn requeue_job(store: &dyn Store, id: Uuid) -> Result<RequeueOutcome, RequeueError> {
    let job = store.job(id).await?.ok_or(RequeueError::NotFound(id))?;
    if !store.requeue(id).await? {
        // Read again: the status may have moved since the first read.
        let status = store.job(id).await?.map_or(job.status, |j| j.status);
        return Err(RequeueError::NotDead { id, status });
    }
    // A dead fix job left its group failed; a worker skips fix jobs of
    // failed groups, so the group must want a fix again. The job is ready
    // (live) now, so entering `queued` enqueues no second one.
    let mut group_requeued = None;
    if job.kind == FIX_JOB_KIND
        && let Some(group_id) = job.group_id
        && let Some(group) = store.group(group_id).await?
        && group.status == GroupStatus::Failed
        && store
            .set_group_status(group_id, GroupStatus::Failed, GroupStatus::Queued, None)
            .await?
    {
        group_requeued = Some(group_id);
    }
    let job = store.job(id).await?.ok_or(RequeueError::NotFound(id))?;
    Ok(RequeueOutcome {
        job,
        group_requeued,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use GroupStatus::*;

    #[test]
    fn reopen_takes_back_only_what_a_person_put_aside() {
        assert_eq!(GroupAction::Reopen.target(Ignored), Ok(Queued));
        assert_eq!(GroupAction::Reopen.target(Resolved), Ok(Queued));
        for from in [New, Queued, Fixing, Proposed, Failed, Regressed] {
            let why = GroupAction::Reopen.target(from).unwrap_err();
            assert!(why.contains(from.as_str()), "{why}");
        }
        // Every target reopen picks is one the state machine allows.
        for from in [Ignored, Resolved] {
            assert!(transition_allowed(
                from,
                GroupAction::Reopen.target(from).unwrap()
            ));
        }
    }

    #[test]
    fn the_other_actions_have_fixed_targets() {
        for from in GroupStatus::ALL {
            assert_eq!(GroupAction::Retry.target(from), Ok(Queued));
            assert_eq!(GroupAction::Ignore.target(from), Ok(Ignored));
            assert_eq!(GroupAction::Resolve.target(from), Ok(Resolved));
        }
    }

    #[test]
    fn allowed_targets_lists_the_machine() {
        assert_eq!(allowed_targets(Resolved), "queued, ignored, regressed");
    }
}
