package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// The display names the tests send: a card number inside a name written in
// a charset Go's mime.WordDecoder does not know on its own.
var headerCharsets = []struct {
	name string
	enc  encoding.Encoding
	text string
}{
	{"windows-1252", charmap.Windows1252, "José card 4111 1111 1111 1111"},
	{"iso-8859-15", charmap.ISO8859_15, "José € card 4111 1111 1111 1111"},
	{"iso-8859-2", charmap.ISO8859_2, "Łukasz card 4111 1111 1111 1111"},
	{"koi8-r", charmap.KOI8R, "Иван card 4111 1111 1111 1111"},
}

const plantedCard = "4111111111111111"

// separated matches a run of digits with the separators a leak could use
// between them (space, underscore, hyphen, dot, tab, NUL, '=').
var separated = regexp.MustCompile(`[0-9](?:[ _\-.\t\x00=]{0,3}[0-9])+`)

// leaksCard reports whether b holds the planted card number in any
// spelling made of its digits and separators.
func leaksCard(b []byte) bool {
	for _, m := range separated.FindAll(b, -1) {
		var digits []byte
		for _, c := range m {
			if c >= '0' && c <= '9' {
				digits = append(digits, c)
			}
		}
		if bytes.Contains(digits, []byte(plantedCard)) {
			return true
		}
	}
	return false
}

// encodedWord writes text in cs as one or more RFC 2047 words.
func encodedWord(t *testing.T, enc encoding.Encoding, cs string, q bool, text string) string {
	t.Helper()
	raw, err := enc.NewEncoder().String(text)
	if err != nil {
		t.Fatalf("encode %s: %v", cs, err)
	}
	if q {
		return mime.QEncoding.Encode(cs, raw)
	}
	return mime.BEncoding.Encode(cs, raw)
}

// wordTexts are the encoded-text parts of every word in v: a header kept
// undecoded would hold them.
func wordTexts(v string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`=\?[^?]+\?[QqBb]\?([^?]*)\?=`).FindAllStringSubmatch(v, -1) {
		if len(m[1]) >= 8 {
			out = append(out, m[1])
		}
	}
	return out
}

// TestHeaderCharsetsNeverStoredRaw sends From, To, Reply-To and Cc display
// names holding a card number, Q- and B-encoded in charsets beyond UTF-8
// and Latin-1, and reads the number back from nowhere: not the SQLite
// files, not GetTicket, not the logs, in no spelling (plain, with '_'
// between the groups, base64, the encoded word as sent).
func TestHeaderCharsetsNeverStoredRaw(t *testing.T) {
	for _, cs := range headerCharsets {
		for _, q := range []bool{true, false} {
			name := cs.name + "/B"
			if q {
				name = cs.name + "/Q"
			}
			t.Run(name, func(t *testing.T) {
				e := newEnv(t)
				word := encodedWord(t, cs.enc, cs.name, q, cs.text)
				hdrs := map[string]string{
					"From":     word + " <jose@member.example>",
					"To":       word + " <help@support.localhost>",
					"Reply-To": word + " <jose.home@member.example>",
					"Cc":       "=?" + cs.name + "?Q?" + strings.ReplaceAll(cs.text[len(cs.text)-19:], " ", "_") + "?= <cc@member.example>",
				}
				var lines []string
				for _, k := range []string{"From", "To", "Reply-To", "Cc"} {
					lines = append(lines, k+": "+hdrs[k])
				}
				lines = append(lines, "Subject: hello", fmt.Sprintf("Message-ID: <hdr-%d@member.example>", time.Now().UnixNano()),
					"MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8")
				ref := mustQueue(t, e.addr, "jose@member.example", []string{"help@support.localhost"}, message(lines, "see the header\n"))

				d := e.ticket(ref)
				if len(d.Messages) != 1 {
					t.Fatalf("%d messages", len(d.Messages))
				}
				m := d.Messages[0]
				if m.From != "jose@member.example" {
					t.Errorf("from address %q, want the one in the header", m.From)
				}
				seen := map[string]bool{}
				for _, h := range m.Headers {
					seen[strings.ToLower(h.Name)] = true
					if strings.Contains(h.Value, "=?") {
						t.Errorf("%s stored with an undecoded word (%d bytes)", h.Name, len(h.Value))
					}
				}
				for _, k := range []string{"from", "to", "reply-to", "cc"} {
					if !seen[k] {
						t.Errorf("header %s not kept at all", k)
					}
				}
				js, _ := json.Marshal(d)
				haystacks := map[string][]byte{"GetTicket": js}

				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				e.srv.Shutdown(ctx)
				if err := e.store.get().Close(); err != nil {
					t.Fatal(err)
				}
				e.store.set(nil)
				haystacks["logs"] = []byte(e.logs.String())
				for _, f := range filesUnder(t, e.dir) {
					b, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					haystacks[f] = b
				}
				var spellings []string
				for _, v := range hdrs {
					spellings = append(spellings, wordTexts(v)...)
				}
				spellings = append(spellings, base64.StdEncoding.EncodeToString([]byte("4111 1111 1111 1111"))[:20])
				for where, b := range haystacks {
					if leaksCard(b) || leaksCard(utf16le(string(b))) {
						t.Errorf("%s holds the planted card (last four 1111)", where)
					}
					for _, s := range spellings {
						if bytes.Contains(b, []byte(s)) {
							t.Errorf("%s holds an encoded word as sent (%d bytes)", where, len(s))
						}
					}
				}
			})
		}
	}
}

// TestHeaderUndecodableStoredAsPlaceholder: words that no decoder can read
// (an unknown charset, a broken base64 or Q text, an encoding letter that
// does not exist, a word that decodes into another word) are never kept
// as sent; the address beside them still is.
func TestHeaderUndecodableStoredAsPlaceholder(t *testing.T) {
	e := newEnv(t)
	b64 := base64.StdEncoding.EncodeToString([]byte("card 4111 1111 1111 1111"))
	nested := base64.StdEncoding.EncodeToString([]byte("=?utf-8?Q?4111_1111_1111_1111?="))
	values := []string{
		"=?x-no-such-charset?Q?Jos=E9_card_4111_1111_1111_1111?= <a@member.example>",
		"=?utf-8?B?" + b64 + "*?= <b@member.example>",             // not base64
		"=?utf-8?X?card_4111_1111_1111_1111?= <c@member.example>", // no such encoding
		"=?utf-8?Q?card_=3=34111_1111_1111_1111?= <d@member.example>",
		"=?utf-8?B?" + nested + "?= <e@member.example>",
	}
	for i, v := range values {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			msg := message([]string{
				"From: " + v,
				"To: help@support.localhost",
				"Subject: undecodable",
				fmt.Sprintf("Message-ID: <undec-%d-%d@member.example>", i, time.Now().UnixNano()),
			}, "body\n")
			ref := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, msg)
			m := e.ticket(ref).Messages[0]
			want := string(rune('a'+i)) + "@member.example"
			if m.From != want {
				t.Errorf("from %q, want %q", m.From, want)
			}
			var from string
			for _, h := range m.Headers {
				if h.Name == "From" {
					from = h.Value
				}
			}
			switch {
			case leaksCard([]byte(from)):
				t.Error("From stored with the full card number")
			case strings.Contains(from, "=?"):
				t.Errorf("From stored with an undecoded word (%d bytes)", len(from))
			case !strings.Contains(from, undecodableWord):
				t.Errorf("From stored as %q, without the placeholder", from)
			}
			if leaksCard([]byte(m.FromName)) || strings.Contains(m.FromName, "=?") {
				t.Errorf("display name stored undecoded (%d bytes)", len(m.FromName))
			}
		})
	}
}
