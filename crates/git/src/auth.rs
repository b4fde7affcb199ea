//! Credentials for pushing, passed to git through its environment only.
//!
//! Neither form puts a secret in argv (visible in `ps` and in error text) or
//! in `.git/config` (which outlives the job): a token becomes a
//! configuration entry given by `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/
//! `GIT_CONFIG_VALUE_n`, which git reads for that one process.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};

/// Environment that makes git send `Authorization: Basic
/// base64(x-access-token:TOKEN)` on every HTTPS request, the form GitHub,
/// GitLab and Gitea accept for installation and personal tokens.
///
/// Give the result to [`crate::Git::with_envs`]; the `Git` treats the value
/// as a secret (scrubbed from its errors, hidden from its `Debug`).
pub fn https_token_env(token: &SecretString) -> Vec<(String, String)> {
    let credentials = format!("x-access-token:{}", token.expose_secret());
    let encoded = base64::engine::general_purpose::STANDARD.encode(credentials.as_bytes());
    vec![
        ("GIT_CONFIG_COUNT".to_owned(), "1".to_owned()),
        ("GIT_CONFIG_KEY_0".to_owned(), "http.extraHeader".to_owned()),
        (
            "GIT_CONFIG_VALUE_0".to_owned(),
            format!("Authorization: Basic {encoded}"),
        ),
    ]
}

/// An SSH key and the pinned host keys it may talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshAuth {
    /// Private key file (mode 0600; keep it in a directory deleted after use).
    pub key_path: PathBuf,
    /// The only known-hosts file consulted: unknown or changed host keys fail.
    pub known_hosts_path: PathBuf,
}

impl SshAuth {
    pub fn new(key_path: impl Into<PathBuf>, known_hosts_path: impl Into<PathBuf>) -> SshAuth {
        SshAuth {
            key_path: key_path.into(),
            known_hosts_path: known_hosts_path.into(),
        }
    }

    /// The `GIT_SSH_COMMAND` value. git runs it through `sh`, so both paths
    /// are single-quoted; `BatchMode` makes ssh fail instead of prompting.
    pub fn ssh_command(&self) -> String {
        format!(
            "ssh -i {} -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile={} -o BatchMode=yes",
            shell_quote(&self.key_path),
            shell_quote(&self.known_hosts_path),
        )
    }

    /// Environment for [`crate::Git::with_envs`].
    pub fn env(&self) -> Vec<(String, String)> {
        vec![("GIT_SSH_COMMAND".to_owned(), self.ssh_command())]
    }
}

/// Quotes a path as one POSIX shell word: `'...'`, each `'` written `'\''`.
fn shell_quote(path: &Path) -> String {
    let text = path.to_string_lossy();
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_env_is_a_basic_header_in_git_config_env() {
        let env = https_token_env(&SecretString::from("s3cr3t"));
        // base64("x-access-token:s3cr3t")
        assert_eq!(
            env,
            vec![
                ("GIT_CONFIG_COUNT".to_owned(), "1".to_owned()),
                ("GIT_CONFIG_KEY_0".to_owned(), "http.extraHeader".to_owned()),
                (
                    "GIT_CONFIG_VALUE_0".to_owned(),
                    "Authorization: Basic eC1hY2Nlc3MtdG9rZW46czNjcjN0".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn ssh_command_pins_hosts_and_never_prompts() {
        let auth = SshAuth::new("/keys/id_ed25519", "/keys/known_hosts");
        insta::assert_snapshot!(auth.ssh_command(), @"ssh -i '/keys/id_ed25519' -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile='/keys/known_hosts' -o BatchMode=yes");
    }

    /// The shell that git hands `GIT_SSH_COMMAND` to must see each path as
    /// one word, whatever it contains.
    #[test]
    fn odd_paths_survive_the_shell() {
        let key = "/tmp/a dir/it's $HOME `x` \"q\"/key";
        let hosts = "/tmp/known hosts;rm -rf x";
        let auth = SshAuth::new(key, hosts);
        let script = format!(
            "printf '%s\\n' {}",
            auth.ssh_command().trim_start_matches("ssh ")
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .output()
            .expect("sh runs");
        let words: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(words[0], "-i");
        assert_eq!(words[1], key);
        let hosts_option = words.iter().find(|w| w.starts_with("UserKnownHostsFile="));
        assert_eq!(
            hosts_option.map(String::as_str),
            Some(format!("UserKnownHostsFile={hosts}").as_str())
        );
        assert_eq!(words.last().map(String::as_str), Some("BatchMode=yes"));
    }
}
