package scan

import (
	"strings"
	"testing"
	"unicode"
)

// found summarises what Detect saw, in a form safe to print: kinds with
// their last four digits, e.g. "pan:1111 ssn:8350".
func found(text string) string {
	var parts []string
	for _, m := range Detect([]byte(text)) {
		parts = append(parts, string(m.Kind)+":"+m.Last4)
	}
	return strings.Join(parts, " ")
}

// printable is text safe to print in a failure message: masked, and then
// every digit but the last four of the whole text hidden too, so a number
// the detector missed is not printed either.
func printable(text string) string {
	masked := []rune(MaskString(text))
	keep := 4
	for i := len(masked) - 1; i >= 0; i-- {
		if unicode.IsDigit(masked[i]) {
			if keep > 0 {
				keep--
			} else {
				masked[i] = '*'
			}
		}
	}
	return string(masked)
}

func TestDetect(t *testing.T) {
	cases := []struct {
		name, text, want string
	}{
		// SSN shapes.
		{"ssn dashes", "my number 489-36-8350 thanks", "ssn:8350"},
		{"ssn spaces", "489 36 8350", "ssn:8350"},
		{"ssn dots", "489.36.8350", "ssn:8350"},
		{"ssn en dash", "489–36–8350", "ssn:8350"},
		{"ssn spaced dash", "SSN: 489 - 36 - 8350", "ssn:8350"},
		{"ssn full-width", "ＳＳＮ ４８９-３６-８３５０", "ssn:8350"},
		{"ssn arabic-indic", "٤٨٩-٣٦-٨٣٥٠", "ssn:8350"},
		{"ssn after other number", "unit 5, 489-36-8350", "ssn:8350"},
		{"ssn bare with keyword", "SSN 489368350", "ssn:8350"},
		{"ssn wrapped at space", "My SSN is 489 36\n8350.", "ssn:8350"},
		{"ssn wrapped first", "489\r\n36 8350", "ssn:8350"},
		{"ssn wrapped after dash", "489-36-\n8350", "ssn:8350"},
		{"ssn wrapped after first dash", "489-\n> 36-8350", "ssn:8350"},
		{"ssn spaced dash wrapped", "311 - 70 -\n4671.", "ssn:4671"},
		{"ssn spaced dash wrapped after space", "311 - \n70 - 4671", "ssn:4671"},
		{"card wrapped after dash", "4111-1111-\n1111-1111", "pan:1111"},
		{"ssn bare keyword after", "489368350 is my social security number", "ssn:8350"},
		{"ssn bare keyword glued", "SSN#489368350", "ssn:8350"},
		{"ssn 3-6 with keyword", "ssn 489-368350", "ssn:8350"},
		{"itin", "ITIN 912-70-1234", "ssn:1234"},
		{"ssn two", "489-36-8350 and 514-69-0360", "ssn:8350 ssn:0360"},
		{"ssn in url query", "ssn=489-36-8350&dob=1980", "ssn:8350"},
		// SSN negatives.
		{"bare without keyword", "order 489368350 shipped", ""},
		{"keyword too far", "SSN" + strings.Repeat(" filler", 80) + " 489368350", ""},
		{"ssn in longer run", "532-44-1234-7", ""},
		{"ssn prefix of run", "1-489-36-8350", ""},
		{"phone", "425-882-9090", ""},
		{"zip+4", "98052-6399", ""},
		{"date", "2024-03-15", ""},
		{"mixed separators", "693-09.4444", ""},
		{"area 000", "000-12-3456", ""},
		{"area 666", "666-12-3456", ""},
		{"area 9xx not itin", "923-45-6789", ""},
		{"group 00", "489-00-8350", ""},
		{"serial 0000", "489-36-0000", ""},
		{"woolworth", "078-05-1120", ""},
		{"sequential", "SSN 123-45-6789", ""},
		{"lifelock", "SSN 457-55-5462", ""},
		{"same digit", "111-11-1111", ""},
		{"masked ssn", "***-**-8350", ""},
		{"in token", "ab489-36-8350cd", ""},
		{"hyphen token after", "489-36-8350-ab", ""},
		{"10 digits", "SSN 4893683501", ""},
		{"8 digits", "SSN 48936835", ""},
		// Cards.
		{"visa", "4111111111111111", "pan:1111"},
		{"visa grouped", "4111 1111 1111 1111", "pan:1111"},
		{"visa dashes", "4111-1111-1111-1111", "pan:1111"},
		{"visa nbsp", "4111\u00a01111\u00a01111\u00a01111", "pan:1111"},
		{"visa nbsp entity", "4111&nbsp;1111&nbsp;1111&nbsp;1111", "pan:1111"},
		{"visa zero width", "4111\u200b1111\u200b1111\u200b1111", "pan:1111"},
		{"visa stars", "4111*1111***1111*****1111", "pan:1111"},
		{"visa wrapped", "card 4111 1111\n1111 1111", "pan:1111"},
		{"visa wrapped crlf quoted", "> card 4111 1111\r\n> 1111 1111", "pan:1111"},
		{"visa wrapped nested quote", "4111 1111 1111\n>> 1111", "pan:1111"},
		{"visa qp soft break", "4111 1111 11=\n11 1111", "pan:1111"},
		{"visa full-width", "４１１１ １１１１ １１１１ １１１１", "pan:1111"},
		{"visa with expiry", "4111 1111 1111 1111 12/27 123", "pan:1111"},
		{"visa with cvv", "4111 1111 1111 1111 123", "pan:1111"},
		{"cvv after other separator", "4111-1111-1111-1111 003", "pan:1111"},
		{"diners 38 printed 4-6-4", "3835 664841 5828", "pan:5828"},
		{"visa with expiry groups", "4111 1111 1111 1111 12 27", "pan:1111"},
		{"visa after qty", "qty 1 4111111111111111", "pan:1111"},
		{"visa 13", "4222222222222", "pan:2222"},
		{"visa 19", "4539148803436467008", "pan:7008"},
		{"mastercard 2-series", "2223000048400011", "pan:0011"},
		{"amex 4-6-5", "3782 822463 10005", "pan:0005"},
		{"diners 4-6-4", "3056 930902 5904", "pan:5904"},
		{"unionpay 19", "6296291900662503314", "pan:3314"},
		{"uatp", "122000000000003", "pan:0003"},
		{"two cards", "4111111111111111, 4012888888881881", "pan:1111 pan:1881"},
		{"cards spaced list", "4111111111111111 4012888888881881", "pan:1111 pan:1881"},
		{"three spellings", "4012888888881881 4012-8888-8888-1881 4012 8888 8888 1881", "pan:1881 pan:1881 pan:1881"},
		{"after decimal amount", "paid 12.50 4111111111111111", "pan:1111"},
		{"glued keyword", "cc4111 1111 1111 1111 exp06/17", "pan:1111"},
		{"parentheses", "(4111111111111111)", "pan:1111"},
		{"card and ssn", "4111111111111111 and 489-36-8350", "pan:1111 ssn:8350"},
		{"double spaces", "4111  1111  1111  1111", "pan:1111"},
		{"dots between fours", "4111.1111.1111.1111", "pan:1111"},
		{"two spaced cards back to back", "4111 1111 1111 1111 4012 8888 8888 1881", "pan:1111 pan:1881"},
		{"glued between words", "card4111111111111111exp", "pan:1111"},
		{"glued capitalised", "Visa4111111111111111Exp", "pan:1111"},
		{"ssn abbreviation", "S.S.N. 489368350", "ssn:8350"},
		// Card negatives.
		{"luhn fail", "4111 1111 1111 1112", ""},
		{"no issuer", "1234 5678 8765 4321", ""},
		{"epoch ms", "ts=1548138160707", ""},
		{"14 digit stamp", "20260823000001_x", ""},
		{"visa wrong length", "453914880343649", ""},
		{"amex wrong length", "3782822463100052", ""},
		{"sub-window of longer run", "04881621594644972", ""},
		{"card then more digits", "612999921404471347800000", ""},
		{"22 digits", "4111111111111111111111", ""},
		{"uuid", "47223179-9330-4259-b66c-f2db26efb20c", ""},
		{"uuid with decimal leading groups", "Correlation-ID: 49291234-5678-4115-81e1-b72bacab05ca", ""},
		{"decimal", "translate(0%, -0.5309136012499991%)", ""},
		{"url path", "http://example.com/tickets/4111111111111111", ""},
		{"phone plus", "+4111111111111111", ""},
		{"masked card", "**** **** **** 1111", ""},
		{"pci truncation", "411111******1111", ""},
		{"ampersand", "4111 1111&1111 1111", ""},
		{"tab separated cells", "4111\t1111\t1111\t1111", "pan:1111"},
		{"tab separated data", "4111\t1111\t1111\t1111\t2024", ""},
		{"hex token", "ab4111111111111111cd", ""},
		{"base64 token", "kX9z4111111111111111Qm2", ""},
		{"mixed case token", "tOk4111111111111111eN", ""},
		{"order 3-7-7", "Order #112-4567890-1234567", ""},
		{"ups", "UPS 1ZA123450123456789 shipped", ""},
		{"ups digits shipper", "1Z9999990123456784", ""},
		{"ups spaced", "UPS 1Z 999 991 01 2345 678 4", ""},
		{"iban spaced", "IBAN DE89 3704 0044 0532 0130 00", ""},
		{"iban letter in bban", "IT60 X054 2811 1010 0000 0123 456", ""},
		{"iban unspaced", "CH9300762011623852957", ""},
		{"card after country-like code", "FR76 4111 1111 1111 1111", "pan:1111"},
		{"decimal with many dots", "version 4111.1111.1111", ""},
		{"ip-like", "10.4111.1111.1111.1111", ""},
		{"uatp grouped oddly", "12 345123 451234 8", ""},
		{"usps", "9400 1000 0000 0000 0000 00", ""},
		{"imei", "IMEI 490154203237518", ""},
		{"isbn", "978-0-306-40615-7", ""},
		{"iban", "GB82 WEST 1234 5698 7654 32", ""},
		{"many spaced digits", "12 34 56 78 90 12 34 56 78 90 12 34", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := found(c.text); got != c.want {
				t.Errorf("Detect(%q) = %q, want %q", printable(c.text), got, c.want)
			}
		})
	}
}

func TestMask(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SSN 489-36-8350.", "SSN ***-**-8350."},
		{"SSN 489 36 8350", "SSN ***-**-8350"},
		{"card 4111 1111 1111 1111 ok", "card **** **** **** 1111 ok"},
		{"card 4111 1111 1111 1111 123 ok", "card **** **** **** 1111 *** ok"},
		{"card 4111 1111 1111 1111 12/27", "card **** **** **** 1111 **/27"},
		{"4111-1111-1111-1111", "****-****-****-1111"},
		{"3782 822463 10005", "**** ****** *0005"},
		{"x 4111 1111\n> 1111 1111 y", "x **** ****\n> **** 1111 y"},
		{"４１１１ １１１１ １１１１ １１１１", "**** **** **** 1111"},
		{"two 4111111111111111 and 489-36-8350", "two ************1111 and ***-**-8350"},
		{"nothing here 12345", "nothing here 12345"},
	}
	for _, c := range cases {
		if got := MaskString(c.in); got != c.want {
			t.Errorf("MaskString(%q) = %q, want %q", printable(c.in), printable(got), c.want)
		}
		if again := found(MaskString(c.in)); again != "" {
			t.Errorf("masked text of %q still holds %s", printable(c.in), again)
		}
	}
}

func TestMatchMasked(t *testing.T) {
	ms := Detect([]byte("pay with 3782 822463 10005 or 4111\n1111 1111 1111, SSN 489-36-8350"))
	want := []string{"**** ****** *0005", "**** **** **** 1111", "***-**-8350"}
	if len(ms) != len(want) {
		t.Fatalf("got %d matches, want %d", len(ms), len(want))
	}
	for i, m := range ms {
		if m.Masked != want[i] {
			t.Errorf("match %d masked %q, want %q", i, m.Masked, want[i])
		}
	}
}

func TestNextCandidate(t *testing.T) {
	texts := []string{
		"", "a", "abcdefgh", "abcdefgh9", "0", "/:;<=>?@`", "héllo", "héllo wörld ünd 7", "привет 5", strings.Repeat("x", 100) + "5",
		strings.Repeat("the quick brown fox ", 10) + "١",
	}
	for _, s := range texts {
		b := []byte(s)
		for i := 0; i <= len(b); i++ {
			want := -1
			for j := i; j < len(b); j++ {
				if b[j] >= 0xD9 || (b[j] >= '0' && b[j] <= '9') {
					want = j
					break
				}
			}
			if got := nextCandidate(b, i); got != want {
				t.Fatalf("nextCandidate(%q, %d) = %d, want %d", s, i, got, want)
			}
		}
	}
}

// TestUnicodeDigitBlocks checks the assumption unicodeDigit rests on: every
// range of Nd is whole blocks of ten starting at a zero.
func TestUnicodeDigitBlocks(t *testing.T) {
	for _, r := range unicode.Nd.R16 {
		if r.Stride != 1 || (r.Hi-r.Lo+1)%10 != 0 {
			t.Errorf("Nd range %x-%x is not whole blocks of ten", r.Lo, r.Hi)
		}
	}
	for _, r := range unicode.Nd.R32 {
		if r.Stride != 1 || (r.Hi-r.Lo+1)%10 != 0 {
			t.Errorf("Nd range %x-%x is not whole blocks of ten", r.Lo, r.Hi)
		}
	}
	for _, c := range []struct {
		r rune
		v int
	}{{'５', 5}, {'٧', 7}, {'९', 9}, {'𝟘', 0}, {'𝟿', 9}} {
		if v, ok := unicodeDigit(c.r); !ok || v != c.v {
			t.Errorf("unicodeDigit(%q) = %d, %v", c.r, v, ok)
		}
	}
}
