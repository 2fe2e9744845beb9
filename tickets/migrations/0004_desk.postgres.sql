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
-- with its ticket, filled by triggers and gone with the ticket. Only the
-- words are kept (a tsvector, GIN-indexed), made by intake_search_words:
-- the text lower-cased, every run of characters that are not letters or
-- digits made one space (so that the words are those SQLite's unicode61
-- tokenizer sees), then the 'simple' configuration (no stemming, no stop
-- words). Only the first 32000 characters of a text are indexed, which
-- also keeps every tsvector under its 1 MB limit (a longer text must not
-- fail an accept).

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

CREATE FUNCTION intake_search_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO search_docs (ticket_id, search) VALUES (NEW.id, intake_search_words(NEW.ref || ' ' || NEW.requester || ' ' || left(NEW.subject, 32000)));
	RETURN NULL;
END $$;
CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION intake_search_ticket();

CREATE FUNCTION intake_search_part() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.body <> '' THEN
		INSERT INTO search_docs (ticket_id, search) SELECT m.ticket_id, intake_search_words(NEW.body) FROM messages m WHERE m.id = NEW.message_id;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER parts_search_insert AFTER INSERT ON parts FOR EACH ROW EXECUTE FUNCTION intake_search_part();

-- What was filed before this version.
INSERT INTO search_docs (ticket_id, search)
	SELECT id, intake_search_words(ref || ' ' || requester || ' ' || left(subject, 32000)) FROM tickets;
INSERT INTO search_docs (ticket_id, search)
	SELECT m.ticket_id, intake_search_words(p.body) FROM parts p JOIN messages m ON m.id = p.message_id WHERE p.body <> '';
