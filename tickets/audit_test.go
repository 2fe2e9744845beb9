package tickets

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Concurrent accepts spread over the chains (PostgreSQL) or share chain 1
// (SQLite); either way every chain verifies, and an event edited, moved to
// another chain or deleted from any chain is caught.
func TestAuditChainsUnderConcurrency(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < 8; i++ {
					if _, err := h.s.Accept(ctx, sample(w*100+i, []byte("sealed"))); err != nil {
						t.Errorf("accept: %v", err)
					}
				}
			}(w)
		}
		wg.Wait()
		events, err := h.s.ListAudit(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		chains := map[int64]int{}
		keyed := map[int64]int{}
		for _, e := range events {
			if e.Action == ActionAuditKey {
				keyed[e.Chain]++
				continue
			}
			chains[e.Chain]++
		}
		filed := 0
		for c, n := range chains {
			filed += n
			if keyed[c] != 1 {
				t.Fatalf("chain %d has %d audit.key events, want 1", c, keyed[c])
			}
		}
		if filed != 128 {
			t.Fatalf("%d events besides audit.key, want 128", filed)
		}
		switch h.backend {
		case "sqlite":
			if len(chains) != 1 || chains[1] != 128 {
				t.Fatalf("sqlite chains = %v, want all 128 in chain 1", chains)
			}
		case "postgres":
			if len(chains) < 2 {
				t.Fatalf("postgres chains = %v, want the events spread", chains)
			}
		}
		if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK || rep.Events != int64(len(events)) {
			t.Fatalf("verify = %+v, %v", rep, err)
		}

		// Pick an event in the middle of a chain that is not chain 1 where
		// there is one, so the newer chains are what is tampered with.
		var victim AuditEvent
		for _, e := range events[40:] {
			if e.Action != ActionAuditKey && (h.backend == "sqlite" || e.Chain != 1) {
				victim = e
				break
			}
		}
		other := int64(2)
		if victim.Chain == 2 {
			other = 3
		}
		for _, tc := range []struct {
			name, do, undo string
			args, undoArgs []any
		}{
			{"edited actor", "UPDATE audit SET actor = 'nobody' WHERE seq = ?", "UPDATE audit SET actor = ? WHERE seq = ?",
				[]any{victim.Seq}, []any{victim.Actor, victim.Seq}},
			{"moved to another chain", "UPDATE audit SET chain = ? WHERE seq = ?", "UPDATE audit SET chain = ? WHERE seq = ?",
				[]any{other, victim.Seq}, []any{victim.Chain, victim.Seq}},
		} {
			if n := h.raw(tc.do, tc.args...); n != 1 {
				t.Fatalf("%s: tamper touched %d rows", tc.name, n)
			}
			if rep, err := h.s.VerifyAudit(ctx); err != nil || rep.OK {
				t.Fatalf("verify after %s: %+v, %v; want problems", tc.name, rep, err)
			}
			h.raw(tc.undo, tc.undoArgs...)
			if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK {
				t.Fatalf("verify after undoing %s: %+v, %v", tc.name, rep, err)
			}
		}
		h.raw("DELETE FROM audit WHERE seq = ?", victim.Seq)
		if rep, err := h.s.VerifyAudit(ctx); err != nil || rep.OK {
			t.Fatalf("verify after deleting seq %d: %+v, %v; want problems", victim.Seq, rep, err)
		}
	})
}

// Verify reads one snapshot: appends committing while it walks the chains
// are not mistaken for a deleted tail or a broken link.
func TestAuditVerifyWhileAppending(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		for i := 0; i < 20; i++ {
			mustAccept(t, h.s, sample(i, nil))
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := h.s.Accept(ctx, sample(1000*(w+1)+i, nil)); err != nil {
						t.Errorf("accept: %v", err)
						return
					}
				}
			}(w)
		}
		for i := 0; i < 20; i++ {
			rep, err := h.s.VerifyAudit(ctx)
			if err != nil || !rep.OK {
				close(stop)
				wg.Wait()
				t.Fatalf("verify while appending: %+v, %v", rep, err)
			}
		}
		close(stop)
		wg.Wait()
	})
}

// installSchema creates the schema of version upTo behind the store's
// back, as the binary of that version left it.
func (h *harness) installSchema(upTo int64) {
	h.t.Helper()
	if h.backend == "postgres" {
		h.dropSchema()
		h.raw("CREATE SCHEMA IF NOT EXISTS " + pgx.Identifier{h.schema}.Sanitize())
	} else {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(filepath.Join(h.dir, DBFile+suffix))
		}
	}
	ms, err := loadMigrations(migrationFS, h.backend)
	if err != nil {
		h.t.Fatal(err)
	}
	h.raw("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
	for _, m := range ms {
		if m.version > upTo {
			break
		}
		sql := m.sql
		if h.backend == "postgres" {
			sql = strings.ReplaceAll(sql, "BLOB", "BYTEA")
		}
		h.raw(sql)
		h.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)", m.version, m.name)
	}
}

// A chain written by version 1 (one chain, no event counts, no key)
// verifies after the upgrade: its plain events stay as they were, an
// audit.key event links onto them at the first open, and the chain goes
// on keyed. Tampering with the old events is still caught.
func TestAuditChainAcrossUpgrade(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		h.s.Close()
		h.installSchema(1)
		// Version 1 wrote audit rows without a chain or counts; write
		// three as it did.
		prev := ""
		for seq := int64(1); seq <= 3; seq++ {
			e := AuditEvent{Seq: seq, At: h.clock.Now(), Actor: "gateway", Action: ActionTicketCreate, Detail: map[string]string{"ref": "T-AAAAAA"}, PrevHash: prev}
			e.Hash = eventHash(e)
			h.raw("INSERT INTO audit (seq, at, actor, action, ticket_id, item_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, '', '', ?, ?, ?)",
				e.Seq, micros(e.At), e.Actor, e.Action, jsonText(e.Detail), e.PrevHash, e.Hash)
			h.raw("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", e.Seq, e.Hash)
			prev = e.Hash
		}

		h.s = h.open(Options{})
		for i := 0; i < 6; i++ {
			mustAccept(t, h.s, sample(i, nil))
		}
		rep, err := h.s.VerifyAudit(ctx)
		if err != nil || !rep.OK || rep.Tickets != 6 {
			t.Fatalf("verify after upgrade: %+v, %v", rep, err)
		}
		events, _ := h.s.ListAudit(ctx, 0, 0)
		if events[3].Action != ActionAuditKey || events[3].Chain != 1 || events[3].PrevHash != prev || events[3].Detail["legacy_events"] != "3" {
			t.Fatalf("event after the plain ones = %+v, want chain 1's audit.key event linked to them", events[3])
		}
		h.raw("UPDATE audit SET actor = 'nobody' WHERE seq = 2")
		if rep, err := h.s.VerifyAudit(ctx); err != nil || rep.OK {
			t.Fatalf("verify after editing an old event: %+v, %v; want problems", rep, err)
		}
	})
}
