-- 0001 for PostgreSQL: the same tables as ../0001_initial.sql, with PostgreSQL's types: Discord ids
-- are BIGINT (INTEGER is 32-bit here). Instants stay ISO-8601 UTC text and local dates YYYY-MM-DD
-- text, exactly as in SQLite, so the repositories read and write both engines the same way.
-- Never edit this file once released: add 0002_... (with the same number as the shared file).

CREATE TABLE guilds (
    guild_id   BIGINT  PRIMARY KEY,
    joined_at  TEXT    NOT NULL
);

CREATE TABLE schedules (
    guild_id      BIGINT  NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    schedule_id   INTEGER NOT NULL DEFAULT 1,
    channel_id    BIGINT,
    post_time     TEXT    NOT NULL DEFAULT '09:00',
    timezone      TEXT    NOT NULL DEFAULT 'UTC',
    weekdays      INTEGER NOT NULL DEFAULT 127 CHECK (weekdays BETWEEN 1 AND 127),
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    paused_reason TEXT,
    role_id       BIGINT,
    empty_day     TEXT    NOT NULL DEFAULT 'skip' CHECK (empty_day IN ('skip', 'week', 'article')),
    packs         TEXT,
    last_error    TEXT,
    last_error_at TEXT,
    updated_at    TEXT    NOT NULL,
    PRIMARY KEY (guild_id, schedule_id)
);

-- Inserting the row *is* the claim (INSERT ... ON CONFLICT DO NOTHING): the primary key makes a
-- second post on the same local day impossible, from any process on any host.
CREATE TABLE post_log (
    guild_id    BIGINT  NOT NULL,
    schedule_id INTEGER NOT NULL,
    local_date  TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('claimed', 'sent', 'failed', 'skipped')),
    entry_id    TEXT,
    message_id  BIGINT,
    claimed_at  TEXT    NOT NULL,
    posted_at   TEXT,
    error       TEXT,
    error_at    TEXT,
    PRIMARY KEY (guild_id, schedule_id, local_date),
    FOREIGN KEY (guild_id, schedule_id) REFERENCES schedules (guild_id, schedule_id) ON DELETE CASCADE
);

CREATE TABLE meta (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
