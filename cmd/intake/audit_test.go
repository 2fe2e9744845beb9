package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/tickets"
)

// tkTamper changes the SQLite store directly, as an attacker with the file
// would.
func tkTamper(dbPath, stmt string) error {
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(stmt)
	return err
}

const envPostgres = "INTAKE_TEST_POSTGRES"

// cliEnv is a data directory and a config file naming a store on one
// backend (PostgreSQL in a schema of its own), filled with sealed
// messages, and a way to change the database behind the store's back.
type cliEnv struct {
	backend     string
	data, cfg   string
	dsn, schema string
	identity    string
	items       []string
	logs        bytes.Buffer // serve's log lines with the anchor
	anchorFile  string
	t           *testing.T
}

func cliBackends(t *testing.T) []string {
	if os.Getenv(envPostgres) == "" {
		t.Logf("%s not set: the CLI is tested on SQLite only here", envPostgres)
		return []string{"sqlite"}
	}
	return []string{"sqlite", "postgres"}
}

func newCLIEnv(t *testing.T, backend string, n int) *cliEnv {
	t.Helper()
	dir := t.TempDir()
	e := &cliEnv{t: t, backend: backend, data: filepath.Join(dir, "data"), cfg: filepath.Join(dir, "intake.toml")}
	e.anchorFile = filepath.Join(e.data, tickets.AnchorFile)
	conf := fmt.Sprintf("data_dir = %q\n", e.data)
	if err := os.MkdirAll(e.data, 0o700); err != nil { // as serve makes it
		t.Fatal(err)
	}
	if backend == "postgres" {
		var b [6]byte
		rand.Read(b[:])
		e.schema = "intake_cli_" + hex.EncodeToString(b[:])
		base := os.Getenv(envPostgres)
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		e.dsn = base + sep + "search_path=" + e.schema
		e.pg(func(c *pgx.Conn) error {
			_, err := c.Exec(context.Background(), "CREATE SCHEMA "+pgx.Identifier{e.schema}.Sanitize())
			return err
		}, false)
		t.Cleanup(func() {
			e.pg(func(c *pgx.Conn) error {
				_, err := c.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{e.schema}.Sanitize()+" CASCADE")
				return err
			}, false)
		})
		// A cluster names its shared keys; the CLI reads the same files.
		for _, k := range []string{"thread.key", "audit.key"} {
			if err := os.WriteFile(filepath.Join(dir, k), []byte(strings.Repeat(k[:1], 32)), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		conf += fmt.Sprintf("[store]\ndriver = \"postgres\"\ndsn = %q\nthread_key_file = \"thread.key\"\naudit_key_file = \"audit.key\"\n", e.dsn)
	}
	if err := os.WriteFile(e.cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := tickets.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	e.identity = filepath.Join(dir, "quarantine.key")
	if err := tickets.WriteIdentityFile(e.identity, id); err != nil {
		t.Fatal(err)
	}
	sealer, err := tickets.NewSealer([]string{id.Recipient})
	if err != nil {
		t.Fatal(err)
	}
	st := e.open()
	defer st.Close()
	for i := 0; i < n; i++ {
		raw := []byte(fmt.Sprintf("From: member%d@example.org\r\nSubject: card\r\n\r\nmy card is 4111 1111 1111 1111\r\n", i))
		in := &tickets.Inbound{
			Queue:     "support",
			Envelope:  tickets.Envelope{MailFrom: fmt.Sprintf("member%d@example.org", i)},
			MessageID: fmt.Sprintf("audit-%d@example.org", i),
			Subject:   "card **** **** **** 1111",
			From:      fmt.Sprintf("member%d@example.org", i),
			Parts:     []tickets.Part{{Where: "body", ContentType: "text/plain", Text: "my card is **** **** **** 1111"}},
			Findings:  []tickets.Finding{{Type: "pan", Last4: "1111", Where: "body"}},
		}
		if in.Sealed, err = sealer.Seal(raw); err != nil {
			t.Fatal(err)
		}
		in.DedupKey = tickets.DedupKey(in.Queue, in.Envelope.MailFrom, in.MessageID, raw)
		acc, err := st.Accept(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		e.items = append(e.items, acc.QuarantineID.String())
	}
	return e
}

// open opens the store as the CLI does.
func (e *cliEnv) open() tickets.Store {
	e.t.Helper()
	cfg, err := config.Load(e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	keys, err := loadSecrets(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		e.t.Fatal(err)
	}
	st, err := tickets.Open(context.Background(), tickets.Options{Driver: cfg.Store.Driver, DSN: e.dsn, DataDir: e.data, Secret: keys.thread, AuditKey: keys.audit})
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

func (e *cliEnv) pg(fn func(c *pgx.Conn) error, inSchema bool) {
	e.t.Helper()
	dsn := os.Getenv(envPostgres)
	if inSchema {
		dsn = e.dsn
	}
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close(context.Background())
	if err := fn(c); err != nil {
		e.t.Fatal(err)
	}
}

// exec runs SQL (with ? placeholders) behind the store's back.
func (e *cliEnv) exec(stmt string, args ...any) {
	e.t.Helper()
	if e.backend == "sqlite" {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(e.data, tickets.DBFile)+"?_pragma=busy_timeout(5000)")
		if err != nil {
			e.t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(stmt, args...); err != nil {
			e.t.Fatalf("%s: %v", stmt, err)
		}
		return
	}
	n := 0
	var b strings.Builder
	for _, r := range stmt {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	e.pg(func(c *pgx.Conn) error {
		_, err := c.Exec(context.Background(), b.String(), args...)
		return err
	}, true)
}

// anchor runs serve's anchoring, as a retention round does.
func (e *cliEnv) anchor() {
	st := e.open()
	defer st.Close()
	r := &retention{store: st, log: slog.New(slog.NewJSONHandler(&e.logs, nil)), dataDir: e.data}
	r.anchor(context.Background())
}

func (e *cliEnv) events() []tickets.AuditEvent {
	st := e.open()
	defer st.Close()
	evs, err := st.ListAudit(context.Background(), 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// chain is one chain's events out of all of them.
func chain(all []tickets.AuditEvent, id int64) []tickets.AuditEvent {
	var out []tickets.AuditEvent
	for _, ev := range all {
		if ev.Chain == id {
			out = append(out, ev)
		}
	}
	return out
}

// rewindTo deletes ev and what follows it in its chain (all: every event
// before the tampering), and moves the chain's head back onto the event
// before it.
func (e *cliEnv) rewindTo(all []tickets.AuditEvent, ev tickets.AuditEvent) {
	evs := chain(all, ev.Chain)
	for i, x := range evs {
		if x.Seq != ev.Seq {
			continue
		}
		for _, d := range evs[i:] {
			e.exec("DELETE FROM audit WHERE seq = ?", d.Seq)
		}
		if i == 0 {
			e.exec("UPDATE audit_head SET seq = 0, hash = '', events = 0, key_seq = 0 WHERE id = ?", ev.Chain)
			return
		}
		e.exec("UPDATE audit_head SET seq = ?, hash = ?, events = ? WHERE id = ?", evs[i-1].Seq, evs[i-1].Hash, i, ev.Chain)
		return
	}
	e.t.Fatalf("seq %d not found", ev.Seq)
}

// plainHash is the chain function of intake's unkeyed audit log, as anyone
// reading the source knows it: what an attacker recomputes with.
func plainHash(e tickets.AuditEvent) string {
	h := sha256.New()
	type v1 struct {
		Seq      int64             `json:"seq"`
		At       int64             `json:"at"`
		Actor    string            `json:"actor"`
		Action   string            `json:"action"`
		TicketID string            `json:"ticket_id"`
		ItemID   string            `json:"item_id"`
		Detail   map[string]string `json:"detail"`
	}
	var body []byte
	if e.Chain <= 1 {
		body, _ = json.Marshal(v1{e.Seq, e.At.UnixMicro(), e.Actor, e.Action, e.TicketID, e.ItemID, e.Detail})
		h.Write([]byte("intake-audit-v1\n"))
	} else {
		body, _ = json.Marshal(struct {
			Chain int64 `json:"chain"`
			v1
		}{e.Chain, v1{e.Seq, e.At.UnixMicro(), e.Actor, e.Action, e.TicketID, e.ItemID, e.Detail}})
		h.Write([]byte("intake-audit-v2\n"))
	}
	h.Write([]byte(e.PrevHash + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

func (e *cliEnv) verify(args ...string) (int, string) {
	e.t.Helper()
	code, out, errOut := tkRun(e.t, append([]string{"audit", "verify", "--config", e.cfg}, args...)...)
	if code == 2 {
		e.t.Fatalf("audit verify %v: exit 2: %s", args, errOut)
	}
	return code, out
}

// The rewrites of issue 8 item 7, made with write access to the database
// but not to audit.key, each make `intake audit verify` exit 1, on both
// backends; the officer's looks deleted from the end of the log are caught
// by the anchors serve wrote (and only by them: nothing else points there).
func TestAuditVerifyCatchesRewrites(t *testing.T) {
	cases := []struct {
		name  string
		do    func(e *cliEnv)
		alone bool // caught without --anchor too
	}{
		{"the officer's look deleted (two events), head rewound", func(e *cliEnv) {
			evs := e.events()
			var fetch, open tickets.AuditEvent
			for _, ev := range evs {
				switch ev.Action {
				case tickets.ActionQuarantineFetch:
					fetch = ev
				case tickets.ActionQuarantineOpen:
					open = ev
				}
			}
			e.rewindTo(evs, open)
			e.rewindTo(evs, fetch)
		}, false},
		{"a ticket's two events deleted, head rewound", func(e *cliEnv) {
			evs := e.events()
			var last tickets.AuditEvent
			for _, ev := range evs {
				if ev.Action == tickets.ActionTicketCreate {
					last = ev
				}
			}
			e.rewindTo(evs, last)
		}, true},
		{"the whole log wiped", func(e *cliEnv) {
			e.exec("DELETE FROM audit")
			e.exec("UPDATE audit_head SET seq = 0, hash = '', events = 0, key_seq = 0")
		}, true},
		{"an actor changed and the hashes recomputed", func(e *cliEnv) {
			evs := e.events()
			victim := evs[len(evs)/2]
			chain := chain(evs, victim.Chain)
			prev := ""
			for i := range chain {
				ev := &chain[i]
				if ev.Seq == victim.Seq {
					ev.Actor = "user:nobody"
				}
				ev.PrevHash = prev
				ev.Hash = plainHash(*ev)
				e.exec("UPDATE audit SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?", ev.Actor, ev.PrevHash, ev.Hash, ev.Seq)
				prev = ev.Hash
			}
			last := chain[len(chain)-1]
			e.exec("UPDATE audit_head SET seq = ?, hash = ?, events = ? WHERE id = ?", last.Seq, last.Hash, len(chain), last.Chain)
		}, true},
	}
	for _, backend := range cliBackends(t) {
		for _, tc := range cases {
			t.Run(backend+"/"+strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
				e := newCLIEnv(t, backend, 4)
				e.anchor()
				// The privacy officer looks at an item twice.
				for i := 0; i < 2; i++ {
					if code, _, errOut := tkRun(t, "quarantine", "open", e.items[1], "--identity", e.identity, "--out", "-", "--config", e.cfg); code != 0 {
						t.Fatalf("quarantine open: exit %d: %s", code, errOut)
					}
				}
				e.anchor()
				if code, out := e.verify("--anchor", e.anchorFile); code != 0 || !strings.Contains(out, "intact") || !strings.Contains(out, "2 anchors checked") {
					t.Fatalf("verify before tampering: exit %d\n%s", code, out)
				}
				auditStdin = bytes.NewReader(e.logs.Bytes())
				defer func() { auditStdin = os.Stdin }()
				if code, out := e.verify("--anchor", "-"); code != 0 || !strings.Contains(out, "2 anchors checked") {
					t.Fatalf("verify against the log's anchors: exit %d\n%s", code, out)
				}

				tc.do(e)
				code, out := e.verify("--anchor", e.anchorFile)
				if code != 1 || !strings.Contains(out, "BROKEN") {
					t.Fatalf("verify --anchor after %s: exit %d\n%s", tc.name, code, out)
				}
				auditStdin = bytes.NewReader(e.logs.Bytes())
				if code, out := e.verify("--anchor", "-"); code != 1 {
					t.Fatalf("verify --anchor - after %s: exit %d\n%s", tc.name, code, out)
				}
				code, out = e.verify()
				if want := map[bool]int{true: 1, false: 0}[tc.alone]; code != want {
					t.Fatalf("verify without anchors after %s: exit %d, want %d\n%s", tc.name, code, want, out)
				}
			})
		}
	}
}

// Another node's audit.key (or a forged keying event) is a broken chain
// to verify, and an anchor file with nothing in it is an error, not a pass.
func TestAuditVerifyKeyAndAnchorFile(t *testing.T) {
	e := newCLIEnv(t, "sqlite", 2)
	empty := filepath.Join(t.TempDir(), "empty.log")
	os.WriteFile(empty, []byte("\n"), 0o600)
	if code, _, errOut := tkRun(t, "audit", "verify", "--config", e.cfg, "--anchor", empty); code != 2 || !strings.Contains(errOut, "no anchors") {
		t.Fatalf("verify with an empty anchor file: exit %d, %s", code, errOut)
	}
	if code, _, _ := tkRun(t, "audit", "verify", "--config", e.cfg, "--anchor", filepath.Join(t.TempDir(), "missing")); code != 2 {
		t.Fatalf("verify with a missing anchor file: exit %d, want 2", code)
	}
	if err := os.WriteFile(filepath.Join(e.data, tickets.AuditKeyFile), bytes.Repeat([]byte("z"), 32), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := tkRun(t, "audit", "verify", "--config", e.cfg); code != 1 || !strings.Contains(out, "BROKEN") {
		t.Fatalf("verify with another audit key: exit %d\n%s", code, out)
	}
}
