-- Version 4: the staff desk (see desk/ and tickets/search.go).
--
-- tickets.activity_at: when the last message (a member's, a staff reply,
-- a note) was added; the queue is sorted by it, newest first, and paged by
-- (activity_at, id). The indexes serve each view without a sort: by
-- status, by assignee and status, or neither.
--
-- messages.outbox_id: the job delivering a staff reply.
--
-- search_docs and search_fts: full-text search over what staff may read:
-- of each ticket its ref, requester address and masked subject, and the
-- masked text of each part (withheld parts hold none). One document per
-- ticket and per part; the FTS5 table is contentless (it keeps no copy of
-- the text, only the index), and search_docs maps each document to its
-- ticket and text. A ticket's documents go with it. Only the first 32000
-- characters of a text are indexed, the same on PostgreSQL (see
-- 0004_desk.postgres.sql).

ALTER TABLE tickets ADD COLUMN activity_at BIGINT NOT NULL DEFAULT 0;
UPDATE tickets SET activity_at = COALESCE((SELECT MAX(m.created_at) FROM messages m WHERE m.ticket_id = tickets.id), created_at);
CREATE INDEX tickets_activity ON tickets (activity_at, id);
CREATE INDEX tickets_status_activity ON tickets (status, activity_at, id);
CREATE INDEX tickets_assignee_activity ON tickets (assignee, status, activity_at, id);

ALTER TABLE messages ADD COLUMN outbox_id TEXT NOT NULL DEFAULT '';

CREATE TABLE search_docs (
	id         INTEGER PRIMARY KEY,
	ticket_id  TEXT NOT NULL,
	message_id TEXT NOT NULL, -- '' for the ticket's own document
	idx        BIGINT NOT NULL -- the part's index; -1 for the ticket's own
);
CREATE INDEX search_docs_ticket ON search_docs (ticket_id);

CREATE VIRTUAL TABLE search_fts USING fts5(body, content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 0');

-- search_state.purged: documents were deleted since the index was last
-- rewritten. FTS5 only marks a deleted document's words as deleted (its
-- secure-delete option, which removes them at once, makes every insert
-- cost a quarter more); after a purge the store rewrites the index
-- (sqlite.go, doWALCheckpoint), so that retention means gone.
CREATE TABLE search_state (
	id     INTEGER PRIMARY KEY,
	purged BIGINT NOT NULL
);
INSERT INTO search_state (id, purged) VALUES (1, 0);

-- search_queue: what is still to be indexed. Filing a message only adds
-- a row here (FTS5 writes a segment at every statement that inserts into
-- it, which would cost an accept more than all else it writes); the
-- indexer (search_index.go) takes the rows in batches, a few statements
-- for hundreds of texts.
CREATE TABLE search_queue (
	id         INTEGER PRIMARY KEY,
	ticket_id  TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	message_id TEXT NOT NULL -- '' for the ticket's own document
);
CREATE INDEX search_queue_ticket ON search_queue (ticket_id);

CREATE TRIGGER tickets_search_queue AFTER INSERT ON tickets BEGIN
	INSERT INTO search_queue (ticket_id, message_id) VALUES (NEW.id, '');
END;

CREATE TRIGGER messages_search_queue AFTER INSERT ON messages BEGIN
	INSERT INTO search_queue (ticket_id, message_id) VALUES (NEW.ticket_id, NEW.id);
END;

CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets BEGIN
	DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_docs WHERE ticket_id = OLD.id);
	DELETE FROM search_docs WHERE ticket_id = OLD.id;
	UPDATE search_state SET purged = 1 WHERE id = 1;
END;

-- What was filed before this version is indexed by the first batch.
INSERT INTO search_queue (ticket_id, message_id) SELECT id, '' FROM tickets;
INSERT INTO search_queue (ticket_id, message_id) SELECT ticket_id, id FROM messages;
