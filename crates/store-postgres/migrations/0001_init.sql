-- tracefix store schema, PostgreSQL. Never edit an applied migration: add one.
-- Times are unix ms (bigint) as in the SQLite schema; JSON is jsonb.

CREATE TABLE error_groups (
    id                  uuid PRIMARY KEY,
    fingerprint         text NOT NULL CHECK (length(fingerprint) > 0),
    fingerprint_version integer NOT NULL,
    language            text NOT NULL,
    exception_type      text NOT NULL,
    exception_message   text NOT NULL,
    frames              jsonb NOT NULL,
    first_seen          bigint NOT NULL CHECK (first_seen >= 0),
    last_seen           bigint NOT NULL,
    total_count         bigint NOT NULL CHECK (total_count > 0),
    status              text NOT NULL CHECK (status IN
        ('new', 'queued', 'fixing', 'proposed', 'resolved', 'ignored', 'failed', 'regressed')),
    failure_reason      text,
    source              text NOT NULL,
    created_at          bigint NOT NULL,
    updated_at          bigint NOT NULL,
    UNIQUE (fingerprint, fingerprint_version)
);
CREATE INDEX error_groups_last_seen ON error_groups (last_seen DESC);
CREATE INDEX error_groups_status ON error_groups (status, last_seen DESC);

-- The first and latest few events of a group, by arrival ordinal.
CREATE TABLE group_samples (
    group_id    uuid NOT NULL REFERENCES error_groups (id) ON DELETE CASCADE,
    ordinal     bigint NOT NULL,
    occurred_at bigint NOT NULL,
    source      text NOT NULL,
    text        text NOT NULL,
    PRIMARY KEY (group_id, ordinal)
);

CREATE TABLE occurrences_per_minute (
    group_id uuid NOT NULL REFERENCES error_groups (id) ON DELETE CASCADE,
    minute   bigint NOT NULL CHECK (minute >= 0),
    count    bigint NOT NULL CHECK (count > 0),
    PRIMARY KEY (group_id, minute)
);
-- For the retention purge.
CREATE INDEX occurrences_per_minute_minute ON occurrences_per_minute (minute);

CREATE TABLE jobs (
    id           uuid PRIMARY KEY,
    kind         text NOT NULL,
    payload      jsonb NOT NULL,
    status       text NOT NULL CHECK (status IN ('ready', 'leased', 'done', 'dead')),
    attempts     integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL CHECK (max_attempts > 0),
    visible_at   bigint NOT NULL,
    lease_token  uuid,
    leased_by    text,
    last_error   text,
    group_id     uuid REFERENCES error_groups (id) ON DELETE SET NULL,
    created_at   bigint NOT NULL,
    updated_at   bigint NOT NULL
);
-- Lease scans only live jobs in visibility order.
CREATE INDEX jobs_live_visible ON jobs (visible_at, id) WHERE status IN ('ready', 'leased');
CREATE INDEX jobs_created ON jobs (created_at DESC);
CREATE INDEX jobs_group ON jobs (group_id);
-- At most one live fix job per group: a duplicate enqueue is a no-op.
CREATE UNIQUE INDEX jobs_one_live_fix_per_group ON jobs (group_id)
    WHERE kind = 'fix' AND status IN ('ready', 'leased');

CREATE TABLE fix_attempts (
    id          uuid PRIMARY KEY,
    job_id      uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    group_id    uuid REFERENCES error_groups (id) ON DELETE SET NULL,
    started_at  bigint NOT NULL,
    finished_at bigint,
    outcome     text NOT NULL,
    details     jsonb NOT NULL
);
CREATE INDEX fix_attempts_job ON fix_attempts (job_id, started_at);
CREATE INDEX fix_attempts_group ON fix_attempts (group_id, started_at);

-- A source's read position, written in the transaction of its events.
CREATE TABLE source_checkpoints (
    source_id  text PRIMARY KEY CHECK (length(source_id) > 0),
    position   jsonb NOT NULL,
    updated_at bigint NOT NULL
);

-- Global switches (pause, concurrency limit), JSON values.
CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    updated_at bigint NOT NULL
);
