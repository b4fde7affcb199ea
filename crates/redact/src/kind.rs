//! What a finding is, and the stable names used in placeholders.

use std::fmt;

/// The kind of secret a finding is. The kebab-case [`SecretKind::name`] is
/// part of the placeholder text (`[REDACTED:<name>]`) and is stable: tests,
/// dashboards and people grep for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SecretKind {
    AwsAccessKey,
    AwsSecretKey,
    GitHubToken,
    GitLabToken,
    SlackToken,
    SlackWebhook,
    OpenAiKey,
    AnthropicKey,
    GoogleApiKey,
    StripeKey,
    NpmToken,
    PypiToken,
    HuggingFaceToken,
    SendGridKey,
    Jwt,
    PrivateKey,
    UrlPassword,
    AuthorizationHeader,
    KeyValueSecret,
    HighEntropy,
    Email,
    IpAddress,
    Custom,
}

impl SecretKind {
    /// Every kind, in declaration order.
    pub const ALL: [SecretKind; 23] = [
        SecretKind::AwsAccessKey,
        SecretKind::AwsSecretKey,
        SecretKind::GitHubToken,
        SecretKind::GitLabToken,
        SecretKind::SlackToken,
        SecretKind::SlackWebhook,
        SecretKind::OpenAiKey,
        SecretKind::AnthropicKey,
        SecretKind::GoogleApiKey,
        SecretKind::StripeKey,
        SecretKind::NpmToken,
        SecretKind::PypiToken,
        SecretKind::HuggingFaceToken,
        SecretKind::SendGridKey,
        SecretKind::Jwt,
        SecretKind::PrivateKey,
        SecretKind::UrlPassword,
        SecretKind::AuthorizationHeader,
        SecretKind::KeyValueSecret,
        SecretKind::HighEntropy,
        SecretKind::Email,
        SecretKind::IpAddress,
        SecretKind::Custom,
    ];

    /// The stable kebab-case name used in `[REDACTED:<name>]`.
    pub const fn name(self) -> &'static str {
        match self {
            SecretKind::AwsAccessKey => "aws-access-key",
            SecretKind::AwsSecretKey => "aws-secret-key",
            SecretKind::GitHubToken => "github-token",
            SecretKind::GitLabToken => "gitlab-token",
            SecretKind::SlackToken => "slack-token",
            SecretKind::SlackWebhook => "slack-webhook",
            SecretKind::OpenAiKey => "openai-key",
            SecretKind::AnthropicKey => "anthropic-key",
            SecretKind::GoogleApiKey => "google-api-key",
            SecretKind::StripeKey => "stripe-key",
            SecretKind::NpmToken => "npm-token",
            SecretKind::PypiToken => "pypi-token",
            SecretKind::HuggingFaceToken => "huggingface-token",
            SecretKind::SendGridKey => "sendgrid-key",
            SecretKind::Jwt => "jwt",
            SecretKind::PrivateKey => "private-key",
            SecretKind::UrlPassword => "url-password",
            SecretKind::AuthorizationHeader => "authorization-header",
            SecretKind::KeyValueSecret => "key-value-secret",
            SecretKind::HighEntropy => "high-entropy",
            SecretKind::Email => "email",
            SecretKind::IpAddress => "ip-address",
            SecretKind::Custom => "custom",
        }
    }

    /// The kind a merged finding takes when matches of several kinds
    /// overlap: the lowest rank wins. A token's own shape says more than the
    /// context it sits in (`token=ghp_…` is a GitHub token), and context says
    /// more than entropy alone.
    pub(crate) const fn rank(self) -> u8 {
        match self {
            SecretKind::UrlPassword
            | SecretKind::AuthorizationHeader
            | SecretKind::KeyValueSecret
            | SecretKind::Custom => 1,
            SecretKind::Email | SecretKind::IpAddress => 2,
            SecretKind::HighEntropy => 3,
            _ => 0,
        }
    }

    /// The placeholder that replaces a secret of this kind.
    pub fn placeholder(self) -> String {
        format!("[REDACTED:{}]", self.name())
    }
}

impl fmt::Display for SecretKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case() {
        let mut names: Vec<&str> = SecretKind::ALL.iter().map(|k| k.name()).collect();
        for name in &names {
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{name} is not kebab-case"
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SecretKind::ALL.len());
    }

    #[test]
    fn placeholder_format() {
        assert_eq!(
            SecretKind::KeyValueSecret.placeholder(),
            "[REDACTED:key-value-secret]"
        );
        assert_eq!(SecretKind::Jwt.to_string(), "jwt");
    }
}
