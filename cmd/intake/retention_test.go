package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/intake-mail/intake/tickets"
)

// TestRetentionPurgesExpiredQuarantine: serve's retention round purges a
// sealed original past its deadline, keeps a fresh one, and audits it.
func TestRetentionPurgesExpiredQuarantine(t *testing.T) {
	dir := t.TempDir()
	clock := time.Now().Add(-40 * 24 * time.Hour)
	st, err := tickets.Open(context.Background(), tickets.Options{
		DataDir: dir, Secret: bytes.Repeat([]byte("k"), 32), RetentionDays: 30,
		Now: func() time.Time { return clock },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	accept := func(id string) {
		t.Helper()
		_, err := st.Accept(context.Background(), &tickets.Inbound{
			Queue: "support", MessageID: id, Subject: "card ***", From: "m@example.org",
			Findings: []tickets.Finding{{Type: "pan", Last4: "1111", Where: "body"}},
			Sealed:   []byte("age-encryption.org/v1 (ciphertext stands in)"),
			DedupKey: id,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	accept("<old@example.org>")
	clock = time.Now()
	accept("<new@example.org>")

	var logs bytes.Buffer
	r := &retention{store: st, log: slog.New(slog.NewJSONHandler(&logs, nil))}
	r.purgeOnce(context.Background())

	items, err := st.ListQuarantine(context.Background(), tickets.QuarantineFilter{})
	if err != nil {
		t.Fatal(err)
	}
	held, purged := 0, 0
	for _, it := range items {
		switch it.State {
		case tickets.QuarantineHeld:
			held++
		case tickets.QuarantinePurged:
			purged++
		}
	}
	if held != 1 || purged != 1 {
		t.Errorf("after retention: %d held, %d purged; want 1 and 1", held, purged)
	}
	if !strings.Contains(logs.String(), `"quarantine_items":1`) {
		t.Errorf("no log line for the purge: %s", logs.String())
	}
	rep, err := st.VerifyAudit(context.Background())
	if err != nil || !rep.OK {
		t.Errorf("audit chain after purge: %+v, %v", rep, err)
	}
}
