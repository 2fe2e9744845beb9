-- Version 8: why a member's message got, or did not get, an auto-reply.
--
-- messages.reply_decision: for an inbound message, "queued" when an
-- auto-reply was queued with it, or the word of the reason there is none
-- (reply/reasons.go: not_authenticated, masked_sender, rate_sensitive,
-- ..., and "rate_limited_at_commit" when the store's own rate check in the
-- accept's transaction dropped the reply). Written once, in the accept's
-- transaction, so staff can tell a member who "never got an answer" why.
-- '': not an inbound message, or filed before this version (unknown).

ALTER TABLE messages ADD COLUMN reply_decision TEXT NOT NULL DEFAULT '';
