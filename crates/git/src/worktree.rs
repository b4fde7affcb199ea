//! One linked worktree per job, so the user's checkout is never touched.

use std::path::{Path, PathBuf};

use crate::{Git, GitError, check_branch, reject_option};

/// A linked worktree created by [`add_worktree`]. Call [`Worktree::remove`]
/// when done; dropping it removes it too, as a best effort that blocks
/// (a crash leaves it behind, and the next [`add_worktree`] of the same
/// name cleans it).
#[derive(Debug)]
pub struct Worktree {
    pub path: PathBuf,
    pub branch: Option<String>,
    /// The repository the worktree belongs to (its main checkout).
    repo: Git,
    removed: bool,
}

impl Worktree {
    /// git in the worktree, with the repository's settings.
    pub fn git(&self) -> Git {
        self.repo.at(&self.path)
    }

    /// Removes the worktree (even with changes in it) and its directory, and
    /// prunes git's record of it. The branch, if any, stays.
    pub async fn remove(mut self) -> Result<(), GitError> {
        self.removed = true;
        let path = self.path.to_string_lossy().into_owned();
        // git's refusal matters only if the directory cannot be removed
        // either, which is reported below.
        if let Err(e) = self
            .repo
            .run(&["worktree", "remove", "--force", "--force", &path])
            .await
        {
            tracing::debug!(error = %e, "git worktree remove failed; removing the directory");
        }
        if self.path.exists() {
            remove_dir(&self.path)?;
        }
        self.repo.run(&["worktree", "prune"]).await?;
        Ok(())
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        let path = self.path.to_string_lossy().into_owned();
        if let Err(e) = self
            .repo
            .run_blocking(&["worktree", "remove", "--force", "--force", &path])
        {
            tracing::debug!(error = %e, "git worktree remove failed; removing the directory");
        }
        if self.path.exists()
            && let Err(e) = std::fs::remove_dir_all(&self.path)
        {
            tracing::warn!(path = %self.path.display(), error = %e, "could not remove a worktree");
        }
        if let Err(e) = self.repo.run_blocking(&["worktree", "prune"]) {
            tracing::warn!(error = %e, "git worktree prune failed");
        }
    }
}

fn remove_dir(path: &Path) -> Result<(), GitError> {
    std::fs::remove_dir_all(path).map_err(|source| GitError::Io {
        args: format!("(remove directory {})", path.display()),
        source,
    })
}

/// Adds a linked worktree of `repo` at `parent_dir/name`, checked out at
/// `base_rev`: detached, or on `new_branch`.
///
/// `name` must be unique to the job (its id): a worktree of the same name
/// found there is taken as the leftover of a crashed run and removed first.
/// With `new_branch`, a branch of that name is created or reset to
/// `base_rev` (a retried job starts again); git refuses if it is checked
/// out in another worktree, such as the user's.
pub async fn add_worktree(
    repo: &Git,
    parent_dir: &Path,
    name: &str,
    base_rev: &str,
    new_branch: Option<&str>,
) -> Result<Worktree, GitError> {
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\0'])
        || name.starts_with('-')
    {
        return Err(GitError::InvalidArgument(format!("worktree name {name:?}")));
    }
    reject_option(base_rev, "base revision")?;
    if let Some(branch) = new_branch {
        check_branch(branch)?;
    }
    std::fs::create_dir_all(parent_dir).map_err(|source| GitError::Io {
        args: format!("(create directory {})", parent_dir.display()),
        source,
    })?;
    let path = parent_dir.join(name);
    let path_text = path.to_string_lossy().into_owned();
    if path.exists() {
        tracing::info!(path = %path.display(), "removing a stale worktree");
        let _ = repo
            .run(&["worktree", "remove", "--force", "--force", &path_text])
            .await;
        if path.exists() {
            remove_dir(&path)?;
        }
    }
    // Forgets worktrees whose directory is gone, which would otherwise block
    // adding one at the same path (and keep their branch "checked out").
    repo.run(&["worktree", "prune"]).await?;

    let mut args = vec!["worktree", "add", "--quiet"];
    match new_branch {
        // --no-track: no upstream written to .git/config for the branch.
        Some(branch) => args.extend(["--no-track", "-B", branch]),
        None => args.push("--detach"),
    }
    args.extend([path_text.as_str(), base_rev]);
    repo.run(&args).await?;
    Ok(Worktree {
        path,
        branch: new_branch.map(str::to_owned),
        repo: repo.clone(),
        removed: false,
    })
}
