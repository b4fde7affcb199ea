-- A group's validated candidate as a branch, and its pull request: at most
-- one per group (the primary key), whatever crashes or retries happen.
CREATE TABLE proposals (
    group_id     uuid PRIMARY KEY REFERENCES error_groups (id) ON DELETE CASCADE,
    branch       text NOT NULL CHECK (length(branch) > 0),
    head_commit  text NOT NULL,
    forge        text NOT NULL,
    state        text NOT NULL CHECK (state IN ('local', 'pushed', 'open', 'merged', 'closed')),
    number       bigint,
    url          text,
    merge_commit text,
    created_at   bigint NOT NULL,
    updated_at   bigint NOT NULL
);
CREATE INDEX proposals_state ON proposals (state);
CREATE UNIQUE INDEX proposals_branch ON proposals (forge, branch);
