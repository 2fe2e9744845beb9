package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/intake-mail/intake/internal/leakcheck"
)

// plantedWeb are published test numbers, in the spellings a leak would
// take (as the gateway's no-plaintext test plants them).
var plantedWeb = []string{
	"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111",
	"5555555555554444", "378282246310005", "4012888888881881",
	"078-05-1123", "078051123", "489-36-8350", "489368350",
}

var (
	attachmentLinkRe = regexp.MustCompile(`href="(/attachments/[0-9a-f-]{36})"`)
	nextLinkRe       = regexp.MustCompile(`<a href="([^"]+)" rel="next"`)
)

// TestNoPlaintextInPagesAPIAndCLI files a corpus of sensitive mail (the
// planted numbers in every part, and every attack shape of issues 8 and
// 15) through serve's gateway, then reads everything staff can reach, as
// every role: each queue view and its pages, a search, every ticket page
// and every attachment offered for download, the account page; the API's
// lists, every ticket and attachment; the CLI's tickets list and show
// (JSON and text) and quarantine list; the mail that went out; serve's
// log. Not one planted number may be in any of it, in any spelling
// leakcheck reads.
func TestNoPlaintextInPagesAPIAndCLI(t *testing.T) {
	s := startStaffServe(t)
	roles := map[string][]string{"ann": {"agent"}, "pat": {"privacy"}, "root": {"admin"}, "both": {"admin", "privacy"}}
	for name, rs := range roles {
		s.addStaff(t, name, rs...)
	}

	var numbers []string
	addNumber := func(n string) {
		if d := leakcheck.Digits(n); !slices.Contains(numbers, d) {
			numbers = append(numbers, d)
		}
	}
	for _, p := range plantedWeb {
		addNumber(p)
	}
	const from = "m@member.test"
	var refs []string
	corpus := []string{
		strings.Join([]string{`From: "SSN 078-05-1123" <m@member.test>`, "To: help@support.localhost",
			"Subject: my card 4111 1111 1111 1111", "Message-ID: <ssn-489-36-8350@member.test>", "MIME-Version: 1.0",
			`Content-Type: multipart/mixed; boundary="b1"`, "",
			"--b1", "Content-Type: text/plain; charset=utf-8", "", "SSN 489-36-8350 and card 5555 5555 5555 4444.",
			"--b1", "Content-Type: text/html; charset=utf-8", "", "<p>Visa <b>4012888888881881</b></p>",
			"--b1", "Content-Type: text/plain; name=card.txt", "Content-Disposition: attachment; filename=card-378282246310005.txt", "",
			"Amex on file: 378282246310005", "--b1--", ""}, "\n"),
		strings.Join([]string{"From: m@member.test", "To: help@support.localhost", "Subject: ssn 078051123", "", "social security number 078051123", ""}, "\n"),
	}
	for _, raw := range corpus {
		refs = append(refs, s.mailRaw(t, from, raw))
	}
	for _, sh := range leakcheck.Shapes(from) {
		for _, n := range append(append([]string(nil), sh.Numbers...), sh.Hidden...) {
			addNumber(n)
		}
		refs = append(refs, submit(t, s.r.smtp.String(), from, strings.ReplaceAll(string(sh.Raw), "\r\n", "\n")))
	}
	rep := leakcheck.New(numbers...).NewReport()
	t.Logf("%d messages filed, %d numbers planted", len(refs), len(numbers))

	for name := range roles {
		// Pages.
		c := s.login(t, name)
		page := func(path string) []byte {
			t.Helper()
			st, body, _ := c.get(path)
			if st != 200 && st != 403 {
				t.Errorf("%s: GET %s: %d", name, path, st)
			}
			rep.Bytes(name+" page "+path, body)
			return body
		}
		for _, v := range []string{"unassigned", "mine", "open", "pending", "solved", "all"} {
			path := "/?view=" + v
			for i := 0; path != "" && i < 100; i++ {
				body := page(path)
				path = ""
				if m := nextLinkRe.FindSubmatch(body); m != nil {
					path = strings.ReplaceAll(string(m[1]), "&amp;", "&")
				}
			}
		}
		page("/?view=all&q=card")
		page("/?view=all&sensitive=yes&withheld=yes")
		page("/account")
		for i, ref := range refs {
			body := page("/t/" + ref)
			if i == 0 && name == "ann" && !strings.Contains(string(body), "***-**-8350") {
				t.Fatalf("the first ticket's page does not show the masked SSN: the crawl reads something else")
			}
			for _, m := range attachmentLinkRe.FindAllSubmatch(body, -1) {
				page(string(m[1]))
			}
		}

		// The API.
		tok := s.token(t, name)
		api := func(path string) []byte {
			t.Helper()
			st, body := apiGet(t, s.web, path, tok)
			if st != 200 && st != 403 {
				t.Errorf("%s: API %s: %d", name, path, st)
			}
			rep.Bytes(name+" API "+path, body)
			return body
		}
		api("/api/v1/me")
		cursor := ""
		for i := 0; i < 100; i++ {
			var list struct {
				Next *string `json:"next"`
			}
			json.Unmarshal(api("/api/v1/tickets?view=all&limit=20&cursor="+url.QueryEscape(cursor)), &list)
			if list.Next == nil {
				break
			}
			cursor = *list.Next
		}
		api("/api/v1/tickets?q=card")
		for _, ref := range refs {
			var v struct {
				Messages []struct {
					Attachments []struct {
						ID string `json:"id"`
					} `json:"attachments"`
				} `json:"messages"`
			}
			json.Unmarshal(api("/api/v1/tickets/"+ref), &v)
			for _, m := range v.Messages {
				for _, a := range m.Attachments {
					api("/api/v1/attachments/" + a.ID)
				}
			}
		}

		// The command line, as this account.
		cli := func(args ...string) {
			t.Helper()
			_, out, errOut := s.cli(t, "", append(args, "--as", name)...)
			rep.Bytes(fmt.Sprintf("%s CLI %v", name, args), []byte(out+errOut))
		}
		cli("tickets", "list", "--json")
		cli("tickets", "list")
		cli("quarantine", "list", "--json")
		for _, ref := range refs {
			cli("tickets", "show", ref, "--json")
			cli("tickets", "show", ref)
		}
	}
	for i, m := range s.relay.received() {
		rep.Bytes(fmt.Sprintf("mail %d to the smarthost", i), m.data)
	}
	rep.Bytes("serve's log", []byte(s.logs.String()))
	t.Logf("%d places read", rep.Places)
	if rep.Places < 500 {
		t.Fatalf("only %d places read: the crawl lost its way", rep.Places)
	}
	rep.Fail(t)
}
