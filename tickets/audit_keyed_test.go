package tickets

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// chainEvents lists one chain's events in order.
func chainEvents(t *testing.T, s Store, chain int64) []AuditEvent {
	t.Helper()
	all, err := s.ListAudit(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []AuditEvent
	for _, e := range all {
		if e.Chain == chain {
			out = append(out, e)
		}
	}
	return out
}

// newestChain is the chain holding the newest event.
func newestChain(t *testing.T, s Store) int64 {
	all, err := s.ListAudit(context.Background(), 0, 0)
	if err != nil || len(all) == 0 {
		t.Fatalf("no events: %v", err)
	}
	return all[len(all)-1].Chain
}

// rewind deletes a chain's last n events and moves its head back onto the
// event before them, as someone with write access to the database would.
func (h *harness) rewind(t *testing.T, chain int64, n int) {
	evs := chainEvents(t, h.s, chain)
	if len(evs) < n {
		t.Fatalf("chain %d has %d events, cannot drop %d", chain, len(evs), n)
	}
	for _, e := range evs[len(evs)-n:] {
		h.raw("DELETE FROM audit WHERE seq = ?", e.Seq)
	}
	keep := evs[:len(evs)-n]
	if len(keep) == 0 {
		h.raw("UPDATE audit_head SET seq = 0, hash = '', events = 0, key_seq = 0 WHERE id = ?", chain)
		return
	}
	last := keep[len(keep)-1]
	h.raw("UPDATE audit_head SET seq = ?, hash = ?, events = ? WHERE id = ?", last.Seq, last.Hash, len(keep), chain)
}

// rewindTo rewinds e's chain to the event before e.
func (h *harness) rewindTo(t *testing.T, e AuditEvent) {
	evs := chainEvents(t, h.s, e.Chain)
	for i, x := range evs {
		if x.Seq == e.Seq {
			h.rewind(t, e.Chain, len(evs)-i)
			return
		}
	}
	t.Fatalf("seq %d not in chain %d", e.Seq, e.Chain)
}

// rechain recomputes a chain's links and hashes with hash, from the event
// at index from on, after edit has changed the events it wants changed,
// and moves the head: the rewrite of someone who knows the chain function.
func (h *harness) rechain(t *testing.T, chain int64, edit func(evs []AuditEvent) []AuditEvent, hash func(AuditEvent) string) {
	evs := edit(chainEvents(t, h.s, chain))
	prev := ""
	for i := range evs {
		e := &evs[i]
		e.PrevHash = prev
		e.Hash = hash(*e)
		h.raw("UPDATE audit SET actor = ?, action = ?, prev_hash = ?, hash = ? WHERE seq = ?", e.Actor, e.Action, e.PrevHash, e.Hash, e.Seq)
		prev = e.Hash
	}
	last := evs[len(evs)-1]
	h.raw("UPDATE audit_head SET seq = ?, hash = ?, events = ? WHERE id = ?", last.Seq, last.Hash, len(evs), chain)
}

// auditFixture files five sensitive messages, takes an anchor, then has
// the privacy officer fetch an item twice: the events someone would most
// like to make disappear.
func auditFixture(t *testing.T, h *harness) (AuditAnchor, []Accepted) {
	ctx := context.Background()
	var accs []Accepted
	for i := 0; i < 5; i++ {
		accs = append(accs, mustAccept(t, h.s, sample(i, []byte("sealed"))))
	}
	before, err := h.s.AuditAnchor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := h.s.FetchQuarantine(ctx, accs[2].QuarantineID, "user:officer"); err != nil {
			t.Fatal(err)
		}
	}
	after, err := h.s.AuditAnchor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Events < before.Events+2 || after.Head == before.Head {
		t.Fatalf("anchors %+v then %+v", before, after)
	}
	if rep, err := h.s.VerifyAudit(ctx, before, after); err != nil || !rep.OK || rep.Anchors != 2 || rep.Tickets != 5 || rep.Items != 5 {
		t.Fatalf("verify before tampering: %+v, %v", rep, err)
	}
	return after, accs
}

// The three rewrites issue 8 item 7 found unnoticed, each caught now, on
// both backends.
func TestAuditRewritesCaught(t *testing.T) {
	wrongKey := bytes.Repeat([]byte("k"), 32)
	cases := []struct {
		name string
		do   func(t *testing.T, h *harness)
		// caughtAlone: verify without an anchor catches it too (the
		// cross-check, or the key); otherwise only the anchor can.
		caughtAlone bool
	}{
		{"two officer's fetches deleted, head rewound", func(t *testing.T, h *harness) {
			all, _ := h.s.ListAudit(context.Background(), 0, 0)
			for i := len(all) - 1; i >= 0; i-- {
				if all[i].Action == ActionQuarantineFetch {
					h.rewindTo(t, all[i])
				}
			}
		}, false},
		{"the last ticket's two events deleted, head rewound", func(t *testing.T, h *harness) {
			// Its ticket.create and quarantine.seal, which its ticket and
			// item still point at (and whatever followed in that chain).
			all, _ := h.s.ListAudit(context.Background(), 0, 0)
			var last AuditEvent
			for _, e := range all {
				if e.Action == ActionTicketCreate {
					last = e
				}
			}
			h.rewindTo(t, last)
		}, true},
		{"the whole log wiped", func(t *testing.T, h *harness) {
			h.raw("DELETE FROM audit")
			h.raw("UPDATE audit_head SET seq = 0, hash = '', events = 0, key_seq = 0")
		}, true},
		{"an actor changed, hashes recomputed with the plain chain function", func(t *testing.T, h *harness) {
			chain := newestChain(t, h.s)
			h.rechain(t, chain, func(evs []AuditEvent) []AuditEvent {
				evs[len(evs)-1].Actor = "user:nobody"
				return evs
			}, eventHash)
		}, true},
		{"an actor changed, hashes recomputed with a guessed key", func(t *testing.T, h *harness) {
			chain := newestChain(t, h.s)
			h.rechain(t, chain, func(evs []AuditEvent) []AuditEvent {
				evs[len(evs)-1].Actor = "user:nobody"
				return evs
			}, func(e AuditEvent) string { return keyedHash(wrongKey, e) })
		}, true},
		{"downgraded: the audit.key event made plain, all recomputed", func(t *testing.T, h *harness) {
			chain := newestChain(t, h.s)
			h.rechain(t, chain, func(evs []AuditEvent) []AuditEvent {
				for i := range evs {
					if evs[i].Action == ActionAuditKey {
						evs[i].Action = "ticket.note"
					}
					if evs[i].Actor == "user:officer" {
						evs[i].Actor = "user:nobody"
					}
				}
				return evs
			}, eventHash)
		}, true},
	}
	forEachBackend(t, func(t *testing.T, h *harness) {
		for _, tc := range cases {
			t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
				h := newHarness(t, h.backend, Options{})
				ctx := context.Background()
				anchor, _ := auditFixture(t, h)
				tc.do(t, h)
				rep, err := h.s.VerifyAudit(ctx, anchor)
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK || len(rep.Problems) == 0 {
					t.Fatalf("verify with the anchor after %s: %+v, want problems", tc.name, rep)
				}
				rep, err = h.s.VerifyAudit(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK == tc.caughtAlone {
					t.Fatalf("verify without an anchor after %s: ok = %v, problems %q", tc.name, rep.OK, rep.Problems)
				}
			})
		}
	})
}

// The attack above with the real key is a valid chain: what stops it is
// the key, nothing else (and the anchor, for what the key cannot see).
func TestAuditRewriteWithTheKeyIsTheKeysWorth(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		anchor, _ := auditFixture(t, h)
		key := coreOf(h.s).o.AuditKey
		chain := newestChain(t, h.s)
		h.rechain(t, chain, func(evs []AuditEvent) []AuditEvent {
			evs[len(evs)-1].Actor = "user:nobody"
			return evs
		}, func(e AuditEvent) string { return keyedHash(key, e) })
		if rep, err := h.s.VerifyAudit(context.Background()); err != nil || !rep.OK {
			t.Fatalf("rewrite with the key: %+v, %v; want it to pass (the key is the secret)", rep, err)
		}
		if rep, err := h.s.VerifyAudit(context.Background(), anchor); err != nil || rep.OK {
			t.Fatalf("rewrite with the key against an anchor of its head: %+v, %v; want problems", rep, err)
		}
	})
}

// Anchors taken earlier stay valid as the log grows, survive a round trip
// through the anchor file and through serve's log lines, and a store
// opened with another node's audit key refuses to write.
func TestAuditAnchorsAndKeys(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		anchor, _ := auditFixture(t, h)
		for i := 0; i < 3; i++ {
			mustAccept(t, h.s, sample(100+i, nil))
		}
		path := filepath.Join(t.TempDir(), AnchorFile)
		if err := AppendAnchor(path, anchor); err != nil {
			t.Fatal(err)
		}
		now, err := h.s.AuditAnchor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := AppendAnchor(path, now); err != nil {
			t.Fatal(err)
		}
		logs := `{"time":"x","level":"INFO","msg":"audit anchor","audit_events":1,"audit_anchor":` + jsonText(anchor) + "}\nnot json\n" + `{"msg":"other"}` + "\n"
		fromLog, skipped, err := ReadAnchors(strings.NewReader(logs))
		if err != nil || len(fromLog) != 1 || skipped != 2 || fromLog[0].Head != anchor.Head {
			t.Fatalf("anchors from a log: %+v, %d skipped, %v", fromLog, skipped, err)
		}
		f := mustRead(t, path)
		fromFile, _, err := ReadAnchors(bytes.NewReader(f))
		if err != nil || len(fromFile) != 2 {
			t.Fatalf("anchors from the file: %d, %v", len(fromFile), err)
		}
		if rep, err := h.s.VerifyAudit(ctx, append(fromFile, fromLog...)...); err != nil || !rep.OK || rep.Anchors != 3 {
			t.Fatalf("verify against earlier anchors: %+v, %v", rep, err)
		}
		edited := bytes.Replace(f, []byte(`"events":`), []byte(`"events":1`), 1)
		if _, _, err := ReadAnchors(bytes.NewReader(edited)); err == nil {
			t.Fatalf("an anchor edited by hand was read")
		}

		if h.backend == "sqlite" {
			// The key is the file in the data directory, 0600.
			if fi := mustStat(t, filepath.Join(h.dir, AuditKeyFile)); fi.Mode().Perm() != 0o600 {
				t.Fatalf("audit key mode %v", fi.Mode())
			}
		}
		_, err = Open(ctx, h.options(Options{AuditKey: bytes.Repeat([]byte("x"), 32)}))
		if !errors.Is(err, ErrAuditKeyMismatch) {
			t.Fatalf("open with another audit key: %v, want ErrAuditKeyMismatch", err)
		}
		s := h.open(Options{})
		s.Close()
	})
}
