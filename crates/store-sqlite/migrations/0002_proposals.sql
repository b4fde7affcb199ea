-- A group's validated candidate as a branch, and its pull request: at most
-- one per group (the primary key), whatever crashes or retries happen.
CREATE TABLE proposals (
    group_id     BLOB PRIMARY KEY NOT NULL REFERENCES error_groups (id) ON DELETE CASCADE,
    branch       TEXT NOT NULL CHECK (length(branch) > 0),
    head_commit  TEXT NOT NULL,
    forge        TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('local', 'pushed', 'open', 'merged', 'closed')),
    number       INTEGER,
    url          TEXT,
    merge_commit TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX proposals_state ON proposals (state);
CREATE UNIQUE INDEX proposals_branch ON proposals (forge, branch);
