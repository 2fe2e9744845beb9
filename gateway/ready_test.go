package gateway

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func readyReason(t *testing.T, e *testEnv) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Ready(ctx); err != nil {
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("reason spans lines: %q", err.Error())
		}
		return err.Error()
	}
	return ""
}

func readyMetric(t *testing.T, e *testEnv) string {
	t.Helper()
	for _, l := range strings.Split(e.metricsText(), "\n") {
		if strings.HasPrefix(l, "intake_ready ") {
			return strings.TrimPrefix(l, "intake_ready ")
		}
	}
	t.Fatal("no intake_ready metric")
	return ""
}

// TestReadyFollowsCommits: while every commit fails (the store still
// answers its ping, as with a full disk) the node stops saying it is
// ready, with the reason, and says so again once a commit succeeds or the
// failures are old.
func TestReadyFollowsCommits(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.DataDir = "."; o.MinFreeBytes = 1 })
	if r := readyReason(t, e); r != "" {
		t.Fatalf("fresh node not ready: %s", r)
	}
	if m := readyMetric(t, e); m != "1" {
		t.Errorf("intake_ready %s, want 1", m)
	}
	e.store.failCommits(errors.New("database or disk is full (13)"))
	for i := 0; i < readyFailures; i++ {
		if r := readyReason(t, e); r != "" {
			t.Fatalf("not ready after %d failures already: %s", i, r)
		}
		code, _ := sendMail(t, e.addr, "m@member.example", []string{"help@support.localhost"}, simpleMessage("disk full", "x\n"))
		if code != 451 {
			t.Fatalf("commit failure answered %d", code)
		}
	}
	r := readyReason(t, e)
	if !strings.Contains(r, "commits failed") {
		t.Fatalf("after %d failed commits: ready=%q", readyFailures, r)
	}
	if m := readyMetric(t, e); m != "0" {
		t.Errorf("intake_ready %s, want 0", m)
	}

	// Recovery: a commit succeeds.
	e.store.failCommits(nil)
	mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, simpleMessage("disk freed", "x\n"))
	if r := readyReason(t, e); r != "" {
		t.Errorf("not ready after a successful commit: %s", r)
	}

	// Recovery: the failures grow old.
	e.store.failCommits(errors.New("database or disk is full (13)"))
	e.srv.commits.mu.Lock()
	e.srv.commits.window = 300 * time.Millisecond
	e.srv.commits.mu.Unlock()
	for i := 0; i < readyFailures; i++ {
		sendMail(t, e.addr, "m@member.example", []string{"help@support.localhost"}, simpleMessage("disk full", "x\n"))
	}
	if r := readyReason(t, e); r == "" {
		t.Fatal("ready right after failed commits")
	}
	time.Sleep(400 * time.Millisecond)
	if r := readyReason(t, e); r != "" {
		t.Errorf("still not ready once the failures are old: %s", r)
	}
}

// TestReadyFreeSpaceFloor: below the free-space floor of the data
// directory's file system (read with statfs) the node is not ready.
func TestReadyFreeSpaceFloor(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.DataDir = t.TempDir(); o.MinFreeBytes = 1 << 62 })
	r := readyReason(t, e)
	if !strings.Contains(r, "free space") || !strings.Contains(r, "below the floor") {
		t.Errorf("ready with a floor above any disk: %q", r)
	}
	if m := readyMetric(t, e); m != "0" {
		t.Errorf("intake_ready %s, want 0", m)
	}
}

// TestReadyStorePing: a store that does not answer makes the node not
// ready, and the reason names no internal detail.
func TestReadyStorePing(t *testing.T) {
	e := newEnv(t)
	if err := e.store.get().Close(); err != nil {
		t.Fatal(err)
	}
	if r := readyReason(t, e); r != "the store does not answer" {
		t.Errorf("closed store: %q", r)
	}
	e.store.set(e.openStore(t))
	if r := readyReason(t, e); r != "" {
		t.Errorf("reopened store: %q", r)
	}
}

// TestReadyShutdown: a node shutting down is not ready.
func TestReadyShutdown(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e.srv.Shutdown(ctx)
	if r := readyReason(t, e); r != "shutting down" {
		t.Errorf("after shutdown: %q", r)
	}
}
