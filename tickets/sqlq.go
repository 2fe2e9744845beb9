package tickets

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The store's logic is written once, against this small interface, and run
// by both backends: database/sql on SQLite, pgx on PostgreSQL. Queries use
// "?" placeholders; the PostgreSQL adapter rewrites them to $n.

type dbtx interface {
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (rows, error)
	QueryRow(ctx context.Context, query string, args ...any) row
	// Defer runs a statement whose only result is whether it failed. The
	// backend may hold it and send it with the next statement or the
	// commit, in one round trip (PostgreSQL in a write transaction); its
	// error then comes from that call, wrapped with what.
	Defer(ctx context.Context, what string, query string, args ...any) error
}

type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// row.Scan returns ErrNotFound when there was no row, on both backends.
type row interface {
	Scan(dest ...any) error
}

// dialect holds what differs between the backends.
type dialect struct {
	name string
	// forUpdate is appended to a SELECT that must lock its rows
	// ("" on SQLite, whose single writer already serialises).
	forUpdate string
	// skipLocked is appended to a claim's inner SELECT.
	skipLocked string
	// lockKey, if set, takes a transaction-scoped lock on a string key
	// (rate-limit counters across nodes).
	lockKey string
	// isUnique tells a unique-constraint violation.
	isUnique func(error) bool
}

// rebind rewrites ? placeholders as $1, $2... Our queries never hold a
// literal question mark.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func idText(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

func parseID(s string) uuid.UUID {
	if s == "" {
		return uuid.Nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil
	}
	return id
}

// jsonText encodes v for a TEXT column; our types always encode.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

func fromJSON[T any](s string) T {
	var v T
	_ = json.Unmarshal([]byte(s), &v)
	return v
}
