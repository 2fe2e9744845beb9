package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestCLIAndAPIAnswerTheSameObjects: `tickets list --json` prints, one
// per line, the objects the API's list holds, and `tickets show --json`
// prints byte for byte what GET /api/v1/tickets/REF answers, auto-reply
// text and delivery state included (DESIGN.md, "Contracts").
func TestCLIAndAPIAnswerTheSameObjects(t *testing.T) {
	s := startStaffServe(t)
	s.addStaff(t, "ann", "agent")
	tok := s.token(t, "ann")
	raw, _ := memberMail("margaret@member.test", "Margaret Hamilton", "Question", "my SSN is "+e2eSSN+".")
	ref := s.mailRaw(t, "margaret@member.test", raw)
	raw, _ = memberMail("alan@member.test", "Alan Turing", "Address", "I moved.")
	s.mailRaw(t, "alan@member.test", raw)
	s.relayedWith(t, ref) // the auto-reply went out: its delivery state is settled
	if code, _, errOut := s.cli(t, "", "tickets", "note", ref, "Called back.", "--as", "ann"); code != 0 {
		t.Fatalf("note: %s", errOut)
	}

	code, out, errOut := s.cli(t, "", "tickets", "show", ref, "--json", "--as", "ann")
	if code != 0 {
		t.Fatalf("tickets show: %d %s", code, errOut)
	}
	st, body := apiGet(t, s.web, "/api/v1/tickets/"+ref, tok)
	if st != 200 {
		t.Fatalf("API show: %d", st)
	}
	if strings.TrimSpace(out) != strings.TrimSpace(string(body)) {
		a, b := strings.TrimSpace(out), strings.TrimSpace(string(body))
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		t.Errorf("tickets show --json and the API differ at byte %d:\n cli …%.300s\n api …%.300s", i, a[max(0, i-100):], b[max(0, i-100):])
	}
	if !strings.Contains(out, `"kind":"auto_reply"`) || !strings.Contains(out, `"kind":"note"`) {
		t.Errorf("the thread lacks the auto-reply or the note: %s", out)
	}

	code, out, errOut = s.cli(t, "", "tickets", "list", "--json", "--as", "ann")
	if code != 0 {
		t.Fatalf("tickets list: %d %s", code, errOut)
	}
	_, body = apiGet(t, s.web, "/api/v1/tickets", tok)
	var page struct {
		Tickets []json.RawMessage `json:"tickets"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(page.Tickets) || len(lines) != 2 {
		t.Fatalf("the CLI lists %d tickets, the API %d", len(lines), len(page.Tickets))
	}
	for i := range lines {
		var compact bytes.Buffer
		json.Compact(&compact, page.Tickets[i])
		if lines[i] != compact.String() {
			t.Errorf("ticket %d differs:\n cli %s\n api %s", i, lines[i], compact.String())
		}
	}
}
