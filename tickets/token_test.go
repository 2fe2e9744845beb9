package tickets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestThreaderRoundTrip(t *testing.T) {
	th := NewThreader([]byte("0123456789abcdef0123456789abcdef"))
	id := uuid.Must(uuid.NewV7())
	a, b := th.MessageID(id, "support.localhost"), th.MessageID(id, "support.localhost")
	if a == b {
		t.Fatalf("two Message-IDs for one ticket are equal")
	}
	if strings.ContainsAny(strings.TrimSuffix(a, "@support.localhost"), "0123456789") {
		t.Fatalf("token %q holds digits: the scanner could mistake them for a number", a)
	}
	for _, form := range []string{a, "<" + a + ">", " <" + strings.ToUpper(a[:20]) + a[20:] + "> "} {
		got, ok := th.TicketFromMessageID(form)
		if !ok || got != id {
			t.Errorf("TicketFromMessageID(%q) = %v, %v", form, got, ok)
		}
	}
}

func TestThreaderRejectsForgeries(t *testing.T) {
	th := NewThreader([]byte("0123456789abcdef0123456789abcdef"))
	id := uuid.Must(uuid.NewV7())
	good := th.MessageID(id, "support.localhost")
	at := strings.IndexByte(good, '@')
	flip := func(s string, i int) string {
		b := []byte(s)
		b[i] = 'a' + (b[i]-'a'+1)%16
		return string(b)
	}
	other := NewThreader([]byte("another key, another installation"))
	cases := map[string]string{
		"mac changed":        flip(good, at-1),
		"ticket changed":     flip(good, at-25),
		"other key":          other.MessageID(id, "support.localhost"),
		"not ours":           "CAF00@mail.example.com",
		"truncated":          good[:at-4] + good[at:],
		"digits in place":    strings.Replace(good, "a", "1", 1),
		"three fields short": "intake.abc.def@x",
		"empty":              "",
	}
	for name, mid := range cases {
		if got, ok := th.TicketFromMessageID(mid); ok {
			t.Errorf("%s: accepted, ticket %v", name, got)
		}
	}
}

func TestLoadOrCreateSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	a, err := LoadOrCreateSecret(dir)
	if err != nil || len(a) != 32 {
		t.Fatalf("create: %d bytes, %v", len(a), err)
	}
	fi, err := os.Stat(filepath.Join(dir, secretFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v, %v", fi.Mode(), err)
	}
	b, err := LoadOrCreateSecret(dir)
	if err != nil || string(a) != string(b) {
		t.Fatalf("second load differs or fails: %v", err)
	}
	os.WriteFile(filepath.Join(dir, secretFile), []byte("short"), 0o600)
	if _, err := LoadOrCreateSecret(dir); err == nil {
		t.Fatalf("short secret accepted")
	}
}
