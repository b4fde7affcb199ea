//! The group actions behind the dashboard's buttons, with the same rules as
//! `tracefix retry|ignore|resolve`: a compare-and-set from the status read
//! just before, read again and retried when another process changed it in
//! between, and checked against the store's state machine first.

use serde::Serialize;
use tracefix_store::{GroupStatus, JobFilter, JobStatus, Store, StoreError, transition_allowed};
use uuid::Uuid;

/// A button on the group page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Ask for a fix again (failed, proposed, or a `fixing` group whose
    /// worker died): enters `queued`, which enqueues a fix job.
    Retry,
    Ignore,
    Resolve,
    /// Bring an ignored or resolved group back: enters `queued`.
    Reopen,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Retry,
        Action::Reopen,
        Action::Resolve,
        Action::Ignore,
    ];

    /// The path segment (`/groups/{id}/{name}`).
    pub fn name(self) -> &'static str {
        match self {
            Action::Retry => "retry",
            Action::Ignore => "ignore",
            Action::Resolve => "resolve",
            Action::Reopen => "reopen",
        }
    }

    /// The button's text.
    pub fn label(self) -> &'static str {
        match self {
            Action::Retry => "Retry fix",
            Action::Ignore => "Ignore",
            Action::Resolve => "Resolve",
            Action::Reopen => "Reopen",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    pub fn target(self) -> GroupStatus {
        match self {
            Action::Retry | Action::Reopen => GroupStatus::Queued,
            Action::Ignore => GroupStatus::Ignored,
            Action::Resolve => GroupStatus::Resolved,
        }
    }

    /// Whether the page offers this button for a group in `status`
    /// (`live_job`: a fix job is ready or leased).
    pub fn offered(self, status: GroupStatus, live_job: bool) -> bool {
        use GroupStatus::*;
        match self {
            Action::Retry => match status {
                Proposed | Failed => true,
                Fixing => !live_job,
                _ => false,
            },
            Action::Reopen => matches!(status, Ignored | Resolved),
            Action::Ignore | Action::Resolve => transition_allowed(status, self.target()),
        }
    }
}

/// What an action did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionOutcome {
    pub action: Action,
    pub from: GroupStatus,
    pub to: GroupStatus,
}

impl ActionOutcome {
    /// A sentence for the page.
    pub fn message(&self) -> String {
        if self.from == self.to {
            return format!("The group is already {}.", self.to);
        }
        let note = if self.to == GroupStatus::Queued {
            " A fix job is waiting for a worker."
        } else {
            ""
        };
        format!("The group went from {} to {}.{note}", self.from, self.to)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("there is no group {0}")]
    NoGroup(Uuid),
    /// The state machine (or a worker holding the job) refuses; `why` says so.
    #[error("The group cannot be {action}: {why}")]
    NotAllowed {
        from: GroupStatus,
        action: &'static str,
        why: String,
    },
    #[error("the group kept changing while it was being updated; try again")]
    Contended,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Applies `action` to group `id`, by the rules the CLI and the JSON API
/// use too (`tracefix_api::actions`).
pub async fn apply(
    store: &dyn Store,
    id: Uuid,
    action: Action,
) -> Result<ActionOutcome, ActionError> {
    use tracefix_api::actions::{self as rules, GroupAction};
    let rule = match action {
        Action::Retry => GroupAction::Retry,
        Action::Ignore => GroupAction::Ignore,
        Action::Resolve => GroupAction::Resolve,
        Action::Reopen => GroupAction::Reopen,
    };
    match rules::apply(store, id, rule).await {
        Ok(done) => Ok(ActionOutcome {
            action,
            from: done.from,
            to: done.to,
        }),
        Err(rules::ActionError::NotFound(id)) => Err(ActionError::NoGroup(id)),
        Err(rules::ActionError::Refused { from, why, .. }) => Err(ActionError::NotAllowed {
            from,
            action: past_tense(action),
            why,
        }),
        Err(rules::ActionError::Contended(_)) => Err(ActionError::Contended),
        Err(rules::ActionError::Store(e)) => Err(ActionError::Store(e)),
    }
}

fn past_tense(action: Action) -> &'static str {
    match action {
        Action::Retry => "retried",
        Action::Ignore => "ignored",
        Action::Resolve => "resolved",
        Action::Reopen => "reopened",
    }
}

/// Whether the group has a ready or leased job (an expired lease counts:
/// another worker may take it up).
pub(crate) async fn has_live_job(store: &dyn Store, group: Uuid) -> Result<bool, StoreError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use GroupStatus::*;

    #[test]
    fn names_round_trip() {
        for action in Action::ALL {
            assert_eq!(Action::from_name(action.name()), Some(action));
        }
        assert_eq!(Action::from_name("delete"), None);
    }

    #[test]
    fn offered_buttons_follow_the_state_machine() {
        let offered = |status, live| -> Vec<&str> {
            Action::ALL
                .into_iter()
                .filter(|a| a.offered(status, live))
                .map(Action::name)
                .collect()
        };
        assert_eq!(offered(New, true), ["resolve", "ignore"]);
        assert_eq!(offered(Failed, false), ["retry", "resolve", "ignore"]);
        assert_eq!(offered(Fixing, true), ["resolve", "ignore"]);
        assert_eq!(offered(Fixing, false), ["retry", "resolve", "ignore"]);
        assert_eq!(offered(Ignored, false), ["reopen", "resolve"]);
        assert_eq!(offered(Resolved, false), ["reopen", "ignore"]);
        // Every offered button is reachable by legal compare-and-sets.
        for status in GroupStatus::ALL {
            for action in Action::ALL {
                if action.offered(status, false) {
                    let direct = transition_allowed(status, action.target());
                    let via_ignored = transition_allowed(status, Ignored)
                        && transition_allowed(Ignored, action.target());
                    assert!(direct || via_ignored, "{status} {action:?}");
                }
            }
        }
    }

    #[test]
    fn messages() {
        let outcome = ActionOutcome {
            action: Action::Retry,
            from: Failed,
            to: Queued,
        };
        assert_eq!(
            outcome.message(),
            "The group went from failed to queued. A fix job is waiting for a worker."
        );
        let same = ActionOutcome {
            action: Action::Ignore,
            from: Ignored,
            to: Ignored,
        };
        assert_eq!(same.message(), "The group is already ignored.");
    }
}
