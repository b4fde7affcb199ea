//! tracefix's forge clients: open, update and follow pull requests.
//!
//! One [`Forge`] trait with a client per `forge.kind`: [`GithubForge`]
//! (token or GitHub App, GitHub Enterprise through `api_url`),
//! [`GitlabForge`] (merge requests, REST v4) and [`GiteaForge`] (Gitea and
//! Forgejo, API v1). `local` has no client: the branch stays in the
//! repository (or is pushed) and the proposal lives in the store.
//!
//! **Invariant: at most one open pull request per branch.** Each error group
//! has its own branch, and [`Forge::open_or_update`] looks for an open pull
//! request from that branch before creating one, and after a create that
//! the forge refuses because one already exists (a retried POST whose first
//! attempt went through, a crash between push and creation, a concurrent
//! worker). So whatever crashes or retries happen, calling it again converges
//! on the one pull request.
//!
//! Every client retries rate limits (429, and 403 with rate-limit headers),
//! 5xx and transport errors with exponential backoff and full jitter, waiting
//! for the forge's reset when it is near and failing with
//! [`ForgeError::RateLimited`] (carrying the reset time) when it is not.
//! Errors carry the forge's own message; tokens never appear in errors or
//! `Debug` output.
//!
//! Following: poll [`Forge::get`], or for GitHub verify webhook deliveries
//! with [`verify_github_signature`] and read them with
//! [`parse_github_webhook`]. [`PullRequest::resolution`] says what the group
//! becomes.

mod error;
mod gitea;
mod github;
mod github_app;
mod gitlab;
mod http;
mod retry;
mod settings;
mod webhook;

use std::fmt::Debug;
use std::sync::Arc;

pub use error::{ForgeError, SignatureError};
pub use gitea::GiteaForge;
pub use github::GithubForge;
pub use github_app::app_jwt;
pub use gitlab::GitlabForge;
pub use http::forge_message;
pub use settings::{DEFAULT_LABEL, ForgeKind, ForgeSettings};
pub use webhook::{WebhookEvent, github_signature, parse_github_webhook, verify_github_signature};

/// A forge that hosts pull requests (merge requests on GitLab).
#[async_trait::async_trait]
pub trait Forge: Send + Sync + Debug {
    /// `github`, `gitlab` or `gitea`.
    fn kind(&self) -> &'static str;

    /// The repository's default branch, the base of pull requests unless
    /// one is configured.
    async fn default_branch(&self) -> Result<String, ForgeError>;

    /// Idempotent: finds an open pull request whose head is `req.branch`
    /// (from this repository) and updates its title, body and labels (its
    /// draft state is left as it is: a human may have marked it ready), else
    /// creates one, as a draft if asked. Returns the pull request and whether
    /// it was created by this call.
    async fn open_or_update(
        &self,
        req: &PullRequestRequest,
    ) -> Result<(PullRequest, bool), ForgeError>;

    /// The open pull request from `branch` of this repository, if any.
    async fn find_open(&self, branch: &str) -> Result<Option<PullRequest>, ForgeError>;

    /// One pull request by number (GitLab: the merge request's iid), for
    /// polling.
    async fn get(&self, number: u64) -> Result<PullRequest, ForgeError>;
}

/// What to open or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestRequest {
    /// The head branch, pushed to this repository.
    pub branch: String,
    /// The target branch; `None` for the repository's default branch.
    pub base: Option<String>,
    pub title: String,
    pub body: String,
    pub draft: bool,
    /// Added to the pull request (labels already on it are kept).
    pub labels: Vec<String>,
}

impl PullRequestRequest {
    /// A draft against the default branch with the [`DEFAULT_LABEL`].
    pub fn draft(
        branch: impl Into<String>,
        title: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        PullRequestRequest {
            branch: branch.into(),
            base: None,
            title: title.into(),
            body: body.into(),
            draft: true,
            labels: vec![DEFAULT_LABEL.to_owned()],
        }
    }
}

/// The state of a pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrState {
    Open,
    /// Closed without being merged.
    Closed,
    Merged,
}

impl PrState {
    pub fn as_str(self) -> &'static str {
        match self {
            PrState::Open => "open",
            PrState::Closed => "closed",
            PrState::Merged => "merged",
        }
    }
}

/// A pull request as the forge reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    /// GitHub and Gitea: the number; GitLab: the merge request's iid.
    pub number: u64,
    /// The page a person opens.
    pub url: String,
    pub state: PrState,
    /// Set only once merged (GitHub reports a test-merge commit for open
    /// pull requests; that one is not a merge commit).
    pub merge_commit: Option<String>,
    pub head_branch: String,
    pub base_branch: String,
    pub draft: bool,
}

/// What a followed pull request means for its error group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Still open: keep following.
    Pending,
    /// Merged: the group is resolved by this commit (when the forge names it).
    Resolved { merge_commit: Option<String> },
    /// Closed without merge: the fix was rejected and needs a human.
    NeedsHuman,
}

impl PullRequest {
    pub fn resolution(&self) -> Resolution {
        resolution(self.state, self.merge_commit.as_deref())
    }
}

pub(crate) fn resolution(state: PrState, merge_commit: Option<&str>) -> Resolution {
    match state {
        PrState::Open => Resolution::Pending,
        PrState::Merged => Resolution::Resolved {
            merge_commit: merge_commit.map(str::to_owned),
        },
        PrState::Closed => Resolution::NeedsHuman,
    }
}

/// The client for `settings.kind`, or `None` for `local`.
pub fn forge_from_settings(settings: &ForgeSettings) -> Result<Option<Arc<dyn Forge>>, ForgeError> {
    let forge: Arc<dyn Forge> = match settings.kind {
        ForgeKind::Local => return Ok(None),
        ForgeKind::Github => Arc::new(GithubForge::new(settings)?),
        ForgeKind::Gitlab => Arc::new(GitlabForge::new(settings)?),
        ForgeKind::Gitea => Arc::new(GiteaForge::new(settings)?),
    };
    Ok(Some(forge))
}

/// Whether a refused create means "one already exists": GitHub answers 422
/// ("A pull request already exists for ..."), GitLab 409 ("Another open
/// merge request already exists for this source branch"), Gitea 409 ("pull
/// request already exists for these targets").
pub(crate) fn is_already_exists(err: &ForgeError) -> bool {
    match err {
        ForgeError::Http { status, message } => {
            matches!(status, 409 | 422) && message.to_ascii_lowercase().contains("already exist")
        }
        _ => false,
    }
}

/// Draft title prefixes: GitLab's `Draft:` (and its older forms), Gitea's
/// `WIP:` and `[WIP]`.
pub(crate) fn has_draft_prefix(title: &str, prefixes: &[&str]) -> bool {
    let lower = title.trim_start().to_ascii_lowercase();
    prefixes
        .iter()
        .any(|p| lower.starts_with(&p.to_ascii_lowercase()))
}

/// `title` with `prefix` when `draft`, without any of `prefixes` otherwise.
pub(crate) fn draft_title(title: &str, draft: bool, prefix: &str, prefixes: &[&str]) -> String {
    let mut bare = title.trim_start();
    // Strip a prefix the caller may have put there itself, then add one.
    loop {
        let lower = bare.to_ascii_lowercase();
        match prefixes
            .iter()
            .find(|p| lower.starts_with(&p.to_ascii_lowercase()))
        {
            Some(p) => bare = bare[p.len()..].trim_start(),
            None => break,
        }
    }
    if draft {
        format!("{prefix}{bare}")
    } else {
        bare.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions() {
        let pr = |state, merge_commit: Option<&str>| PullRequest {
            number: 1,
            url: String::new(),
            state,
            merge_commit: merge_commit.map(str::to_owned),
            head_branch: "b".into(),
            base_branch: "main".into(),
            draft: false,
        };
        assert_eq!(pr(PrState::Open, None).resolution(), Resolution::Pending);
        assert_eq!(
            pr(PrState::Merged, Some("abc")).resolution(),
            Resolution::Resolved {
                merge_commit: Some("abc".into())
            }
        );
        assert_eq!(
            pr(PrState::Closed, None).resolution(),
            Resolution::NeedsHuman
        );
    }

    #[test]
    fn already_exists_detection() {
        let http = |status, message: &str| ForgeError::Http {
            status,
            message: message.into(),
        };
        assert!(is_already_exists(&http(
            422,
            "Validation Failed: A pull request already exists for acme:b."
        )));
        assert!(is_already_exists(&http(
            409,
            "Another open merge request already exists for this source branch: !3"
        )));
        assert!(!is_already_exists(&http(
            422,
            "Validation Failed: No commits between main and b"
        )));
        assert!(!is_already_exists(&http(404, "already exists")));
    }

    #[test]
    fn draft_titles() {
        const GITLAB: &[&str] = &["Draft:", "[Draft]", "(Draft)", "WIP:", "[WIP]"];
        assert_eq!(
            draft_title("Fix x", true, "Draft: ", GITLAB),
            "Draft: Fix x"
        );
        assert_eq!(
            draft_title("Draft: Fix x", true, "Draft: ", GITLAB),
            "Draft: Fix x"
        );
        assert_eq!(
            draft_title("[WIP] draft: Fix x", false, "Draft: ", GITLAB),
            "Fix x"
        );
        assert!(has_draft_prefix("  draft: x", GITLAB));
        assert!(!has_draft_prefix("Drafting x", GITLAB));
    }
}
