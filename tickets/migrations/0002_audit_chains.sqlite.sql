-- Version 2: the audit log may have several chains (see audit.go). SQLite's
-- single writer keeps one, chain 1, which is every event written so far.
-- audit_head gains the number of events in each chain, so that Verify
-- notices a deleted tail even where seq has gaps.

ALTER TABLE audit ADD COLUMN chain BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_head ADD COLUMN events BIGINT NOT NULL DEFAULT 0;
UPDATE audit_head SET events = seq WHERE id = 1;
