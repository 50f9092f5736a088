-- 0001: servers, their daily-post schedules, the post log (the exactly-once claim), and a
-- small key/value table. Never edit this file once released: add 0002_... instead.
-- Instants are ISO-8601 UTC text; local dates are YYYY-MM-DD text; Discord ids are INTEGER.

CREATE TABLE guilds (
    guild_id   INTEGER PRIMARY KEY,
    joined_at  TEXT    NOT NULL
);

-- One row per (server, schedule). Every server has schedule 1 for now; the key lets a server
-- have several schedules later without a rewrite.
CREATE TABLE schedules (
    guild_id      INTEGER NOT NULL REFERENCES guilds (guild_id) ON DELETE CASCADE,
    schedule_id   INTEGER NOT NULL DEFAULT 1,
    channel_id    INTEGER,
    post_time     TEXT    NOT NULL DEFAULT '09:00',       -- local wall time HH:MM
    timezone      TEXT    NOT NULL DEFAULT 'UTC',         -- IANA name
    weekdays      INTEGER NOT NULL DEFAULT 127             -- bit 0 = Monday ... bit 6 = Sunday
                  CHECK (weekdays BETWEEN 1 AND 127),
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    paused_reason TEXT,                                    -- set when posting stopped by itself
    role_id       INTEGER,
    empty_day     TEXT    NOT NULL DEFAULT 'skip' CHECK (empty_day IN ('skip', 'week', 'article')),
    packs         TEXT,                                    -- JSON list of pack ids; NULL = all
    last_error    TEXT,
    last_error_at TEXT,
    updated_at    TEXT    NOT NULL,
    PRIMARY KEY (guild_id, schedule_id)
);

-- One row per schedule and local calendar day. Inserting the row *is* the claim: the primary
-- key makes a second post on the same local day impossible, whatever crashes in between.
CREATE TABLE post_log (
    guild_id    INTEGER NOT NULL,
    schedule_id INTEGER NOT NULL,
    local_date  TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('claimed', 'sent', 'failed', 'skipped')),
    entry_id    TEXT,                                      -- the main event or article posted
    message_id  INTEGER,
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
