package main

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Issue 15 item 3, end to end: six PDF inflate bombs at once over SMTP
// must not take the real `intake serve` process past 1 GiB, each must be
// answered (250 with the part withheld, or 451), and an ordinary message
// sent while they are read must be answered within seconds. serve runs as
// a child process so that its peak RSS (VmHWM) is its own.

const (
	bombCount    = 6
	bombInflated = 200 << 20 // what the bomb's one stream inflates to
	bombRSSLimit = 1 << 30
	bombNormalBy = 30 * time.Second // the bound a normal message must meet
	bombBudget   = 60 * time.Second // the whole run, from serve's start
)

// bombPDF is the bomb: a one-page PDF of about 270 KiB whose one
// FlateDecode content stream inflates to 200 MiB of "(777…) Tj".
func bombPDF() []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write([]byte("BT /F1 12 Tf 72 700 Td\n"))
	chunk := []byte(strings.Repeat("("+strings.Repeat("7", 4000)+") Tj\n", 256))
	for n := 0; n < bombInflated; n += len(chunk) {
		zw.Write(chunk)
	}
	zw.Write([]byte("ET\n"))
	zw.Close()
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	var off []int
	obj := func(s string) { off = append(off, b.Len()); b.WriteString(s) }
	obj("1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n")
	obj("2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n")
	obj("3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >> endobj\n")
	obj(fmt.Sprintf("4 0 obj << /Length %d /Filter /FlateDecode >> stream\n", z.Len()))
	b.Write(z.Bytes())
	b.WriteString("\nendstream endobj\n")
	obj("5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> endobj\n")
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 6\n0000000000 65535 f \n")
	for _, o := range off {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer << /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", x)
	return b.Bytes()
}

// bombMessage carries the bomb as a PDF attachment, base64 in 76-column
// lines.
func bombMessage(i int, pdf []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(pdf)
	var b strings.Builder
	fmt.Fprintf(&b, "From: m@member.example\r\nTo: help@support.localhost\r\nSubject: statement %d\r\n"+
		"Message-ID: <bomb-%d-%d@member.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"+
		"--b\r\nContent-Type: text/plain\r\n\r\nSee the attached statement.\r\n"+
		"--b\r\nContent-Type: application/pdf; name=statement.pdf\r\nContent-Disposition: attachment; filename=statement.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		i, i, time.Now().UnixNano())
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b--\r\n")
	return []byte(b.String())
}

// bombReply is the outcome of one transaction: the final reply, and when
// the end of DATA was written and the reply read.
type bombReply struct {
	code     int
	text     string
	err      error
	dataSent time.Time
	answered time.Time
}

// bombDeliver runs one SMTP transaction over a raw connection, so that the
// whole message is on the wire (sent is closed) before the reply is read.
func bombDeliver(addr string, msg []byte, sent chan<- struct{}, deadline time.Time) (r bombReply) {
	defer func() {
		if sent != nil {
			close(sent) // also on failure, so that no one waits for it
		}
	}()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		r.err = err
		return r
	}
	defer c.Close()
	c.SetDeadline(deadline)
	br := bufio.NewReader(c)
	read := func() (int, string, error) {
		var last string
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return 0, last, err
			}
			last = strings.TrimRight(line, "\r\n")
			if len(last) < 4 || last[3] != '-' {
				code, _ := strconv.Atoi(last[:min(3, len(last))])
				return code, last, nil
			}
		}
	}
	step := func(line string, want int) bool {
		if line != "" {
			if _, err := c.Write([]byte(line + "\r\n")); err != nil {
				r.err = err
				return false
			}
		}
		code, text, err := read()
		if err != nil || code != want {
			r.code, r.text, r.err = code, text, err
			return false
		}
		return true
	}
	if !step("", 220) || !step("EHLO client.member.example", 250) || !step("MAIL FROM:<m@member.example>", 250) ||
		!step("RCPT TO:<help@support.localhost>", 250) || !step("DATA", 354) {
		return r
	}
	if _, err := c.Write(append(msg, ".\r\n"...)); err != nil {
		r.err = err
		return r
	}
	r.dataSent = time.Now()
	if sent != nil {
		close(sent)
		sent = nil
	}
	r.code, r.text, r.err = read()
	r.answered = time.Now()
	c.Write([]byte("QUIT\r\n"))
	return r
}

// procStatus reads a field of /proc/PID/status in bytes ("VmHWM").
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// bombFreeAddr is a loopback address that was free a moment ago.
func bombFreeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// bombLog collects serve's log lines.
type bombLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *bombLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *bombLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var bombQueuedRe = regexp.MustCompile(`^250 .*queued as (T-[0-9A-Z]{6})`)

func TestServeSixPDFBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and six 200 MiB bombs")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads serve's peak RSS from /proc")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "intake")
	var pdf []byte
	built := make(chan struct{})
	go func() { pdf = bombPDF(); close(built) }()
	buildStart := time.Now()
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	<-built
	t.Logf("binary built and bomb made in %v; the bomb is a %d KiB PDF inflating to %d MiB", time.Since(buildStart).Round(time.Millisecond), len(pdf)>>10, bombInflated>>20)

	// Everything on loopback: SMTP, metrics and web on ports of their own,
	// DNS on a port nobody answers, no replies sent.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dns := pc.LocalAddr().String()
	pc.Close()
	smtpAddr := bombFreeAddr(t)
	cfgFile := filepath.Join(dir, "intake.toml")
	cfg := fmt.Sprintf("data_dir = \"data\"\n[smtp]\nlisten = [%q]\nshutdown_grace = \"5s\"\n[dns]\nresolver = %q\n[metrics]\nlisten = %q\n[web]\nlisten = %q\n[reply]\nenabled = false\n",
		smtpAddr, dns, bombFreeAddr(t), bombFreeAddr(t))
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	logs := &bombLog{}
	cmd := exec.Command(bin, "serve", "--config", cfgFile)
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	deadline := start.Add(bombBudget)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	defer stop()
	for {
		c, err := net.DialTimeout("tcp", smtpAddr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("serve never listened: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	baseRSS, _ := procStatus(cmd.Process.Pid, "VmRSS")

	// A fuse: serve past the limit is killed at once, so that a regression
	// fails this test instead of taking the machine's memory.
	var blown struct {
		sync.Mutex
		rss int64
	}
	fuseDone := make(chan struct{})
	defer close(fuseDone)
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-fuseDone:
				return
			case <-tick.C:
			}
			if rss, err := procStatus(cmd.Process.Pid, "VmRSS"); err == nil && rss > bombRSSLimit {
				cmd.Process.Kill()
				blown.Lock()
				blown.rss = rss
				blown.Unlock()
				return
			}
		}
	}()

	// The six bombs at once; the normal message once all six are on the
	// wire, so that it is read while they are.
	replies := make([]bombReply, bombCount)
	var wg sync.WaitGroup
	var sent []chan struct{}
	for i := range replies {
		ch := make(chan struct{})
		sent = append(sent, ch)
		msg := bombMessage(i, pdf)
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i] = bombDeliver(smtpAddr, msg, ch, deadline)
		}()
	}
	for _, ch := range sent {
		<-ch
	}
	normal := []byte("From: m@member.example\r\nTo: help@support.localhost\r\nSubject: renewal\r\n" +
		fmt.Sprintf("Message-ID: <normal-%d@member.example>\r\n\r\n", time.Now().UnixNano()) +
		"Please charge my card 4111 1111 1111 1111 for the renewal.\r\n")
	normalStart := time.Now()
	nr := bombDeliver(smtpAddr, normal, nil, normalStart.Add(bombNormalBy+5*time.Second))
	latency := nr.answered.Sub(normalStart)
	wg.Wait()
	elapsed := time.Since(start)
	blown.Lock()
	fused := blown.rss
	blown.Unlock()
	if fused > 0 {
		stop()
		t.Fatalf("serve killed at %d MiB RSS, over %d MiB, %v after it started; the normal message: %d %q after %v",
			fused>>20, bombRSSLimit>>20, elapsed.Round(time.Millisecond), nr.code, nr.text, latency.Round(time.Millisecond))
	}
	peak, err := procStatus(cmd.Process.Pid, "VmHWM")
	if err != nil {
		t.Fatalf("serve's peak RSS: %v", err)
	}
	stop()

	t.Logf("serve: RSS %d MiB before, peak (VmHWM) %d MiB with %d bombs of %d MiB at once; the normal message answered in %v (%d); all answered %v after serve started",
		baseRSS>>20, peak>>20, bombCount, bombInflated>>20, latency.Round(time.Millisecond), nr.code, elapsed.Round(time.Millisecond))
	if peak > bombRSSLimit {
		t.Errorf("serve's peak RSS %d MiB, over %d MiB", peak>>20, bombRSSLimit>>20)
	}
	if nr.err != nil || !bombQueuedRe.MatchString(nr.text) {
		t.Errorf("the normal message: %q (%v)", nr.text, nr.err)
	} else if latency > bombNormalBy {
		t.Errorf("the normal message took %v, over %v", latency, bombNormalBy)
	}
	if elapsed > bombBudget {
		t.Errorf("the run took %v, over %v", elapsed, bombBudget)
	}

	// Each bomb answered: 451 (try later), or 250 with its part withheld.
	var refs []string
	for i, r := range replies {
		switch {
		case r.err != nil:
			t.Errorf("bomb %d: no answer: %v (%d %q)", i, r.err, r.code, r.text)
		case r.code == 451:
			t.Logf("bomb %d: %q after %v", i, r.text, r.answered.Sub(r.dataSent).Round(time.Millisecond))
		case bombQueuedRe.MatchString(r.text):
			refs = append(refs, bombQueuedRe.FindStringSubmatch(r.text)[1])
			t.Logf("bomb %d: %q after %v", i, r.text, r.answered.Sub(r.dataSent).Round(time.Millisecond))
		default:
			t.Errorf("bomb %d: answered %d %q", i, r.code, r.text)
		}
	}
	for _, ref := range refs {
		out, err := exec.Command(bin, "tickets", "show", ref, "--json", "--config", cfgFile).Output()
		if err != nil {
			t.Errorf("tickets show %s: %v", ref, err)
			continue
		}
		var d struct {
			Messages []struct {
				Parts []struct {
					Where    string `json:"where"`
					Withheld bool   `json:"withheld"`
					Reason   string `json:"reason"`
				} `json:"parts"`
				Attachments []struct {
					Name string `json:"name"`
				} `json:"attachments"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(out, &d); err != nil || len(d.Messages) != 1 {
			t.Errorf("tickets show %s: %v", ref, err)
			continue
		}
		withheld := ""
		for _, p := range d.Messages[0].Parts {
			if p.Withheld && strings.Contains(p.Where, "statement.pdf") {
				withheld = p.Reason
			}
		}
		if withheld == "" || len(d.Messages[0].Attachments) != 0 {
			t.Errorf("%s: the bomb was not withheld (parts %+v, %d attachments kept)", ref, d.Messages[0].Parts, len(d.Messages[0].Attachments))
		} else {
			t.Logf("%s: statement.pdf withheld as %s", ref, withheld)
		}
	}
}
