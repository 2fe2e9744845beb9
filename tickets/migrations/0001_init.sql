-- intake store, version 1. Written once for both backends: BLOB becomes
-- BYTEA on PostgreSQL; everything else is common SQL. Times are Unix
-- microseconds (BIGINT) so both backends compare and round-trip them alike;
-- ids are UUID text; flags are 0/1.

CREATE TABLE tickets (
	id             TEXT PRIMARY KEY,
	ref            TEXT NOT NULL UNIQUE,
	status         TEXT NOT NULL,
	queue          TEXT NOT NULL,
	requester      TEXT NOT NULL,
	requester_name TEXT NOT NULL,
	assignee       TEXT NOT NULL DEFAULT '',
	subject        TEXT NOT NULL,
	sensitive      BIGINT NOT NULL,
	withheld       BIGINT NOT NULL,
	spf            TEXT NOT NULL,
	dkim           TEXT NOT NULL,
	dmarc          TEXT NOT NULL,
	messages       BIGINT NOT NULL,
	created_at     BIGINT NOT NULL,
	updated_at     BIGINT NOT NULL
);
CREATE INDEX tickets_created ON tickets (created_at);
CREATE INDEX tickets_status ON tickets (status, updated_at);

-- Addresses that may thread by subject tag: the requester and everyone
-- whose mail was threaded onto the ticket by token or headers.
CREATE TABLE participants (
	ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	address   TEXT NOT NULL,
	PRIMARY KEY (ticket_id, address)
);

CREATE TABLE messages (
	id            TEXT PRIMARY KEY,
	ticket_id     TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	kind          TEXT NOT NULL,
	message_id    TEXT NOT NULL,
	in_reply_to   TEXT NOT NULL,
	refs          TEXT NOT NULL,
	from_addr     TEXT NOT NULL,
	from_name     TEXT NOT NULL,
	subject       TEXT NOT NULL,
	envelope      TEXT NOT NULL,
	headers       TEXT NOT NULL,
	auth_results  TEXT NOT NULL,
	spf           TEXT NOT NULL,
	dkim          TEXT NOT NULL,
	dmarc         TEXT NOT NULL,
	findings      TEXT NOT NULL,
	unscannable   TEXT NOT NULL,
	quarantine_id TEXT NOT NULL,
	size          BIGINT NOT NULL,
	created_at    BIGINT NOT NULL
);
CREATE INDEX messages_ticket ON messages (ticket_id, created_at);
CREATE INDEX messages_message_id ON messages (message_id);

CREATE TABLE parts (
	message_id   TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
	idx          BIGINT NOT NULL,
	location     TEXT NOT NULL,
	content_type TEXT NOT NULL,
	filename     TEXT NOT NULL,
	html         BIGINT NOT NULL,
	body         TEXT NOT NULL,
	withheld     BIGINT NOT NULL,
	reason       TEXT NOT NULL,
	PRIMARY KEY (message_id, idx)
);

CREATE TABLE attachments (
	id           TEXT PRIMARY KEY,
	message_id   TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
	idx          BIGINT NOT NULL,
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         BIGINT NOT NULL,
	sha256       TEXT NOT NULL,
	content      BLOB NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id, idx);

CREATE TABLE quarantine (
	id           TEXT PRIMARY KEY,
	ticket_id    TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	message_id   TEXT NOT NULL,
	state        TEXT NOT NULL,
	causes       TEXT NOT NULL,
	findings     TEXT NOT NULL,
	unscannable  TEXT NOT NULL,
	sealed       BLOB,
	sealed_size  BIGINT NOT NULL,
	created_at   BIGINT NOT NULL,
	retain_until BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
);
CREATE INDEX quarantine_ticket ON quarantine (ticket_id);
CREATE INDEX quarantine_retain ON quarantine (state, retain_until);

-- One row per delivery: a redelivery finds its first ticket here. The key
-- is a hash (see DedupKey), never a Message-ID.
CREATE TABLE dedup (
	key        TEXT PRIMARY KEY,
	ticket_id  TEXT NOT NULL,
	message_id TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX dedup_ticket ON dedup (ticket_id);

CREATE TABLE audit (
	seq       BIGINT PRIMARY KEY,
	at        BIGINT NOT NULL,
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	ticket_id TEXT NOT NULL,
	item_id   TEXT NOT NULL,
	detail    TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);

-- The chain's head: the last seq and hash. Appends lock this row, so the
-- chain stays linear across nodes; it also lets Verify notice a deleted
-- tail.
CREATE TABLE audit_head (
	id   BIGINT PRIMARY KEY,
	seq  BIGINT NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE outbox (
	id           TEXT PRIMARY KEY,
	kind         TEXT NOT NULL,
	ticket_id    TEXT NOT NULL,
	recipient    TEXT NOT NULL,
	payload      BLOB NOT NULL,
	state        TEXT NOT NULL,
	attempts     BIGINT NOT NULL,
	next_attempt BIGINT NOT NULL,
	give_up_at   BIGINT NOT NULL,
	lease_owner  TEXT NOT NULL,
	lease_until  BIGINT NOT NULL,
	last_error   TEXT NOT NULL,
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (state, next_attempt);
CREATE INDEX outbox_ticket ON outbox (ticket_id);

CREATE TABLE rate_events (
	key TEXT NOT NULL,
	at  BIGINT NOT NULL
);
CREATE INDEX rate_events_key ON rate_events (key, at);

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,
	roles         TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	disabled      BIGINT NOT NULL,
	created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
	id         TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
