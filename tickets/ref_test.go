package tickets

import (
	"strings"
	"testing"
)

func TestNewRefIsReadable(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		r := NewRef()
		if len(r) != 8 || !strings.HasPrefix(r, "T-") {
			t.Fatalf("ref %q", r)
		}
		if strings.ContainsAny(r[2:], "01IO") {
			t.Fatalf("ref %q holds a character read over the phone ambiguously", r)
		}
		if seen[r] {
			t.Fatalf("ref %q twice in 2000", r)
		}
		seen[r] = true
	}
}

func TestParseRef(t *testing.T) {
	cases := []struct{ in, want string }{
		{"T-7K3F9Q", "T-7K3F9Q"},
		{"t-7k3f9q", "T-7K3F9Q"},
		{" 7K3F9Q ", "T-7K3F9Q"},
		{"T7K3F9Q", "T-7K3F9Q"},
		{"T-TTTTTT", "T-TTTTTT"}, // a body starting with T
		{"t-t2345t", "T-T2345T"},
		{"TT2345T", "T-T2345T"},
		{"TTTTTT", "T-TTTTTT"},
		{"T-7K3F9", ""},   // short
		{"T-7K3F9QQ", ""}, // long
		{"T-7K3F0Q", ""},  // 0 is never issued
		{"T-7KOF9Q", ""},  // nor O
		{"T-7K1F9Q", ""},  // nor 1
		{"", ""},
	}
	for _, c := range cases {
		got, err := ParseRef(c.in)
		if c.want == "" {
			if err == nil || !IsInvalid(err) {
				t.Errorf("ParseRef(%q) = %q, %v; want an invalid-input error", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseRef(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestFindSubjectRefs(t *testing.T) {
	cases := []struct {
		subject string
		want    []string
	}{
		{"Re: [T-7K3F9Q] help", []string{"T-7K3F9Q"}},
		{"[T-7K3F9Q][T-ABCDEF]", []string{"T-7K3F9Q", "T-ABCDEF"}},
		{"T-7K3F9Q without brackets", nil},
		{"[T-7K3F9Q", nil},
		{"[T-7K3F9QX]", nil},
		{"[t-7k3f9q]", nil}, // our tag is written upper case
	}
	for _, c := range cases {
		got := findSubjectRefs(c.subject)
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("findSubjectRefs(%q) = %v, want %v", c.subject, got, c.want)
		}
	}
}

func TestEveryIssuedRefParses(t *testing.T) {
	for i := 0; i < 5000; i++ {
		r := NewRef()
		for _, form := range []string{r, strings.ToLower(r), r[2:], " " + r + " "} {
			if got, err := ParseRef(form); err != nil || got != r {
				t.Fatalf("ParseRef(%q) = %q, %v; want %q", form, got, err, r)
			}
		}
	}
}
