-- Version 3: what the second attack asked of the store.
--
-- tickets.related_ref: a message that named a ticket (subject tag,
-- In-Reply-To, a token of a closed ticket) but could not be trusted to
-- join it starts a new ticket that links to that one, for staff only
-- ("possible follow-up of T-...").
--
-- messages.repaired: the fields whose bytes were not text (NUL, invalid
-- UTF-8) and were replaced with U+FFFD, as a JSON list of field names, or
-- '' when nothing was; messages.sender_verified: the gateway proved the
-- From address (aligned DMARC, or SPF with envelope = From);
-- messages.not_participant: the sender is neither the requester nor a
-- participant (it joined by our signed token and was not made one).
--
-- audit_head.key_seq: the seq of the chain's keying event (see audit.go),
-- 0 while the chain has none. Events before it were written without the
-- audit key; every event after it carries an HMAC.

ALTER TABLE tickets ADD COLUMN related_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN repaired TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN sender_verified BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN not_participant BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN key_seq BIGINT NOT NULL DEFAULT 0;
