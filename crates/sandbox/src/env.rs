//! Which environment variables may reach a validation command.
//!
//! The command runs code from the application's repository with edits a
//! language model proposed: it must not see tracefix's own credentials. The
//! child starts from an empty environment; only allowlisted names are copied
//! from ours, and never one that looks like a secret, even when allowlisted
//! (a broad allowlist must not be a way to leak a token).

/// Names passed through by default.
pub const DEFAULT_ENV_ALLOW: &[&str] =
    &["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TERM", "USER"];

/// Prefixes of services whose variables are credentials or lead to them.
const SECRET_PREFIXES: &[&str] = &[
    "AWS_",
    "AZURE_",
    "GOOGLE_",
    "GCP_",
    "GCLOUD_",
    "OPENAI_",
    "ANTHROPIC_",
    "COHERE_",
    "MISTRAL_",
    "HF_",
    "HUGGINGFACE_",
    "GITHUB_",
    "GH_",
    "GITLAB_",
    "GL_",
    "BITBUCKET_",
    "GITEA_",
    "SLACK_",
    "JIRA_",
    "ATLASSIAN_",
    "VAULT_",
    "DOCKER_",
    "NPM_",
    "TWINE_",
    "CARGO_REGISTRY_",
    "SENTRY_",
    "DATADOG_",
    "DD_",
    "TRACEFIX_",
    // git reads configuration (an http.extraHeader with a token) from these.
    "GIT_CONFIG_",
    // The SSH agent socket would let the child use the user's keys.
    "SSH_AUTH_SOCK",
    "SSH_AGENT_",
];

/// Words (between `_`) that mark a credential wherever they appear.
const SECRET_WORDS: &[&str] = &[
    "KEY",
    "KEYS",
    "APIKEY",
    "TOKEN",
    "TOKENS",
    "SECRET",
    "SECRETS",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PASSPHRASE",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "AUTH",
    "PRIVATE",
    "COOKIE",
    "SESSION",
    "SIGNATURE",
];

/// Endings of names whose value commonly embeds a password
/// (`postgres://user:pw@host/db`).
const SECRET_SUFFIXES: &[&str] = &["_URL", "_URI", "_DSN", "_PWD", "_CONNECTION_STRING"];

/// Whether a variable name looks like it holds a credential. Case is
/// ignored. Matches: names starting with a service prefix (`AWS_`,
/// `OPENAI_`, `ANTHROPIC_`, `GITHUB_`, `GITLAB_`, `SLACK_`, `TRACEFIX_`, …),
/// names with a word such as `KEY`, `TOKEN`, `SECRET`, `PASSWORD`,
/// `CREDENTIALS` or `AUTH` between underscores, names containing `PASSWORD`
/// or `SECRET` anywhere, and connection strings (`*_URL`, `*_URI`, `*_DSN`).
pub fn is_secret_env_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_PREFIXES.iter().any(|p| upper.starts_with(p))
        || upper.split('_').any(|word| SECRET_WORDS.contains(&word))
        || upper.contains("PASSWORD")
        || upper.contains("SECRET")
        || SECRET_SUFFIXES.iter().any(|s| upper.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_recognised() {
        for name in [
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "GITLAB_PRIVATE_TOKEN",
            "SLACK_WEBHOOK_URL",
            "NPM_TOKEN",
            "HF_TOKEN",
            "STRIPE_SECRET",
            "my_api_key",
            "DB_PASSWORD",
            "MYSQLPASSWORD",
            "PGPASSWORD",
            "DATABASE_URL",
            "SENTRY_DSN",
            "CLIENT_SECRET_ID",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "SSH_AUTH_SOCK",
            "GIT_CONFIG_VALUE_0",
            "TRACEFIX_LLM_API_KEY",
            "JWT_SIGNING_KEY",
            "BASIC_AUTH",
        ] {
            assert!(is_secret_env_name(name), "{name}");
        }
    }

    #[test]
    fn ordinary_names_pass() {
        for name in [
            "PATH",
            "HOME",
            "LANG",
            "LC_ALL",
            "TMPDIR",
            "TERM",
            "USER",
            "PWD",
            "SHELL",
            "JAVA_HOME",
            "PYTHONPATH",
            "NODE_ENV",
            "CI",
            "RUST_BACKTRACE",
            "TOKENIZERS_PARALLELISM",
            "KEYBOARD_LAYOUT",
            "AUTHOR_NAME",
            "GOPATH",
        ] {
            assert!(!is_secret_env_name(name), "{name}");
        }
    }
}
