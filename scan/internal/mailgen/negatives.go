package mailgen

import (
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
)

// Hard negatives: text that looks like what the scanner hunts for but is
// not a card or an SSN. Each is drawn fresh and, where it could be a
// number of the other kind by accident, checked against the rules (a
// "wrong length" card really has no issuer at that length).

// negKind is one sort of hard negative.
type negKind struct {
	kind string
	ctx  context
	// keyword is set for values that would rightly be an SSN next to an
	// SSN keyword (nine bare digits): they appear only in messages that
	// name no SSN anywhere.
	keyword bool
	gen     func(g *Generator) (value string, sentence [2]string)
}

var negKinds = []negKind{
	{kind: "luhn-invalid", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		d := g.Card()
		last := int(d[len(d)-1] - '0')
		d = d[:len(d)-1] + string(rune('0'+(last+1+g.r.IntN(9))%10))
		v := d
		if len(d) < 19 {
			// A 19-digit number printed 4-4-4-4-3 holds a 16-digit
			// window followed by three digits, which is rightly read as
			// a card and its CVV; shorter ones have no such window.
			v = g.pick(d, strings.Join(groups(d), " "), strings.Join(groups(d), "-"))
		}
		return v, g.sentence([2]string{"The card ", " was declined, I must have mistyped it."},
			[2]string{"Old card ", " (typo)."}, [2]string{"Is ", " right? The form says it is not valid."})
	}},
	{kind: "no-issuer", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		var d string
		for {
			n := 13 + g.r.IntN(7)
			body := g.pick("0", "7", "8", "9") + digitString(g, n-2)
			d = body + string(LuhnDigit(body))
			if !KnownIssuer(d) {
				break
			}
		}
		v := d
		if len(d) == 16 && g.r.IntN(2) == 0 {
			v = strings.Join(groups(d), " ")
		}
		return v, g.sentence([2]string{"Membership number ", "."}, [2]string{"Loyalty card ", " (not a payment card)."})
	}},
	{kind: "wrong-length", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		var d string
		// Only networks with one fixed set of lengths: Discover, JCB,
		// Diners and UnionPay issue 16 to 19 digits, so "wrong" is vague.
		for {
			nw := networks[g.r.IntN(4)] // Visa, Mastercard (both series), Amex
			p := nw.prefixes[g.r.IntN(len(nw.prefixes))]
			d = g.cardWith(p, 13+g.r.IntN(7))
			if !KnownIssuer(d) {
				break
			}
		}
		return d, g.sentence([2]string{"Reference ", "."}, [2]string{"Account ", " at the bank."})
	}},
	{kind: "epoch-ms", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		v := fmt.Sprintf("%d", 1_000_000_000_000+g.r.Int64N(900_000_000_000))
		return v, g.sentence([2]string{"Request logged at ", " (epoch ms)."}, [2]string{"event_time=", " status=ok"})
	}},
	{kind: "timestamp-14", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		v := fmt.Sprintf("%04d%02d%02d%02d%02d%02d", 2000+g.r.IntN(30), 1+g.r.IntN(12), 1+g.r.IntN(28),
			g.r.IntN(24), g.r.IntN(60), g.r.IntN(60))
		return v, g.sentence([2]string{"Export ", ".csv was created."}, [2]string{"Build ", " failed."})
	}},
	{kind: "phone", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		area := fmt.Sprintf("%d%s", 2+g.r.IntN(8), digitString(g, 2))
		ex := fmt.Sprintf("%d%s", 2+g.r.IntN(8), digitString(g, 2))
		line := digitString(g, 4)
		v := g.pick(
			fmt.Sprintf("(%s) %s-%s", area, ex, line),
			fmt.Sprintf("%s-%s-%s", area, ex, line),
			fmt.Sprintf("%s.%s.%s", area, ex, line),
			fmt.Sprintf("+1 %s %s %s", area, ex, line),
			fmt.Sprintf("+1 (%s) %s-%s", area, ex, line),
			fmt.Sprintf("+44 20 %s %s", digitString(g, 4), digitString(g, 4)),
			fmt.Sprintf("+49 30 %s", digitString(g, 8)),
			fmt.Sprintf("+49 151 %s", digitString(g, 8)),
			fmt.Sprintf("+33 1 %s %s %s %s", digitString(g, 2), digitString(g, 2), digitString(g, 2), digitString(g, 2)),
			fmt.Sprintf("011 44 20 %s %s", digitString(g, 4), digitString(g, 4)),
			fmt.Sprintf("+81 3-%s-%s", digitString(g, 4), digitString(g, 4)),
			fmt.Sprintf("+86 138 %s %s", digitString(g, 4), digitString(g, 4)),
		)
		return v, g.sentence([2]string{"Call me at ", " after five."}, [2]string{"Phone: ", ""}, [2]string{"My mobile is ", "."})
	}},
	{kind: "zip+4", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		v := fmt.Sprintf("%05d-%04d", 1000+g.r.IntN(98000), g.r.IntN(10000))
		return v, g.sentence([2]string{"Springfield, IL ", ""}, [2]string{"Please ship to the office, ZIP ", "."})
	}},
	{kind: "iban", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		v := g.iban()
		if g.r.IntN(3) > 0 {
			var parts []string
			for len(v) > 4 {
				parts = append(parts, v[:4])
				v = v[4:]
			}
			v = strings.Join(append(parts, v), " ")
		}
		return v, g.sentence([2]string{"Please refund to IBAN ", "."}, [2]string{"IBAN: ", ""}, [2]string{"Bank account ", " (BIC on request)."})
	}},
	{kind: "ups", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		const alnum = "0123456789ABCDEFGHJKLMNPRSTVWXYZ"
		acct := make([]byte, 6)
		for i := range acct {
			acct[i] = alnum[g.r.IntN(len(alnum))]
			if i > 0 && g.r.IntN(4) == 0 {
				acct[i] = alnum[g.r.IntN(10)] // many shipper codes are a letter and digits
			}
		}
		v := "1Z" + string(acct) + digitString(g, 10)
		if g.r.IntN(2) == 0 {
			v = "1Z " + v[2:5] + " " + v[5:8] + " " + v[8:10] + " " + v[10:14] + " " + v[14:17] + " " + v[17:]
		}
		return v, g.sentence([2]string{"UPS tracking ", "."}, [2]string{"It shipped as ", " yesterday."})
	}},
	{kind: "usps", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		d := "9" + g.pick("400", "205", "361", "270", "303") + digitString(g, 18)
		v := d
		if g.r.IntN(2) == 0 {
			var parts []string
			for len(d) > 4 {
				parts = append(parts, d[:4])
				d = d[4:]
			}
			v = strings.Join(append(parts, d), " ")
		}
		return v, g.sentence([2]string{"USPS tracking number ", "."}, [2]string{"Tracking: ", ""})
	}},
	{kind: "imei", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		var d string
		for {
			body := g.pick("35", "86", "01", "99") + digitString(g, 12)
			d = body + string(LuhnDigit(body))
			if !KnownIssuer(d) {
				break
			}
		}
		return d, g.sentence([2]string{"The phone's IMEI is ", "."}, [2]string{"IMEI ", ""})
	}},
	{kind: "uuid", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		const hex = "0123456789abcdef"
		b := make([]byte, 32)
		for i := range b {
			b[i] = hex[g.r.IntN(16)]
		}
		b[12] = '4'
		b[16] = "89ab"[g.r.IntN(4)]
		s := string(b)
		v := s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
		return v, g.sentence([2]string{"Request id ", "."}, [2]string{"Correlation-ID: ", ""})
	}},
	{kind: "base64", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		return base64.StdEncoding.EncodeToString(g.bytes(18 + g.r.IntN(42))),
			g.sentence([2]string{"Token: ", ""}, [2]string{"Attachment hash ", " (sha256)."})
	}},
	{kind: "base64-block", ctx: inText, gen: func(g *Generator) (string, [2]string) {
		s := base64.StdEncoding.EncodeToString(g.bytes(57 * (2 + g.r.IntN(4))))
		var lines []string
		for len(s) > 76 {
			lines = append(lines, s[:76])
			s = s[76:]
		}
		return strings.Join(append(lines, s), "\n"), [2]string{"-----BEGIN BLOB-----\n", "\n-----END BLOB-----"}
	}},
	{kind: "masked-card", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		l4 := digitString(g, 4)
		v := g.pick("**** **** **** "+l4, "XXXX XXXX XXXX "+l4, "xxxx-xxxx-xxxx-"+l4, "************"+l4, "ending in "+l4)
		return v, g.sentence([2]string{"Your card ", " was charged."}, [2]string{"Card on file: ", ""})
	}},
	{kind: "masked-ssn", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		v := g.pick("***-**-", "XXX-XX-", "xxx-xx-") + digitString(g, 4)
		return v, g.sentence([2]string{"We have ", " on record."}, [2]string{"The number ending ", " is on the form."})
	}},
	{kind: "order-9", ctx: anywhere, keyword: true, gen: func(g *Generator) (string, [2]string) {
		v := fmt.Sprintf("%d%s", 1+g.r.IntN(9), digitString(g, 8))
		return v, g.sentence([2]string{"Order ", " has shipped."}, [2]string{"Your order number is ", "."}, [2]string{"Invoice ", " is attached."})
	}},
	{kind: "misused-ssn", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		d := g.pick("123456789", "078051120", "219099999", "457555462")
		v := d[:3] + "-" + d[3:5] + "-" + d[5:]
		return v, g.sentence([2]string{"The sample form shows ", " as an example."}, [2]string{"Example: ", ""})
	}},
	{kind: "order-3-7-7", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		v := fmt.Sprintf("1%d%d-%s-%s", g.r.IntN(2), 1+g.r.IntN(4), digitString(g, 7), digitString(g, 7))
		return v, g.sentence([2]string{"Amazon order ", " arrived damaged."}, [2]string{"Order # ", ""})
	}},
	{kind: "confirmation-22", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		v := fmt.Sprintf("%d%s", 1+g.r.IntN(9), digitString(g, 21))
		return v, g.sentence([2]string{"Confirmation number ", "."}, [2]string{"Booking ", " is confirmed."})
	}},
	{kind: "ip-date", ctx: anywhere, gen: func(g *Generator) (string, [2]string) {
		v := g.pick(
			fmt.Sprintf("192.168.%d.%d", g.r.IntN(256), 1+g.r.IntN(254)),
			fmt.Sprintf("%04d-%02d-%02d %02d:%02d", 2000+g.r.IntN(30), 1+g.r.IntN(12), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60)),
			fmt.Sprintf("%02d/%02d/%04d", 1+g.r.IntN(12), 1+g.r.IntN(28), 2000+g.r.IntN(30)),
		)
		return v, g.sentence([2]string{"Seen from ", " last week."}, [2]string{"On ", " I wrote to you."})
	}},
}

// draw writes one value of kind k in its sentence, redrawn until the
// sentence names no SSN by chance.
func (k *negKind) draw(g *Generator) (string, [2]string) {
	for tries := 0; ; tries++ {
		v, s := k.gen(g)
		if tries == 100 || !hasSSNKeyword(s[0]+v+s[1]) {
			return v, s
		}
	}
}

// NegativeKinds lists the kinds of hard negative the generator writes.
func NegativeKinds() []string {
	out := make([]string, len(negKinds))
	for i, k := range negKinds {
		out[i] = k.kind
	}
	return out
}

// iban returns a fresh IBAN with valid ISO 7064 mod-97 check digits, in
// one of a few countries' layouts (digits "9", letters "A").
func (g *Generator) iban() string {
	layouts := [][2]string{
		{"DE", "99999999" + "9999999999"},
		{"FR", "99999" + "99999" + "99999999999" + "99"},
		{"ES", "99999999999999999999"},
		{"IT", "A" + "9999999999" + "999999999999"},
		{"GB", "AAAA" + "999999" + "99999999"},
		{"NL", "AAAA" + "9999999999"},
		{"BE", "999999999999"},
		{"CH", "99999" + "999999999999"},
	}
	l := layouts[g.r.IntN(len(layouts))]
	bban := make([]byte, len(l[1]))
	for i, c := range []byte(l[1]) {
		if c == 'A' {
			bban[i] = byte('A' + g.r.IntN(26))
		} else {
			bban[i] = byte('0' + g.r.IntN(10))
		}
	}
	if l[0] == "DE" {
		bban[0] = byte('1' + g.r.IntN(8)) // a Bankleitzahl starts 1-8
	}
	return l[0] + ibanCheck(l[0], string(bban)) + string(bban)
}

// ibanCheck computes the two check digits (ISO 13616).
func ibanCheck(country, bban string) string {
	var num strings.Builder
	for _, c := range bban + country + "00" {
		if c >= 'A' && c <= 'Z' {
			fmt.Fprintf(&num, "%d", c-'A'+10)
		} else {
			num.WriteRune(c)
		}
	}
	n, _ := new(big.Int).SetString(num.String(), 10)
	rem := new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("%02d", 98-rem)
}

// IBANValid reports whether an IBAN (spaces allowed) passes mod 97.
func IBANValid(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) < 5 {
		return false
	}
	return ibanCheck(s[:2], s[4:]) == s[2:4]
}

func (g *Generator) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return b
}

// HardNegative writes one fresh hard negative of the named kind (one of
// NegativeKinds) and the sentence it sits in; ok is false for an unknown
// kind. Both print masked.
func (g *Generator) HardNegative(kind string) (value, sentence Secret, ok bool) {
	for i := range negKinds {
		if k := &negKinds[i]; k.kind == kind {
			v, s := k.draw(g)
			return Secret(v), Secret(s[0] + v + s[1]), true
		}
	}
	return "", "", false
}
