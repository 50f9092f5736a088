-- 0002: every event of a post (not just the main one) for the 60-day "don't repeat" rule,
-- retry bookkeeping on the post log, and departures (settings are purged after a grace
-- period, not when the bot leaves).

CREATE TABLE post_entries (
    guild_id    INTEGER NOT NULL,
    schedule_id INTEGER NOT NULL,
    local_date  TEXT    NOT NULL,
    entry_id    TEXT    NOT NULL,
    PRIMARY KEY (guild_id, local_date, schedule_id, entry_id),
    FOREIGN KEY (guild_id, schedule_id, local_date)
        REFERENCES post_log (guild_id, schedule_id, local_date) ON DELETE CASCADE
);

-- Keep the history the first schema already had.
INSERT INTO post_entries (guild_id, schedule_id, local_date, entry_id)
SELECT guild_id, schedule_id, local_date, entry_id FROM post_log WHERE entry_id IS NOT NULL;

ALTER TABLE post_log ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE post_log ADD COLUMN late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1));

CREATE INDEX post_log_by_date ON post_log (local_date);
CREATE INDEX post_log_open_claims ON post_log (status) WHERE status = 'claimed';
CREATE INDEX post_entries_fk ON post_entries (guild_id, schedule_id, local_date);

ALTER TABLE guilds ADD COLUMN left_at TEXT;
CREATE INDEX guilds_departed ON guilds (left_at) WHERE left_at IS NOT NULL;
