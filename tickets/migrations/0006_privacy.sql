-- Version 7: the privacy officer's desk (see tickets/release.go).
--
-- quarantine.legal_hold: the item is under a legal hold; retention purges
-- neither it nor its ticket, and nobody purges it by hand, until the hold
-- is lifted. Who set and lifted it is in the audit log.
--
-- parts.released_by, parts.released_at: the part was withheld and a
-- privacy officer released it from the sealed original after review (it
-- was scanned again and holds masked text only). '' and 0: never withheld,
-- or still withheld.

ALTER TABLE quarantine ADD COLUMN legal_hold BIGINT NOT NULL DEFAULT 0;
ALTER TABLE parts ADD COLUMN released_by TEXT NOT NULL DEFAULT '';
ALTER TABLE parts ADD COLUMN released_at BIGINT NOT NULL DEFAULT 0;
