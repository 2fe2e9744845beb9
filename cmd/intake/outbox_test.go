package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-smtp"
	"github.com/miekg/dns"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/tickets"
)

// Published test numbers only.
const (
	e2eSSN = "489-36-8350"
	e2eTXT = "v=spf1 ip4:127.0.0.1 -all"
)

// zone is a loopback DNS server answering TXT queries from a map: the
// members' SPF records and our published DKIM key.
type zone struct {
	addr string
	mu   sync.Mutex
	txt  map[string]string
}

func startZone(t *testing.T) *zone {
	t.Helper()
	z := &zone{txt: map[string]string{}}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	z.addr = pc.LocalAddr().String()
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, NotifyStartedFunc: func() { close(started) }, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		z.mu.Lock()
		defer z.mu.Unlock()
		for _, q := range req.Question {
			v, ok := z.txt[strings.ToLower(q.Name)]
			if !ok {
				m.Rcode = dns.RcodeNameError
				continue
			}
			if q.Qtype == dns.TypeTXT {
				var parts []string
				for len(v) > 255 {
					parts, v = append(parts, v[:255]), v[255:]
				}
				m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}, Txt: append(parts, v)})
			}
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return z
}

func (z *zone) set(name, value string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.txt[dns.Fqdn(strings.ToLower(name))] = value
}

func (z *zone) lookupTXT(name string) ([]string, error) {
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", z.addr)
	}}
	return r.LookupTXT(context.Background(), name)
}

// smarthost is a go-smtp server on loopback that keeps what it is given.
type smarthost struct {
	addr string
	mu   sync.Mutex
	msgs []relayed
	// refuse, while above zero, answers MAIL FROM with 451 and counts down:
	// a smarthost in an outage.
	refuse int
	tries  int
}

type relayed struct {
	from string
	to   string
	data []byte
}

func startSmarthost(t *testing.T) *smarthost {
	t.Helper()
	h := &smarthost{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &relaySession{h: h}, nil }))
	srv.Domain = "smarthost.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return h
}

func (h *smarthost) received() []relayed {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]relayed(nil), h.msgs...)
}

type relaySession struct {
	h   *smarthost
	cur relayed
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	s.h.tries++
	if s.h.refuse > 0 {
		s.h.refuse--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "outage, try later"}
	}
	s.cur.from = from
	return nil
}
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error { s.cur.to = to; return nil }
func (s *relaySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.h.mu.Lock()
	s.h.msgs = append(s.h.msgs, s.cur)
	s.h.mu.Unlock()
	return nil
}
func (s *relaySession) Reset()        { s.cur = relayed{} }
func (s *relaySession) Logout() error { return nil }

// submit sends one raw message to the gateway and returns the ticket ref
// from its 250.
func submit(t *testing.T, addr, mailFrom, raw string) string {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.member.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail(mailFrom, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("help@support.localhost", nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, strings.ReplaceAll(raw, "\n", "\r\n"))
	resp, err := w.CloseWithResponse()
	if err != nil {
		t.Fatalf("DATA: %v", err)
	}
	c.Quit()
	m := queuedRe.FindStringSubmatch(resp.StatusText)
	if m == nil {
		t.Fatalf("DATA answered %q", resp.StatusText)
	}
	return m[1]
}

var msgSeq int

func memberMessage(from, subject, body string, extra ...string) string {
	msgSeq++
	h := fmt.Sprintf("From: Member <%s>\nTo: help@support.localhost\nSubject: %s\nMessage-ID: <e2e-%d-%d@member.test>\nDate: Wed, 25 Nov 2026 10:00:00 +0000\n", from, subject, msgSeq, time.Now().UnixNano())
	for _, x := range extra {
		h += x + "\n"
	}
	return h + "\n" + body + "\n"
}

// TestServeAutoReplyEndToEnd runs serve with the reply hook and the outbox
// worker: member mail goes in over SMTP, replies come out at a loopback
// smarthost, and the store's outbox says what was queued.
func TestServeAutoReplyEndToEnd(t *testing.T) {
	dir := t.TempDir()
	z := startZone(t)
	for _, d := range []string{"member.test", "other.test", "lists.test", "mx.member.test"} {
		z.set(d, e2eTXT)
	}
	keyPath := filepath.Join(dir, "dkim.key")
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"keygen", "dkim", "--domain", "support.localhost", "--selector", "e2e", "--out", keyPath}, &out, &errOut); code != 0 {
		t.Fatalf("keygen: %s", errOut.String())
	}
	rec := strings.Join(regexp.MustCompile(`"([^"]*)"`).FindAllString(out.String(), -1), "")
	z.set("e2e._domainkey.support.localhost", strings.ReplaceAll(rec, `"`, ""))
	relay := startSmarthost(t)

	cfg := testConfig(t, filepath.Join(dir, "data"))
	cfg.DNS.Resolver = z.addr
	cfg.Reply.Smarthost = relay.addr
	cfg.Reply.OrgName = "Example Credit Union"
	cfg.Reply.PostalAddress = "PO Box 100\nSpringfield, IL 62701"
	cfg.Reply.Phone = "+1 217 555 0100"
	cfg.Reply.Hours = "weekdays 8am to 6pm"
	cfg.Reply.DKIMKey = keyPath
	cfg.Reply.DKIMSelector = "e2e"
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readyCh := make(chan running, 1)
	errCh := make(chan error, 1)
	go func() { errCh <- serve(ctx, cfg, newLogger(logs, "debug"), nil, func(r running) { readyCh <- r }) }()
	var r running
	select {
	case r = <-readyCh:
	case err := <-errCh:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	gw := r.smtp.String()

	// The machines: a bounce, list mail, an auto-reply. All are filed
	// (250), none is answered.
	submit(t, gw, "", memberMessage("MAILER-DAEMON@mx.member.test", "Undelivered Mail", "SSN "+e2eSSN, `Content-Type: multipart/report; report-type=delivery-status; boundary="b"`))
	submit(t, gw, "members-bounces@lists.test", memberMessage("ann@member.test", "[members] hello", "my SSN is "+e2eSSN, "List-Id: <members.lists.test>", "Precedence: list"))
	submit(t, gw, "ann@member.test", memberMessage("ann@member.test", "Out of office", "SSN "+e2eSSN, "Auto-Submitted: auto-replied"))
	// A forged sender (SPF fails: the domain allows only other hosts).
	z.set("forged.test", "v=spf1 ip4:192.0.2.1 -all")
	submit(t, gw, "victim@forged.test", memberMessage("victim@forged.test", "hi", "SSN "+e2eSSN))

	// The member: one message with an SSN, then 49 more from the same
	// address; one sensitive-data reply in all.
	memberMsg := memberMessage("ann@member.test", "my SSN "+e2eSSN, "Hello, my SSN is "+e2eSSN+". Please update my address. Secret words: purple elephant.")
	ref := submit(t, gw, "ann@member.test", memberMsg)
	for i := range 49 {
		submit(t, gw, "ann@member.test", memberMessage("ann@member.test", fmt.Sprintf("again %d", i), "SSN "+e2eSSN))
	}

	// Exactly one job was queued, by the accept of the first message.
	jobs := listJobs(t, cfg)
	if len(jobs) != 1 || jobs[0].Recipient != "ann@member.test" || jobs[0].Kind != "reply.sensitive" {
		t.Fatalf("outbox holds %d jobs: %+v", len(jobs), jobs)
	}
	for deadline := time.Now().Add(20 * time.Second); len(relay.received()) < 1 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	got := relay.received()
	if len(got) != 1 {
		t.Fatalf("smarthost received %d messages, want 1", len(got))
	}
	m := got[0]
	if m.from != "" || m.to != "ann@member.test" {
		t.Fatalf("envelope from %q to %q: want the null reverse-path to the member", m.from, m.to)
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(m.data), &dkim.VerifyOptions{LookupTXT: z.lookupTXT})
	if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "support.localhost" {
		t.Fatalf("DKIM: %v", err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.data))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
	flat := strings.Join(strings.Fields(string(body)), " ")
	for _, want := range []string{"PO Box 100", "Springfield, IL 62701", "+1 217 555 0100", "weekdays 8am to 6pm", ref, "a Social Security number"} {
		if !strings.Contains(flat, want) {
			t.Errorf("reply lacks %q", want)
		}
	}
	digits := regexp.MustCompile(`\D`).ReplaceAllString(string(m.data), "")
	if strings.Contains(digits, "489368350") || strings.Contains(flat, "8350") {
		t.Errorf("reply holds digits of the planted number")
	}
	for _, member := range []string{"purple elephant", "update my address", "my SSN"} {
		if strings.Contains(string(m.data), member) {
			t.Errorf("reply quotes the member's message")
		}
	}
	if msg.Header.Get("Auto-Submitted") != "auto-replied" || !strings.HasSuffix(msg.Header.Get("Subject"), "["+ref+"]") {
		t.Errorf("headers: %v", msg.Header)
	}
	orig, _ := mail.ReadMessage(strings.NewReader(memberMsg))
	if msg.Header.Get("In-Reply-To") != orig.Header.Get("Message-ID") || msg.Header.Get("References") != orig.Header.Get("Message-ID") {
		t.Errorf("reply does not thread to the member's message")
	}
	// The member answers our reply: it files on the same ticket.
	answer := "From: ann@member.test\nTo: help@support.localhost\nSubject: Re: thanks\nMessage-ID: <answer@member.test>\nIn-Reply-To: " + msg.Header.Get("Message-ID") + "\n\nThanks, I will call.\n"
	if ref2 := submit(t, gw, "ann@member.test", answer); ref2 != ref {
		t.Errorf("answer filed as %s, want %s", ref2, ref)
	}

	// The job is settled and audited; nothing else went out.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if js := listJobs(t, cfg); len(js) == 1 && js[0].State == "done" {
			break
		}
	}
	if js := listJobs(t, cfg); len(js) != 1 || js[0].State != "done" || js[0].Attempts != 1 {
		t.Fatalf("jobs after delivery: %+v", js)
	}
	if n := len(relay.received()); n != 1 {
		t.Fatalf("smarthost received %d messages", n)
	}
	_, metrics := httpGet(t, "http://"+r.metrics.String()+"/metrics")
	for _, want := range []string{`intake_reply_decisions_total{reason="sensitive"}`, `intake_reply_decisions_total{reason="rate_sensitive"}`, `intake_outbox_attempts_total{result="sent"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	cancel()
	if err := <-errCh; err != nil {
		t.Fatalf("serve: %v", err)
	}
	// Not "8350" alone: a log timestamp's nanoseconds can hold it.
	if strings.Contains(logs.String(), e2eSSN) || strings.Contains(logs.String(), "489368350") || strings.Contains(logs.String(), "purple") {
		t.Errorf("logs hold member text or a number")
	}
	for _, reason := range []string{`"reason":"null_sender"`, `"reason":"list_sender"`, `"reason":"auto_submitted"`, `"reason":"not_authenticated"`, `"reason":"rate_sensitive"`} {
		if !strings.Contains(logs.String(), reason) {
			t.Errorf("no decision logged with %s", reason)
		}
	}
}

// listJobs reads the outbox through the CLI, as an operator would.
func listJobs(t *testing.T, cfg config.Config) []jobView {
	t.Helper()
	path := filepath.Join(t.TempDir(), "intake.toml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf("data_dir = %q\n", cfg.DataDir)), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"outbox", "list", "--json", "--config", path}, &out, &errOut); code != 0 {
		t.Fatalf("outbox list: exit %d: %s", code, errOut.String())
	}
	var jobs []jobView
	dec := json.NewDecoder(&out)
	for dec.More() {
		var j jobView
		if err := dec.Decode(&j); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	return jobs
}

// TestOutboxCLI: list, retry and drop on a real data directory.
func TestOutboxCLI(t *testing.T) {
	dir := t.TempDir()
	secret, err := tickets.LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tickets.Open(context.Background(), tickets.Options{DataDir: dir, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := st.Enqueue(context.Background(),
		tickets.OutboxJob{Kind: "reply.staff", Recipient: "ann@member.test", Payload: []byte("x"), NextAttempt: time.Now().Add(time.Hour)},
		tickets.OutboxJob{Kind: "reply.withheld", Recipient: "bob@member.test", Payload: []byte("y")})
	if err != nil || len(ids) != 2 {
		t.Fatalf("enqueue: %v", err)
	}
	st.Close()
	cfgPath := filepath.Join(dir, "intake.toml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf("data_dir = %q\n", dir)), 0o600)
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := dispatch(append([]string{"outbox"}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}

	code, out, _ := run("list", "--config", cfgPath)
	if code != 0 || !strings.Contains(out, ids[0].String()) || !strings.Contains(out, "bob@member.test") || strings.Contains(out, "\ty\n") {
		t.Fatalf("list: %d\n%s", code, out)
	}
	if code, out, _ := run("retry", ids[0].String(), "--config", cfgPath); code != 0 || !strings.Contains(out, "due now") {
		t.Fatalf("retry: %d %s", code, out)
	}
	jobs := listJobs(t, config.Config{DataDir: dir})
	if len(jobs) != 2 || jobs[0].NextAttempt.After(time.Now().Add(time.Minute)) {
		t.Fatalf("after retry: %+v", jobs)
	}
	// A dropped job stays visible as dropped, with who dropped it; a
	// second drop answers the same (issue 12).
	for i := 0; i < 2; i++ {
		if code, _, _ := run("drop", "--config", cfgPath, ids[1].String(), "--reason", "bounced before"); code != 0 {
			t.Fatalf("drop %d failed", i)
		}
	}
	if jobs := listJobs(t, config.Config{DataDir: dir}); len(jobs) != 2 || jobs[1].ID != ids[1].String() || jobs[1].State != "dropped" ||
		!strings.Contains(jobs[1].LastError, "cli:") || !strings.Contains(jobs[1].LastError, "bounced before") {
		t.Fatalf("after drop: %+v", jobs)
	}
	if code, out, _ := run("list", "--json", "--state", "failed", "--config", cfgPath); code != 0 || out != "" {
		t.Fatalf("no failed jobs expected: %q", out)
	}

	for _, bad := range [][]string{
		{"retry", "not-a-uuid", "--config", cfgPath},
		{"drop", "--config", cfgPath},
		{"list", "--state", "weird", "--config", cfgPath},
		{"purge", "--config", cfgPath},
		{},
	} {
		if code, _, _ := run(bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	if code, _, errOut := run("retry", "01890000-0000-7000-8000-000000000000", "--config", cfgPath); code != 1 || errOut == "" {
		t.Errorf("retry of an unknown job: exit %d", code)
	}
	empty := filepath.Join(t.TempDir(), "intake.toml")
	os.WriteFile(empty, []byte(fmt.Sprintf("data_dir = %q\n", filepath.Join(t.TempDir(), "none"))), 0o600)
	if code, _, errOut := run("list", "--config", empty); code != 2 || !strings.Contains(errOut, "no store") {
		t.Errorf("list of a missing store: exit %d %s", code, errOut)
	}
}

// TestServeReplyAfterSmarthostOutage: the smarthost answers 451 three
// times; the reply is retried with backoff ([reply] retry_min) and arrives
// once after it recovers.
func TestServeReplyAfterSmarthostOutage(t *testing.T) {
	dir := t.TempDir()
	z := startZone(t)
	z.set("member.test", e2eTXT)
	relay := startSmarthost(t)
	relay.refuse = 3

	cfg := testConfig(t, filepath.Join(dir, "data"))
	cfg.DNS.Resolver = z.addr
	cfg.Reply.Smarthost = relay.addr
	cfg.Reply.Phone = "+1 217 555 0100"
	cfg.Reply.RetryMin = config.Duration(100 * time.Millisecond)
	cfg.Reply.RetryMax = config.Duration(400 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readyCh := make(chan running, 1)
	errCh := make(chan error, 1)
	go func() {
		errCh <- serve(ctx, cfg, newLogger(&lockedBuffer{}, "info"), nil, func(r running) { readyCh <- r })
	}()
	var r running
	select {
	case r = <-readyCh:
	case err := <-errCh:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	submit(t, r.smtp.String(), "ann@member.test", memberMessage("ann@member.test", "hello", "my SSN is "+e2eSSN))
	for deadline := time.Now().Add(30 * time.Second); len(relay.received()) < 1 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a duplicate would come within a retry or two
	relay.mu.Lock()
	tries, got := relay.tries, len(relay.msgs)
	relay.mu.Unlock()
	if got != 1 || tries != 4 {
		t.Fatalf("smarthost: %d delivered after %d tries; want 1 after 4 (three 451s)", got, tries)
	}
	jobs := listJobs(t, cfg)
	if len(jobs) != 1 || jobs[0].Attempts < 4 {
		t.Errorf("outbox after recovery: %+v", jobs)
	}
	cancel()
	if err := <-errCh; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

// startServeT runs serve with cfg until the test ends and returns its
// addresses.
func startServeT(t *testing.T, cfg config.Config, logs io.Writer) running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	readyCh := make(chan running, 1)
	errCh := make(chan error, 1)
	go func() { errCh <- serve(ctx, cfg, newLogger(logs, "debug"), nil, func(r running) { readyCh <- r }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errCh; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case r := <-readyCh:
		return r
	case err := <-errCh:
		errCh <- err
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return running{}
}

// TestServeRepliesOnlyToProvenAddresses runs the attacks of issue 15
// items 6, 7 and 9 and issue 8 item 8 through serve: a DKIM-signed message
// replayed to another envelope address at the signer's provider, an
// envelope sender that is a number, one mailbox in many spellings, and a
// Message-ID that holds a number.
func TestServeRepliesOnlyToProvenAddresses(t *testing.T) {
	dir := t.TempDir()
	z := startZone(t)
	z.set("member.test", e2eTXT)
	// bigmail.example sends from elsewhere (SPF fails here), signs with
	// DKIM and publishes DMARC: its signed mail passes DMARC.
	z.set("bigmail.example", "v=spf1 ip4:192.0.2.1 -all")
	z.set("_dmarc.bigmail.example", "v=DMARC1; p=none")
	key, err := reply.GenerateDKIMKey("ed25519")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := reply.DKIMRecord(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	z.set("s1._domainkey.bigmail.example", rec)
	relay := startSmarthost(t)

	cfg := testConfig(t, filepath.Join(dir, "data"))
	cfg.DNS.Resolver = z.addr
	cfg.Reply.Smarthost = relay.addr
	cfg.Reply.Phone = "+1 217 555 0100"
	logs := &lockedBuffer{}
	gw := startServeT(t, cfg, logs).smtp.String()

	signed := func(from string) string {
		raw := strings.ReplaceAll(memberMessage(from, "hello", "my SSN is "+e2eSSN), "\n", "\r\n")
		var b bytes.Buffer
		if err := dkim.Sign(&b, strings.NewReader(raw), &dkim.SignOptions{Domain: "bigmail.example", Selector: "s1", Signer: key}); err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(b.String(), "\r\n", "\n")
	}
	// Item 6: the attacker's own signed message, replayed with the
	// victim as envelope sender: spf=fail dkim=pass dmarc=pass.
	submit(t, gw, "victim@bigmail.example", signed("attacker@bigmail.example"))
	// The same message from its own author: DMARC pass and envelope = From.
	submit(t, gw, "attacker@bigmail.example", signed("attacker@bigmail.example"))
	// Issue 8 item 8: an envelope sender that is a card number is masked;
	// the masked address is not the member's, the real one must not go out.
	maskedRef := submit(t, gw, "4111111111111111@member.test", memberMessage("4111111111111111@member.test", "hi", "SSN "+e2eSSN))
	// Item 7: one mailbox in five spellings gets one reply.
	for _, a := range []string{"bob@member.test", "bob+1@member.test", "bob+x@member.test", "b.o.b@member.test", "BOB@member.test"} {
		submit(t, gw, a, memberMessage(a, "again", "SSN "+e2eSSN))
	}
	// Item 9's knock-on: a Message-ID holding a card number (masked by
	// the gateway) is not echoed in the reply's threading fields.
	numbered := strings.Replace(memberMessage("cy@member.test", "hi", "SSN "+e2eSSN), "Message-ID: <", "Message-ID: <ref.4111-1111-1111-1111.", 1)
	submit(t, gw, "cy@member.test", numbered)

	jobs := listJobs(t, cfg)
	to := map[string]int{}
	for _, j := range jobs {
		to[strings.ToLower(j.Recipient)]++
	}
	want := map[string]int{"attacker@bigmail.example": 1, "bob@member.test": 1, "cy@member.test": 1}
	if fmt.Sprint(to) != fmt.Sprint(want) {
		t.Fatalf("replies queued to %v, want %v", to, want)
	}
	for deadline := time.Now().Add(20 * time.Second); len(relay.received()) < 3 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	for _, m := range relay.received() {
		if m.to != "cy@member.test" {
			continue
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m.data))
		if err != nil {
			t.Fatal(err)
		}
		if msg.Header.Get("In-Reply-To") != "" || msg.Header.Get("References") != "" || strings.Contains(string(m.data), "1111.e2e") {
			t.Errorf("the reply echoes a Message-ID that held a card number")
		}
	}
	if n := len(relay.received()); n != 3 {
		t.Fatalf("smarthost received %d replies, want 3", n)
	}

	out := logs.String()
	if !strings.Contains(out, `"dmarc":"pass"`) || !strings.Contains(out, `"dkim":"pass"`) {
		t.Fatalf("the replayed message did not pass DKIM and DMARC: the test proves nothing")
	}
	// Staff can see why the number-sender got no answer.
	found := false
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"reason":"masked_sender"`) && strings.Contains(line, maskedRef) {
			found = true
		}
	}
	if !found {
		t.Errorf("no log line names %s with reason masked_sender", maskedRef)
	}
	if !strings.Contains(out, `"reason":"not_authenticated"`) {
		t.Errorf("the replay's decision is not logged as not_authenticated")
	}
	if strings.Contains(out, "4111111111111111") || strings.Contains(out, e2eSSN) {
		t.Errorf("logs hold a full number")
	}
}
