//! Runs a validation command (a project's tests, a syntax check) in a
//! directory, as a contained child process.
//!
//! - **Environment:** cleared, then the names in [`RunSpec::env_allow`] are
//!   copied from ours except any that [`is_secret_env_name`] flags (even
//!   when allowlisted), then [`RunSpec::env_set`] is applied as given (an
//!   explicit value is the caller's decision).
//! - **Process group:** the child leads a new process group. On timeout the
//!   whole group gets `SIGTERM`, then `SIGKILL` after [`RunSpec::kill_grace`];
//!   when the child exits by itself, whatever it left running in its group
//!   (a background server, a stray `sleep`) is killed. A run never leaves
//!   processes behind, and a grandchild holding the output pipe cannot keep
//!   the run waiting. If the returned future is dropped, the group is killed.
//! - **Output:** stdout and stderr are one pipe, so the text is interleaved
//!   exactly as the child wrote it; only `output_limit` bytes are kept (the
//!   first and the last halves, with a marker between), however much is
//!   written, and the pipe is always drained, so the child never blocks.
//! - **stdin** is `/dev/null`; optional [`Limits`] are applied with
//!   `setrlimit` before `exec`.
//! - **Not found:** a missing program (`shell: false`) is
//!   [`SandboxError::ProgramNotFound`], a configuration error rather than a
//!   failed test; with `shell: true` the shell reports it as a normal outcome
//!   with status 127, as in a terminal.
//!
//! Why `process_group(0)` and `libc::killpg` rather than process-wrap: both
//! are already in the dependency tree; the escalation (TERM, grace, KILL to
//! the group, and killing leftovers after a normal exit) and the single
//! merged pipe are written here either way, and the group handling itself is
//! two calls.

mod capture;
mod env;

use std::ffi::OsString;
use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt as _;
use tokio::time::Instant;

pub use env::{DEFAULT_ENV_ALLOW, is_secret_env_name};

use capture::Capture;

/// How long output is still read after the group was killed: a process
/// that left the group (`setsid`) may hold the pipe open for ever.
const DRAIN_LIMIT: Duration = Duration::from_secs(1);

/// What to run, where, and within which bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    /// The program (looked up on the child's `PATH`), or with `shell` a
    /// command line for `/bin/sh -c`.
    pub program: String,
    /// Arguments; with `shell`, the positional parameters `$1`, `$2`, ….
    pub args: Vec<String>,
    pub shell: bool,
    /// Working directory (a job's worktree).
    pub dir: PathBuf,
    pub timeout: Duration,
    /// Time between `SIGTERM` and `SIGKILL` once the timeout expired.
    pub kill_grace: Duration,
    /// Names copied from this process's environment, secrets excepted.
    pub env_allow: Vec<String>,
    /// Variables set in the child as given, after the allowlist.
    pub env_set: Vec<(String, String)>,
    /// Bytes of output kept: the first half and the last half.
    pub output_limit: usize,
    pub limits: Limits,
}

/// Resource limits set in the child before `exec` (each lowered to at most
/// the current hard limit; never raised).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// CPU time; the kernel sends `SIGXCPU` then `SIGKILL`.
    pub cpu_seconds: Option<u64>,
    pub address_space_bytes: Option<u64>,
    /// Largest file the command may write.
    pub file_size_bytes: Option<u64>,
    pub open_files: Option<u64>,
}

impl Limits {
    fn is_empty(&self) -> bool {
        *self == Limits::default()
    }
}

impl RunSpec {
    /// `program args…` in `dir`, with the defaults: 10 minutes, 5 s grace,
    /// [`DEFAULT_ENV_ALLOW`], 256 KiB of output, no resource limits.
    pub fn new(program: impl Into<String>, args: Vec<String>, dir: impl Into<PathBuf>) -> RunSpec {
        RunSpec {
            program: program.into(),
            args,
            shell: false,
            dir: dir.into(),
            timeout: Duration::from_secs(600),
            kill_grace: Duration::from_secs(5),
            env_allow: DEFAULT_ENV_ALLOW.iter().map(|s| s.to_string()).collect(),
            env_set: Vec::new(),
            output_limit: 256 * 1024,
            limits: Limits::default(),
        }
    }

    /// A command line run by `/bin/sh -c`, with the same defaults.
    pub fn shell(command_line: impl Into<String>, dir: impl Into<PathBuf>) -> RunSpec {
        RunSpec {
            shell: true,
            ..RunSpec::new(command_line, Vec::new(), dir)
        }
    }

    /// The child's whole environment: allowlisted names present here and
    /// not secret-looking, then `env_set`.
    pub fn child_env(&self) -> Vec<(String, OsString)> {
        let mut env: Vec<(String, OsString)> = Vec::new();
        for name in &self.env_allow {
            if is_secret_env_name(name) {
                tracing::debug!(%name, "allowlisted variable looks secret; not passed");
                continue;
            }
            if env.iter().any(|(k, _)| k == name) {
                continue;
            }
            if let Some(value) = std::env::var_os(name) {
                env.push((name.clone(), value));
            }
        }
        for (name, value) in &self.env_set {
            env.retain(|(k, _)| k != name);
            env.push((name.clone(), value.into()));
        }
        env
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    /// Exit code; `None` when killed by a signal.
    pub status: Option<i32>,
    /// The signal that ended the command, if one did.
    pub signal: Option<i32>,
    /// The timeout expired (the group was then terminated); check this
    /// before `status`, which a `SIGTERM` handler may have set to 0.
    pub timed_out: bool,
    pub duration: Duration,
    /// stdout and stderr interleaved, lossy UTF-8, cut in the middle with a
    /// `[... N bytes omitted ...]` line when longer than the limit.
    pub output: String,
    pub truncated: bool,
    /// Bytes the command wrote in all.
    pub output_bytes: u64,
}

impl RunOutcome {
    /// Exited by itself with status 0, in time.
    pub fn success(&self) -> bool {
        self.status == Some(0) && !self.timed_out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("program {program:?} not found on the command's PATH")]
    ProgramNotFound { program: String },
    #[error("working directory {} does not exist", .0.display())]
    NoDirectory(PathBuf),
    #[error("could not start {program:?}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("while running {program:?}: {source}")]
    Io {
        program: String,
        #[source]
        source: std::io::Error,
    },
}

/// Runs the command to its end, its timeout, or the caller's cancellation.
pub async fn run(spec: &RunSpec) -> Result<RunOutcome, SandboxError> {
    if !spec.dir.is_dir() {
        return Err(SandboxError::NoDirectory(spec.dir.clone()));
    }
    let io_error = |source| SandboxError::Io {
        program: spec.program.clone(),
        source,
    };
    let started = Instant::now();
    let (reader, writer) = std::io::pipe().map_err(io_error)?;
    let mut child = spawn(spec, writer)?;
    let mut group = GroupGuard::new(child.id());
    let mut output = OutputPipe {
        rx: tokio::net::unix::pipe::Receiver::from_owned_fd(reader.into()).map_err(io_error)?,
        buf: vec![0; 64 * 1024],
        capture: Capture::new(spec.output_limit),
        eof: false,
    };

    let deadline = started + spec.timeout;
    let mut status = None;
    let mut timed_out = false;
    while status.is_none() {
        tokio::select! {
            read = output.read(), if !output.eof => read.map_err(io_error)?,
            waited = child.wait() => status = Some(waited.map_err(io_error)?),
            () = tokio::time::sleep_until(deadline) => {
                timed_out = true;
                break;
            }
        }
    }
    if timed_out {
        group.signal(libc::SIGTERM);
        // Everyone gets the grace: wait for the leader and for the pipe to
        // close (its last writer gone).
        let grace_end = Instant::now() + spec.kill_grace;
        while status.is_none() || !output.eof {
            tokio::select! {
                read = output.read(), if !output.eof => read.map_err(io_error)?,
                waited = child.wait(), if status.is_none() => status = Some(waited.map_err(io_error)?),
                () = tokio::time::sleep_until(grace_end) => break,
            }
        }
    }
    // The leader is gone or out of time: nothing of its group outlives the run.
    group.signal(libc::SIGKILL);
    group.disarm();
    let status = match status {
        Some(status) => status,
        None => child.wait().await.map_err(io_error)?,
    };
    let drain_end = Instant::now() + DRAIN_LIMIT;
    while !output.eof {
        tokio::select! {
            read = output.read() => read.map_err(io_error)?,
            () = tokio::time::sleep_until(drain_end) => break,
        }
    }

    let captured = output.capture.finish();
    Ok(RunOutcome {
        status: status.code(),
        signal: status.signal(),
        timed_out,
        duration: started.elapsed(),
        output: captured.render(),
        truncated: captured.omitted > 0,
        output_bytes: captured.total,
    })
}

fn spawn(
    spec: &RunSpec,
    writer: std::io::PipeWriter,
) -> Result<tokio::process::Child, SandboxError> {
    let spawn_error = |source| SandboxError::Spawn {
        program: spec.program.clone(),
        source,
    };
    let stderr_writer = writer.try_clone().map_err(spawn_error)?;
    let mut cmd = if spec.shell {
        let mut cmd = std::process::Command::new("/bin/sh");
        // "sh" is $0, so that args are $1, $2, ….
        cmd.arg("-c").arg(&spec.program).arg("sh").args(&spec.args);
        cmd
    } else {
        let mut cmd = std::process::Command::new(&spec.program);
        cmd.args(&spec.args);
        cmd
    };
    cmd.current_dir(&spec.dir)
        .env_clear()
        .envs(spec.child_env())
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(stderr_writer)
        .process_group(0);
    if !spec.limits.is_empty() {
        let limits = spec.limits;
        // SAFETY: the closure runs in the forked child before exec and only
        // calls getrlimit/setrlimit, which are async-signal-safe; it
        // allocates nothing.
        unsafe {
            cmd.pre_exec(move || apply_limits(&limits));
        }
    }
    // The command owns our copies of the pipe's write end; it is dropped at
    // the end of this function, so the pipe reaches EOF once the child's
    // group is gone.
    let mut cmd = tokio::process::Command::from(cmd);
    cmd.kill_on_drop(true);
    cmd.spawn().map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound && !spec.shell {
            SandboxError::ProgramNotFound {
                program: spec.program.clone(),
            }
        } else {
            spawn_error(source)
        }
    })
}

/// Runs in the child between fork and exec: no allocation.
fn apply_limits(limits: &Limits) -> std::io::Result<()> {
    macro_rules! limit {
        ($resource:expr, $value:expr) => {
            if let Some(value) = $value {
                let mut current = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                // SAFETY: plain system calls on a local struct.
                if unsafe { libc::getrlimit($resource, &mut current) } != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let value = (value as libc::rlim_t).min(current.rlim_max);
                let new = libc::rlimit {
                    rlim_cur: value,
                    rlim_max: value,
                };
                // SAFETY: as above.
                if unsafe { libc::setrlimit($resource, &new) } != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
        };
    }
    limit!(libc::RLIMIT_CPU, limits.cpu_seconds);
    limit!(libc::RLIMIT_AS, limits.address_space_bytes);
    limit!(libc::RLIMIT_FSIZE, limits.file_size_bytes);
    limit!(libc::RLIMIT_NOFILE, limits.open_files);
    Ok(())
}

/// The read end of the merged stdout/stderr pipe.
struct OutputPipe {
    rx: tokio::net::unix::pipe::Receiver,
    buf: Vec<u8>,
    capture: Capture,
    eof: bool,
}

impl OutputPipe {
    /// One read; cancel-safe (a cancelled read consumed nothing).
    async fn read(&mut self) -> std::io::Result<()> {
        let n = self.rx.read(&mut self.buf).await?;
        if n == 0 {
            self.eof = true;
        } else {
            self.capture.push(&self.buf[..n]);
        }
        Ok(())
    }
}

/// The child's process group; killed on drop unless disarmed, so that a
/// cancelled run leaves nothing behind.
struct GroupGuard {
    pgid: Option<libc::pid_t>,
}

impl GroupGuard {
    fn new(pid: Option<u32>) -> GroupGuard {
        GroupGuard {
            pgid: pid.and_then(|p| libc::pid_t::try_from(p).ok()),
        }
    }

    fn signal(&self, signal: libc::c_int) {
        if let Some(pgid) = self.pgid {
            // SAFETY: killpg only sends a signal. The id is that of a group
            // our child led; a group id stays reserved while any member
            // lives, so it cannot name an unrelated group in the meantime.
            // ESRCH (group already gone) is expected and ignored.
            unsafe {
                libc::killpg(pgid, signal);
            }
        }
    }

    fn disarm(&mut self) {
        self.pgid = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.signal(libc::SIGKILL);
    }
}
