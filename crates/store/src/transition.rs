//! The group state machine: which status changes are allowed. Backends
//! call [`check_transition`] before their compare-and-set, so the rule lives
//! in one place.

use crate::error::StoreError;
use crate::model::GroupStatus;

/// Whether a group may go from `from` to `to`. Staying in the same status is
/// not a transition.
///
/// ```text
/// new | queued | regressed ──► fixing | ignored | resolved | failed
/// fixing   ──► proposed | failed | queued (retry) | ignored | resolved
/// proposed ──► resolved | failed | queued (fix again) | ignored
/// resolved ──► regressed (seen again) | queued (reopened by a person) | ignored
/// ignored  ──► queued | resolved
/// failed   ──► queued | ignored | resolved
/// ```
pub fn transition_allowed(from: GroupStatus, to: GroupStatus) -> bool {
    use GroupStatus::*;
    matches!(
        (from, to),
        (
            New | Queued | Regressed,
            Fixing | Ignored | Resolved | Failed
        ) | (Fixing, Proposed | Failed | Queued | Ignored | Resolved)
            | (Proposed, Resolved | Failed | Queued | Ignored)
            | (Resolved, Regressed | Queued | Ignored)
            | (Ignored, Queued | Resolved)
            | (Failed, Queued | Ignored | Resolved)
    )
}

/// [`transition_allowed`] as a typed error, plus the rule that `failed`
/// carries a reason.
pub fn check_transition(
    from: GroupStatus,
    to: GroupStatus,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    if !transition_allowed(from, to) {
        return Err(StoreError::InvalidTransition { from, to });
    }
    if to == GroupStatus::Failed && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(StoreError::InvalidInput(
            "a group can only become failed with a reason".into(),
        ));
    }
    Ok(())
}

/// Whether entering `to` enqueues a fix job in the same transaction (the
/// statuses that promise a job is waiting).
pub fn enqueues_fix_job(to: GroupStatus) -> bool {
    matches!(
        to,
        GroupStatus::New | GroupStatus::Queued | GroupStatus::Regressed
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use GroupStatus::*;

    #[test]
    fn the_transition_table() {
        // Every pair, spelled out: a change to the machine must change this.
        let allowed: &[(GroupStatus, &[GroupStatus])] = &[
            (New, &[Fixing, Ignored, Resolved, Failed]),
            (Queued, &[Fixing, Ignored, Resolved, Failed]),
            (Regressed, &[Fixing, Ignored, Resolved, Failed]),
            (Fixing, &[Proposed, Failed, Queued, Ignored, Resolved]),
            (Proposed, &[Resolved, Failed, Queued, Ignored]),
            (Resolved, &[Regressed, Queued, Ignored]),
            (Ignored, &[Queued, Resolved]),
            (Failed, &[Queued, Ignored, Resolved]),
        ];
        for from in GroupStatus::ALL {
            let targets = allowed.iter().find(|(f, _)| *f == from).unwrap().1;
            for to in GroupStatus::ALL {
                assert_eq!(
                    transition_allowed(from, to),
                    targets.contains(&to),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn nothing_enters_new_and_nothing_stays_put() {
        for s in GroupStatus::ALL {
            assert!(!transition_allowed(s, New));
            assert!(!transition_allowed(s, s));
        }
    }

    #[test]
    fn check_gives_typed_errors() {
        assert!(check_transition(New, Fixing, None).is_ok());
        assert!(matches!(
            check_transition(Resolved, Fixing, None),
            Err(StoreError::InvalidTransition {
                from: Resolved,
                to: Fixing
            })
        ));
        assert!(matches!(
            check_transition(Fixing, Failed, None),
            Err(StoreError::InvalidInput(_))
        ));
        assert!(matches!(
            check_transition(Fixing, Failed, Some("  ")),
            Err(StoreError::InvalidInput(_))
        ));
        assert!(check_transition(Fixing, Failed, Some("tests fail")).is_ok());
    }

    #[test]
    fn only_waiting_statuses_enqueue() {
        let enqueuing: Vec<_> = GroupStatus::ALL
            .into_iter()
            .filter(|s| enqueues_fix_job(*s))
            .collect();
        assert_eq!(enqueuing, [New, Queued, Regressed]);
    }
}
