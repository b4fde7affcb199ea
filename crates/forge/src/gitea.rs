//! Gitea and Forgejo pull requests over API v1.

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderMap};
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

/// Gitea's default `WORK_IN_PROGRESS_PREFIXES`.
const DRAFT_PREFIXES: &[&str] = &["WIP:", "[WIP]"];
const DRAFT_PREFIX: &str = "WIP: ";
/// Gitea's default `MAX_RESPONSE_ITEMS`.
const PAGE_SIZE: usize = 50;
/// A bound on pagination, so a server that never returns an empty page
/// cannot keep a worker busy: 10,000 open pull requests.
const MAX_PAGES: u32 = 200;
/// The colour of labels created here (Gitea requires one).
const LABEL_COLOR: &str = "#ededed";

/// Pull requests on a Gitea or Forgejo repository, authenticated by an
/// access token (`Authorization: token <t>`).
#[derive(Debug)]
pub struct GiteaForge {
    transport: Transport,
    owner: String,
    name: String,
    credential: Credential,
}

#[derive(Debug, Deserialize)]
struct Repository {
    default_branch: String,
}

#[derive(Debug, Deserialize)]
struct Pull {
    number: u64,
    html_url: String,
    state: String,
    #[serde(default)]
    merged: bool,
    #[serde(default)]
    merge_commit_sha: Option<String>,
    head: Branch,
    base: Branch,
    #[serde(default)]
    draft: Option<bool>,
    #[serde(default)]
    title: String,
}

#[derive(Debug, Deserialize)]
struct Branch {
    #[serde(rename = "ref")]
    name: String,
    #[serde(default)]
    repo_id: Option<u64>,
    #[serde(default)]
    repo: Option<BranchRepo>,
}

#[derive(Debug, Deserialize)]
struct BranchRepo {
    full_name: String,
}

#[derive(Debug, Deserialize)]
struct Label {
    id: u64,
    name: String,
}

impl From<Pull> for PullRequest {
    fn from(pull: Pull) -> Self {
        let state = if pull.merged {
            PrState::Merged
        } else if pull.state == "open" {
            PrState::Open
        } else {
            PrState::Closed
        };
        PullRequest {
            number: pull.number,
            url: pull.html_url,
            state,
            merge_commit: if pull.merged {
                pull.merge_commit_sha
            } else {
                None
            },
            draft: pull
                .draft
                .unwrap_or_else(|| has_draft_prefix(&pull.title, DRAFT_PREFIXES)),
            head_branch: pull.head.name,
            base_branch: pull.base.name,
        }
    }
}

impl GiteaForge {
    pub fn new(settings: &ForgeSettings) -> Result<Self, ForgeError> {
        let (owner, name) = settings.owner_and_name()?;
        let token = settings.token.as_ref().ok_or_else(|| {
            ForgeError::Config("Gitea/Forgejo needs forge.token (or GITEA_TOKEN)".into())
        })?;
        Ok(GiteaForge {
            transport: Transport::new(settings, "gitea", HeaderMap::new())?,
            owner,
            name,
            credential: Credential::new(AUTHORIZATION, "token ", token)?,
        })
    }

    fn repo_endpoint(&self, rest: &[&str]) -> Url {
        let mut segments = vec!["repos", self.owner.as_str(), self.name.as_str()];
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

    /// Every item of a paginated list, until an empty page (servers cap
    /// `limit` at their own maximum, so a short page does not mean the end).
    async fn all_pages<T: serde::de::DeserializeOwned>(
        &self,
        rest: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Vec<T>, ForgeError> {
        let mut items = Vec::new();
        for page in 1..=MAX_PAGES {
            let mut url = self.repo_endpoint(rest);
            {
                let mut pairs = url.query_pairs_mut();
                for (k, v) in query {
                    pairs.append_pair(k, v);
                }
                pairs
                    .append_pair("page", &page.to_string())
                    .append_pair("limit", &PAGE_SIZE.to_string());
            }
            let batch: Vec<T> = self.call(Method::GET, url, None).await?;
            if batch.is_empty() {
                break;
            }
            items.extend(batch);
        }
        Ok(items)
    }

    /// Label ids for `names`: Gitea takes ids, not names. Missing labels are
    /// created.
    async fn label_ids(&self, names: &[String]) -> Result<Vec<u64>, ForgeError> {
        let wanted: Vec<&str> = names
            .iter()
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let existing: Vec<Label> = self.all_pages(&["labels"], &[]).await?;
        let mut ids = Vec::with_capacity(wanted.len());
        for name in wanted {
            if let Some(label) = existing.iter().find(|l| l.name == name) {
                ids.push(label.id);
                continue;
            }
            let body = json!({ "name": name, "color": LABEL_COLOR });
            match self
                .call::<Label>(Method::POST, self.repo_endpoint(&["labels"]), Some(&body))
                .await
            {
                Ok(label) => ids.push(label.id),
                // Created meanwhile by a concurrent worker.
                Err(err) if matches!(err.status(), Some(409 | 422)) => {
                    let again: Vec<Label> = self.all_pages(&["labels"], &[]).await?;
                    match again.into_iter().find(|l| l.name == name) {
                        Some(label) => ids.push(label.id),
                        None => return Err(err),
                    }
                }
                Err(err) => return Err(err),
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// Title and body through PATCH (the draft prefix re-applied as it
    /// was); labels through the issue endpoint, which adds rather than
    /// replaces.
    async fn update(
        &self,
        existing: &PullRequest,
        req: &PullRequestRequest,
    ) -> Result<PullRequest, ForgeError> {
        let number = existing.number.to_string();
        let body = json!({
            "title": draft_title(&req.title, existing.draft, DRAFT_PREFIX, DRAFT_PREFIXES),
            "body": req.body,
        });
        let pull: Pull = self
            .call(
                Method::PATCH,
                self.repo_endpoint(&["pulls", &number]),
                Some(&body),
            )
            .await?;
        let labels = self.label_ids(&req.labels).await?;
        if !labels.is_empty() {
            self.transport
                .execute(
                    Method::POST,
                    self.repo_endpoint(&["issues", &number, "labels"]),
                    Some(&self.credential),
                    Some(&json!({ "labels": labels })),
                )
                .await?;
        }
        Ok(pull.into())
    }
}

#[async_trait::async_trait]
impl Forge for GiteaForge {
    fn kind(&self) -> &'static str {
        "gitea"
    }

    async fn default_branch(&self) -> Result<String, ForgeError> {
        let repo: Repository = self
            .call(Method::GET, self.repo_endpoint(&[]), None)
            .await?;
        Ok(repo.default_branch)
    }

    async fn open_or_update(
        &self,
        req: &PullRequestRequest,
    ) -> Result<(PullRequest, bool), ForgeError> {
        if let Some(existing) = self.find_open(&req.branch).await? {
            return Ok((self.update(&existing, req).await?, false));
        }
        let base = match &req.base {
            Some(base) => base.clone(),
            None => self.default_branch().await?,
        };
        let labels = self.label_ids(&req.labels).await?;
        let body = json!({
            "head": req.branch,
            "base": base,
            "title": draft_title(&req.title, req.draft, DRAFT_PREFIX, DRAFT_PREFIXES),
            "body": req.body,
            "labels": labels,
        });
        let created: Result<Pull, _> = self
            .call(Method::POST, self.repo_endpoint(&["pulls"]), Some(&body))
            .await;
        match created {
            Ok(pull) => Ok((pull.into(), true)),
            // 409 "pull request already exists for these targets".
            Err(err) if is_already_exists(&err) => match self.find_open(&req.branch).await? {
                Some(existing) => Ok((self.update(&existing, req).await?, false)),
                None => Err(err),
            },
            Err(err) => Err(err),
        }
    }

    async fn find_open(&self, branch: &str) -> Result<Option<PullRequest>, ForgeError> {
        // Gitea's list has no head filter: filtered here, page by page.
        let pulls: Vec<Pull> = self.all_pages(&["pulls"], &[("state", "open")]).await?;
        let full_name = format!("{}/{}", self.owner, self.name);
        let mut ours: Vec<PullRequest> = pulls
            .into_iter()
            .filter(|p| p.state == "open" && !p.merged && p.head.name == branch)
            .filter(|p| match (&p.head.repo, p.head.repo_id, p.base.repo_id) {
                (Some(repo), _, _) => repo.full_name.eq_ignore_ascii_case(&full_name),
                (None, Some(head), Some(base)) => head == base,
                _ => false,
            })
            .map(PullRequest::from)
            .collect();
        ours.sort_by_key(|p| p.number);
        Ok(ours.into_iter().next())
    }

    async fn get(&self, number: u64) -> Result<PullRequest, ForgeError> {
        let pull: Pull = self
            .call(
                Method::GET,
                self.repo_endpoint(&["pulls", &number.to_string()]),
                None,
            )
            .await?;
        Ok(pull.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_from_pull_json() {
        let pull = |extra: serde_json::Value| -> PullRequest {
            let mut v = json!({
                "number": 9, "html_url": "https://gitea.example.com/o/r/pulls/9", "state": "open",
                "merged": false, "merge_commit_sha": null, "title": "WIP: fix",
                "head": {"ref": "b", "repo_id": 1}, "base": {"ref": "main", "repo_id": 1}
            });
            for (k, val) in extra.as_object().unwrap() {
                v[k] = val.clone();
            }
            serde_json::from_value::<Pull>(v).unwrap().into()
        };
        let open = pull(json!({}));
        assert_eq!((open.state, open.draft), (PrState::Open, true));
        let merged = pull(json!({"state": "closed", "merged": true, "merge_commit_sha": "m"}));
        assert_eq!(
            (merged.state, merged.merge_commit.as_deref()),
            (PrState::Merged, Some("m"))
        );
        let closed = pull(json!({"state": "closed", "merge_commit_sha": "stale", "draft": false}));
        assert_eq!(
            (closed.state, closed.merge_commit, closed.draft),
            (PrState::Closed, None, false)
        );
    }
}
