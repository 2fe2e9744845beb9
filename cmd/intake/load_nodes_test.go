package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoadNodes is a load run by hand, not a test of behaviour: 1 500
// clean messages from 16 SMTP clients over loopback, spread over one
// and then two `intake serve` processes on one PostgreSQL database,
// twice each, printing messages per second (docs/SCALING.md):
//
//	LOAD_NODES=1 INTAKE_TEST_POSTGRES=... go test -run TestLoadNodes -v ./cmd/intake
func TestLoadNodes(t *testing.T) {
	if os.Getenv("LOAD_NODES") == "" || os.Getenv(envPostgres) == "" {
		t.Skip("a load run by hand: set LOAD_NODES=1 and " + envPostgres)
	}
	bin := intakeBinary(t)
	for _, n := range []int{1, 2, 1, 2} {
		dsn, _ := pgSchema(t, "intake_load_")
		dir := t.TempDir()
		recipient := clusterKeys(t, dir)
		var nodes []*proc
		for i := 0; i < n; i++ {
			addr := freePort(t)
			cfg := filepath.Join(dir, fmt.Sprintf("n%d.toml", i))
			os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir = "d%d"
[smtp]
listen = [%q]
hostname = "n%d.test"
max_connections_per_ip = 500
[dns]
resolver = %q
[metrics]
listen = ""
[web]
listen = ""
[store]
driver = "postgres"
dsn = %q
thread_key_file = "thread.key"
audit_key_file = "audit.key"
[quarantine]
recipients = [%q]
[reply]
enabled = false
[log]
level = "warn"
`, i, addr, i, deadDNS(t), dsn, recipient)), 0o600)
			nodes = append(nodes, startProc(t, bin, fmt.Sprintf("node%d", i+1), cfg, addr))
		}
		for _, p := range nodes {
			p.waitListening(t)
		}
		const total = 1500
		var next, fails atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1)
					if i > total {
						return
					}
					raw := fmt.Sprintf("From: m%d@member.test\nSubject: load %d\nMessage-ID: <load-%d@member.test>\n\n"+
						"Hello, I need help with my account and my statement from last month, please call me back.\n", i, i, i)
					if _, err := deliverTo(nodes[int(i)%n].smtp, fmt.Sprintf("m%d@member.test", i), raw); err != nil {
						fails.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		el := time.Since(start)
		t.Logf("nodes=%d: %d messages in %s = %.0f msg/s (%d failed)", n, total, el.Round(time.Millisecond), total/el.Seconds(), fails.Load())
		for _, p := range nodes {
			p.stop(t)
		}
	}
}
