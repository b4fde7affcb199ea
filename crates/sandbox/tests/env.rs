//! The child's environment. A test of its own (its own process): it sets
//! variables in this process, which must happen before any thread reads them.

use std::time::Duration;

use tracefix_sandbox::{RunSpec, run};

#[test]
fn secrets_never_reach_the_child_even_when_allowlisted() {
    let planted = [
        ("OPENAI_API_KEY", "sk-planted-openai"),
        ("AWS_SECRET_ACCESS_KEY", "planted-aws-secret"),
        ("GITHUB_TOKEN", "ghp_planted"),
        ("DATABASE_URL", "postgres://u:planted-pw@db/app"),
        ("TRACEFIX_UNRELATED_SETTING", "planted-tracefix"),
        ("HARMLESS_NOT_ALLOWLISTED", "planted-harmless"),
        ("PROJECT_MODE", "visible-mode"),
    ];
    for (name, value) in planted {
        // SAFETY: no other thread exists yet in this test binary (one test,
        // the runtime is built below).
        unsafe { std::env::set_var(name, value) };
    }
    let dir = tempfile::TempDir::new().unwrap();
    let mut spec = RunSpec::new("env", vec![], dir.path());
    spec.timeout = Duration::from_secs(20);
    spec.env_allow.extend(
        [
            "OPENAI_API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "DATABASE_URL",
            "TRACEFIX_UNRELATED_SETTING",
            "PROJECT_MODE",
        ]
        .map(String::from),
    );
    spec.env_set.push(("CI".to_owned(), "true".to_owned()));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let outcome = runtime.block_on(run(&spec)).unwrap();
    assert!(outcome.success(), "{outcome:?}");

    let mut names: Vec<&str> = outcome
        .output
        .lines()
        .filter_map(|line| line.split_once('=').map(|(name, _)| name))
        .collect();
    names.sort_unstable();
    let allowed = [
        "CI",
        "HOME",
        "LANG",
        "LC_ALL",
        "PATH",
        "PROJECT_MODE",
        "TERM",
        "TMPDIR",
        "USER",
    ];
    for name in &names {
        assert!(allowed.contains(name), "{name} reached the child");
    }
    for name in ["CI", "PATH", "PROJECT_MODE"] {
        assert!(names.contains(&name), "{name} is missing: {names:?}");
    }
    assert!(outcome.output.contains("PROJECT_MODE=visible-mode\n"));
    assert!(!outcome.output.contains("planted"), "{}", outcome.output);
    let path = std::env::var("PATH").unwrap();
    assert!(outcome.output.contains(&format!("PATH={path}\n")));
}
