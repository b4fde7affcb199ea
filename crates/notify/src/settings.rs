//! Plain settings (`[notify.slack]`, `[notify.webhook]`, `[notify.jira]`);
//! the config crate fills them. `Debug` shows no secret.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// Where Slack's Web API lives; tests point it at a local server.
pub const SLACK_API_BASE_URL: &str = "https://slack.com/api";

/// All notification settings. A channel is on when its URL (or token) is set.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    pub slack: SlackSettings,
    pub webhook: WebhookSettings,
    pub jira: JiraSettings,
    /// Limit for one HTTP attempt, body included.
    pub timeout: Duration,
    /// Retries after the first attempt, for failures worth retrying.
    pub max_retries: u32,
    /// First backoff ceiling (full jitter); doubles per retry up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// A `Retry-After` longer than this is not waited for: the error (with
    /// its wait) goes back to the caller.
    pub retry_after_max: Duration,
}

impl Default for NotifySettings {
    /// 10-second attempts, 3 retries with backoff from 0.5 s up to 8 s,
    /// server waits of up to 30 s honoured.
    fn default() -> Self {
        NotifySettings {
            slack: SlackSettings::default(),
            webhook: WebhookSettings::default(),
            jira: JiraSettings::default(),
            timeout: Duration::from_secs(10),
            max_retries: 3,
            retry_base: Duration::from_millis(500),
            retry_max: Duration::from_secs(8),
            retry_after_max: Duration::from_secs(30),
        }
    }
}

/// `[notify.slack]`: an incoming webhook, or a bot token and a channel for
/// `chat.postMessage`. With both, the bot token is used (its answer carries
/// the message's `ts`).
#[derive(Clone)]
pub struct SlackSettings {
    /// `https://hooks.slack.com/services/T…/B…/…`: the path is the secret.
    pub webhook_url: Option<SecretString>,
    /// `xoxb-…`, or `SLACK_BOT_TOKEN`.
    pub bot_token: Option<SecretString>,
    /// Channel id or name, for `chat.postMessage`.
    pub channel: String,
    /// Slack's Web API base, `https://slack.com/api` by default.
    pub api_base_url: String,
}

impl Default for SlackSettings {
    fn default() -> Self {
        SlackSettings {
            webhook_url: None,
            bot_token: None,
            channel: String::new(),
            api_base_url: SLACK_API_BASE_URL.to_owned(),
        }
    }
}

/// `[notify.webhook]`: a JSON endpoint and the HMAC secret that signs each
/// request (see [`crate::signature`]).
#[derive(Clone, Default)]
pub struct WebhookSettings {
    /// May carry a token in its path or query, so it is kept secret too.
    pub url: Option<SecretString>,
    pub secret: Option<SecretString>,
}

/// `[notify.jira]`: Jira Cloud (REST v3) with an API token.
#[derive(Clone)]
pub struct JiraSettings {
    /// `https://example.atlassian.net`.
    pub url: String,
    /// Project key, `OPS`.
    pub project: String,
    /// The account the API token belongs to (Basic auth user).
    pub email: String,
    /// Or `JIRA_API_TOKEN`.
    pub api_token: Option<SecretString>,
    /// `Bug` by default.
    pub issue_type: String,
}

impl Default for JiraSettings {
    fn default() -> Self {
        JiraSettings {
            url: String::new(),
            project: String::new(),
            email: String::new(),
            api_token: None,
            issue_type: "Bug".to_owned(),
        }
    }
}

impl NotifySettings {
    /// Fills unset secrets from `SLACK_WEBHOOK_URL`, `SLACK_BOT_TOKEN` and
    /// `JIRA_API_TOKEN` (empty values count as unset): secrets usually come
    /// from the environment rather than the configuration file. `env` is
    /// usually `|k| std::env::var(k).ok()`.
    pub fn fill_from_env(&mut self, env: impl Fn(&str) -> Option<String>) {
        let get = |key: &str| {
            env(key)
                .filter(|v| !v.trim().is_empty())
                .map(SecretString::from)
        };
        fill(&mut self.slack.webhook_url, || get("SLACK_WEBHOOK_URL"));
        fill(&mut self.slack.bot_token, || get("SLACK_BOT_TOKEN"));
        fill(&mut self.jira.api_token, || get("JIRA_API_TOKEN"));
    }
}

fn fill(slot: &mut Option<SecretString>, value: impl FnOnce() -> Option<SecretString>) {
    if !is_set(slot.as_ref()) {
        *slot = value();
    }
}

/// A secret that is present and not blank (`webhook_url = ""` in a file
/// means "off").
pub(crate) fn is_set(secret: Option<&SecretString>) -> bool {
    secret.is_some_and(|s| !s.expose_secret().trim().is_empty())
}

fn shown(secret: &Option<SecretString>) -> &'static str {
    if is_set(secret.as_ref()) {
        "[set]"
    } else {
        "[unset]"
    }
}

impl fmt::Debug for SlackSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackSettings")
            .field("webhook_url", &shown(&self.webhook_url))
            .field("bot_token", &shown(&self.bot_token))
            .field("channel", &self.channel)
            .field("api_base_url", &self.api_base_url)
            .finish()
    }
}

impl fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("url", &shown(&self.url))
            .field("secret", &shown(&self.secret))
            .finish()
    }
}

impl fmt::Debug for JiraSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JiraSettings")
            .field("url", &self.url)
            .field("project", &self.project)
            .field("email", &self.email)
            .field("api_token", &shown(&self.api_token))
            .field("issue_type", &self.issue_type)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn env_fills_only_unset_secrets_and_debug_hides_them() {
        let vars: HashMap<&str, &str> = HashMap::from([
            (
                "SLACK_WEBHOOK_URL",
                "https://hooks.slack.com/services/T1/B2/envsecret",
            ),
            ("SLACK_BOT_TOKEN", "xoxb-from-env-123"),
            ("JIRA_API_TOKEN", " "),
        ]);
        let mut s = NotifySettings::default();
        s.slack.bot_token = Some(SecretString::from("xoxb-from-file-456"));
        s.jira.api_token = Some(SecretString::from(""));
        s.fill_from_env(|k| vars.get(k).map(|v| v.to_string()));
        assert_eq!(
            s.slack.webhook_url.as_ref().unwrap().expose_secret(),
            "https://hooks.slack.com/services/T1/B2/envsecret"
        );
        assert_eq!(
            s.slack.bot_token.as_ref().unwrap().expose_secret(),
            "xoxb-from-file-456"
        );
        assert!(!is_set(s.jira.api_token.as_ref()));
        let debug = format!("{s:?} {s:#?}");
        for secret in ["envsecret", "xoxb-from", "hooks.slack.com"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(debug.contains("[set]"));
    }
}
