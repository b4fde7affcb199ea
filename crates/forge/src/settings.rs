//! What a forge client needs: kind, repository, endpoint, credentials, limits.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::error::ForgeError;

/// The `forge.kind` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForgeKind {
    Github,
    Gitlab,
    /// Gitea and Forgejo (same API v1).
    Gitea,
    /// No forge: the branch stays local or is pushed, the proposal lives in
    /// the store.
    Local,
}

impl ForgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ForgeKind::Github => "github",
            ForgeKind::Gitlab => "gitlab",
            ForgeKind::Gitea => "gitea",
            ForgeKind::Local => "local",
        }
    }

    /// The API root used when `forge.api_url` is not set.
    pub fn default_api_url(self) -> Option<&'static str> {
        match self {
            ForgeKind::Github => Some("https://api.github.com"),
            ForgeKind::Gitlab => Some("https://gitlab.com/api/v4"),
            // Self-hosted by nature: there is no default instance to assume.
            ForgeKind::Gitea | ForgeKind::Local => None,
        }
    }
}

impl fmt::Display for ForgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ForgeKind {
    type Err = ForgeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "github" => Ok(ForgeKind::Github),
            "gitlab" => Ok(ForgeKind::Gitlab),
            "gitea" | "forgejo" => Ok(ForgeKind::Gitea),
            "local" => Ok(ForgeKind::Local),
            other => Err(ForgeError::Config(format!(
                "unknown forge.kind `{other}` (expected github, gitlab, gitea, forgejo or local)"
            ))),
        }
    }
}

/// The label put on every pull request unless configured otherwise.
pub const DEFAULT_LABEL: &str = "tracefix";

/// Settings of one forge client. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct ForgeSettings {
    pub kind: ForgeKind,
    /// `owner/name`; GitLab: `group/subgroup/name` or the numeric project id.
    pub repository: String,
    /// API root: `https://github.example.com/api/v3` (GitHub Enterprise),
    /// `https://gitlab.example.com/api/v4`, `https://gitea.example.com/api/v1`.
    pub api_url: Option<String>,
    /// Personal or project access token (`GITHUB_TOKEN`, `GITLAB_TOKEN`,
    /// `GITEA_TOKEN`). GitHub: unused when an App is configured.
    pub token: Option<SecretString>,
    /// GitHub App id; with `app_private_key` it replaces `token`.
    pub app_id: Option<u64>,
    /// The App's private key (PEM, PKCS#1 or PKCS#8).
    pub app_private_key: Option<SecretString>,
    /// The App's installation on the repository; looked up when unset.
    pub installation_id: Option<u64>,
    /// Limit for one HTTP attempt, body included.
    pub timeout: Duration,
    /// Retries after the first attempt for retryable failures.
    pub max_retries: u32,
    /// First backoff ceiling; doubles per retry up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// A rate limit lifting later than this is not waited for: the call
    /// fails with `ForgeError::RateLimited` so the job can be rescheduled.
    pub rate_limit_max_wait: Duration,
}

impl ForgeSettings {
    /// Defaults for `kind` and `repository`: 30 s per attempt, 4 retries,
    /// backoff from 1 s to 30 s, rate limits waited for up to 60 s.
    pub fn new(kind: ForgeKind, repository: impl Into<String>) -> Self {
        ForgeSettings {
            kind,
            repository: repository.into(),
            api_url: None,
            token: None,
            app_id: None,
            app_private_key: None,
            installation_id: None,
            timeout: Duration::from_secs(30),
            max_retries: 4,
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(30),
            rate_limit_max_wait: Duration::from_secs(60),
        }
    }

    /// Fills what is unset from the environment the forges' own tools use:
    /// `GITHUB_TOKEN` and `GITHUB_API_URL` (GitHub Enterprise, as in
    /// Actions), `GITLAB_TOKEN`, `GITEA_TOKEN` (or `FORGEJO_TOKEN`).
    /// `env` is `std::env::var(..).ok()` in production.
    pub fn with_env_fallbacks(mut self, env: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let (token_vars, url_var): (&[&str], Option<&str>) = match self.kind {
            ForgeKind::Github => (&["GITHUB_TOKEN"], Some("GITHUB_API_URL")),
            ForgeKind::Gitlab => (&["GITLAB_TOKEN"], None),
            ForgeKind::Gitea => (&["GITEA_TOKEN", "FORGEJO_TOKEN"], None),
            ForgeKind::Local => (&[], None),
        };
        if self.token.is_none() {
            self.token = token_vars
                .iter()
                .find_map(|v| non_empty(v))
                .map(SecretString::from);
        }
        if self.api_url.is_none() {
            self.api_url = url_var.and_then(non_empty);
        }
        self
    }

    /// The API root without a trailing slash.
    pub(crate) fn api_root(&self) -> Result<url::Url, ForgeError> {
        let raw = match (&self.api_url, self.kind.default_api_url()) {
            (Some(url), _) => url.trim().trim_end_matches('/').to_owned(),
            (None, Some(default)) => default.to_owned(),
            (None, None) => {
                return Err(ForgeError::Config(format!(
                    "forge.api_url is required for {} (e.g. https://gitea.example.com/api/v1)",
                    self.kind
                )));
            }
        };
        let url = url::Url::parse(&raw)
            .map_err(|e| ForgeError::Config(format!("forge.api_url `{raw}`: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(ForgeError::Config(format!(
                "forge.api_url `{raw}` is not an http(s) URL"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ForgeError::Config(
                "forge.api_url must not carry credentials; use forge.token".into(),
            ));
        }
        Ok(url)
    }

    /// `owner/name` split in two, for GitHub and Gitea.
    pub(crate) fn owner_and_name(&self) -> Result<(String, String), ForgeError> {
        let repo = self.repository.trim().trim_matches('/');
        match repo.split_once('/') {
            Some((owner, name)) if !owner.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok((owner.to_owned(), name.to_owned()))
            }
            _ => Err(ForgeError::Config(format!(
                "forge.repository `{}` is not `owner/name`",
                self.repository
            ))),
        }
    }

    pub(crate) fn validate_limits(&self) -> Result<(), ForgeError> {
        if self.timeout.is_zero() {
            return Err(ForgeError::Config("forge.timeout must be positive".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn kinds_parse_with_forgejo_as_gitea() {
        assert_eq!("GitHub".parse::<ForgeKind>().unwrap(), ForgeKind::Github);
        assert_eq!("forgejo".parse::<ForgeKind>().unwrap(), ForgeKind::Gitea);
        assert_eq!(" local ".parse::<ForgeKind>().unwrap(), ForgeKind::Local);
        let err = "bitbucket".parse::<ForgeKind>().unwrap_err();
        assert!(err.to_string().contains("unknown forge.kind `bitbucket`"));
    }

    #[test]
    fn env_fallbacks_fill_only_unset_values() {
        let env = |name: &str| match name {
            "GITHUB_TOKEN" => Some("ghp_from_env".to_owned()),
            "GITHUB_API_URL" => Some("https://ghe.example.com/api/v3".to_owned()),
            "FORGEJO_TOKEN" => Some("fj".to_owned()),
            "GITEA_TOKEN" => Some("  ".to_owned()),
            _ => None,
        };
        let github = ForgeSettings::new(ForgeKind::Github, "o/r").with_env_fallbacks(env);
        assert_eq!(github.token.unwrap().expose_secret(), "ghp_from_env");
        assert_eq!(
            github.api_url.as_deref(),
            Some("https://ghe.example.com/api/v3")
        );

        let mut configured = ForgeSettings::new(ForgeKind::Github, "o/r");
        configured.token = Some(SecretString::from("configured"));
        let configured = configured.with_env_fallbacks(env);
        assert_eq!(configured.token.unwrap().expose_secret(), "configured");

        // An empty GITEA_TOKEN does not hide FORGEJO_TOKEN.
        let gitea = ForgeSettings::new(ForgeKind::Gitea, "o/r").with_env_fallbacks(env);
        assert_eq!(gitea.token.unwrap().expose_secret(), "fj");
        assert!(gitea.api_url.is_none());
    }

    #[test]
    fn api_roots() {
        let mut s = ForgeSettings::new(ForgeKind::Github, "o/r");
        assert_eq!(s.api_root().unwrap().as_str(), "https://api.github.com/");
        s.api_url = Some("https://ghe.example.com/api/v3/".into());
        assert_eq!(
            s.api_root().unwrap().as_str(),
            "https://ghe.example.com/api/v3"
        );
        s.api_url = Some("https://user:pw@ghe.example.com/api/v3".into());
        assert!(
            s.api_root()
                .unwrap_err()
                .to_string()
                .contains("credentials")
        );
        s.api_url = Some("ftp://x".into());
        assert!(s.api_root().is_err());
        let gitea = ForgeSettings::new(ForgeKind::Gitea, "o/r");
        assert!(
            gitea
                .api_root()
                .unwrap_err()
                .to_string()
                .contains("required for gitea")
        );
    }

    #[test]
    fn owner_and_name() {
        let s = |r: &str| ForgeSettings::new(ForgeKind::Github, r).owner_and_name();
        assert_eq!(s("acme/shop").unwrap(), ("acme".into(), "shop".into()));
        assert_eq!(s("/acme/shop/").unwrap(), ("acme".into(), "shop".into()));
        for bad in ["acme", "acme/", "/shop", "a/b/c", ""] {
            assert!(s(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_shows_no_secret() {
        let mut s = ForgeSettings::new(ForgeKind::Github, "o/r");
        s.token = Some(SecretString::from("ghp_supersecret"));
        s.app_private_key = Some(SecretString::from("-----BEGIN RSA PRIVATE KEY-----"));
        let debug = format!("{s:?}");
        assert!(!debug.contains("supersecret"));
        assert!(!debug.contains("BEGIN RSA"));
    }
}
