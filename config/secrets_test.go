package config

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

const testPW = "hunter2-Secret"

func TestRedactDSN(t *testing.T) {
	cases := []struct {
		dsn  string
		keep string // what must still show
		pw   string // the password as a library might quote it alone
	}{
		{"postgres://intake:" + testPW + "@db.internal:5432/intake?sslmode=verify-full", "db.internal:5432/intake?sslmode=verify-full", testPW},
		{"postgresql://intake:" + testPW + "@db/intake", "postgresql://intake:xxxxx@db/intake", testPW},
		{"postgres://intake:hunter2%40Secret@db/intake", "@db/intake", "hunter2@Secret"},
		// No URL parser takes these; the password must go all the same.
		{"postgres://intake:" + testPW + "#x@db/intake", "@db/intake", testPW + "#x"},
		{"postgres://intake:" + testPW + "/x@db/intake", "@db/intake", testPW + "/x"},
		{"postgres://intake:" + testPW + "@x@db/intake", "@db/intake", testPW + "@x"},
		{"postgres://intake@db/intake?sslmode=disable&password=" + testPW, "sslmode=disable", testPW},
		{"host=db user=intake password=" + testPW + " dbname=x", "dbname=x", testPW},
		{"host=db user=intake password='" + testPW + " and more' dbname=x", "dbname=x", testPW + " and more"},
		{"host=db user=intake PASSWORD = " + testPW, "host=db", testPW},
	}
	for _, tc := range cases {
		got := RedactDSN(tc.dsn)
		if strings.Contains(got, "hunter2") {
			t.Errorf("RedactDSN kept the password: %s", got)
		}
		if !strings.Contains(got, tc.keep) {
			t.Errorf("RedactDSN(...) = %q, lost %q", got, tc.keep)
		}
		c := Default()
		c.Store.DSN = tc.dsn
		if got := c.RedactString("error near " + tc.dsn + " with " + tc.pw); strings.Contains(got, "hunter2") {
			t.Errorf("RedactString kept the password: %s", got)
		}
	}
}

// TestValidateDSN: a connection string under the sqlite driver is refused
// (it would be opened as a file and its password printed in every error
// about that file), a PostgreSQL DSN is parsed without connecting, and no
// message shows a password.
func TestValidateDSN(t *testing.T) {
	cases := []struct {
		name   string
		driver string
		dsn    string
		want   string // "" when valid
	}{
		{"postgres URL under sqlite", "sqlite", "postgres://intake:" + testPW + "@db.internal/intake", "looks like a connection URL"},
		{"keyword DSN under sqlite", "sqlite", "host=db user=intake password=" + testPW, "keyword=value"},
		{"file URI under sqlite", "sqlite", "file:/var/lib/intake/x.db?mode=ro", "is a URI"},
		{"query in a path", "sqlite", "/var/lib/intake/x.db?_pragma=x", "'?'"},
		{"sqlite path", "sqlite", "/var/lib/intake/tickets.db", ""},
		{"sqlite default", "sqlite", "", ""},
		{"postgres URL", "postgres", "postgres://intake:" + testPW + "@192.0.2.1:5432/intake?sslmode=disable&pool_max_conns=4", ""},
		{"postgres keywords", "postgres", "host=192.0.2.1 user=intake password=" + testPW + " dbname=intake sslmode=disable", ""},
		{"postgres bad port", "postgres", "postgres://intake:" + testPW + "@db:notaport/intake", "not a valid PostgreSQL connection string"},
		{"postgres bad keyword syntax", "postgres", "host=db password='" + testPW, "not a valid PostgreSQL connection string"},
		{"postgres bad sslmode", "postgres", "postgres://intake:" + testPW + "@db/intake?sslmode=sometimes", "not a valid PostgreSQL connection string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			c.Store.Driver, c.Store.DSN = tc.driver, tc.dsn
			if tc.driver == "postgres" {
				c.Store.ThreadKeyFile, c.Store.AuditKeyFile = testKeyFiles(t, t.TempDir())
				c.Quarantine.Recipients = []string{testRecipient}
			}
			start := time.Now()
			err := c.Validate()
			if time.Since(start) > 2*time.Second {
				t.Errorf("Validate took %v: did it connect?", time.Since(start))
			}
			if tc.want == "" {
				if err != nil {
					t.Fatalf("valid DSN refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, "store.dsn") || !strings.Contains(msg, tc.want) {
				t.Errorf("message %q lacks store.dsn and %q", msg, tc.want)
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("message shows the password: %s", msg)
			}
		})
	}
}

// TestLogHandlerRedacts: whatever a library puts in a log line (the
// message, a string, an error, a group, a With attribute), no configured
// secret reaches the output.
func TestLogHandlerRedacts(t *testing.T) {
	c := Default()
	c.Store.DSN = "postgres://intake:" + testPW + "@db.internal/intake"
	c.Reply.SmarthostPassword = "relay-Passw0rd"
	var buf bytes.Buffer
	log := slog.New(c.LogHandler(slog.NewJSONHandler(&buf, nil)))
	log = log.With("dsn", c.Store.DSN)
	log.Error("open store "+c.Store.DSN+": failed",
		"err", errors.New("dial "+c.Store.DSN+": refused"),
		"pw", testPW,
		slog.Group("smarthost", "auth", "PLAIN relay relay-Passw0rd"),
		"list", []string{"a", c.Reply.SmarthostPassword},
		"n", 3)
	out := buf.String()
	for _, s := range []string{"hunter2", "relay-Passw0rd"} {
		if strings.Contains(out, s) {
			t.Errorf("log shows a secret: %s", out)
		}
	}
	for _, s := range []string{"db.internal", `"n":3`, "xxxxx"} {
		if !strings.Contains(out, s) {
			t.Errorf("log lost %q: %s", s, out)
		}
	}
}
