package desk

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/tickets"
)

// Cursors are opaque to callers: a place in the queue's order (last
// activity, ticket id) or in the audit log (a seq), in URL-safe base64.

const cursorPrefix = "q1:"

func encodeCursor(c tickets.TicketCursor) string {
	raw := cursorPrefix + strconv.FormatInt(c.Activity.UnixMicro(), 10) + ":" + c.ID.String()
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(s string) (*tickets.TicketCursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := badRequest("cursor is not one this server gave")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(raw), cursorPrefix) {
		return nil, bad
	}
	at, id, ok := strings.Cut(strings.TrimPrefix(string(raw), cursorPrefix), ":")
	if !ok {
		return nil, bad
	}
	micros, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return nil, bad
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return nil, bad
	}
	return &tickets.TicketCursor{Activity: time.UnixMicro(micros).UTC(), ID: u}, nil
}

const auditCursorPrefix = "a1:"

func encodeAuditCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(auditCursorPrefix + strconv.FormatInt(seq, 10)))
}

func decodeAuditCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(raw), auditCursorPrefix) {
		return 0, badRequest("cursor is not one this server gave")
	}
	seq, err := strconv.ParseInt(strings.TrimPrefix(string(raw), auditCursorPrefix), 10, 64)
	if err != nil || seq <= 0 {
		return 0, badRequest("cursor is not one this server gave")
	}
	return seq, nil
}
