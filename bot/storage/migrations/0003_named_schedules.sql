-- 0003: several schedules per server. Each gets a name (unique in its server), a kind (a daily
-- post or a weekly digest), a tag filter and a discussion-thread switch; the post log records
-- the thread opened on a post, or why it could not be. Every existing schedule becomes the
-- server's first schedule, named 'daily', with every setting and all its history kept.

ALTER TABLE schedules ADD COLUMN name TEXT NOT NULL DEFAULT 'daily';
ALTER TABLE schedules ADD COLUMN kind TEXT NOT NULL DEFAULT 'daily' CHECK (kind IN ('daily', 'weekly'));
ALTER TABLE schedules ADD COLUMN tags TEXT;                       -- JSON list of tags; NULL = any
ALTER TABLE schedules ADD COLUMN thread INTEGER NOT NULL DEFAULT 0 CHECK (thread IN (0, 1));

CREATE UNIQUE INDEX schedules_by_name ON schedules (guild_id, name);

ALTER TABLE post_log ADD COLUMN thread_id INTEGER;
ALTER TABLE post_log ADD COLUMN thread_error TEXT;
