//! tracefix-sandbox running real commands.

use std::time::{Duration, Instant};

use tempfile::TempDir;
use tracefix_sandbox::{Limits, RunSpec, SandboxError, run};

fn shell(dir: &TempDir, command_line: &str) -> RunSpec {
    RunSpec {
        timeout: Duration::from_secs(20),
        kill_grace: Duration::from_millis(300),
        ..RunSpec::shell(command_line, dir.path())
    }
}

fn is_alive(pid: u32) -> bool {
    // A zombie is dead: in a container nobody may reap it.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    }
}

async fn wait_dead(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while is_alive(pid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    !is_alive(pid)
}

#[tokio::test]
async fn status_and_interleaved_output() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("marker.txt"), "here").unwrap();
    let outcome = run(&shell(
        &dir,
        "echo out1; echo err1 >&2; cat marker.txt; echo; echo err2 >&2; exit 3",
    ))
    .await
    .unwrap();
    assert_eq!(outcome.status, Some(3));
    assert_eq!(outcome.signal, None);
    assert!(!outcome.timed_out);
    assert!(!outcome.success());
    assert!(!outcome.truncated);
    assert_eq!(outcome.output, "out1\nerr1\nhere\nerr2\n");
    assert_eq!(outcome.output_bytes, outcome.output.len() as u64);

    let direct = RunSpec::new(
        "printf",
        vec!["%s|".into(), "a b".into(), "$HOME".into()],
        dir.path(),
    );
    let outcome = run(&direct).await.unwrap();
    assert!(outcome.success());
    assert_eq!(outcome.output, "a b|$HOME|");

    // With a shell, args are the positional parameters.
    let mut positional = shell(&dir, "echo \"$1-$2\"");
    positional.args = vec!["x y".into(), "z".into()];
    assert_eq!(run(&positional).await.unwrap().output, "x y-z\n");

    // stdin is /dev/null: a reader sees end of input at once.
    let outcome = run(&shell(&dir, "cat; echo done")).await.unwrap();
    assert_eq!(outcome.output, "done\n");
}

#[tokio::test]
async fn timeout_kills_the_whole_group() {
    let dir = TempDir::new().unwrap();
    let mut spec = shell(
        &dir,
        "sleep 1000 & echo $! > sleeper.pid; echo started; wait",
    );
    spec.timeout = Duration::from_millis(500);
    let started = Instant::now();
    let outcome = run(&spec).await.unwrap();
    assert!(outcome.timed_out);
    assert!(!outcome.success());
    assert_eq!(outcome.signal, Some(libc::SIGTERM));
    assert_eq!(outcome.output, "started\n");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let pid: u32 = std::fs::read_to_string(dir.path().join("sleeper.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(wait_dead(pid).await, "the grandchild {pid} survived");
}

#[tokio::test]
async fn a_group_ignoring_sigterm_is_killed_after_the_grace() {
    let dir = TempDir::new().unwrap();
    // Ignored signals stay ignored across exec: the sleeper ignores TERM too.
    let mut spec = shell(
        &dir,
        "trap '' TERM; sleep 1000 & echo $! > sleeper.pid; wait",
    );
    spec.timeout = Duration::from_millis(300);
    spec.kill_grace = Duration::from_millis(200);
    let outcome = run(&spec).await.unwrap();
    assert!(outcome.timed_out);
    assert_eq!(outcome.signal, Some(libc::SIGKILL));
    assert!(outcome.duration < Duration::from_secs(5));
    let pid: u32 = std::fs::read_to_string(dir.path().join("sleeper.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(wait_dead(pid).await, "the grandchild {pid} survived");
}

#[tokio::test]
async fn leftovers_of_a_finished_command_are_killed_and_do_not_hold_the_run() {
    let dir = TempDir::new().unwrap();
    // The background sleeper inherits the output pipe and would keep it open.
    let outcome = run(&shell(
        &dir,
        "sleep 1000 & echo $! > sleeper.pid; echo done",
    ))
    .await
    .unwrap();
    assert!(outcome.success());
    assert_eq!(outcome.output, "done\n");
    assert!(
        outcome.duration < Duration::from_secs(3),
        "{:?}",
        outcome.duration
    );
    let pid: u32 = std::fs::read_to_string(dir.path().join("sleeper.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(wait_dead(pid).await, "the leftover {pid} survived");
}

#[tokio::test]
async fn a_cancelled_run_kills_its_group() {
    let dir = TempDir::new().unwrap();
    let spec = shell(&dir, "sleep 1000 & echo $! > sleeper.pid; wait");
    let pid_file = dir.path().join("sleeper.pid");
    let cancelled = tokio::time::timeout(Duration::from_millis(500), run(&spec)).await;
    assert!(cancelled.is_err());
    let pid: u32 = std::fs::read_to_string(pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(wait_dead(pid).await, "the grandchild {pid} survived");
}

#[tokio::test]
async fn output_keeps_head_and_tail() {
    let dir = TempDir::new().unwrap();
    let mut spec = shell(&dir, "seq 1 100000");
    spec.output_limit = 38;
    let outcome = run(&spec).await.unwrap();
    assert!(outcome.success());
    assert!(outcome.truncated);
    assert_eq!(outcome.output_bytes, 588_895);
    insta::assert_snapshot!(outcome.output, @r"
    1
    2
    3
    4
    5
    6
    7
    8
    9
    1
    [... 588857 bytes omitted ...]
    99998
    99999
    100000
    ");
}

#[tokio::test]
async fn large_output_on_both_streams_does_not_deadlock() {
    let dir = TempDir::new().unwrap();
    let mut spec = shell(
        &dir,
        "head -c 8000000 /dev/zero & head -c 8000000 /dev/zero >&2; wait; echo end",
    );
    spec.output_limit = 1000;
    spec.timeout = Duration::from_secs(30);
    let outcome = run(&spec).await.unwrap();
    assert!(outcome.success(), "{outcome:?}");
    assert_eq!(outcome.output_bytes, 16_000_004);
    assert!(outcome.output.ends_with("end\n"));
    assert!(outcome.output.len() < 1100);
}

#[tokio::test]
async fn missing_programs() {
    let dir = TempDir::new().unwrap();
    let direct = RunSpec::new("tracefix-no-such-program", vec![], dir.path());
    let error = run(&direct).await.unwrap_err();
    assert!(
        matches!(error, SandboxError::ProgramNotFound { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "program \"tracefix-no-such-program\" not found on the command's PATH"
    );

    let outcome = run(&shell(&dir, "tracefix-no-such-program --version"))
        .await
        .unwrap();
    assert_eq!(outcome.status, Some(127));
    assert!(outcome.output.contains("not found"), "{}", outcome.output);

    let nowhere = RunSpec::new("true", vec![], dir.path().join("missing"));
    assert!(matches!(
        run(&nowhere).await,
        Err(SandboxError::NoDirectory(_))
    ));
}

#[tokio::test]
async fn resource_limits_apply_to_the_child() {
    let dir = TempDir::new().unwrap();
    let mut spec = shell(
        &dir,
        "ulimit -n; ulimit -t; head -c 2000000 /dev/zero > big; echo $?; wc -c < big",
    );
    spec.limits = Limits {
        open_files: Some(64),
        cpu_seconds: Some(7),
        file_size_bytes: Some(1024 * 1024),
        address_space_bytes: None,
    };
    let outcome = run(&spec).await.unwrap();
    assert!(outcome.success(), "{outcome:?}");
    // The write past 1 MiB kills `head` with SIGXFSZ (25): status 128 + 25
    // (the shell may also print why between the lines).
    let lines: Vec<&str> = outcome.output.lines().collect();
    assert_eq!(lines[..2], ["64", "7"], "{lines:?}");
    assert_eq!(lines[lines.len() - 2..], ["153", "1048576"], "{lines:?}");
}
