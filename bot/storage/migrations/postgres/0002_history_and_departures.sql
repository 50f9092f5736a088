-- 0002 for PostgreSQL: ../0002_history_and_departures.sql with BIGINT ids.

CREATE TABLE post_entries (
    guild_id    BIGINT  NOT NULL,
    schedule_id INTEGER NOT NULL,
    local_date  TEXT    NOT NULL,
    entry_id    TEXT    NOT NULL,
    PRIMARY KEY (guild_id, local_date, schedule_id, entry_id),
    FOREIGN KEY (guild_id, schedule_id, local_date)
        REFERENCES post_log (guild_id, schedule_id, local_date) ON DELETE CASCADE
);

INSERT INTO post_entries (guild_id, schedule_id, local_date, entry_id)
SELECT guild_id, schedule_id, local_date, entry_id FROM post_log WHERE entry_id IS NOT NULL;

ALTER TABLE post_log ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE post_log ADD COLUMN late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1));

CREATE INDEX post_log_by_date ON post_log (local_date);
CREATE INDEX post_log_open_claims ON post_log (status) WHERE status = 'claimed';
CREATE INDEX post_entries_fk ON post_entries (guild_id, schedule_id, local_date);

ALTER TABLE guilds ADD COLUMN left_at TEXT;
CREATE INDEX guilds_departed ON guilds (left_at) WHERE left_at IS NOT NULL;
