package mailgen

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func TestLuhn(t *testing.T) {
	for _, c := range []struct {
		digits string
		want   bool
	}{
		{"4111111111111111", true}, // published test card
		{"4111111111111112", false},
		{"378282246310005", true},
		{"79927398713", true}, // the textbook example
		{"79927398710", false},
		{"0", false},
	} {
		if got := Luhn(c.digits); got != c.want {
			t.Errorf("Luhn(%v) = %v, want %v", Secret(c.digits), got, c.want)
		}
	}
	if d := LuhnDigit("7992739871"); d != '3' {
		t.Errorf("LuhnDigit of the textbook example = %c, want 3", d)
	}
}

// TestCards checks that every card the generator plants is one the issue
// says must be found (issuer prefix, length, Luhn), that every network is
// drawn, and that printed groupings add up.
func TestCards(t *testing.T) {
	g := New(1)
	drawn := map[string]int{}
	lengths := map[int]int{}
	for i := 0; i < 20000; i++ {
		d := g.Card()
		if !ValidCard(d) {
			t.Fatalf("card %v (%d digits) is not a valid card", Secret(d), len(d))
		}
		if len(d) == 19 && ValidCard(d[:16]) {
			t.Fatalf("19-digit card %v reads as a 16-digit card and CVV", Secret(d))
		}
		if got := strings.Join(groups(d), ""); got != d {
			t.Fatalf("grouping of a %d-digit card loses digits", len(d))
		}
		drawn[networkOf(d)]++
		lengths[len(d)]++
	}
	for _, nw := range networks {
		if drawn[nw.name] == 0 {
			t.Errorf("network %s never drawn", nw.name)
		}
	}
	for _, n := range []int{13, 14, 15, 16, 19} {
		if lengths[n] == 0 {
			t.Errorf("no card of %d digits drawn", n)
		}
	}
	if drawn[""] > 0 {
		t.Errorf("%d cards of no network", drawn[""])
	}
}

func networkOf(d string) string {
	for _, nw := range networks {
		for _, p := range nw.prefixes {
			v, _ := strconv.Atoi(d[:p.digits])
			if v >= p.lo && v <= p.hi {
				return nw.name
			}
		}
	}
	return ""
}

func TestSSNsAndITINs(t *testing.T) {
	g := New(2)
	for i := 0; i < 20000; i++ {
		s := g.SSN()
		area, _ := strconv.Atoi(s[:3])
		if !ValidSSN(s) || area >= 900 || area == 666 || area == 0 {
			t.Fatalf("SSN %v breaks the rules", Secret(s))
		}
		it := g.ITIN()
		grp, _ := strconv.Atoi(it[3:5])
		if !ValidSSN(it) || it[0] != '9' || grp < 70 || grp > 88 {
			t.Fatalf("ITIN %v breaks the rules", Secret(it))
		}
	}
}

func TestValidSSN(t *testing.T) {
	for _, c := range []struct {
		digits string
		want   bool
	}{
		{"489368350", true}, // published sample
		{"000123456", false},
		{"666123456", false},
		{"123006789", false},
		{"123450000", false},
		{"123456789", false}, // the sequential sample
		{"078051120", false}, // the Woolworth wallet card
		{"219099999", false},
		{"111111111", false},
		{"900701234", true}, // ITIN
		{"912931234", false},
		{"900451234", false},
		{"12345678", false},
		{"12345678x", false},
	} {
		if got := ValidSSN(c.digits); got != c.want {
			t.Errorf("ValidSSN(%v) = %v, want %v", Secret(c.digits), got, c.want)
		}
	}
}

// TestSecretPrintsMasked makes sure no verb prints a full number, alone or
// inside a label.
func TestSecretPrintsMasked(t *testing.T) {
	s := Secret("4111111111111111")
	p := Planted{Type: PAN, Number: s, Last4: "1111", Where: "body"}
	n := Negative{Kind: "luhn-invalid", Value: Secret("4111 1111 1111 1112")}
	for _, verb := range []string{"%v", "%s", "%q", "%d", "%x", "%#v", "%+v"} {
		for _, v := range []any{s, p, n, []Planted{p}, &p} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(digitsOnly(out), "411111111111") || strings.Contains(out, "4111 1111 1111") {
				t.Errorf("%s of %T prints the number: %s", verb, v, out)
			}
		}
	}
	if got := s.Masked(); got != "************1111" {
		t.Errorf("Masked() = %q", got)
	}
	if got := Secret("４１１１ １１１１ １１１１ １２３４").Masked(); got != "**** **** **** 1234" {
		t.Errorf("Masked() of full-width digits = %q", got)
	}
}

// TestHardNegativeValues checks each kind is what it claims: not a valid
// card, SSN or anything else the scanner must report.
func TestHardNegativeValues(t *testing.T) {
	g := New(3)
	for _, kind := range NegativeKinds() {
		for i := 0; i < 2000; i++ {
			v, sentence, ok := g.HardNegative(kind)
			if !ok {
				t.Fatalf("kind %s unknown", kind)
			}
			d := digitsOnly(string(v))
			if hasSSNKeyword(string(sentence)) {
				t.Fatalf("%s: sentence %v names the SSN", kind, sentence)
			}
			switch kind {
			case "luhn-invalid":
				if Luhn(d) || !KnownIssuer(d) {
					t.Fatalf("%s: %v passes Luhn or has no issuer", kind, v)
				}
			case "no-issuer", "wrong-length", "imei":
				if KnownIssuer(d) || !Luhn(d) {
					t.Fatalf("%s: %v has a known issuer at its length or fails Luhn", kind, v)
				}
			case "iban":
				if !IBANValid(string(v)) {
					t.Fatalf("%s: %v fails mod 97", kind, v)
				}
			case "misused-ssn":
				if ValidSSN(d) {
					t.Fatalf("%s: %v is a valid SSN", kind, v)
				}
			case "order-9":
				if len(d) != 9 {
					t.Fatalf("%s: %v is not nine digits", kind, v)
				}
			}
			// A value of digits alone is no valid card even unbroken (an
			// IBAN or a '+' phone number says by its letters what it is).
			plain := !strings.ContainsAny(strings.ToUpper(string(v)), "ABCDEFGHIJKLMNOPQRSTUVWXYZ+")
			if plain && len(d) >= 13 && len(d) <= 19 && ValidCard(d) {
				t.Fatalf("%s: %v is a valid card", kind, v)
			}
		}
	}
	if !IBANValid("DE89 3704 0044 0532 0130 00") || IBANValid("DE88 3704 0044 0532 0130 00") {
		t.Error("IBANValid disagrees with the published example")
	}
}
