-- Version 5: staff accounts, browser sessions, API tokens and login
-- throttling, as the web issue needs them (see users.go, sessions.go).
--
-- sessions: expires_at is now the idle deadline, moved forward as the
-- session is used (never past absolute_at, the deadline set at login);
-- last_seen_at is when it was last moved.
--
-- api_tokens: name holds the label; last_used_at is refreshed at most
-- about once a minute; revoked_at is 0 while the token works.
--
-- setup_tokens: one-time links that set a password (user_id names the
-- account) or create the first admin (user_id ''). Only the token's hash
-- is kept; using one deletes it.
--
-- login_failures: one row per failed login under each throttling key (the
-- account name, the client's network), so every node sees the same count.

ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN absolute_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN revoked_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

ALTER TABLE users ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE setup_tokens (
	token_hash TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX setup_tokens_expires ON setup_tokens (expires_at);

CREATE TABLE login_failures (
	key TEXT NOT NULL,
	at  BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);
CREATE INDEX login_failures_at ON login_failures (at);
