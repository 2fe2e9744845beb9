package tickets

import "testing"

func TestDedupKey(t *testing.T) {
	raw := []byte("Received: from a by b\r\n\tid 1\r\nFrom: m@example.org\r\nMessage-ID: <a@b>\r\nSubject: hi\r\n\r\nbody\r\n")
	// The same message again: other hops, our own trace fields, LF line
	// endings, trailing blanks.
	retried := []byte("Received: from c by d\n\tid 2\nReturn-Path: <m@example.org>\nAuthentication-Results: mx.support.localhost; spf=pass\n" +
		"X-Intake-Queue: q\nFrom: m@example.org\nMessage-ID: <a@b>\nSubject: hi  \n\nbody\n")
	other := []byte("From: m@example.org\r\nMessage-ID: <a@b>\r\nSubject: hi\r\n\r\nanother body\r\n")
	otherHeader := []byte("From: m@example.org\r\nMessage-ID: <a@b>\r\nSubject: hi, SSN 489-36-8350\r\n\r\nbody\r\n")
	cases := []struct {
		name string
		a, b string
		same bool
	}{
		{"retried through other hops", DedupKey("q", "m@example.org", "<a@b>", raw), DedupKey("q", "M@Example.org", "a@b", retried), true},
		{"same id, same bytes, other queue", DedupKey("q", "m@example.org", "<a@b>", raw), DedupKey("r", "m@example.org", "<a@b>", raw), false},
		{"same id, same bytes, other sender", DedupKey("q", "m@example.org", "<a@b>", raw), DedupKey("q", "x@evil.example", "<a@b>", raw), false},
		{"same id, same sender, other body", DedupKey("q", "m@example.org", "<a@b>", raw), DedupKey("q", "m@example.org", "<a@b>", other), false},
		{"same id, same sender, other subject", DedupKey("q", "m@example.org", "<a@b>", raw), DedupKey("q", "m@example.org", "<a@b>", otherHeader), false},
		{"same id, null sender vs a sender", DedupKey("q", "", "<a@b>", raw), DedupKey("q", "m@example.org", "<a@b>", raw), false},
		{"other id, same bytes", DedupKey("q", "m@example.org", "<a@b>", raw), DedupKey("q", "m@example.org", "<c@b>", raw), false},
		{"no id, retried", DedupKey("q", "m@example.org", "", raw), DedupKey("q", "m@example.org", "", retried), true},
		{"no id, other content", DedupKey("q", "m@example.org", "", raw), DedupKey("q", "m@example.org", "", other), false},
	}
	for _, c := range cases {
		if (c.a == c.b) != c.same {
			t.Errorf("%s: keys equal = %v, want %v", c.name, c.a == c.b, c.same)
		}
	}
	if k := DedupKey("q", "m@example.org", "<123-45-6789@x>", raw); len(k) != 67 {
		t.Errorf("key %d bytes, want a fixed-size hash", len(k))
	}
}
