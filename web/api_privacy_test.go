package web

import (
	"strings"
	"testing"

	"github.com/intake-mail/intake/tickets"
)

func TestAPIQuarantineAndAudit(t *testing.T) {
	e, _ := staffEnv(t)
	acc := e.file(mail{subject: "Card", body: "card **** 1111", findings: []tickets.Finding{{Type: "pan", Last4: "1111", Where: "body"}}})
	item := acc.QuarantineID.String()
	pat, ann, root := e.token("pat"), e.token("ann"), e.token("root")

	st, out, _ := e.api("GET", "/api/v1/quarantine", pat, nil)
	items, _ := out["items"].([]any)
	if st != 200 || len(items) != 1 || out["next"] != nil {
		t.Fatalf("list: %d %v", st, out)
	}
	if _, ok := out["next"]; !ok {
		t.Error("the list has no next")
	}
	if it := items[0].(map[string]any); it["id"] != item || it["state"] != "held" || it["ticket_ref"] != acc.Ref {
		t.Errorf("item %v", it)
	}
	// Whoever lacks the privacy role gets 403 and never the item, an
	// admin too.
	for _, tok := range []string{ann, root} {
		for _, path := range []string{"/api/v1/quarantine", "/api/v1/quarantine/" + item, "/api/v1/quarantine/" + item + "/sealed"} {
			st, body := e.rawAPI("GET", path, tok, "")
			if st != 403 || strings.Contains(body, item) {
				t.Errorf("GET %s by a non-privacy account: %d %s", path, st, body)
			}
		}
	}
	// The ciphertext, as a download, audited.
	st, body := e.rawAPI("GET", "/api/v1/quarantine/"+item+"/sealed", pat, "")
	if st != 200 || body != "age-encryption.org/v1 sealed stand-in" {
		t.Fatalf("sealed: %d %q", st, body)
	}
	st, out, hdr := e.api("POST", "/api/v1/quarantine/"+item+"/release", pat, map[string]any{"where": "body", "content_type": "text/plain", "content": []byte("card 1111")})
	checkAPIError(t, "release of a part that is not withheld", st, out, hdr, 422, "invalid")
	st, out, _ = e.api("PUT", "/api/v1/quarantine/"+item+"/hold", pat, nil)
	if st != 200 || out["legal_hold"] != true {
		t.Fatalf("hold: %d %v", st, out)
	}
	st, out, hdr = e.api("DELETE", "/api/v1/quarantine/"+item, pat, nil)
	checkAPIError(t, "purge under a legal hold", st, out, hdr, 409, "conflict")
	st, out, _ = e.api("DELETE", "/api/v1/quarantine/"+item+"/hold", pat, nil)
	if st != 200 || out["legal_hold"] != false {
		t.Fatalf("unhold: %d %v", st, out)
	}
	if st, out, _ = e.api("POST", "/api/v1/quarantine/"+item+"/open", pat, map[string]any{"opened": false, "reason": "no_identity_matched"}); st != 204 {
		t.Fatalf("report a failed open: %d %v", st, out)
	}
	st, out, _ = e.api("DELETE", "/api/v1/quarantine/"+item, pat, nil)
	if st != 200 || out["state"] != "purged" {
		t.Fatalf("purge: %d %v", st, out)
	}
	st, out, hdr = e.api("GET", "/api/v1/quarantine/"+item+"/sealed", pat, nil)
	checkAPIError(t, "sealed after purge", st, out, hdr, 404, "not_found")
	st, out, hdr = e.api("GET", "/api/v1/quarantine?state=lost", pat, nil)
	checkAPIError(t, "a bad state", st, out, hdr, 400, "bad_request")

	// The audit log says who did it; the chain verifies.
	st, out, _ = e.api("GET", "/api/v1/audit?actor=user:pat", root, nil)
	var actions []string
	for _, ev := range out["events"].([]any) {
		actions = append(actions, ev.(map[string]any)["action"].(string))
	}
	if st != 200 || !strings.HasPrefix(strings.Join(actions, ","), "quarantine.purge,quarantine.open_failed,quarantine.unhold,quarantine.hold,quarantine.fetch,quarantine.view") {
		t.Errorf("audit of pat: %d %v", st, actions)
	}
	st, out, _ = e.api("GET", "/api/v1/audit?limit=2", root, nil)
	if st != 200 || len(out["events"].([]any)) != 2 || out["next"] == nil {
		t.Errorf("audit page: %d %v", st, out["next"])
	}
	st, out, _ = e.api("GET", "/api/v1/audit/verify", root, nil)
	if st != 200 || out["ok"] != true || out["events"].(float64) < 5 {
		t.Errorf("verify: %d %v", st, out)
	}
	st, out, hdr = e.api("GET", "/api/v1/audit?since=yesterday", root, nil)
	checkAPIError(t, "a bad since", st, out, hdr, 400, "bad_request")
}
