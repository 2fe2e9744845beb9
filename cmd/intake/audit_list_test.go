package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// intake audit list filters by actor, action and time, pages through the
// whole log (every match, not a first page), cuts at --limit, and refuses
// a time it cannot read and a staff account without the admin role.
func TestAuditListFilters(t *testing.T) {
	s := startStaffServe(t)
	s.addStaff(t, "root", "admin")
	s.addStaff(t, "ann", "agent")
	tok := s.token(t, "root")
	c := &http.Client{Timeout: 30 * time.Second}
	for i := 0; i < 1005; i++ { // more than one page of the desk's 1000
		req, _ := http.NewRequest("PATCH", s.web+"/api/v1/users/ann", strings.NewReader(`{"roles":["agent"`+[]string{`,"privacy"]}`, `]}`}[i%2]))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("PATCH roles: %d", res.StatusCode)
		}
	}
	lines := func(args ...string) []map[string]any {
		t.Helper()
		code, out, errOut := s.cli(t, "", append([]string{"audit", "list", "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("audit list %v: %d %s", args, code, errOut)
		}
		var evs []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var e map[string]any
			if l != "" && json.Unmarshal([]byte(l), &e) == nil {
				evs = append(evs, e)
			}
		}
		return evs
	}
	roles := lines("--action", "user.roles", "--actor", "user:root")
	if len(roles) != 1005 {
		t.Fatalf("%d user.roles events listed, want 1005", len(roles))
	}
	if seq0, seq1 := roles[0]["seq"].(float64), roles[1]["seq"].(float64); seq0 <= seq1 {
		t.Fatalf("not newest first: %v then %v", seq0, seq1)
	}
	if n := len(lines("--action", "user.roles", "--limit", "7")); n != 7 {
		t.Fatalf("--limit 7 listed %d", n)
	}
	if n := len(lines("--actor", "user:nobody")); n != 0 {
		t.Fatalf("an unknown actor listed %d", n)
	}
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	if n := len(lines("--since", tomorrow)); n != 0 {
		t.Fatalf("--since tomorrow listed %d", n)
	}
	if n := len(lines("--until", tomorrow, "--action", "user.create")); n != 2 {
		t.Fatalf("--until tomorrow listed %d user.create events, want 2", n)
	}
	if code, _, errOut := s.cli(t, "", "audit", "list", "--since", "last tuesday"); code != 2 || !strings.Contains(errOut, "--since") {
		t.Fatalf("a bad --since: %d %s", code, errOut)
	}
	if code, _, errOut := s.cli(t, "", "audit", "list", "--as", "ann"); code != 1 || !strings.Contains(errOut, "role") {
		t.Fatalf("an agent reading the audit log: %d %s", code, errOut)
	}
	code, out, _ := s.cli(t, "", "audit", "list", "--action", "user.create")
	if code != 0 || !strings.HasPrefix(out, "SEQ") || !strings.Contains(out, "roles=agent user=ann") {
		t.Fatalf("audit list as text:\n%s", out)
	}
}
