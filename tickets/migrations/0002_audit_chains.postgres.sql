-- Version 2: the audit log is sixteen chains instead of one (see audit.go).
-- With one chain every accept locked the same head row until its commit
-- was on disk, so accepts on all nodes ran one at a time. Now an append
-- takes whichever head no other transaction holds. Events written so far
-- are chain 1. seq still orders events across chains, from a sequence;
-- audit_head gains the number of events in each chain, so that Verify
-- notices a deleted tail although seq has gaps.

ALTER TABLE audit ADD COLUMN chain BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_head ADD COLUMN events BIGINT NOT NULL DEFAULT 0;
UPDATE audit_head SET events = seq WHERE id = 1;
INSERT INTO audit_head (id, seq, hash, events) VALUES
	(2, 0, '', 0), (3, 0, '', 0), (4, 0, '', 0), (5, 0, '', 0),
	(6, 0, '', 0), (7, 0, '', 0), (8, 0, '', 0), (9, 0, '', 0),
	(10, 0, '', 0), (11, 0, '', 0), (12, 0, '', 0), (13, 0, '', 0),
	(14, 0, '', 0), (15, 0, '', 0), (16, 0, '', 0);
CREATE SEQUENCE audit_seq;
SELECT setval('audit_seq', (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit), false);
