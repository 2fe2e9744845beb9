package main

import (
	"encoding/json"
	"html"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/intake-mail/intake/internal/browsertest"
	"github.com/intake-mail/intake/internal/leakcheck"
	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/tickets"
)

// replyDecisionMail files, over SMTP into serve, one message per decision
// staff must be able to see, and returns the ref of each by the word the
// store should keep. The numbers in them are the well-known test ones.
func replyDecisionMail(t *testing.T, s *staffServe) map[string]string {
	t.Helper()
	refs := map[string]string{}
	// member.test's SPF passes for loopback: the first sensitive message
	// is answered, the second from the same mailbox that day is not.
	raw, _ := memberMail("margaret@member.test", "Margaret Hamilton", "My account", "My SSN is "+e2eSSN+".")
	refs[tickets.ReplyQueued] = s.mailRaw(t, "margaret@member.test", raw)
	raw, _ = memberMail("margaret@member.test", "Margaret Hamilton", "My account again", "Once more: "+e2eSSN+".")
	refs[reply.ReasonRateSensitive] = s.mailRaw(t, "margaret@member.test", raw)
	// elsewhere.test publishes no SPF: the address is not proven.
	raw, _ = memberMail("pat@elsewhere.test", "Pat", "Help", "My SSN is "+e2eSSN+".")
	refs[reply.ReasonNotAuthenticated] = s.mailRaw(t, "pat@elsewhere.test", raw)
	// A sender whose address is a card number: masked, never answered.
	raw, _ = memberMail("4111111111111111@member.test", "", "Hi", "My SSN is "+e2eSSN+".")
	refs[reply.ReasonMaskedSender] = s.mailRaw(t, "4111111111111111@member.test", raw)
	return refs
}

// TestServeReplyDecisionShown: why a member's mail got no auto-reply is
// kept with it and shown to staff alike in the store, `tickets show`
// (text and --json), the API and the ticket page; a queued reply says so
// and shows no "No auto-reply" line.
func TestServeReplyDecisionShown(t *testing.T) {
	s := startStaffServe(t)
	s.addStaff(t, "ann", "agent")
	token := s.token(t, "ann")
	web := s.login(t, "ann")
	refs := replyDecisionMail(t, s)
	leaks := leakcheck.New(leakcheck.Digits(e2eSSN), "4111111111111111")
	rep := leaks.NewReport()

	ctx, store, done, err := cliStore(s.cfgPath, "tickets", time.Minute, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	type shown struct {
		Messages []struct {
			Kind          string `json:"kind"`
			ReplyDecision string `json:"reply_decision"`
			ReplyWhy      string `json:"reply_why"`
		} `json:"messages"`
	}
	for word, ref := range refs {
		d, err := store.GetTicket(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Messages[0].ReplyDecision; got != word {
			t.Errorf("%s: stored decision %q, want %q", ref, got, word)
		}
		why := reply.DecisionWords(word)
		if why == "" || why == word {
			t.Errorf("%s has no words for staff", word)
		}

		code, out, errOut := s.cli(t, "", "tickets", "show", ref, "--json")
		if code != 0 {
			t.Fatalf("tickets show %s --json: exit %d: %s", ref, code, errOut)
		}
		rep.Bytes("tickets show --json", []byte(out))
		var cli shown
		if err := json.Unmarshal([]byte(out), &cli); err != nil {
			t.Fatal(err)
		}
		if m := cli.Messages[0]; m.Kind != "inbound" || m.ReplyDecision != word || m.ReplyWhy != why {
			t.Errorf("%s: tickets show --json has %+v, want %s, %q", ref, m, word, why)
		}
		_, body := apiGet(t, s.web, "/api/v1/tickets/"+ref, token)
		rep.Bytes("API", body)
		var api shown
		if err := json.Unmarshal(body, &api); err != nil || len(api.Messages) == 0 {
			t.Fatalf("API answer for %s: %v", ref, err)
		}
		if m := api.Messages[0]; m.ReplyDecision != word || m.ReplyWhy != why {
			t.Errorf("%s: the API has %+v, want %s, %q", ref, m, word, why)
		}

		code, out, _ = s.cli(t, "", "tickets", "show", ref)
		rep.Bytes("tickets show", []byte(out))
		status, page, _ := web.get("/t/" + ref)
		if status != 200 {
			t.Fatalf("/t/%s: %d", ref, status)
		}
		rep.Bytes("ticket page", page)
		line := `No auto-reply: ` + html.EscapeString(why) + `.`
		if word == tickets.ReplyQueued {
			if code != 0 || !strings.Contains(out, "\nAuto-reply: queued\n") {
				t.Errorf("tickets show %s does not say the reply was queued:\n%s", ref, out)
			}
			if strings.Contains(string(page), "No auto-reply") || !strings.Contains(string(page), `data-reply="queued"`) {
				t.Errorf("the page of %s, whose reply was queued, does not say so", ref)
			}
			if cli.Messages[len(cli.Messages)-1].Kind != "auto_reply" {
				t.Errorf("%s shows no auto-reply entry", ref)
			}
			continue
		}
		if want := "\nAuto-reply: none (" + word + "): " + why + "\n"; code != 0 || !strings.Contains(out, want) {
			t.Errorf("tickets show %s lacks %q:\n%s", ref, want, out)
		}
		if !strings.Contains(string(page), line) || !strings.Contains(string(page), `title="Auto-reply decision: `+word+`"`) {
			t.Errorf("the page of %s lacks %q with the word %s", ref, line, word)
		}
		for _, m := range cli.Messages {
			if m.Kind == "auto_reply" {
				t.Errorf("%s (%s) shows an auto-reply", ref, word)
			}
		}
	}
	// The words are plain, not codes.
	if got := reply.DecisionWords(reply.ReasonNotAuthenticated); got != "the sender's address was not verified (SPF/DMARC)" {
		t.Errorf("not_authenticated reads %q", got)
	}
	rep.Fail(t)
}

// TestServeReplyDecisionInBrowser opens the ticket of a member whose
// address SPF did not prove in Chromium: the muted line says why no
// auto-reply went, the reason word in its title.
func TestServeReplyDecisionInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	s := startStaffServe(t)
	s.addStaff(t, "ann", "agent")
	raw, _ := memberMail("pat@elsewhere.test", "Pat Example", "Card statement", "My SSN is "+e2eSSN+", please check my statement.")
	ref := s.mailRaw(t, "pat@elsewhere.test", raw)

	b.Do("log in and open the ticket",
		chromedp.Navigate(s.web+"/"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "ann"),
		chromedp.SendKeys(chromedp.ID("password"), staffPassword+"\r"),
		chromedp.WaitVisible(chromedp.CSS("table.queue")), browsertest.Loaded(),
		chromedp.Navigate(s.web+"/t/"+ref),
		chromedp.WaitVisible(chromedp.CSS(".msg-noreply")))
	line := browsertest.Eval[string](b, `document.querySelector("article.msg-inbound .msg-noreply").innerText`)
	if line != "No auto-reply: the sender's address was not verified (SPF/DMARC)." {
		t.Fatalf("the member's message says %q", line)
	}
	if title := browsertest.Eval[string](b, `document.querySelector(".msg-noreply").title`); title != "Auto-reply decision: not_authenticated" {
		t.Fatalf("the line's title is %q", title)
	}
	if word := browsertest.Eval[string](b, `document.querySelector("article.msg-inbound").dataset.reply`); word != "not_authenticated" {
		t.Fatalf("data-reply is %q", word)
	}
	// Muted like the other notes of the header, not an alarm.
	if browsertest.Eval[string](b, `getComputedStyle(document.querySelector(".msg-noreply")).color`) !=
		browsertest.Eval[string](b, `getComputedStyle(document.querySelector(".verdicts")).color`) {
		t.Error("the line is not in the muted colour of the header's notes")
	}
	b.Screenshot("ticket-no-auto-reply")
	leakcheck.New(leakcheck.Digits(e2eSSN)).Check(t, "ticket page", []byte(browsertest.Eval[string](b, `document.documentElement.outerHTML`)))
	b.NoConsoleErrors()
}
