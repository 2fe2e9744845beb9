package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5"

	"github.com/intake-mail/intake/tickets"
)

// nodeSink is the nodes' smarthost: it notes which node (by its EHLO
// name) handed over which reply, and can hold one node's deliveries
// unanswered, so that the node is killed with jobs in flight that the
// smarthost never accepted.
type nodeSink struct {
	addr string

	mu      sync.Mutex
	got     []sunkReply
	hold    string // EHLO name whose deliveries are held
	held    []string
	release chan struct{} // closed: held deliveries end with a 451
}

type sunkReply struct {
	node, to, inReplyTo string
}

func startNodeSink(t *testing.T, hold string) *nodeSink {
	t.Helper()
	s := &nodeSink{hold: hold, release: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &nodeSinkSession{s: s, c: c}, nil }))
	srv.Domain = "smarthost.test"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() {
		s.releaseHeld()
		srv.Close()
	})
	return s
}

func (s *nodeSink) releaseHeld() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.release:
	default:
		close(s.release)
	}
}

func (s *nodeSink) snapshot() (got []sunkReply, held []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunkReply(nil), s.got...), append([]string(nil), s.held...)
}

type nodeSinkSession struct {
	s  *nodeSink
	c  *smtp.Conn
	to string
}

func (ss *nodeSinkSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (ss *nodeSinkSession) Rcpt(to string, _ *smtp.RcptOptions) error { ss.to = to; return nil }
func (ss *nodeSinkSession) Reset()                                    { ss.to = "" }
func (ss *nodeSinkSession) Logout() error                             { return nil }

func (ss *nodeSinkSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, msg.Body)
	node := ss.c.Hostname()
	s := ss.s
	s.mu.Lock()
	if node == s.hold {
		s.held = append(s.held, ss.to)
		s.mu.Unlock()
		<-s.release
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "held, never accepted"}
	}
	s.got = append(s.got, sunkReply{node: node, to: ss.to, inReplyTo: msg.Header.Get("In-Reply-To")})
	s.mu.Unlock()
	return nil
}

// delivery is one member message and what the gateways said to it.
type delivery struct {
	from, msgID, raw string
	sensitive        bool
	// refs are the tickets the 250s named (two for a message delivered
	// to two nodes).
	refs []string
}

// deliverTo sends raw to addr and returns the ref of its 250, or an
// error for anything else (refused, 4xx, connection lost).
func deliverTo(addr, from, raw string) (string, error) {
	c, err := smtp.Dial(addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if err := c.Hello("client.member.test"); err != nil {
		return "", err
	}
	if err := c.Mail(from, nil); err != nil {
		return "", err
	}
	if err := c.Rcpt("help@support.localhost", nil); err != nil {
		return "", err
	}
	w, err := c.Data()
	if err != nil {
		return "", err
	}
	io.WriteString(w, strings.ReplaceAll(raw, "\n", "\r\n"))
	resp, err := w.CloseWithResponse()
	if err != nil {
		return "", err
	}
	c.Quit()
	m := queuedRe.FindStringSubmatch(resp.StatusText)
	if m == nil {
		return "", fmt.Errorf("DATA answered %q", resp.StatusText)
	}
	return m[1], nil
}

// pgSchema makes a fresh schema on the test server, dropped after the
// test, and returns a DSN that uses it and a connection to look with.
func pgSchema(t *testing.T, prefix string) (dsn string, conn *pgx.Conn) {
	t.Helper()
	base := os.Getenv(envPostgres)
	var b [6]byte
	rand.Read(b[:])
	schema := prefix + hex.EncodeToString(b[:])
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	dsn = base + sep + "search_path=" + schema
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	admin.Close(ctx)
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), base); err == nil {
			c.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
			c.Close(context.Background())
		}
	})
	if conn, err = pgx.Connect(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return dsn, conn
}

// clusterKeys writes the shared key files into dir and returns the
// quarantine recipient every node seals to.
func clusterKeys(t *testing.T, dir string) string {
	t.Helper()
	for _, k := range []string{"thread.key", "audit.key"} {
		b := make([]byte, 32)
		rand.Read(b)
		if err := os.WriteFile(filepath.Join(dir, k), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	id, err := tickets.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return id.Recipient
}

// TestNodesShareOnePostgres runs three real `intake serve` processes on
// one PostgreSQL database, loads them at once (30 % of the mail holds an
// SSN; some messages reach two nodes, as a retry through a second MX
// would), kills one node with jobs in flight, and then checks the
// promises a cluster must keep: one ticket per message and per 250,
// nothing acknowledged lost, every reply handed to the smarthost exactly
// once (the killed node's after its lease ran out), one sensitive-data
// reply per member across nodes, retention run by every node at once
// without double purges, and an intact audit chain.
func TestNodesShareOnePostgres(t *testing.T) {
	if os.Getenv(envPostgres) == "" {
		t.Skip(envPostgres + " not set: the multi-node test needs a PostgreSQL server (CI sets it)")
	}
	bin := intakeBinary(t)
	dsn, db := pgSchema(t, "intake_nodes_")
	dir := t.TempDir()
	recipient := clusterKeys(t, dir)
	z := startZone(t)
	z.set("member.test", e2eTXT)
	const victim = "node3.test"
	sink := startNodeSink(t, victim)

	// A short lease and poll, so the test sees a takeover in seconds.
	const lease = 4 * time.Second
	names := []string{"node1.test", "node2.test", victim}
	var nodes []*proc
	for i, name := range names {
		addr := freePort(t)
		cfg := filepath.Join(dir, fmt.Sprintf("node%d.toml", i+1))
		conf := fmt.Sprintf(`data_dir = "data%d"
[smtp]
listen = [%q]
hostname = %q
shutdown_grace = "5s"
max_connections_per_ip = 500
[dns]
resolver = %q
[metrics]
listen = ""
[web]
listen = ""
[store]
driver = "postgres"
dsn = %q
thread_key_file = "thread.key"
audit_key_file = "audit.key"
[quarantine]
recipients = [%q]
[reply]
smarthost = %q
outbox_lease = %q
outbox_poll = "250ms"
retry_min = "1s"
retry_max = "2s"
`, i+1, addr, name, z.addr, dsn, recipient, sink.addr, lease.String())
		if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, startProc(t, bin, name, cfg, addr))
	}
	for _, n := range nodes {
		n.waitListening(t)
	}

	// The mail: distinct members spread over the nodes, 30 % with an
	// SSN; messages that reach node1 and node2 at once; one member
	// whose two sensitive messages land on two nodes; one message cut off
	// at the killed node in the middle of DATA.
	message := func(from, id string, sensitive bool) string {
		body := "Please update my postal address."
		if sensitive {
			body = "My SSN is " + e2eSSN + ", please update my address."
		}
		return fmt.Sprintf("From: Member <%s>\nTo: help@support.localhost\nSubject: request %s\nMessage-ID: <%s>\nDate: Wed, 25 Nov 2026 10:00:00 +0000\n\n%s\n", from, id, id, body)
	}
	newDelivery := func(from, id string, sensitive bool) *delivery {
		return &delivery{from: from, msgID: id, raw: message(from, id, sensitive), sensitive: sensitive}
	}
	const perNode = 80
	var spread [3][]*delivery
	var all []*delivery
	for i := 0; i < 3*perNode; i++ {
		d := newDelivery(fmt.Sprintf("m%d@member.test", i), fmt.Sprintf("load-%d@member.test", i), i%10 < 3)
		spread[i%3] = append(spread[i%3], d)
		all = append(all, d)
	}
	var twice []*delivery
	for i := 0; i < 30; i++ {
		d := newDelivery(fmt.Sprintf("d%d@member.test", i), fmt.Sprintf("twice-%d@member.test", i), i%10 < 3)
		twice = append(twice, d)
		all = append(all, d)
	}
	member := []*delivery{
		newDelivery("ann@member.test", "ann-1@member.test", true),
		newDelivery("ann@member.test", "ann-2@member.test", true),
	}
	cut := newDelivery("cut@member.test", "cut@member.test", true)
	all = append(all, member[0], member[1], cut)

	// send delivers d to node, or, when that node fails it, to node1, as
	// a sending MTA moves on to the next MX.
	var mu sync.Mutex
	var failovers int
	send := func(node int, d *delivery) error {
		ref, err := deliverTo(nodes[node].smtp, d.from, d.raw)
		if err != nil && node != 0 {
			mu.Lock()
			failovers++
			mu.Unlock()
			ref, err = deliverTo(nodes[0].smtp, d.from, d.raw)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", d.msgID, err)
		}
		mu.Lock()
		d.refs = append(d.refs, ref)
		mu.Unlock()
		return nil
	}

	killed := make(chan struct{})
	errs := make(chan error, len(all)*2)
	var wg sync.WaitGroup
	run := func(node int, ds []*delivery, workers int, gate func(i int)) {
		next := make(chan int)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					if err := send(node, ds[i]); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(next)
			for i := range ds {
				if gate != nil {
					gate(i)
				}
				next <- i
			}
		}()
	}

	// The killed node's member mail: its second half waits for the kill
	// and then fails over to node1.
	victimSent := make(chan struct{})
	run(2, spread[2], 4, func(i int) {
		if i == len(spread[2])/2 {
			close(victimSent)
			<-killed
		}
	})
	run(0, spread[0], 4, nil)
	run(1, spread[1], 4, nil)
	for i, d := range twice {
		a, b := 0, 1
		if i%2 == 1 {
			a, b = 1, 0
		}
		wg.Add(2)
		go func() { defer wg.Done(); errs <- send(a, d) }()
		go func() { defer wg.Done(); errs <- send(b, d) }()
	}
	wg.Add(2)
	go func() { defer wg.Done(); errs <- send(0, member[0]) }()
	go func() { defer wg.Done(); errs <- send(1, member[1]) }()

	// Mid-load: once the victim has filed its first half and holds
	// replies at the smarthost, a message is cut off in its DATA and the
	// node is killed.
	<-victimSent
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, held := sink.snapshot(); len(held) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never held a reply in flight\n%s", victim, nodes[2].logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cutConn, err := smtp.Dial(nodes[2].smtp)
	if err != nil {
		t.Fatal(err)
	}
	cutConn.Hello("client.member.test")
	cutConn.Mail(cut.from, nil)
	cutConn.Rcpt("help@support.localhost", nil)
	cutW, err := cutConn.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(cutW, strings.ReplaceAll(cut.raw[:len(cut.raw)/2], "\n", "\r\n"))
	if err := nodes[2].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-nodes[2].exited
	_, heldAtKill := sink.snapshot()
	sink.releaseHeld()
	close(killed)
	if _, err := cutW.CloseWithResponse(); err == nil {
		t.Fatal("a message cut off by SIGKILL was answered")
	}
	cutConn.Close()
	if err := send(0, cut); err != nil {
		t.Fatal(err)
	}

	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	ctx := context.Background()
	// Every 250 names the one ticket of its message; a message that
	// reached two nodes was filed once, and both 250s name that ticket.
	filed := map[string]string{} // Message-ID -> ref in the store
	rows, err := db.Query(ctx, `SELECT m.message_id, t.ref, COUNT(*) OVER (PARTITION BY m.message_id) FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.kind = 'inbound'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, ref string
		var n int
		if err := rows.Scan(&id, &ref, &n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("message %s stored %d times", id, n)
		}
		filed[id] = ref
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		if len(d.refs) == 0 {
			t.Errorf("%s: never acknowledged", d.msgID)
			continue
		}
		for _, ref := range d.refs {
			if filed[d.msgID] != ref {
				t.Errorf("%s: 250 named %s, the store filed it as %q", d.msgID, ref, filed[d.msgID])
			}
		}
	}
	var nTickets int
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM tickets").Scan(&nTickets); err != nil {
		t.Fatal(err)
	}
	if nTickets != len(all) || len(filed) != len(all) {
		t.Errorf("%d tickets for %d messages (%d filed)", nTickets, len(all), len(filed))
	}

	// Every job ends delivered: the victim's once their lease ran out.
	deadline = time.Now().Add(lease + 20*time.Second)
	for {
		var open int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM outbox WHERE state <> 'done'").Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d outbox jobs not done\n%s\n%s", open, nodes[0].logs.String(), nodes[1].logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// One job per sensitive member address, however many nodes the
	// member's mail reached.
	jobs := map[string]int{}
	rows, err = db.Query(ctx, "SELECT recipient, kind FROM outbox")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var to, kind string
		if err := rows.Scan(&to, &kind); err != nil {
			t.Fatal(err)
		}
		if kind != "reply.sensitive" {
			t.Errorf("job of kind %s for %s", kind, to)
		}
		jobs[to]++
	}
	want := map[string]bool{}
	for _, d := range all {
		if d.sensitive {
			want[d.from] = true
		}
	}
	for to := range want {
		if jobs[to] != 1 {
			t.Errorf("%s: %d sensitive-data jobs, want 1", to, jobs[to])
		}
	}
	if len(jobs) != len(want) {
		t.Errorf("%d addresses have jobs, want %d", len(jobs), len(want))
	}

	// The smarthost saw each reply once. A second copy is allowed only
	// where the crash fell between the smarthost's 250 and the ack: the
	// victim's replies are held, never accepted, so there are none here.
	got, _ := sink.snapshot()
	seen := map[string]int{}
	windowCases := 0
	for _, r := range got {
		if r.node == victim {
			t.Errorf("the killed node delivered to %s", r.to)
		}
		seen[r.to]++
	}
	for to, n := range seen {
		if !want[to] {
			t.Errorf("reply to %s, who sent nothing sensitive", to)
		}
		if n > 1 {
			t.Errorf("%s received %d replies", to, n)
		}
	}
	for to := range want {
		if seen[to] == 0 {
			t.Errorf("%s got no reply", to)
		}
	}
	takenOver := map[string]string{}
	for _, r := range got {
		for _, h := range heldAtKill {
			if r.to == h {
				takenOver[h] = r.node
			}
		}
	}
	if len(takenOver) != len(uniq(heldAtKill)) {
		t.Errorf("the victim held %v at its death; delivered by others: %v", heldAtKill, takenOver)
	}
	// The survivors said so: each took over the jobs whose lease the
	// victim left to run out.
	takeovers := 0
	for _, n := range nodes[:2] {
		for _, l := range n.logLines("outbox job taken over") {
			if !strings.Contains(l, `"from":"`) {
				t.Errorf("%s: %s", n.name, l)
			}
			takeovers++
		}
	}
	if takeovers < len(uniq(heldAtKill)) {
		t.Errorf("%d takeovers logged, the victim held %d jobs in delivery", takeovers, len(uniq(heldAtKill)))
	}
	t.Logf("%d messages (%d to two nodes), %d failed over from the killed node; %d replies, %d held by the killed node in delivery, %d jobs taken over after its lease ran out (%v); at-least-once window cases: %d",
		len(all), len(twice), failovers, len(got), len(uniq(heldAtKill)), takeovers, takenOver, windowCases)

	verify := func(when string) {
		out, err := exec.Command(bin, "audit", "verify", "--config", nodes[0].cfg).CombinedOutput()
		if err != nil {
			t.Fatalf("audit verify %s: %v\n%s", when, err, out)
		}
	}
	verify("after the load")

	// Retention on every node at once: each node purges at start, so
	// with every item past its deadline the three start together.
	for _, n := range nodes[:2] {
		n.stop(t)
	}
	var items int
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM quarantine").Scan(&items); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, "UPDATE quarantine SET retain_until = 1"); err != nil {
		t.Fatal(err)
	}
	var again []*proc
	for _, n := range nodes {
		again = append(again, startProc(t, bin, n.name, n.cfg, n.smtp))
	}
	purged := 0
	for _, n := range again {
		deadline := time.Now().Add(30 * time.Second)
		for len(n.logLines("audit anchor")) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%s ran no retention round\n%s", n.name, n.logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		if bad := n.logLines("retention purge failed"); len(bad) > 0 {
			t.Errorf("%s: %v", n.name, bad)
		}
		for _, l := range n.logLines("retention purge") {
			var rec struct {
				Items int `json:"quarantine_items"`
			}
			if err := json.Unmarshal([]byte(l), &rec); err != nil {
				t.Fatal(err)
			}
			purged += rec.Items
		}
	}
	perItem := map[string]int{}
	rows, err = db.Query(ctx, "SELECT item_id FROM audit WHERE action = $1", tickets.ActionRetentionPurge)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		perItem[id]++
	}
	for id, n := range perItem {
		if n != 1 {
			t.Errorf("item %s purged %d times", id, n)
		}
	}
	if purged != items || len(perItem) != items {
		t.Errorf("nodes logged %d purges, audited %d items, of %d items", purged, len(perItem), items)
	}
	for _, n := range again {
		n.stop(t)
	}
	verify("after retention")
}

func uniq(s []string) map[string]bool {
	m := map[string]bool{}
	for _, v := range s {
		m[v] = true
	}
	return m
}
