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
-- masked text of each part (withheld parts hold none). One document per subject or part; the FTS5
-- table is contentless (it keeps no copy of the text, only the index) and
-- deletes securely, and search_docs maps each document to its ticket.
-- Triggers keep both in step with the rows; a ticket's documents go with
-- it. Only the first 32000 characters of a text are indexed, the same
-- on PostgreSQL (see 0004_desk.postgres.sql).

ALTER TABLE tickets ADD COLUMN activity_at BIGINT NOT NULL DEFAULT 0;
UPDATE tickets SET activity_at = COALESCE((SELECT MAX(m.created_at) FROM messages m WHERE m.ticket_id = tickets.id), created_at);
CREATE INDEX tickets_activity ON tickets (activity_at, id);
CREATE INDEX tickets_status_activity ON tickets (status, activity_at, id);
CREATE INDEX tickets_assignee_activity ON tickets (assignee, status, activity_at, id);

ALTER TABLE messages ADD COLUMN outbox_id TEXT NOT NULL DEFAULT '';

CREATE TABLE search_docs (
	id        INTEGER PRIMARY KEY,
	ticket_id TEXT NOT NULL
);
CREATE INDEX search_docs_ticket ON search_docs (ticket_id);

CREATE VIRTUAL TABLE search_fts USING fts5(body, content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 0');
INSERT INTO search_fts (search_fts, rank) VALUES ('secure-delete', 1);

CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN
	INSERT INTO search_docs (ticket_id) VALUES (NEW.id);
	INSERT INTO search_fts (rowid, body) VALUES (last_insert_rowid(), NEW.ref || ' ' || NEW.requester || ' ' || substr(NEW.subject, 1, 32000));
END;

CREATE TRIGGER parts_search_insert AFTER INSERT ON parts WHEN NEW.body <> '' BEGIN
	INSERT INTO search_docs (ticket_id) SELECT ticket_id FROM messages WHERE id = NEW.message_id;
	INSERT INTO search_fts (rowid, body) VALUES (last_insert_rowid(), substr(NEW.body, 1, 32000));
END;

CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets BEGIN
	DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_docs WHERE ticket_id = OLD.id);
	DELETE FROM search_docs WHERE ticket_id = OLD.id;
END;

-- What was filed before this version.
CREATE TEMP TABLE desk_backfill AS
	SELECT ROW_NUMBER() OVER (ORDER BY src, rid) AS id, ticket_id, body FROM (
		SELECT 0 AS src, t.rowid AS rid, t.id AS ticket_id, t.ref || ' ' || t.requester || ' ' || substr(t.subject, 1, 32000) AS body FROM tickets t
		UNION ALL
		SELECT 1, p.rowid, m.ticket_id, p.body FROM parts p JOIN messages m ON m.id = p.message_id WHERE p.body <> '');
INSERT INTO search_docs (id, ticket_id) SELECT id, ticket_id FROM desk_backfill;
INSERT INTO search_fts (rowid, body) SELECT id, substr(body, 1, 32000) FROM desk_backfill;
DROP TABLE desk_backfill;
