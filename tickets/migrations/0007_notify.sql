-- Version 9: notifications and the compliance report (see notify.go and
-- report.go). No migration took number 7: migrations apply in number
-- order and a gap is no matter.
--
-- notify_settings: one row per staff account that chose notifications.
-- email is where they go (desk checks it against [web] notify_domains
-- when it is set, and the worker again when it sends); new_ticket asks for
-- a mail for each new ticket in one of queues (a comma list; '' is every
-- queue), followup for each member's message on a ticket assigned to the
-- account.
--
-- audit_action_at: the report reads a quarter's events of a few actions.

CREATE TABLE notify_settings (
	user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	email      TEXT NOT NULL,
	new_ticket BIGINT NOT NULL,
	followup   BIGINT NOT NULL,
	queues     TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE INDEX audit_action_at ON audit (action, at);
