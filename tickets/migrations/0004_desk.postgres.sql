-- Version 4: the staff desk (see desk/ and tickets/search.go).
--
-- tickets.activity_at: when the last message (a member's, a staff reply,
-- a note) was added; the queue is sorted by it, newest first, and paged by
-- (activity_at, id). The indexes serve each view without a sort: by
-- status, by assignee and status, or neither.
--
-- messages.outbox_id: the job delivering a staff reply.
--
-- Full-text search over what staff may read, the masked subject of each
-- ticket and the masked text of each part, through expression indexes:
-- the text lower-cased, every run of characters that are not letters or
-- digits made one space (so that the words are those SQLite's unicode61
-- tokenizer sees, see 0004_desk.sqlite.sql), then the 'simple'
-- configuration (no stemming, no stop words). Only the first 32000
-- characters are indexed, which also keeps every tsvector under its 1 MB
-- limit (a longer text must not fail an accept). tickets/search.go repeats these expressions
-- exactly; the planner only uses an index for the same expression.

ALTER TABLE tickets ADD COLUMN activity_at BIGINT NOT NULL DEFAULT 0;
UPDATE tickets SET activity_at = COALESCE((SELECT MAX(m.created_at) FROM messages m WHERE m.ticket_id = tickets.id), created_at);
CREATE INDEX tickets_activity ON tickets (activity_at, id);
CREATE INDEX tickets_status_activity ON tickets (status, activity_at, id);
CREATE INDEX tickets_assignee_activity ON tickets (assignee, status, activity_at, id);

ALTER TABLE messages ADD COLUMN outbox_id TEXT NOT NULL DEFAULT '';

CREATE INDEX parts_search ON parts USING gin
	(to_tsvector('simple'::regconfig, regexp_replace(lower(left(body, 32000)), '[^[:alnum:]]+', ' ', 'g')));
CREATE INDEX tickets_search ON tickets USING gin
	(to_tsvector('simple'::regconfig, regexp_replace(lower(left(subject, 32000)), '[^[:alnum:]]+', ' ', 'g')));
