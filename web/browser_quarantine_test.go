package web

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/intake-mail/intake/internal/browsertest"
	"github.com/intake-mail/intake/tickets"
)

// TestBrowserQuarantineOriginalInert opens, in Chromium, a sealed original
// built to hurt the page that shows it: an HTML part full of script,
// event handlers and remote resources, markup in the headers and in a
// file name, and the encodings a reader must get right (encoded words,
// quoted-printable, base64, an RFC 2231 file name). The page shows every
// part as text: the HTML as its source, nothing of it run or fetched,
// the encodings decoded, the binary file listed and not shown.
func TestBrowserQuarantineOriginalInert(t *testing.T) {
	// The file name as the member's mail spells it: e and a combining
	// acute accent.
	const decomposed = "re\u0301sume\u0301 <b>"
	b := browsertest.Start(t)
	var hits atomic.Int64
	atk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer atk.Close()
	e := newEnv(t)
	e.user("pat", tickets.RolePrivacy)
	id, err := tickets.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := tickets.NewSealer([]string{id.Recipient})
	if err != nil {
		t.Fatal(err)
	}
	html := strings.ReplaceAll(`<html><body onload="window.__pwned=1"><script>window.__pwned=2</script>`+
		`<img src="ATK/img" onerror="window.__pwned=3"><b>Bold words</b><iframe src="ATK/frame"></iframe></body></html>`, "ATK", atk.URL)
	raw := strings.Join([]string{
		`From: =?utf-8?q?Ren=C3=A9e_<img_src=x_onerror=window.__pwned=4>?= <renee@member.example>`,
		"To: help@support.localhost",
		"Subject: =?utf-8?b?UsOpc3Vtw6kgZGUgY29tcHRl?=",
		"MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="out"`,
		"",
		"--out",
		`Content-Type: multipart/alternative; boundary="alt"`,
		"",
		"--alt",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: quoted-printable",
		"",
		"Caf=C3=A9 cr=C3=A8me, a soft=",
		" line break.",
		"--alt",
		"Content-Type: text/html; charset=utf-8",
		"Content-Transfer-Encoding: base64",
		"",
		base64.StdEncoding.EncodeToString([]byte(html)),
		"--alt--",
		"--out",
		"Content-Type: application/octet-stream",
		"Content-Disposition: attachment; filename*=utf-8''re%CC%81sume%CC%81%20%3Cb%3E.bin",
		"Content-Transfer-Encoding: base64",
		"",
		base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 3, 0xff}),
		"--out",
		"Content-Type: application/octet-stream",
		`Content-Disposition: attachment; filename="ssn-489-36-8350.bin"`,
		"",
		"binary",
		"--out--",
		"",
	}, "\r\n")
	sealed, err := sealer.Seal([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	acc := e.file(mail{subject: "Résumé de compte", body: "Café crème, a soft line break.", sealed: sealed,
		withheld: []tickets.Part{{Where: "attachment:" + decomposed + ".bin", ContentType: "application/octet-stream", Reason: "no_text"},
			{Where: "attachment:ssn-***-**-8350.bin", ContentType: "application/octet-stream", Reason: "no_text"}}})

	b.Do("log in", chromedp.Navigate(e.ts.URL+"/login"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "pat"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword+"\r"),
		chromedp.WaitVisible(chromedp.CSS(".who-name")), browsertest.Loaded())
	b.Do("open the item", chromedp.Navigate(e.ts.URL+"/quarantine/"+acc.QuarantineID.String()), chromedp.WaitVisible(chromedp.ID("identity-paste")),
		chromedp.SendKeys(chromedp.ID("identity-paste"), "# a comment\n"+id.Secret+"\n"),
		chromedp.Click(chromedp.ID("open-button")), chromedp.WaitVisible(chromedp.CSS("#original .part")),
		chromedp.Sleep(time.Second))
	text := browsertest.Eval[string](b, `document.getElementById("original").innerText`)
	for _, want := range []string{
		"Résumé de compte",               // a B encoded word
		"Renée <img src=x onerror",       // a Q encoded word, its markup as text
		"Café crème, a soft line break.", // quoted-printable with a soft break
		`<b>Bold words</b>`,              // the HTML part as its source
		`<script>window.__pwned=2</script>`,
		"Attachment " + decomposed + ".bin", // an RFC 2231 name, markup as text
		"A binary file: not shown here.",
		"An HTML part, shown as its source",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the opened original lacks %+q:\n%+q", want, text)
		}
	}
	if v := browsertest.Eval[string](b, `String(window.__pwned)`); v != "undefined" {
		t.Errorf("the original's script ran (window.__pwned = %s)", v)
	}
	if n := browsertest.Eval[int](b, `document.querySelectorAll("#original *:not(h2):not(h3):not(section):not(dl):not(dt):not(dd):not(p):not(pre):not(span):not(details):not(summary):not(mark):not(button)").length`); n != 0 {
		t.Errorf("the original brought %d elements of its own into the page", n)
	}
	if n := browsertest.Eval[int](b, `document.querySelectorAll('#original button[data-release="attachment:`+decomposed+`.bin"]').length`); n != 1 {
		t.Errorf("the withheld binary file has %d release buttons, want 1", n)
	}
	// A file whose name held a number is named masked in the ticket;
	// the page still knows it for the withheld one.
	if n := browsertest.Eval[int](b, `document.querySelectorAll('#original button[data-release="attachment:ssn-***-**-8350.bin"]').length`); n != 1 {
		t.Errorf("the withheld file whose name holds a number has %d release buttons, want 1", n)
	}
	b.Screenshot("original-inert")
	if hits.Load() != 0 {
		t.Errorf("the original's resources were fetched %d times", hits.Load())
	}
	b.NoConsoleErrors(regexp.MustCompile(`status of 404`))
}
