package gateway

import (
	"os"
	"slices"
	"testing"
)

// TestTNEFFilesFiled: an Outlook winmail.dat is filed as an archive is.
// The clean file inside it reaches staff as an attachment of its own;
// the file inside with a card number is withheld alone, with its finding
// located inside the winmail.dat; the winmail.dat itself, which holds
// that file, is not kept; and no store, page, log or metric holds the
// number (testdata/tnef, written by scan's TestTNEFFixture).
func TestTNEFFilesFiled(t *testing.T) {
	raw, err := os.ReadFile("../testdata/tnef/winmail-files.eml")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	ref := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, string(raw))
	m := e.ticket(ref).Messages[0]

	var kept []string
	for _, a := range m.Attachments {
		kept = append(kept, a.Name)
	}
	if !slices.Equal(kept, []string{"notes.txt"}) {
		t.Errorf("attachments kept %q, want only notes.txt", kept)
	}
	if len(m.Findings) != 1 || m.Findings[0].Where != "attachment:winmail.dat/card.txt" || m.Findings[0].Last4 != "1111" {
		t.Errorf("findings %+v, want the card in attachment:winmail.dat/card.txt", m.Findings)
	}
	withheld := map[string]string{}
	body := false
	for _, p := range m.Parts {
		if p.Withheld {
			withheld[p.Where] = p.Reason
		}
		if p.Where == "attachment:winmail.dat" && !p.Withheld && p.Text != "" {
			body = true // the winmail.dat's body, shown as text
		}
	}
	if withheld["attachment:winmail.dat/card.txt"] != "sensitive" || withheld["attachment:winmail.dat"] != "sensitive" || len(withheld) != 2 {
		t.Errorf("withheld %v, want card.txt and the winmail.dat holding it", withheld)
	}
	if !body {
		t.Error("the winmail.dat's body is not shown to staff")
	}

	rep := plantedChecker().NewReport()
	shown(t, e, rep, ref)
	closeEnv(t, e)
	rep.Bytes("logs", []byte(e.logs.String()))
	if err := rep.Dir(e.dir); err != nil {
		t.Fatal(err)
	}
	for _, l := range rep.Leaks {
		t.Error(l.String())
	}
}
