//! tracefix-git against real repositories in temporary directories.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use tempfile::TempDir;
use tracefix_git::{Git, GitError, Identity, add_worktree, https_token_env};

/// A repository on branch `main` with one commit of `app.py`.
async fn repo() -> (TempDir, Git) {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("app");
    std::fs::create_dir(&dir).unwrap();
    let git = Git::new(&dir).with_timeout(Duration::from_secs(30));
    git.run(&["init", "--quiet", "-b", "main"]).await.unwrap();
    std::fs::write(
        dir.join("app.py"),
        "def handler(event):\n    return event['user_id']\n",
    )
    .unwrap();
    git.commit_all("Initial commit", &Identity::default())
        .await
        .unwrap();
    (tmp, git)
}

/// A bare repository beside the checkout, `origin` of it, with `main` pushed.
async fn with_remote(tmp: &TempDir, git: &Git) -> PathBuf {
    let bare = tmp.path().join("remote.git");
    std::fs::create_dir(&bare).unwrap();
    git.at(&bare)
        .run(&["init", "--quiet", "--bare", "-b", "main"])
        .await
        .unwrap();
    let url = format!("file://{}", bare.display());
    git.run(&["remote", "add", "origin", &url]).await.unwrap();
    git.run(&["push", "--quiet", "origin", "main"])
        .await
        .unwrap();
    bare
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

async fn worktree_list(git: &Git) -> String {
    git.run(&["worktree", "list", "--porcelain"]).await.unwrap()
}

#[tokio::test]
async fn commit_uses_the_given_identity_and_message() {
    let (_tmp, git) = repo().await;
    std::fs::write(
        git.dir().join("app.py"),
        "def handler(event):\n    return event.get('user_id')\n",
    )
    .unwrap();
    let author = Identity {
        name: "Ada Lovelace".to_owned(),
        email: "ada@example.org".to_owned(),
    };
    let message = "Fix KeyError in handler\n\nThe event may lack user_id.\n# not a comment\n";
    let sha = git.commit_all(message, &author).await.unwrap();
    assert_eq!(sha, git.head_commit().await.unwrap());
    assert_eq!(sha.len(), 40);
    let who = git
        .run(&["log", "-1", "--format=%an <%ae>|%cn <%ce>"])
        .await
        .unwrap();
    assert_eq!(
        who.trim(),
        "Ada Lovelace <ada@example.org>|Ada Lovelace <ada@example.org>"
    );
    let body = git.run(&["log", "-1", "--format=%B"]).await.unwrap();
    assert_eq!(body.trim_end(), message.trim_end());

    let again = git.commit_all("nothing", &author).await;
    assert!(matches!(again, Err(GitError::NothingToCommit)), "{again:?}");
}

#[tokio::test]
async fn diff_includes_new_files() {
    let (_tmp, git) = repo().await;
    let base = git.head_commit().await.unwrap();
    std::fs::write(
        git.dir().join("app.py"),
        "def handler(event):\n    return event.get('user_id')\n",
    )
    .unwrap();
    std::fs::create_dir(git.dir().join("tests")).unwrap();
    std::fs::write(
        git.dir().join("tests/test_app.py"),
        "def test_missing():\n    pass\n",
    )
    .unwrap();
    insta::assert_snapshot!(git.diff(&base).await.unwrap());
    // The diff does not commit.
    assert_eq!(git.head_commit().await.unwrap(), base);
}

#[tokio::test]
async fn ls_files_and_status_with_odd_names() {
    let (_tmp, git) = repo().await;
    assert!(git.is_clean().await.unwrap());
    let names = [
        "with space.txt",
        "ünïcödé/名前.txt",
        "new\nline.txt",
        "tab\there \"quoted\"",
    ];
    for name in names {
        let path = git.dir().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, name).unwrap();
    }
    assert!(!git.is_clean().await.unwrap());
    git.commit_all("odd names", &Identity::default())
        .await
        .unwrap();
    assert!(git.is_clean().await.unwrap());

    let mut listed = git.ls_files().await.unwrap();
    listed.sort();
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.push("app.py".to_owned());
    expected.sort();
    assert_eq!(listed, expected);

    std::fs::write(git.dir().join("new\nline.txt"), "changed").unwrap();
    assert!(!git.is_clean().await.unwrap());
}

#[tokio::test]
async fn worktree_add_work_remove() {
    let (tmp, git) = repo().await;
    let base = git.head_commit().await.unwrap();
    let jobs = tmp.path().join("jobs");

    let wt = add_worktree(&git, &jobs, "job-1", &base, Some("tracefix/abc-fix"))
        .await
        .unwrap();
    assert_eq!(wt.path, jobs.join("job-1"));
    assert_eq!(wt.branch.as_deref(), Some("tracefix/abc-fix"));
    let in_wt = wt.git();
    assert_eq!(in_wt.head_commit().await.unwrap(), base);
    let branch = in_wt
        .run(&["symbolic-ref", "--short", "HEAD"])
        .await
        .unwrap();
    assert_eq!(branch.trim(), "tracefix/abc-fix");
    assert!(
        worktree_list(&git)
            .await
            .contains(&wt.path.display().to_string())
    );

    // Work in the worktree leaves the user's checkout alone.
    std::fs::write(wt.path.join("app.py"), "changed\n").unwrap();
    let fix = in_wt.commit_all("fix", &Identity::default()).await.unwrap();
    assert!(git.is_clean().await.unwrap());
    assert_eq!(git.head_commit().await.unwrap(), base);
    assert_eq!(git.rev_parse("tracefix/abc-fix").await.unwrap(), fix);
    // No upstream was written to the repository's configuration.
    let config = std::fs::read_to_string(git.dir().join(".git/config")).unwrap();
    assert!(!config.contains("tracefix/abc-fix"), "{config}");

    // Removal works with uncommitted and untracked changes left in it.
    std::fs::write(wt.path.join("scratch.txt"), "left over").unwrap();
    let path = wt.path.clone();
    wt.remove().await.unwrap();
    assert!(!path.exists());
    assert!(
        !worktree_list(&git)
            .await
            .contains(&path.display().to_string())
    );

    // Detached, and removed on drop.
    let wt = add_worktree(&git, &jobs, "job-2", "main", None)
        .await
        .unwrap();
    assert_eq!(wt.branch, None);
    let head = wt
        .git()
        .run(&["rev-parse", "--abbrev-ref", "HEAD"])
        .await
        .unwrap();
    assert_eq!(head.trim(), "HEAD");
    let path = wt.path.clone();
    drop(wt);
    assert!(!path.exists());
    assert!(
        !worktree_list(&git)
            .await
            .contains(&path.display().to_string())
    );
}

#[tokio::test]
async fn stale_worktrees_of_a_crashed_run_are_replaced() {
    let (tmp, git) = repo().await;
    let jobs = tmp.path().join("jobs");

    // A crash: the worktree stays, dirty, with its branch checked out.
    let wt = add_worktree(&git, &jobs, "job-7", "main", Some("tracefix/7-x"))
        .await
        .unwrap();
    std::fs::write(wt.path.join("app.py"), "half-applied edit\n").unwrap();
    let in_wt = wt.git();
    std::fs::write(wt.path.join("other.py"), "x\n").unwrap();
    in_wt
        .commit_all("partial", &Identity::default())
        .await
        .unwrap();
    std::mem::forget(wt);

    let wt = add_worktree(&git, &jobs, "job-7", "main", Some("tracefix/7-x"))
        .await
        .unwrap();
    // The branch starts again from the base, and the directory is fresh.
    assert_eq!(
        wt.git().head_commit().await.unwrap(),
        git.head_commit().await.unwrap()
    );
    assert!(wt.git().is_clean().await.unwrap());
    assert!(!wt.path.join("other.py").exists());

    // A crash that lost the directory but left git's record of it.
    let path = wt.path.clone();
    std::mem::forget(wt);
    std::fs::remove_dir_all(&path).unwrap();
    let wt = add_worktree(&git, &jobs, "job-7", "main", None)
        .await
        .unwrap();
    assert!(wt.path.join("app.py").exists());
    wt.remove().await.unwrap();
    let list = worktree_list(&git).await;
    assert_eq!(list.matches("worktree ").count(), 1, "{list}");
}

#[tokio::test]
async fn the_users_branch_is_never_reset() {
    let (tmp, git) = repo().await;
    let result = add_worktree(&git, &tmp.path().join("jobs"), "job", "main", Some("main")).await;
    assert!(matches!(result, Err(GitError::Failed { .. })), "{result:?}");
    for bad in ["../escape", "", "..", "-x"] {
        let result = add_worktree(&git, &tmp.path().join("jobs"), bad, "main", None).await;
        assert!(
            matches!(result, Err(GitError::InvalidArgument(_))),
            "{bad}: {result:?}"
        );
    }
    let result = add_worktree(&git, &tmp.path().join("jobs"), "j", "--orphan", None).await;
    assert!(
        matches!(result, Err(GitError::InvalidArgument(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn push_with_lease_to_a_bare_repository() {
    let (tmp, git) = repo().await;
    let bare = with_remote(&tmp, &git).await;
    let remote = git.at(&bare);
    let branch = "tracefix/0123456789ab-keyerror";
    let wt = add_worktree(&git, &tmp.path().join("jobs"), "job", "main", Some(branch))
        .await
        .unwrap();
    let in_wt = wt.git();

    std::fs::write(wt.path.join("app.py"), "first fix\n").unwrap();
    let first = in_wt
        .commit_all("first", &Identity::default())
        .await
        .unwrap();
    in_wt
        .push_force_with_lease("origin", branch, None)
        .await
        .unwrap();
    assert_eq!(remote.rev_parse(branch).await.unwrap(), first);

    // `None` means "must not exist yet": a second creation is refused.
    std::fs::write(wt.path.join("app.py"), "second fix\n").unwrap();
    in_wt.run(&["add", "-A"]).await.unwrap();
    in_wt
        .run(&["commit", "--quiet", "--amend", "-m", "second"])
        .await
        .unwrap();
    let second = in_wt.head_commit().await.unwrap();
    let refused = in_wt.push_force_with_lease("origin", branch, None).await;
    assert!(
        matches!(refused, Err(GitError::PushRejected { .. })),
        "{refused:?}"
    );

    // The amended commit replaces the first one when the lease holds...
    in_wt
        .push_force_with_lease("origin", branch, Some(&first))
        .await
        .unwrap();
    assert_eq!(remote.rev_parse(branch).await.unwrap(), second);

    // ...and not when someone else moved the branch since.
    std::fs::write(wt.path.join("app.py"), "third fix\n").unwrap();
    in_wt
        .commit_all("third", &Identity::default())
        .await
        .unwrap();
    let stale = in_wt
        .push_force_with_lease("origin", branch, Some(&first))
        .await;
    match stale {
        Err(GitError::PushRejected { reference, reason }) => {
            assert_eq!(reference, format!("refs/heads/{branch}"));
            assert!(reason.contains("stale info"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(remote.rev_parse(branch).await.unwrap(), second);
    wt.remove().await.unwrap();
}

#[tokio::test]
async fn the_token_stays_out_of_the_configuration() {
    let (tmp, git) = repo().await;
    with_remote(&tmp, &git).await;
    let token = "ghs_s3cr3tTokenValue0123456789";
    let authed = git
        .clone()
        .with_envs(https_token_env(&SecretString::from(token)));
    // git sees the header as configuration, from the command line (env).
    let seen = authed
        .run(&["config", "--get", "http.extraheader"])
        .await
        .unwrap();
    assert!(seen.starts_with("Authorization: Basic "), "{seen}");

    std::fs::write(git.dir().join("app.py"), "pushed with a token\n").unwrap();
    git.commit_all("change", &Identity::default())
        .await
        .unwrap();
    authed
        .run(&["push", "--quiet", "origin", "main"])
        .await
        .unwrap();

    let listed = git
        .run(&["config", "--list", "--show-origin"])
        .await
        .unwrap();
    let encoded = seen.trim().trim_start_matches("Authorization: Basic ");
    for needle in [token, encoded, "extraheader", "Authorization"] {
        assert!(
            !listed.to_lowercase().contains(&needle.to_lowercase()),
            "{needle}: {listed}"
        );
    }
    let stored = std::fs::read_to_string(git.dir().join(".git/config")).unwrap();
    assert!(!stored.contains(encoded));
}

#[tokio::test]
async fn default_branch_from_tracking_ref_or_remote() {
    let (tmp, git) = repo().await;
    let bare = with_remote(&tmp, &git).await;
    // Set by nothing in a repository that only added the remote: asked of it.
    assert_eq!(git.default_branch("origin").await.unwrap(), "main");

    let clone = tmp.path().join("clone");
    let url = format!("file://{}", bare.display());
    git.run(&["clone", "--quiet", &url, &clone.to_string_lossy()])
        .await
        .unwrap();
    let cloned = git.at(&clone);
    cloned
        .run(&["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"])
        .await
        .unwrap();
    assert_eq!(cloned.default_branch("origin").await.unwrap(), "main");

    let missing = git.default_branch("nowhere").await;
    assert!(missing.is_err());
}

#[tokio::test]
async fn a_blocked_call_times_out_and_its_helpers_die() {
    let (tmp, git) = repo().await;
    let pid_file = tmp.path().join("sleeper.pid");
    // An alias runs through sh; `exec` makes the sleeper the shell itself.
    let alias = format!(
        "alias.hang=!echo $$ > '{}'; exec sleep 30",
        pid_file.display()
    );
    let started = Instant::now();
    let result = git
        .clone()
        .with_timeout(Duration::from_millis(500))
        .run(&["-c", &alias, "hang"])
        .await;
    assert!(
        matches!(result, Err(GitError::Timeout { .. })),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while is_alive(pid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!is_alive(pid), "the sleeping grandchild {pid} survived");
}

#[tokio::test]
async fn errors_carry_no_credentials() {
    let (_tmp, git) = repo().await;
    let git = git.with_timeout(Duration::from_secs(20));

    let in_url = git
        .run(&[
            "ls-remote",
            "https://x-access-token:supersecretvalue@127.0.0.1:9/r.git",
        ])
        .await
        .unwrap_err()
        .to_string();
    assert!(!in_url.contains("supersecretvalue"), "{in_url}");
    assert!(in_url.contains("127.0.0.1:9"), "{in_url}");

    let in_arg = git
        .run(&[
            "-c",
            "http.extraHeader=Authorization: Bearer argsecretvalue",
            "ls-remote",
            "http://127.0.0.1:9/r.git",
        ])
        .await
        .unwrap_err()
        .to_string();
    assert!(!in_arg.contains("argsecretvalue"), "{in_arg}");

    let token = SecretString::from("envsecretvalue");
    let encoded = https_token_env(&token)[2].1.clone();
    let authed = git.clone().with_envs(https_token_env(&token));
    let in_env = authed
        .run(&["push", "http://127.0.0.1:9/r.git", "main"])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        !in_env.contains(encoded.trim_start_matches("Authorization: Basic ")),
        "{in_env}"
    );

    // git quotes a bad configuration value in its error: a value given
    // through the environment is scrubbed from stderr.
    let quoted = git
        .clone()
        .with_envs([
            ("GIT_CONFIG_COUNT".to_owned(), "1".to_owned()),
            ("GIT_CONFIG_KEY_0".to_owned(), "http.postBuffer".to_owned()),
            (
                "GIT_CONFIG_VALUE_0".to_owned(),
                "notanumbersecretvalue".to_owned(),
            ),
        ])
        .run(&["config", "--int", "http.postBuffer"])
        .await
        .unwrap_err();
    let GitError::Failed { stderr, .. } = &quoted else {
        panic!("{quoted:?}")
    };
    assert!(stderr.contains("bad numeric config value"), "{stderr}");
    assert!(!stderr.contains("notanumbersecretvalue"), "{stderr}");
    assert!(!format!("{authed:?}").contains("Basic"));
}

#[tokio::test]
async fn a_missing_git_is_reported_as_such() {
    let git = Git::new(Path::new("/")).with_env("PATH", "/nonexistent-bin");
    let result = git.run(&["status"]).await;
    assert!(matches!(result, Err(GitError::NotFound)), "{result:?}");
}
