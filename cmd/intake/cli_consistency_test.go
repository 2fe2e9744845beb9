package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestStoreCommandsExit2WithoutAStore: every command that reads the store
// exits 2 when there is none where the config says, or the config is bad.
func TestStoreCommandsExit2WithoutAStore(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.toml")
	os.WriteFile(empty, []byte(fmt.Sprintf("data_dir = %q\n", filepath.Join(dir, "nodata"))), 0o600)
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[smtp]\nbogus = 1\n"), 0o600)
	const item = "01a24a35-e3e0-7d92-823a-fd706786c270"
	cmds := [][]string{
		{"tickets", "list"}, {"tickets", "show", "T-AAAAAA"}, {"tickets", "note", "T-AAAAAA", "hello"},
		{"quarantine", "list"}, {"quarantine", "hold", item}, {"quarantine", "purge", item},
		{"outbox", "list"}, {"outbox", "retry", item}, {"outbox", "drop", item},
		{"user", "list"}, {"token", "list"}, {"audit", "verify"},
	}
	for _, cfg := range []string{empty, bad} {
		for _, c := range cmds {
			code, _, errOut := tkRun(t, append(c, "--config", cfg)...)
			if code != 2 {
				t.Errorf("%s with %s: exit %d, want 2 (%s)", strings.Join(c, " "), filepath.Base(cfg), code, strings.TrimSpace(errOut))
			}
		}
	}
}

// TestQuarantineListShowsLastFour: the plain list shows what --json
// shows of the findings: type, last four, where.
func TestQuarantineListShowsLastFour(t *testing.T) {
	f := tkSetup(t, 2)
	code, out, errOut := tkRun(t, "quarantine", "list", "--config", f.cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"FINDINGS", "pan 1111 (body)", "ssn 1123 (body)"} {
		if !strings.Contains(out, want) {
			t.Errorf("quarantine list lacks %q:\n%s", want, out)
		}
	}
	tkNoNumbers(t, "quarantine list", out)
}

// TestTicketsShowSpacing: no double space in what tickets show writes
// after its aligned labels (an empty requester name left one).
func TestTicketsShowSpacing(t *testing.T) {
	f := tkSetup(t, 2)
	code, out, errOut := tkRun(t, "tickets", "show", f.refs[1], "--config", f.cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	label := regexp.MustCompile(`^[A-Z][a-z]+:\s+`)
	for _, line := range strings.Split(out, "\n") {
		if rest := label.ReplaceAllString(line, ""); strings.Contains(rest, "  ") || strings.HasSuffix(rest, " ") {
			t.Errorf("stray spaces in %q", line)
		}
	}
	if !strings.Contains(out, "Requester: member1@example.org\n") {
		t.Errorf("requester line:\n%s", out)
	}
}

// TestPermissionDeniedSaysSo: run as a user who may not read the data
// directory, a command says "permission denied" and who should run it,
// not "no store", and exits 2.
func TestPermissionDeniedSaysSo(t *testing.T) {
	f := tkSetup(t, 1)
	os.Chmod(filepath.Dir(f.cfg), 0o755) // the config itself stays readable
	os.Chmod(f.cfg, 0o644)
	data := filepath.Join(filepath.Dir(f.cfg), "data")
	if err := os.Chmod(data, 0o700); err != nil {
		t.Fatal(err)
	}
	var code int
	var errOut string
	if os.Getuid() == 0 {
		if testing.Short() {
			t.Skip("builds the binary to run it as another user")
		}
		// root reads everything: run the real binary as nobody.
		bin := filepath.Join(t.TempDir(), "intake")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
		os.Chmod(filepath.Dir(bin), 0o755)
		for p := filepath.Dir(f.cfg); p != "/"; p = filepath.Dir(p) {
			if p == os.TempDir() {
				break
			}
			os.Chmod(p, 0o755) // t.TempDir's parents, so nobody reaches the config
		}
		cmd := exec.Command(bin, "tickets", "list", "--config", f.cfg)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		errOut = string(out)
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Skipf("cannot run as nobody: %v", err)
		}
	} else {
		if err := os.Chmod(data, 0); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(data, 0o700)
		code, _, errOut = tkRun(t, "tickets", "list", "--config", f.cfg)
	}
	if code != 2 || !strings.Contains(errOut, "permission denied") || strings.Contains(errOut, "no store") || !strings.Contains(errOut, "service user") {
		t.Errorf("exit %d, %q: want 2 and permission denied, run as the service user", code, errOut)
	}
}
