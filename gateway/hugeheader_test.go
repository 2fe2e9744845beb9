package gateway

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

const fakeSignature = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=member.example; s=sel;\r\n" +
	"\th=from:to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n"

// hugeHeaders are header sections of about n bytes in the shapes that make
// dkim.Verify superlinear, each with a signature so that it runs.
var hugeHeaders = map[string]func(n int) string{
	"many fields": func(n int) string {
		var b strings.Builder
		b.WriteString(fakeSignature)
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, "X-Filler-%d: %s\r\n", i, strings.Repeat("x", 80))
		}
		return b.String()
	},
	// One field folded over and over: the verifier grows it line by line.
	"one folded field": func(n int) string {
		var b strings.Builder
		b.WriteString(fakeSignature + "X-Long: a\r\n")
		for b.Len() < n {
			b.WriteString("\t" + strings.Repeat("y", 76) + "\r\n")
		}
		return b.String()
	},
	// A signature naming thousands of fields: each is looked up by walking
	// the whole header.
	"long h= tag": func(n int) string {
		var b strings.Builder
		b.WriteString("DKIM-Signature: v=1; a=rsa-sha256; d=member.example; s=sel;\r\n" +
			"\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA; h=from")
		for b.Len() < n/2 {
			b.WriteString(":\r\n\tx-f")
		}
		b.WriteString("\r\n")
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, "X-F: %d\r\n", i)
		}
		return b.String()
	},
	// A line that is no field: our parser starts the body there, the
	// verifier reads on to the empty line.
	"after a non-field line": func(n int) string {
		var b strings.Builder
		b.WriteString(fakeSignature + "this line is not a field\r\nX-Long: a\r\n")
		for b.Len() < n {
			b.WriteString("\t" + strings.Repeat("z", 76) + "\r\n")
		}
		return b.String()
	},
}

func hugeHeaderMessage(shape string, n int) string {
	return hugeHeaders[shape](n) + "From: m@member.example\r\nTo: help@support.localhost\r\nSubject: huge header\r\n" +
		fmt.Sprintf("Message-ID: <huge-%d@member.example>\r\n\r\nbody\r\n", time.Now().UnixNano())
}

// TestHugeHeaderAnsweredInTime: ~5 MB of header fields made dkim.Verify
// spend seconds to minutes of CPU (1 MiB folded: 2.6 s, 1 MiB with a long
// h= tag: 6.7 s, growing with the square of the size); the header block we
// verify is bounded, DKIM is permerror past it, and the message is
// answered within a few seconds.
func TestHugeHeaderAnsweredInTime(t *testing.T) {
	e := newEnv(t)
	authZone(t, e)
	for shape := range hugeHeaders {
		t.Run(shape, func(t *testing.T) {
			msg := hugeHeaderMessage(shape, 5<<20)
			start := time.Now()
			code, text := sendMail(t, e.addr, "m@member.example", []string{"help@support.localhost"}, msg)
			took := time.Since(start)
			t.Logf("%d MB of header: %d in %v", len(msg)>>20, code, took.Round(time.Millisecond))
			ref := refOf(t, code, text)
			if took > 10*time.Second {
				t.Errorf("answered after %v", took)
			}
			if d := e.ticket(ref); d.Messages[0].Auth.DKIM != verdictPermError {
				t.Errorf("dkim=%s, want permerror for a header past the bound", d.Messages[0].Auth.DKIM)
			}
		})
	}
}

func TestDKIMHeaderBound(t *testing.T) {
	sig := func(names int) string {
		return "DKIM-Signature: v=1; d=a.example; h=" + strings.TrimSuffix(strings.Repeat("x:", names), ":") + "; b=x\r\n"
	}
	cases := []struct {
		name string
		raw  string
		want string
	}{
		{"ordinary", fakeSignature + "From: a@b\r\n\r\nbody", ""},
		{"no body", "From: a@b\r\n", ""},
		{"empty header", "\r\nbody" + strings.Repeat("x", maxDKIMHeaderBytes), ""},
		{"big body", "From: a@b\r\n\r\n" + strings.Repeat("x\r\n", maxDKIMHeaderBytes), ""},
		{"header bytes", "X: " + strings.Repeat("x", maxDKIMHeaderBytes) + "\r\n\r\n", "header_bytes"},
		{"header fields", strings.Repeat("X: 1\r\n", maxDKIMHeaderFields+1) + "\r\n", "header_fields"},
		{"fields at the bound", strings.Repeat("X: 1\r\n", maxDKIMHeaderFields) + "\r\n", ""},
		{"signed fields", sig(maxDKIMSignedFields+1) + "From: a@b\r\n\r\n", "signed_fields"},
		{"signed fields last", "From: a@b\r\n" + sig(maxDKIMSignedFields+1) + "\r\n", "signed_fields"},
		{"signed fields folded", "dkim-signature: v=1; h=a\r\n\t" + strings.Repeat(":x", maxDKIMSignedFields) + "\r\n\r\n", "signed_fields"},
		{"signed fields at the bound", sig(maxDKIMSignedFields) + "\r\n", ""},
	}
	for _, tc := range cases {
		if got := dkimHeaderTooBig([]byte(tc.raw)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// stuckDKIMResolver answers DKIM key lookups only after a long time and
// without looking at the context, as a verifier stuck in CPU would: the
// authentication deadline must not wait for it.
type stuckDKIMResolver struct {
	Resolver
	delay time.Duration
}

func (r stuckDKIMResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	if strings.Contains(name, "._domainkey.") {
		time.Sleep(r.delay)
		return nil, &net.DNSError{Err: "timeout", Name: name, IsTimeout: true}
	}
	return r.Resolver.LookupTXT(ctx, name)
}

// TestAuthDeadlineAbandonsDKIM: the whole authentication step has one
// deadline; a DKIM verification still running at it is abandoned and
// reported temperror, and the message is answered.
func TestAuthDeadlineAbandonsDKIM(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.Resolver = stuckDKIMResolver{Resolver: o.Resolver, delay: 5 * time.Second}
		o.AuthTimeout = 300 * time.Millisecond
		o.AuthBudget = 600 * time.Millisecond
	})
	sign := authZone(t, e)
	start := time.Now()
	ref := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, sign(fromMessage("m@member.example", "stuck")))
	took := time.Since(start)
	if took > 3*time.Second {
		t.Errorf("answered after %v with a 600 ms authentication budget", took)
	}
	m := e.ticket(ref).Messages[0]
	if m.Auth.DKIM != verdictTempError || m.Auth.SPF != verdictPass {
		t.Errorf("spf=%s dkim=%s, want pass and temperror", m.Auth.SPF, m.Auth.DKIM)
	}
	if !strings.Contains(e.logs.String(), "dkim abandoned") {
		t.Error("the abandoned verification is not logged")
	}
}

// TestManyKeptHeaderFields: hundreds of fields staff would see (To, Cc)
// cost those fields, never the message: it is filed, not refused.
func TestManyKeptHeaderFields(t *testing.T) {
	e := newEnv(t)
	h := []string{"From: m@member.example", "Subject: many cc", fmt.Sprintf("Message-ID: <cc-%d@member.example>", time.Now().UnixNano())}
	for i := 0; i < 300; i++ {
		h = append(h, fmt.Sprintf("Cc: person%d@member.example", i))
	}
	ref := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, message(h, "hello\n"))
	if n := len(e.ticket(ref).Messages[0].Headers); n == 0 || n > maxKeptHeaders+1 {
		t.Errorf("%d headers kept", n)
	}
}
