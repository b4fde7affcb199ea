//! GitHub (and GitHub Enterprise) pull requests over the REST API.

use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::error::ForgeError;
use crate::github_app::AppAuth;
use crate::http::{Credential, RawResponse, Transport, decode};
use crate::settings::ForgeSettings;
use crate::{Forge, PrState, PullRequest, PullRequestRequest, is_already_exists};

const API_VERSION: &str = "2022-11-28";

/// Pull requests on GitHub, authenticated by a token or a GitHub App.
#[derive(Debug)]
pub struct GithubForge {
    transport: Transport,
    owner: String,
    name: String,
    auth: GithubAuth,
}

#[derive(Debug)]
enum GithubAuth {
    Token(Credential),
    App(AppAuth),
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
    /// Only in single-pull answers; lists carry `merged_at` instead.
    #[serde(default)]
    merged: Option<bool>,
    #[serde(default)]
    merged_at: Option<String>,
    #[serde(default)]
    merge_commit_sha: Option<String>,
    head: Ref,
    base: Ref,
    #[serde(default)]
    draft: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct Ref {
    #[serde(rename = "ref")]
    name: String,
    /// `null` when the head repository (a fork) was deleted.
    #[serde(default)]
    repo: Option<RefRepo>,
}

#[derive(Debug, Deserialize)]
struct RefRepo {
    full_name: String,
}

impl From<Pull> for PullRequest {
    fn from(pull: Pull) -> Self {
        let merged = pull.merged.unwrap_or(false) || pull.merged_at.is_some();
        let state = if merged {
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
            // For open pull requests this is the test-merge commit.
            merge_commit: if merged { pull.merge_commit_sha } else { None },
            head_branch: pull.head.name,
            base_branch: pull.base.name,
            draft: pull.draft.unwrap_or(false),
        }
    }
}

impl GithubForge {
    pub fn new(settings: &ForgeSettings) -> Result<Self, ForgeError> {
        let (owner, name) = settings.owner_and_name()?;
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/vnd.github+json"),
        );
        headers.insert(
            HeaderName::from_static("x-github-api-version"),
            HeaderValue::from_static(API_VERSION),
        );
        let transport = Transport::new(settings, "github", headers)?;
        let auth = match (settings.app_id, &settings.app_private_key, &settings.token) {
            (Some(app_id), Some(key), _) => {
                GithubAuth::App(AppAuth::new(app_id, key, settings.installation_id)?)
            }
            (Some(_), None, _) => {
                return Err(ForgeError::Config(
                    "forge.app_id is set but forge.app_private_key is not".into(),
                ));
            }
            (None, _, Some(token)) => GithubAuth::Token(Credential::bearer(token)?),
            (None, _, None) => {
                return Err(ForgeError::Config(
                    "GitHub needs forge.token (or GITHUB_TOKEN) or a GitHub App (forge.app_id and forge.app_private_key)".into(),
                ));
            }
        };
        Ok(GithubForge {
            transport,
            owner,
            name,
            auth,
        })
    }

    fn repo_endpoint(&self, rest: &[&str]) -> Url {
        let mut segments = vec!["repos", self.owner.as_str(), self.name.as_str()];
        segments.extend_from_slice(rest);
        self.transport.endpoint(&segments)
    }

    /// One call with the current credential; with an App, a 401 drops the
    /// cached installation token and the call is made once more with a
    /// fresh one.
    async fn execute(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
    ) -> Result<RawResponse, ForgeError> {
        match &self.auth {
            GithubAuth::Token(credential) => {
                self.transport
                    .execute(method, url, Some(credential), body)
                    .await
            }
            GithubAuth::App(app) => {
                let credential = app
                    .installation_token(&self.transport, &self.owner, &self.name)
                    .await?;
                match self
                    .transport
                    .execute(method.clone(), url.clone(), Some(&credential), body)
                    .await
                {
                    Err(ForgeError::Http { status: 401, .. }) => {
                        app.invalidate().await;
                        let credential = app
                            .installation_token(&self.transport, &self.owner, &self.name)
                            .await?;
                        self.transport
                            .execute(method, url, Some(&credential), body)
                            .await
                    }
                    other => other,
                }
            }
        }
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
    ) -> Result<T, ForgeError> {
        let response = self.execute(method, url, body).await?;
        decode("github", &response.body)
    }

    async fn create(
        &self,
        req: &PullRequestRequest,
        base: &str,
        draft: bool,
    ) -> Result<PullRequest, ForgeError> {
        let body = json!({
            "title": req.title,
            "head": req.branch,
            "base": base,
            "body": req.body,
            "draft": draft,
        });
        let pull: Pull = self
            .call(Method::POST, self.repo_endpoint(&["pulls"]), Some(&body))
            .await?;
        Ok(pull.into())
    }

    async fn update(
        &self,
        number: u64,
        req: &PullRequestRequest,
    ) -> Result<PullRequest, ForgeError> {
        let body = json!({ "title": req.title, "body": req.body });
        let url = self.repo_endpoint(&["pulls", &number.to_string()]);
        let pull: Pull = self.call(Method::PATCH, url, Some(&body)).await?;
        Ok(pull.into())
    }

    /// Adds labels (GitHub creates missing ones); labels already on the pull
    /// request stay.
    async fn add_labels(&self, number: u64, labels: &[String]) -> Result<(), ForgeError> {
        if labels.is_empty() {
            return Ok(());
        }
        let url = self.repo_endpoint(&["issues", &number.to_string(), "labels"]);
        self.execute(Method::POST, url, Some(&json!({ "labels": labels })))
            .await?;
        Ok(())
    }

    async fn update_existing(
        &self,
        existing: PullRequest,
        req: &PullRequestRequest,
    ) -> Result<PullRequest, ForgeError> {
        let updated = self.update(existing.number, req).await?;
        self.add_labels(updated.number, &req.labels).await?;
        Ok(updated)
    }
}

/// GitHub refuses drafts on plans without them with a 422 saying so.
fn drafts_unsupported(err: &ForgeError) -> bool {
    match err {
        ForgeError::Http {
            status: 422,
            message,
        } => {
            let message = message.to_ascii_lowercase();
            message.contains("draft")
                && ["not supported", "not available", "not enabled"]
                    .iter()
                    .any(|m| message.contains(m))
        }
        _ => false,
    }
}

#[async_trait::async_trait]
impl Forge for GithubForge {
    fn kind(&self) -> &'static str {
        "github"
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
            return Ok((self.update_existing(existing, req).await?, false));
        }
        let base = match &req.base {
            Some(base) => base.clone(),
            None => self.default_branch().await?,
        };
        let created = match self.create(req, &base, req.draft).await {
            Err(err) if req.draft && drafts_unsupported(&err) => {
                tracing::info!(error = %err, "drafts are not available on this repository; opening a ready pull request");
                self.create(req, &base, false).await
            }
            other => other,
        };
        match created {
            Ok(pr) => {
                self.add_labels(pr.number, &req.labels).await?;
                Ok((pr, true))
            }
            // A retried POST whose first attempt went through, an earlier
            // run that crashed after creating, or a concurrent worker.
            Err(err) if is_already_exists(&err) => match self.find_open(&req.branch).await? {
                Some(existing) => Ok((self.update_existing(existing, req).await?, false)),
                None => Err(err),
            },
            Err(err) => Err(err),
        }
    }

    async fn find_open(&self, branch: &str) -> Result<Option<PullRequest>, ForgeError> {
        let mut url = self.repo_endpoint(&["pulls"]);
        url.query_pairs_mut()
            .append_pair("state", "open")
            .append_pair("head", &format!("{}:{branch}", self.owner))
            .append_pair("per_page", "100");
        let pulls: Vec<Pull> = self.call(Method::GET, url, None).await?;
        let full_name = format!("{}/{}", self.owner, self.name);
        // The `head` filter is the server's; checked again here so a fork's
        // branch of the same name is never taken for ours.
        let mut ours: Vec<PullRequest> = pulls
            .into_iter()
            .filter(|p| p.state == "open" && p.head.name == branch)
            .filter(|p| {
                p.head
                    .repo
                    .as_ref()
                    .is_some_and(|r| r.full_name.eq_ignore_ascii_case(&full_name))
            })
            .map(PullRequest::from)
            .collect();
        ours.sort_by_key(|p| p.number);
        if ours.len() > 1 {
            tracing::warn!(
                branch,
                count = ours.len(),
                "several open pull requests from one branch; using the oldest"
            );
        }
        Ok(ours.into_iter().next())
    }

    async fn get(&self, number: u64) -> Result<PullRequest, ForgeError> {
        let url = self.repo_endpoint(&["pulls", &number.to_string()]);
        let pull: Pull = self.call(Method::GET, url, None).await?;
        Ok(pull.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pull(json: serde_json::Value) -> PullRequest {
        serde_json::from_value::<Pull>(json).unwrap().into()
    }

    #[test]
    fn states_from_pull_json() {
        let base = |extra: serde_json::Value| {
            let mut v = json!({
                "number": 5, "html_url": "https://github.com/o/r/pull/5", "state": "open",
                "merge_commit_sha": "testmerge", "head": {"ref": "b", "repo": {"full_name": "o/r"}},
                "base": {"ref": "main"}, "draft": true
            });
            for (k, val) in extra.as_object().unwrap() {
                v[k] = val.clone();
            }
            v
        };
        let open = pull(base(json!({})));
        assert_eq!(open.state, PrState::Open);
        assert_eq!(
            open.merge_commit, None,
            "test-merge commits are not merge commits"
        );
        assert!(open.draft);
        let merged = pull(base(
            json!({"state": "closed", "merged": true, "merge_commit_sha": "abc"}),
        ));
        assert_eq!(merged.state, PrState::Merged);
        assert_eq!(merged.merge_commit.as_deref(), Some("abc"));
        let merged_in_list = pull(base(
            json!({"state": "closed", "merged_at": "2026-01-01T00:00:00Z"}),
        ));
        assert_eq!(merged_in_list.state, PrState::Merged);
        let closed = pull(base(
            json!({"state": "closed", "merged": false, "merged_at": null}),
        ));
        assert_eq!(closed.state, PrState::Closed);
        assert_eq!(closed.merge_commit, None);
    }

    #[test]
    fn draft_refusals() {
        let http = |status, message: &str| ForgeError::Http {
            status,
            message: message.into(),
        };
        assert!(drafts_unsupported(&http(
            422,
            "Validation Failed: Draft pull requests are not supported in this repository."
        )));
        assert!(!drafts_unsupported(&http(
            422,
            "Validation Failed: A pull request already exists for o:b."
        )));
        assert!(!drafts_unsupported(&http(
            403,
            "Draft pull requests are not supported"
        )));
    }

    #[test]
    fn needs_credentials() {
        let settings = ForgeSettings::new(crate::ForgeKind::Github, "o/r");
        let err = GithubForge::new(&settings).unwrap_err();
        assert!(err.to_string().contains("GITHUB_TOKEN"), "{err}");
        let mut app_without_key = settings.clone();
        app_without_key.app_id = Some(1);
        assert!(GithubForge::new(&app_without_key).is_err());
    }
}
