//! GitLab merge requests over REST v4.

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName};
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::error::ForgeError;
use crate::http::{Credential, Transport};
use crate::settings::ForgeSettings;
use crate::{
    Forge, PrState, PullRequest, PullRequestRequest, draft_title, has_draft_prefix,
    is_already_exists,
};

/// Title prefixes GitLab reads as "draft" (`WIP` forms are the old ones).
const DRAFT_PREFIXES: &[&str] = &["Draft:", "[Draft]", "(Draft)", "Draft -", "WIP:", "[WIP]"];
const DRAFT_PREFIX: &str = "Draft: ";

/// Merge requests on a GitLab project, authenticated by a personal,
/// project or group access token (`PRIVATE-TOKEN`).
#[derive(Debug)]
pub struct GitlabForge {
    transport: Transport,
    /// `group/subgroup/name` or a numeric id; encoded as one path segment.
    project: String,
    credential: Credential,
}

#[derive(Debug, Deserialize)]
struct Project {
    default_branch: Option<String>,
}

#[derive(Debug, Deserialize)]
struct MergeRequest {
    iid: u64,
    web_url: String,
    state: String,
    #[serde(default)]
    merge_commit_sha: Option<String>,
    #[serde(default)]
    squash_commit_sha: Option<String>,
    /// The head commit; what lands on the target with a fast-forward merge.
    #[serde(default)]
    sha: Option<String>,
    source_branch: String,
    target_branch: String,
    #[serde(default)]
    project_id: Option<u64>,
    #[serde(default)]
    source_project_id: Option<u64>,
    #[serde(default)]
    draft: Option<bool>,
    /// Older servers' name for `draft`.
    #[serde(default)]
    work_in_progress: Option<bool>,
    #[serde(default)]
    title: String,
}

impl From<MergeRequest> for PullRequest {
    fn from(mr: MergeRequest) -> Self {
        let state = match mr.state.as_str() {
            "merged" => PrState::Merged,
            "closed" => PrState::Closed,
            // `opened`, and `locked` while a merge is in progress: not final.
            _ => PrState::Open,
        };
        let merge_commit = (state == PrState::Merged)
            .then(|| mr.merge_commit_sha.or(mr.squash_commit_sha).or(mr.sha))
            .flatten();
        let draft = mr
            .draft
            .or(mr.work_in_progress)
            .unwrap_or_else(|| has_draft_prefix(&mr.title, DRAFT_PREFIXES));
        PullRequest {
            number: mr.iid,
            url: mr.web_url,
            state,
            merge_commit,
            head_branch: mr.source_branch,
            base_branch: mr.target_branch,
            draft,
        }
    }
}

impl GitlabForge {
    pub fn new(settings: &ForgeSettings) -> Result<Self, ForgeError> {
        let project = settings.repository.trim().trim_matches('/').to_owned();
        if project.is_empty() {
            return Err(ForgeError::Config(
                "forge.repository must be the GitLab project path (group/name) or its numeric id"
                    .into(),
            ));
        }
        let token = settings.token.as_ref().ok_or_else(|| {
            ForgeError::Config("GitLab needs forge.token (or GITLAB_TOKEN)".into())
        })?;
        Ok(GitlabForge {
            transport: Transport::new(settings, "gitlab", HeaderMap::new())?,
            project,
            credential: Credential::new(HeaderName::from_static("private-token"), "", token)?,
        })
    }

    fn project_endpoint(&self, rest: &[&str]) -> Url {
        let mut segments = vec!["projects", self.project.as_str()];
        segments.extend_from_slice(rest);
        self.transport.endpoint(&segments)
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
    ) -> Result<T, ForgeError> {
        self.transport
            .json(method, url, Some(&self.credential), body)
            .await
    }

    /// Title, description and labels; the draft state stays as it is (the
    /// title prefix carries it, so it is re-applied to the new title).
    async fn update(
        &self,
        existing: &PullRequest,
        req: &PullRequestRequest,
    ) -> Result<PullRequest, ForgeError> {
        let mut body = json!({
            "title": draft_title(&req.title, existing.draft, DRAFT_PREFIX, DRAFT_PREFIXES),
            "description": req.body,
        });
        if !req.labels.is_empty() {
            body["add_labels"] = json!(label_list(&req.labels));
        }
        let url = self.project_endpoint(&["merge_requests", &existing.number.to_string()]);
        let mr: MergeRequest = self.call(Method::PUT, url, Some(&body)).await?;
        Ok(mr.into())
    }
}

/// GitLab takes labels as one comma-separated string, so a comma inside a
/// label cannot be sent.
fn label_list(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| l.replace(',', " "))
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

#[async_trait::async_trait]
impl Forge for GitlabForge {
    fn kind(&self) -> &'static str {
        "gitlab"
    }

    async fn default_branch(&self) -> Result<String, ForgeError> {
        let project: Project = self
            .call(Method::GET, self.project_endpoint(&[]), None)
            .await?;
        project.default_branch.ok_or_else(|| {
            ForgeError::Config(format!(
                "the GitLab project {} has no default branch (empty repository?)",
                self.project
            ))
        })
    }

    async fn open_or_update(
        &self,
        req: &PullRequestRequest,
    ) -> Result<(PullRequest, bool), ForgeError> {
        if let Some(existing) = self.find_open(&req.branch).await? {
            return Ok((self.update(&existing, req).await?, false));
        }
        let target = match &req.base {
            Some(base) => base.clone(),
            None => self.default_branch().await?,
        };
        let mut body = json!({
            "source_branch": req.branch,
            "target_branch": target,
            "title": draft_title(&req.title, req.draft, DRAFT_PREFIX, DRAFT_PREFIXES),
            "description": req.body,
        });
        if !req.labels.is_empty() {
            body["labels"] = json!(label_list(&req.labels));
        }
        let created: Result<MergeRequest, _> = self
            .call(
                Method::POST,
                self.project_endpoint(&["merge_requests"]),
                Some(&body),
            )
            .await;
        match created {
            Ok(mr) => Ok((mr.into(), true)),
            // 409 "Another open merge request already exists for this source branch".
            Err(err) if is_already_exists(&err) => match self.find_open(&req.branch).await? {
                Some(existing) => Ok((self.update(&existing, req).await?, false)),
                None => Err(err),
            },
            Err(err) => Err(err),
        }
    }

    async fn find_open(&self, branch: &str) -> Result<Option<PullRequest>, ForgeError> {
        let mut url = self.project_endpoint(&["merge_requests"]);
        url.query_pairs_mut()
            .append_pair("state", "opened")
            .append_pair("source_branch", branch)
            .append_pair("per_page", "100");
        let mrs: Vec<MergeRequest> = self.call(Method::GET, url, None).await?;
        let mut ours: Vec<PullRequest> = mrs
            .into_iter()
            .filter(|mr| {
                mr.source_branch == branch && matches!(mr.state.as_str(), "opened" | "locked")
            })
            // From this project, not a fork's branch of the same name.
            .filter(|mr| match (mr.project_id, mr.source_project_id) {
                (Some(target), Some(source)) => target == source,
                _ => true,
            })
            .map(PullRequest::from)
            .collect();
        ours.sort_by_key(|p| p.number);
        Ok(ours.into_iter().next())
    }

    async fn get(&self, number: u64) -> Result<PullRequest, ForgeError> {
        let url = self.project_endpoint(&["merge_requests", &number.to_string()]);
        let mr: MergeRequest = self.call(Method::GET, url, None).await?;
        Ok(mr.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mr(extra: serde_json::Value) -> PullRequest {
        let mut v = json!({
            "iid": 3, "web_url": "https://gitlab.example.com/g/p/-/merge_requests/3",
            "state": "opened", "source_branch": "b", "target_branch": "main",
            "title": "Draft: fix", "sha": "head", "merge_commit_sha": null
        });
        for (k, val) in extra.as_object().unwrap() {
            v[k] = val.clone();
        }
        serde_json::from_value::<MergeRequest>(v).unwrap().into()
    }

    #[test]
    fn states_and_merge_commits() {
        let open = mr(json!({}));
        assert_eq!(open.state, PrState::Open);
        assert!(open.draft, "draft read from the title on old servers");
        assert_eq!(open.merge_commit, None);
        assert_eq!(mr(json!({"state": "locked"})).state, PrState::Open);
        let merged = mr(json!({"state": "merged", "merge_commit_sha": "m1", "draft": false}));
        assert_eq!(
            (merged.state, merged.merge_commit.as_deref(), merged.draft),
            (PrState::Merged, Some("m1"), false)
        );
        let squashed = mr(json!({"state": "merged", "squash_commit_sha": "s1"}));
        assert_eq!(squashed.merge_commit.as_deref(), Some("s1"));
        let fast_forward = mr(json!({"state": "merged"}));
        assert_eq!(fast_forward.merge_commit.as_deref(), Some("head"));
        assert_eq!(mr(json!({"state": "closed"})).state, PrState::Closed);
    }

    #[test]
    fn labels_joined_with_commas() {
        assert_eq!(
            label_list(&["tracefix".into(), "a,b".into(), " ".into()]),
            "tracefix,a b"
        );
    }
}
