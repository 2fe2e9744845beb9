-- Version 4: the staff desk (see desk/ and tickets/search.go).
--
-- tickets.activity_at: when the last message (a member's, a staff reply,
-- a note) was added; the queue is sorted by it, newest first, and paged by
-- (activity_at, id). The indexes serve each view without a sort: by
-- status, by assignee and status, or neither.
--
-- messages.outbox_id: the job delivering a staff reply.
--
-- search_docs: full-text search over what staff may read, as on SQLite
-- (0004_desk.sqlite.sql): one document per ticket (its ref, requester
-- address and masked subject) and one per part (its masked text), each
-- with its ticket, gone with the ticket. Only the words are kept (a
-- tsvector, GIN-indexed), made by intake_search_words: the text
-- lower-cased, every run of characters that are not letters or digits
-- made one space (so that the words are those SQLite's unicode61
-- tokenizer sees), then the 'simple' configuration (no stemming, no stop
-- words). Only the first 32000 characters of a text are indexed, which
-- also keeps every tsvector under its 1 MB limit.
--
-- search_queue: what is still to be indexed. Filing a message only adds
-- a row here; the indexer (search_index.go) makes the words of hundreds
-- of texts in one statement, off the accept's path, taking its rows with
-- SKIP LOCKED so that two nodes never index one text twice.

ALTER TABLE tickets ADD COLUMN activity_at BIGINT NOT NULL DEFAULT 0;
UPDATE tickets SET activity_at = COALESCE((SELECT MAX(m.created_at) FROM messages m WHERE m.ticket_id = tickets.id), created_at);
CREATE INDEX tickets_activity ON tickets (activity_at, id);
CREATE INDEX tickets_status_activity ON tickets (status, activity_at, id);
CREATE INDEX tickets_assignee_activity ON tickets (assignee, status, activity_at, id);

ALTER TABLE messages ADD COLUMN outbox_id TEXT NOT NULL DEFAULT '';

CREATE FUNCTION intake_search_words(t text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT to_tsvector('simple'::regconfig, regexp_replace(lower(left(t, 32000)), '[^[:alnum:]]+', ' ', 'g')) $$;

CREATE TABLE search_docs (
	ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	search    tsvector NOT NULL
);
CREATE INDEX search_docs_ticket ON search_docs (ticket_id);
CREATE INDEX search_docs_search ON search_docs USING gin (search);

CREATE TABLE search_queue (
	id         BIGSERIAL PRIMARY KEY,
	ticket_id  TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	message_id TEXT NOT NULL -- '' for the ticket's own document
);
CREATE INDEX search_queue_ticket ON search_queue (ticket_id);

CREATE FUNCTION intake_search_queue_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO search_queue (ticket_id, message_id) VALUES (NEW.id, '');
	RETURN NULL;
END $$;
CREATE TRIGGER tickets_search_queue AFTER INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION intake_search_queue_ticket();

CREATE FUNCTION intake_search_queue_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO search_queue (ticket_id, message_id) VALUES (NEW.ticket_id, NEW.id);
	RETURN NULL;
END $$;
CREATE TRIGGER messages_search_queue AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION intake_search_queue_message();

-- What was filed before this version is indexed by the first batch.
INSERT INTO search_queue (ticket_id, message_id) SELECT id, '' FROM tickets;
INSERT INTO search_queue (ticket_id, message_id) SELECT ticket_id, id FROM messages;
