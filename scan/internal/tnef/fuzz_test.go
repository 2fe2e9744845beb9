package tnef

import (
	"errors"
	"testing"

	"github.com/intake-mail/intake/scan/internal/rtf"
)

// FuzzTNEF: any input is read within its budgets, without a panic.
// Seeds: testdata/fuzz/FuzzTNEF (bodies, compressed and stored RTF,
// attachments, an embedded item, a recipient table) and the ones below.
func FuzzTNEF(f *testing.F) {
	inner := BuildMessage{Body: "i", Attachments: []BuildAttachment{{Name: "i.txt", Data: []byte("4111")}}}
	f.Add(Build(BuildMessage{Subject: "s", Body: "b", RTF: []byte(`{\rtf1 x}`), HTML: []byte("<p>"),
		Recipients: []string{"r"}, Attachments: []BuildAttachment{{Name: "a", Data: []byte("d")}, {Name: "m", Message: &inner}}}))
	f.Add(Build(BuildMessage{CodePage: 932, LegacyBody: "\u30ab", RTF: []byte(`{\rtf1 y}`), RTFStored: true}))
	lim := Limits{MaxText: 1 << 16, MaxRTF: 1 << 16, MaxAttachments: 16, MaxDepth: 3,
		RTF: rtf.Limits{MaxText: 1 << 14, MaxImageBytes: 1 << 14}}
	f.Fuzz(func(t *testing.T, data []byte) {
		calls := 0
		l := lim
		l.Check = func() error {
			if calls++; calls > 10000 {
				return errors.New("stop")
			}
			return nil
		}
		m, err := Read(data, l)
		if err != nil {
			t.Fatalf("error without a failing check: %v", err)
		}
		var atts, text int
		var walk func(m *Message, depth int)
		walk = func(m *Message, depth int) {
			if depth > lim.MaxDepth {
				t.Fatalf("items nested %d deep", depth)
			}
			text += len(m.Subject) + len(m.Body) + len(m.Properties)
			for _, a := range m.Attachments {
				atts++
				if a.Message != nil {
					walk(a.Message, depth+1)
				}
			}
		}
		walk(m, 0)
		if atts > lim.MaxAttachments {
			t.Fatalf("%d attachments past a budget of %d", atts, lim.MaxAttachments)
		}
		// Properties adds a line break per value to what was counted.
		if int64(text) > 2*lim.MaxText {
			t.Fatalf("%d bytes of text past a budget of %d", text, lim.MaxText)
		}
		_ = m.AllProblems()
	})
}
