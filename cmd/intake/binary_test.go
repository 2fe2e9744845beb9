package main

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests that need the real binary as a process (to SIGKILL it, to
// run several beside each other) share one build.
var (
	builtOnce sync.Once
	builtDir  string
	builtBin  string
	builtErr  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

// intakeBinary builds cmd/intake once per test run.
func intakeBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	builtOnce.Do(func() {
		dir, err := os.MkdirTemp("", "intake-bin-")
		if err != nil {
			builtErr = err.Error()
			return
		}
		builtDir = dir
		bin := filepath.Join(dir, "intake")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			builtErr = err.Error() + "\n" + string(out)
			return
		}
		builtBin = bin
	})
	if builtBin == "" {
		t.Fatalf("build intake: %s", builtErr)
	}
	return builtBin
}

// proc is one `intake serve` process.
type proc struct {
	name   string
	cfg    string
	smtp   string // its SMTP address
	cmd    *exec.Cmd
	logs   *lockedBuffer
	exited chan error
}

// startProc starts `intake serve --config cfg` and waits until its SMTP
// port answers.
func startProc(t *testing.T, bin, name, cfg, smtpAddr string) *proc {
	t.Helper()
	p := &proc{name: name, cfg: cfg, smtp: smtpAddr, logs: &lockedBuffer{}, exited: make(chan error, 1)}
	p.cmd = exec.Command(bin, "serve", "--config", cfg)
	p.cmd.Stderr = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() { p.cmd.Process.Kill() })
	return p
}

// waitListening waits for p's SMTP port, failing with its log.
func (p *proc) waitListening(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.exited:
			t.Fatalf("%s exited at start: %v\n%s", p.name, err, p.logs.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", p.smtp, time.Second); err == nil {
			// Read the greeting so the probe is a complete session.
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			io.ReadFull(c, make([]byte, 4))
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never listened on %s\n%s", p.name, p.smtp, p.logs.String())
}

// stop ends p with SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("%s exit: %v\n%s", p.name, err, p.logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not stop after SIGTERM", p.name)
	}
}

// logLines returns p's JSON log lines whose message is msg.
func (p *proc) logLines(msg string) []string {
	var out []string
	for _, l := range strings.Split(p.logs.String(), "\n") {
		if strings.Contains(l, `"msg":"`+msg+`"`) {
			out = append(out, l)
		}
	}
	return out
}
