package tickets

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
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
		if err != nil || len(events) != 128 {
			t.Fatalf("%d events, %v; want 128", len(events), err)
		}
		chains := map[int64]int{}
		for _, e := range events {
			chains[e.Chain]++
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
		if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK || rep.Events != 128 {
			t.Fatalf("verify = %+v, %v", rep, err)
		}

		// Pick an event in the middle of a chain that is not chain 1 where
		// there is one, so the newer chains are what is tampered with.
		var victim AuditEvent
		for _, e := range events[40:] {
			if h.backend == "sqlite" || e.Chain != 1 {
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

// onlyMigrations hides migrations newer than upTo.
type onlyMigrations struct {
	fs.FS
	upTo int64
}

func (o onlyMigrations) ReadDir(name string) ([]fs.DirEntry, error) {
	es, err := fs.ReadDir(o.FS, name)
	if err != nil {
		return nil, err
	}
	var out []fs.DirEntry
	for _, e := range es {
		num, _, _ := strings.Cut(e.Name(), "_")
		if v, err := strconv.ParseInt(num, 10, 64); err == nil && v <= o.upTo {
			out = append(out, e)
		}
	}
	return out, nil
}

// A chain written by version 1 (one chain, no event counts) verifies after
// the upgrade, keeps growing, and still catches tampering with its old
// events.
func TestAuditChainAcrossUpgrade(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		// Start again from an empty database, at version 1.
		h.s.Close()
		switch h.backend {
		case "sqlite":
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(filepath.Join(h.dir, DBFile+suffix))
			}
		case "postgres":
			h.dropSchema()
		}
		orig := migrationFS
		defer func() { migrationFS = orig }()
		migrationFS = onlyMigrations{FS: orig, upTo: 1}
		old := h.open(Options{})
		// Version 1 wrote audit rows without a chain or counts; write
		// three as it did, behind the store's back.
		prev := ""
		for seq := int64(1); seq <= 3; seq++ {
			e := AuditEvent{Seq: seq, At: h.clock.Now(), Actor: "gateway", Action: ActionTicketCreate, Detail: map[string]string{"ref": "T-AAAAAA"}, PrevHash: prev}
			e.Hash = eventHash(e)
			h.raw("INSERT INTO audit (seq, at, actor, action, ticket_id, item_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, '', '', ?, ?, ?)",
				e.Seq, micros(e.At), e.Actor, e.Action, jsonText(e.Detail), e.PrevHash, e.Hash)
			h.raw("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", e.Seq, e.Hash)
			prev = e.Hash
		}
		old.Close()

		migrationFS = orig
		h.s = h.open(Options{})
		for i := 0; i < 6; i++ {
			mustAccept(t, h.s, sample(i, nil))
		}
		if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK || rep.Events != 9 {
			t.Fatalf("verify after upgrade: %+v, %v", rep, err)
		}
		h.raw("UPDATE audit SET actor = 'nobody' WHERE seq = 2")
		if rep, err := h.s.VerifyAudit(ctx); err != nil || rep.OK {
			t.Fatalf("verify after editing an old event: %+v, %v; want problems", rep, err)
		}
	})
}
