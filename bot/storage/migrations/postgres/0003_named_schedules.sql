-- 0003 for PostgreSQL: ../0003_named_schedules.sql with a BIGINT thread id.

ALTER TABLE schedules ADD COLUMN name TEXT NOT NULL DEFAULT 'daily';
ALTER TABLE schedules ADD COLUMN kind TEXT NOT NULL DEFAULT 'daily' CHECK (kind IN ('daily', 'weekly'));
ALTER TABLE schedules ADD COLUMN tags TEXT;
ALTER TABLE schedules ADD COLUMN thread INTEGER NOT NULL DEFAULT 0 CHECK (thread IN (0, 1));

CREATE UNIQUE INDEX schedules_by_name ON schedules (guild_id, name);

ALTER TABLE post_log ADD COLUMN thread_id BIGINT;
ALTER TABLE post_log ADD COLUMN thread_error TEXT;
