-- tracefix store schema, SQLite. Never edit an applied migration: add one.
-- Ids and tokens are 16-byte UUID blobs, times unix ms, JSON as text.

CREATE TABLE error_groups (
    id                  BLOB PRIMARY KEY NOT NULL,
    fingerprint         TEXT NOT NULL CHECK (length(fingerprint) > 0),
    fingerprint_version INTEGER NOT NULL,
    language            TEXT NOT NULL,
    exception_type      TEXT NOT NULL,
    exception_message   TEXT NOT NULL,
    frames              TEXT NOT NULL,
    first_seen          INTEGER NOT NULL CHECK (first_seen >= 0),
    last_seen           INTEGER NOT NULL,
    total_count         INTEGER NOT NULL CHECK (total_count > 0),
    status              TEXT NOT NULL CHECK (status IN
        ('new', 'queued', 'fixing', 'proposed', 'resolved', 'ignored', 'failed', 'regressed')),
    failure_reason      TEXT,
    source              TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    UNIQUE (fingerprint, fingerprint_version)
);
CREATE INDEX error_groups_last_seen ON error_groups (last_seen DESC);
CREATE INDEX error_groups_status ON error_groups (status, last_seen DESC);

-- The first and latest few events of a group, by arrival ordinal.
CREATE TABLE group_samples (
    group_id    BLOB NOT NULL REFERENCES error_groups (id) ON DELETE CASCADE,
    ordinal     INTEGER NOT NULL,
    occurred_at INTEGER NOT NULL,
    source      TEXT NOT NULL,
    text        TEXT NOT NULL,
    PRIMARY KEY (group_id, ordinal)
) WITHOUT ROWID;

CREATE TABLE occurrences_per_minute (
    group_id BLOB NOT NULL REFERENCES error_groups (id) ON DELETE CASCADE,
    minute   INTEGER NOT NULL CHECK (minute >= 0),
    count    INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (group_id, minute)
) WITHOUT ROWID;
-- For the retention purge.
CREATE INDEX occurrences_per_minute_minute ON occurrences_per_minute (minute);

CREATE TABLE jobs (
    id           BLOB PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('ready', 'leased', 'done', 'dead')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
    visible_at   INTEGER NOT NULL,
    lease_token  BLOB,
    leased_by    TEXT,
    last_error   TEXT,
    group_id     BLOB REFERENCES error_groups (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- Lease scans only live jobs in visibility order.
CREATE INDEX jobs_live_visible ON jobs (visible_at, id) WHERE status IN ('ready', 'leased');
CREATE INDEX jobs_created ON jobs (created_at DESC);
CREATE INDEX jobs_group ON jobs (group_id);
-- At most one live fix job per group: a duplicate enqueue is a no-op.
CREATE UNIQUE INDEX jobs_one_live_fix_per_group ON jobs (group_id)
    WHERE kind = 'fix' AND status IN ('ready', 'leased');

CREATE TABLE fix_attempts (
    id          BLOB PRIMARY KEY NOT NULL,
    job_id      BLOB NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    group_id    BLOB REFERENCES error_groups (id) ON DELETE SET NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    outcome     TEXT NOT NULL,
    details     TEXT NOT NULL
);
CREATE INDEX fix_attempts_job ON fix_attempts (job_id, started_at);
CREATE INDEX fix_attempts_group ON fix_attempts (group_id, started_at);

-- A source's read position, written in the transaction of its events.
CREATE TABLE source_checkpoints (
    source_id  TEXT PRIMARY KEY NOT NULL CHECK (length(source_id) > 0),
    position   TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Global switches (pause, concurrency limit), JSON values.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
