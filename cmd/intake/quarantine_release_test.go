package main

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intake-mail/intake/internal/leakcheck"
	"github.com/intake-mail/intake/tickets"
)

// TestQuarantineReleaseCLI releases withheld attachments with the command
// line beside serve, from mail that came in over SMTP: the CLI opens the
// original with the identity file (a wrong one is refused and audited as
// open_failed), finds the part the ticket names, and joins it through the
// same desk path as the page: a text file holding an SSN joins as masked
// text that tickets show prints with who released it; a Word document
// holding one is refused, says why, and stays withheld. No output holds
// the full number.
func TestQuarantineReleaseCLI(t *testing.T) {
	s := startStaffServe(t)
	ssn := leakcheck.New(leakcheck.Digits(e2eSSN))
	var said bytes.Buffer
	run := func(args ...string) (int, string, string) {
		t.Helper()
		code, out, errOut := s.cli(t, "", args...)
		said.WriteString(out + errOut)
		return code, out, errOut
	}
	doc := base64.StdEncoding.EncodeToString(wordDoc(t, "Account holder SSN "+e2eSSN))
	raw, _ := memberMail("grace@member.test", "Grace Hopper", "Papers", strings.Join([]string{
		"--p", "Content-Type: text/plain; charset=utf-8", "", "Two files attached.", "",
		"--p", `Content-Type: text/plain; charset=utf-8`, `Content-Disposition: attachment; filename="statement.txt"`, "",
		"Statement for March", "SSN " + e2eSSN, "",
		"--p", `Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document`,
		`Content-Disposition: attachment; filename="form.docx"`, "Content-Transfer-Encoding: base64", "", doc, "",
		"--p--"}, "\n"), "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="p"`)
	ref := s.mailRaw(t, "grace@member.test", raw)
	code, out, _ := run("quarantine", "list", "--json")
	var it tickets.QuarantineItem
	if code != 0 || json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &it) != nil || it.TicketRef != ref {
		t.Fatalf("quarantine list: exit %d %s", code, out)
	}
	item := it.ID.String()
	identity := filepath.Join(s.cfg.DataDir, identityFile)
	code, out, _ = run("tickets", "show", ref)
	if code != 0 || !strings.Contains(out, "[attachment:statement.txt withheld: sensitive]") || !strings.Contains(out, "[attachment:form.docx withheld: sensitive]") {
		t.Fatalf("before release, tickets show:\n%s", out)
	}

	wrong := filepath.Join(t.TempDir(), "wrong.key")
	id, _ := tickets.GenerateIdentity()
	if err := tickets.WriteIdentityFile(wrong, id); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run("quarantine", "release", item, "--part", "attachment:statement.txt", "--identity", wrong); code != 1 || !strings.Contains(errOut, "open_failed") {
		t.Errorf("release with another identity: exit %d %s", code, errOut)
	}
	if code, _, errOut := run("quarantine", "release", item, "--part", "attachment:form.docx", "--identity", identity); code != 1 ||
		!strings.Contains(errOut, "office document, in which a number cannot be masked in place") {
		t.Errorf("release of a Word document holding an SSN: exit %d %s", code, errOut)
	}
	if code, _, errOut := run("quarantine", "release", item, "--part", "attachment:nothere.txt", "--identity", identity); code != 1 || !strings.Contains(errOut, "not a withheld part") {
		t.Errorf("release of a part the message does not withhold: exit %d %s", code, errOut)
	}
	code, out, errOut := run("quarantine", "release", item, "--part", "attachment:statement.txt", "--identity", identity)
	if code != 0 || !strings.Contains(out, "released attachment:statement.txt") || !strings.Contains(out, "1 number(s) masked") {
		t.Fatalf("release: exit %d %s %s", code, out, errOut)
	}
	if code, _, errOut := run("quarantine", "release", item, "--part", "attachment:statement.txt", "--identity", identity); code != 1 || !strings.Contains(errOut, "released already") {
		t.Errorf("a second release: exit %d %s", code, errOut)
	}
	code, out, _ = run("tickets", "show", ref)
	if code != 0 || !strings.Contains(out, "[attachment:statement.txt text/plain, released from the quarantine by cli:") ||
		!strings.Contains(out, "SSN ***-**-8350") || !strings.Contains(out, "[attachment:form.docx withheld: sensitive]") {
		t.Errorf("after release, tickets show:\n%s", out)
	}
	ssn.Check(t, "what the commands said", said.Bytes())
	trail := s.auditTrail(t)
	for _, action := range []string{"quarantine.open_failed", "quarantine.open", "quarantine.release"} {
		if !strings.Contains(trail, " "+action+";") {
			t.Errorf("no %s in the audit log", action)
		}
	}
	if n := strings.Count(trail, "quarantine.release;"); n != 1 {
		t.Errorf("%d release events, want 1 (the refused ones are not releases)", n)
	}
}

// wordDoc is a minimal Word document whose text is body.
func wordDoc(t *testing.T, body string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
			`<w:body><w:p><w:r><w:t>` + body + `</w:t></w:r></w:p></w:body></w:document>`},
	} {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
