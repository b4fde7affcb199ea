//! Pushing over SSH to a real `sshd` on loopback: with the remote's host key
//! pinned the push goes through; with another key pinned it is refused
//! before anything is sent. Needs Debian's `openssh-server` (`.ci/run`
//! installs it); without it the test says so and, under CI, fails.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;
use tracefix_git::{Git, Identity, SshAuth};

const SSHD: &str = "/usr/sbin/sshd";

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

struct Sshd {
    child: Child,
    port: u16,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An sshd on 127.0.0.1 that lets `client_key` in as the current user.
fn sshd(dir: &Path, client_key: &Path) -> Sshd {
    let host_key = dir.join("host_key");
    keygen(&host_key);
    std::fs::copy(
        client_key.with_extension("pub"),
        dir.join("authorized_keys"),
    )
    .unwrap();
    // sshd wants its privilege separation directory.
    let _ = std::fs::create_dir_all("/run/sshd");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\n\
             PidFile {}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n",
            host_key.display(),
            dir.join("authorized_keys").display(),
            dir.join("sshd.pid").display(),
        ),
    )
    .unwrap();
    let child = Command::new(SSHD)
        .arg("-D")
        .arg("-e")
        .arg("-f")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("sshd.log")).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "sshd did not start: {}",
            std::fs::read_to_string(dir.join("sshd.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Sshd { child, port }
}

/// `known_hosts` pinning `host_key_pub` for the server's address.
fn known_hosts(path: &Path, port: u16, host_key_pub: &Path) -> PathBuf {
    let key = std::fs::read_to_string(host_key_pub).unwrap();
    let mut fields = key.split_whitespace();
    let (kind, blob) = (fields.next().unwrap(), fields.next().unwrap());
    std::fs::write(path, format!("[127.0.0.1]:{port} {kind} {blob}\n")).unwrap();
    path.to_path_buf()
}

fn user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| {
            let out = Command::new("id").arg("-un").output().unwrap();
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        })
}

#[tokio::test]
async fn push_over_ssh_with_a_pinned_host_key_and_refused_when_it_differs() {
    if !Path::new(SSHD).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{SSHD} is missing: .ci/run installs openssh-server"
        );
        eprintln!("skipped: {SSHD} is not installed (apt-get install openssh-server)");
        return;
    }
    let tmp = TempDir::new().unwrap();
    let client_key = tmp.path().join("client_key");
    keygen(&client_key);
    let server = sshd(tmp.path(), &client_key);

    let bare = tmp.path().join("remote.git");
    let status = Command::new("git")
        .args(["init", "--quiet", "--bare"])
        .arg(&bare)
        .status()
        .unwrap();
    assert!(status.success());
    let dir = tmp.path().join("app");
    std::fs::create_dir(&dir).unwrap();
    let git = Git::new(&dir).with_timeout(Duration::from_secs(30));
    git.run(&["init", "--quiet", "-b", "main"]).await.unwrap();
    std::fs::write(dir.join("app.py"), "print('hi')\n").unwrap();
    let commit = git
        .commit_all("Initial commit", &Identity::default())
        .await
        .unwrap();
    let url = format!(
        "ssh://{}@127.0.0.1:{}{}",
        user(),
        server.port,
        bare.display()
    );
    git.run(&["remote", "add", "origin", &url]).await.unwrap();
    git.run(&["branch", "tracefix/abc-fix", "main"])
        .await
        .unwrap();

    // Another host's key pinned: refused before anything is sent.
    let other_key = tmp.path().join("other_host_key");
    keygen(&other_key);
    let wrong = known_hosts(
        &tmp.path().join("known_hosts_wrong"),
        server.port,
        &other_key.with_extension("pub"),
    );
    let refused = git
        .clone()
        .with_envs(SshAuth::new(&client_key, &wrong).env())
        .push_force_with_lease("origin", "tracefix/abc-fix", None)
        .await
        .expect_err("a push to a host whose key is not the pinned one must fail");
    let message = refused.to_string();
    assert!(
        message.contains("Host key verification failed")
            || message.contains("REMOTE HOST IDENTIFICATION HAS CHANGED"),
        "{message}"
    );
    let branches = Command::new("git")
        .arg("-C")
        .arg(&bare)
        .args(["branch", "--list"])
        .output()
        .unwrap();
    assert!(branches.stdout.is_empty(), "nothing may reach the remote");

    // The server's own key pinned: the push goes through.
    let pinned = known_hosts(
        &tmp.path().join("known_hosts"),
        server.port,
        &tmp.path().join("host_key.pub"),
    );
    git.clone()
        .with_envs(SshAuth::new(&client_key, &pinned).env())
        .push_force_with_lease("origin", "tracefix/abc-fix", None)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "{e}\nsshd: {}",
                std::fs::read_to_string(tmp.path().join("sshd.log")).unwrap_or_default()
            )
        });
    let pushed = Command::new("git")
        .arg("-C")
        .arg(&bare)
        .args(["rev-parse", "tracefix/abc-fix"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(pushed.stdout).unwrap().trim(), commit);
    // The pinned file was used as given: nothing was added to it.
    assert_eq!(std::fs::read_to_string(&pinned).unwrap().lines().count(), 1);
}
