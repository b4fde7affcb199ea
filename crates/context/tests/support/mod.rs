//! A fixture repository: `tests/fixtures/shop` copied into a temporary
//! directory and staged in a fresh git repository, so that `git ls-files`
//! lists it as it would a real checkout.

use std::path::Path;
use std::process::Command;

use tempfile::TempDir;
use tracefix_context::{FrameRef, RepoIndex};

pub struct Fixture {
    /// Removed on drop: the fixture lives as long as the index is used.
    pub _dir: TempDir,
    pub index: RepoIndex,
}

pub fn shop_repo() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shop");
    copy_tree(&fixtures, dir.path());
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    let index = RepoIndex::from_git(dir.path()).expect("ls-files");
    Fixture { _dir: dir, index }
}

pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read fixtures") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

pub fn frame<'a>(file: &'a str, line: u32, function: &'a str) -> FrameRef<'a> {
    FrameRef {
        file,
        path: "",
        line: Some(line),
        function,
        in_app: true,
    }
}
