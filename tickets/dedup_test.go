package tickets

import "testing"

func TestDedupKey(t *testing.T) {
	raw := []byte("Received: from a by b\r\n\tid 1\r\nFrom: m@example.org\r\nSubject: hi\r\n\r\nbody\r\n")
	retried := []byte("Received: from c by d\n\tid 2\nReturn-Path: <m@example.org>\nFrom: m@example.org\nSubject: hi  \n\nbody\n")
	other := []byte("From: m@example.org\r\nSubject: hi\r\n\r\nanother body\r\n")
	cases := []struct {
		name string
		a, b string
		same bool
	}{
		{"same id, same queue", DedupKey("q", "<a@b>", nil), DedupKey("q", "a@b", raw), true},
		{"same id, other queue", DedupKey("q", "<a@b>", nil), DedupKey("r", "<a@b>", nil), false},
		{"other id", DedupKey("q", "<a@b>", nil), DedupKey("q", "<c@b>", nil), false},
		{"no id, retried through other hops", DedupKey("q", "", raw), DedupKey("q", "", retried), true},
		{"no id, other content", DedupKey("q", "", raw), DedupKey("q", "", other), false},
		{"id and content are different keys", DedupKey("q", "x", nil), DedupKey("q", "", []byte("x")), false},
	}
	for _, c := range cases {
		if (c.a == c.b) != c.same {
			t.Errorf("%s: keys equal = %v, want %v", c.name, c.a == c.b, c.same)
		}
	}
	if k := DedupKey("q", "<123-45-6789@x>", nil); len(k) != 67 {
		t.Errorf("key %d bytes, want a fixed-size hash", len(k))
	}
}
