//! A typed wrapper over the system `git` command line.
//!
//! Why the CLI and not a library: libgit2 ignores the user's SSH
//! configuration and gitoxide can neither push nor create linked worktrees
//! (see the design notes); the CLI authenticates exactly as users debug it by
//! hand.
//!
//! Every call made through [`Git`]:
//! - passes `-C <dir>`, never relies on the current directory;
//! - runs in a cleaned environment: inherited `GIT_*` variables are removed
//!   (a `GIT_DIR` or `GIT_INDEX_FILE` from a calling hook would redirect
//!   it), `GIT_TERMINAL_PROMPT=0`, `GIT_CONFIG_NOSYSTEM=1`,
//!   `GIT_CONFIG_GLOBAL=/dev/null` (no user or system configuration),
//!   `LC_ALL=C` (stable messages), and an explicit committer identity;
//! - disables hooks (`core.hooksPath=/dev/null`) unless asked otherwise, so a
//!   job's worktree never runs the repository's scripts;
//! - has a timeout; on expiry git's whole process group is killed (git
//!   spawns helpers: ssh, remote helpers, hooks);
//! - reads only porcelain or `-z` output.
//!
//! Errors never carry credentials: see [`scrub`].

mod auth;
mod branch;
mod error;
mod worktree;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt as _;

pub use auth::{SshAuth, https_token_env};
pub use branch::branch_name;
pub use error::{GitError, REDACTED, scrub, scrub_with};
pub use worktree::{Worktree, add_worktree};

/// Time allowed to one git call unless [`Git::with_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Who commits. Also the committer of every other call (reflog entries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

impl Default for Identity {
    /// `tracefix <tracefix@localhost>`
    fn default() -> Identity {
        Identity {
            name: "tracefix".to_owned(),
            email: "tracefix@localhost".to_owned(),
        }
    }
}

/// git, run in one directory with fixed settings. Cheap to clone.
#[derive(Clone)]
pub struct Git {
    dir: PathBuf,
    timeout: Duration,
    env: Vec<(String, String)>,
    run_hooks: bool,
}

impl fmt::Debug for Git {
    /// Environment values are left out: they may hold a token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let env_names: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Git")
            .field("dir", &self.dir)
            .field("timeout", &self.timeout)
            .field("env_names", &env_names)
            .field("run_hooks", &self.run_hooks)
            .finish()
    }
}

/// What a finished git call gave, successful or not.
struct RawOutput {
    status: Option<i32>,
    success: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Git {
    pub fn new(dir: impl Into<PathBuf>) -> Git {
        Git {
            dir: dir.into(),
            timeout: DEFAULT_TIMEOUT,
            env: Vec::new(),
            run_hooks: false,
        }
    }

    /// The same settings (timeout, environment, hooks) in another directory.
    pub fn at(&self, dir: impl Into<PathBuf>) -> Git {
        Git {
            dir: dir.into(),
            ..self.clone()
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Git {
        self.timeout = timeout;
        self
    }

    /// Adds an environment variable to every call (after the inherited
    /// `GIT_*` variables are removed; the fixed settings above still win).
    pub fn with_env(mut self, key: impl Into<String>, value: impl Into<String>) -> Git {
        self.env.push((key.into(), value.into()));
        self
    }

    /// [`Git::with_env`] for each pair, e.g. from [`https_token_env`].
    pub fn with_envs(mut self, pairs: impl IntoIterator<Item = (String, String)>) -> Git {
        self.env.extend(pairs);
        self
    }

    /// Whether the repository's hooks run (default: no).
    pub fn with_hooks(mut self, run_hooks: bool) -> Git {
        self.run_hooks = run_hooks;
        self
    }

    /// Values that must never appear in error text: every configuration
    /// value passed through the environment (that is where tokens go).
    fn secrets(&self) -> Vec<String> {
        self.env
            .iter()
            .filter(|(k, _)| k.starts_with("GIT_CONFIG_VALUE_"))
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn std_command(&self, args: &[&str], identity: &Identity) -> std::process::Command {
        let mut cmd = std::process::Command::new("git");
        cmd.arg("-C").arg(&self.dir);
        if !self.run_hooks {
            cmd.args(["-c", "core.hooksPath=/dev/null"]);
        }
        cmd.args(args);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("GIT_") {
                cmd.env_remove(key);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd.env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("LC_ALL", "C")
            .env("GIT_AUTHOR_NAME", &identity.name)
            .env("GIT_AUTHOR_EMAIL", &identity.email)
            .env("GIT_COMMITTER_NAME", &identity.name)
            .env("GIT_COMMITTER_EMAIL", &identity.email);
        // Its own process group, so that a timeout can kill git's helpers
        // (ssh, hooks, aliases) with it.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Runs git to the end (or the timeout), whatever its exit status.
    async fn exec(
        &self,
        args: &[&str],
        stdin: Option<&[u8]>,
        identity: &Identity,
    ) -> Result<RawOutput, GitError> {
        let mut cmd = tokio::process::Command::from(self.std_command(args, identity));
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if stdin.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let io_error = |source| GitError::Io {
            args: error::describe_args(args, &self.secrets()),
            source,
        };
        let mut child = cmd.spawn().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                GitError::NotFound
            } else {
                io_error(e)
            }
        })?;
        let pid = child.id();
        let finish = async {
            if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
                // git reads its input before writing much output (commit -F -),
                // so writing first cannot deadlock on a full stdout pipe.
                pipe.write_all(input).await?;
                drop(pipe);
            }
            child.wait_with_output().await
        };
        match tokio::time::timeout(self.timeout, finish).await {
            Ok(Ok(out)) => Ok(RawOutput {
                status: out.status.code(),
                success: out.status.success(),
                stdout: out.stdout,
                stderr: out.stderr,
            }),
            Ok(Err(e)) => Err(io_error(e)),
            Err(_) => {
                kill_group(pid);
                Err(GitError::Timeout {
                    args: error::describe_args(args, &self.secrets()),
                    after: self.timeout,
                })
            }
        }
    }

    fn failed(&self, args: &[&str], out: &RawOutput) -> GitError {
        let secrets = self.secrets();
        GitError::Failed {
            args: error::describe_args(args, &secrets),
            status: out.status,
            stderr: error::describe_stderr(&out.stderr, &secrets),
        }
    }

    /// Runs `git -C <dir> <args>` and returns its standard output (lossy
    /// UTF-8); a non-zero exit is [`GitError::Failed`] with the scrubbed
    /// standard error.
    pub async fn run(&self, args: &[&str]) -> Result<String, GitError> {
        let out = self.exec(args, None, &Identity::default()).await?;
        if !out.success {
            return Err(self.failed(args, &out));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Blocking variant for `Drop`: output discarded, same timeout.
    fn run_blocking(&self, args: &[&str]) -> Result<(), GitError> {
        let mut cmd = self.std_command(args, &Identity::default());
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let describe = || error::describe_args(args, &self.secrets());
        let mut child = cmd.spawn().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                GitError::NotFound
            } else {
                GitError::Io {
                    args: describe(),
                    source: e,
                }
            }
        })?;
        let deadline = Instant::now() + self.timeout;
        loop {
            let waited = child.try_wait().map_err(|e| GitError::Io {
                args: describe(),
                source: e,
            })?;
            if let Some(status) = waited {
                return if status.success() {
                    Ok(())
                } else {
                    Err(GitError::Failed {
                        args: describe(),
                        status: status.code(),
                        stderr: String::new(),
                    })
                };
            }
            if Instant::now() >= deadline {
                kill_group(Some(child.id()));
                let _ = child.wait();
                return Err(GitError::Timeout {
                    args: describe(),
                    after: self.timeout,
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The full hash of `HEAD`.
    pub async fn head_commit(&self) -> Result<String, GitError> {
        self.rev_parse("HEAD").await
    }

    /// The full hash of the commit `rev` names.
    pub async fn rev_parse(&self, rev: &str) -> Result<String, GitError> {
        reject_option(rev, "revision")?;
        let spec = format!("{rev}^{{commit}}");
        let args = ["rev-parse", "--verify", "--quiet", spec.as_str()];
        let sha = self.run(&args).await?.trim().to_owned();
        if !is_object_id(&sha) {
            return Err(GitError::Unexpected {
                args: args.join(" "),
                detail: format!("not an object id: {sha:?}"),
            });
        }
        Ok(sha)
    }

    /// Tracked files, as git lists them with `-z` (no quoting, any name).
    /// Names that are not UTF-8 are converted lossily.
    pub async fn ls_files(&self) -> Result<Vec<String>, GitError> {
        let out = self.run(&["ls-files", "-z"]).await?;
        Ok(out
            .split('\0')
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect())
    }

    /// No staged, unstaged or untracked change (ignored files do not count).
    pub async fn is_clean(&self) -> Result<bool, GitError> {
        let out = self
            .run(&["status", "--porcelain=v2", "-z", "--untracked-files=all"])
            .await?;
        Ok(out.is_empty())
    }

    /// Unified diff from `base` to the worktree, new untracked files
    /// included. Stages everything (`add -A`) to see them, so use it in a
    /// job's own worktree. No colour, external diff, textconv or rename
    /// detection, whatever the repository configures; full blob ids on the
    /// `index` lines, so the text does not depend on the repository's size.
    pub async fn diff(&self, base: &str) -> Result<String, GitError> {
        reject_option(base, "base revision")?;
        self.run(&["add", "-A"]).await?;
        self.run(&[
            "diff",
            "--cached",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            "--full-index",
            base,
            "--",
        ])
        .await
    }

    /// Stages everything and commits it as `author` (author and committer),
    /// with the message given on standard input (any length, kept as
    /// written apart from surrounding whitespace). Never signs. Returns the
    /// new commit's hash; [`GitError::NothingToCommit`] when nothing changed.
    pub async fn commit_all(&self, message: &str, author: &Identity) -> Result<String, GitError> {
        self.run(&["add", "-A"]).await?;
        let staged = ["diff", "--cached", "--quiet"];
        let out = self.exec(&staged, None, author).await?;
        match out.status {
            Some(0) => return Err(GitError::NothingToCommit),
            Some(1) => {}
            _ => return Err(self.failed(&staged, &out)),
        }
        let args = [
            "-c",
            "commit.gpgSign=false",
            "commit",
            "--quiet",
            "--cleanup=whitespace",
            "-F",
            "-",
        ];
        let out = self.exec(&args, Some(message.as_bytes()), author).await?;
        if !out.success {
            return Err(self.failed(&args, &out));
        }
        self.head_commit().await
    }

    /// The branch `remote`'s HEAD points at: from the remote-tracking
    /// `refs/remotes/<remote>/HEAD` when a clone recorded it, else asked of
    /// the remote (`ls-remote --symref`).
    pub async fn default_branch(&self, remote: &str) -> Result<String, GitError> {
        reject_option(remote, "remote")?;
        let tracking = format!("refs/remotes/{remote}/HEAD");
        if let Ok(out) = self
            .run(&["symbolic-ref", "--quiet", "--short", &tracking])
            .await
            && let Some(branch) = out.trim().strip_prefix(&format!("{remote}/"))
            && !branch.is_empty()
        {
            return Ok(branch.to_owned());
        }
        let args = ["ls-remote", "--symref", remote, "HEAD"];
        let out = self.run(&args).await?;
        out.lines()
            .find_map(|line| {
                let (target, name) = line.strip_prefix("ref: ")?.split_once('\t')?;
                (name == "HEAD").then_some(target)
            })
            .and_then(|target| target.strip_prefix("refs/heads/"))
            .map(str::to_owned)
            .ok_or_else(|| GitError::Unexpected {
                args: error::describe_args(&args, &self.secrets()),
                detail: "the remote did not say where its HEAD points".to_owned(),
            })
    }

    /// Pushes local branch `branch` to the same name on `remote`, replacing
    /// it only if it is still at `expected` (`--force-with-lease` with an
    /// explicit value, never the remote-tracking ref, which a fetch may have
    /// moved). `None` means the branch must not exist on the remote yet.
    /// A refused push (stale lease, protected branch) is
    /// [`GitError::PushRejected`].
    pub async fn push_force_with_lease(
        &self,
        remote: &str,
        branch: &str,
        expected: Option<&str>,
    ) -> Result<(), GitError> {
        reject_option(remote, "remote")?;
        check_branch(branch)?;
        if let Some(sha) = expected
            && !is_object_id(sha)
        {
            return Err(GitError::InvalidArgument(format!(
                "lease value {sha:?} is not a full object id"
            )));
        }
        let lease = format!(
            "--force-with-lease=refs/heads/{branch}:{}",
            expected.unwrap_or("")
        );
        let refspec = format!("refs/heads/{branch}:refs/heads/{branch}");
        let args = [
            "push",
            "--porcelain",
            lease.as_str(),
            remote,
            refspec.as_str(),
        ];
        let out = self.exec(&args, None, &Identity::default()).await?;
        if out.success {
            return Ok(());
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        match parse_push_rejection(&stdout) {
            Some((reference, reason)) => Err(GitError::PushRejected {
                reference: scrub_with(reference, &self.secrets()),
                reason: scrub_with(reason, &self.secrets()),
            }),
            None => Err(self.failed(&args, &out)),
        }
    }
}

/// From `push --porcelain` output, the first rejected ref and why:
/// `!\t<from>:<to>\t[rejected] (stale info)`.
fn parse_push_rejection(porcelain: &str) -> Option<(&str, &str)> {
    porcelain.lines().find_map(|line| {
        let mut fields = line.split('\t');
        if fields.next()? != "!" {
            return None;
        }
        let refs = fields.next()?;
        let reason = fields.next().unwrap_or("rejected");
        let target = refs.split_once(':').map_or(refs, |(_, to)| to);
        Some((target, reason))
    })
}

fn is_object_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An argument git would read as an option is refused.
fn reject_option(value: &str, what: &str) -> Result<(), GitError> {
    if value.is_empty() || value.starts_with('-') || value.contains('\0') {
        return Err(GitError::InvalidArgument(format!("{what} {value:?}")));
    }
    Ok(())
}

/// A plausible branch name: no option, no refspec syntax, no whitespace.
/// (git itself checks the rest.)
fn check_branch(branch: &str) -> Result<(), GitError> {
    reject_option(branch, "branch")?;
    if branch
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(c))
        || branch.contains("..")
        || branch.starts_with("refs/")
    {
        return Err(GitError::InvalidArgument(format!("branch {branch:?}")));
    }
    Ok(())
}

/// Kills a process group started by [`Git::std_command`].
fn kill_group(pid: Option<u32>) {
    let Some(pid) = pid.and_then(|p| libc::pid_t::try_from(p).ok()) else {
        return;
    };
    // SAFETY: killpg only sends a signal. The group id is the pid of a
    // child we spawned as group leader; the group keeps that id reserved
    // while any member lives, so a dead group cannot alias another process.
    unsafe {
        libc::killpg(pid, libc::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_rejection_is_parsed() {
        let out = "To /tmp/remote.git\n!\trefs/heads/tracefix/ab-x:refs/heads/tracefix/ab-x\t[rejected] (stale info)\nDone\n";
        assert_eq!(
            parse_push_rejection(out),
            Some(("refs/heads/tracefix/ab-x", "[rejected] (stale info)"))
        );
        assert_eq!(
            parse_push_rejection("To x\n*\trefs/heads/a:refs/heads/a\t[new branch]\nDone\n"),
            None
        );
    }

    #[test]
    fn options_and_refspecs_are_refused() {
        assert!(reject_option("--upload-pack=evil", "remote").is_err());
        assert!(check_branch("a:b").is_err());
        assert!(check_branch("a b").is_err());
        assert!(check_branch("tracefix/abc-def").is_ok());
    }

    #[test]
    fn debug_hides_environment_values() {
        let git = Git::new("/r").with_envs(https_token_env(&secrecy::SecretString::from(
            "hunter2hunter2",
        )));
        let text = format!("{git:?}");
        assert!(text.contains("GIT_CONFIG_VALUE_0"));
        assert!(!text.contains("Basic"), "{text}");
    }
}
