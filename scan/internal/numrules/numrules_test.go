package numrules

import "testing"

func TestLuhn(t *testing.T) {
	// Textbook and issuer test numbers; the failing ones differ by a digit.
	for d, want := range map[string]bool{
		"79927398713":      true,
		"79927398710":      false,
		"4111111111111111": true,
		"4111111111111112": false,
		"378282246310005":  true,
		"0":                false,
		"":                 false,
	} {
		if got := Luhn(d); got != want {
			t.Errorf("Luhn of a %d-digit value = %v, want %v", len(d), got, want)
		}
	}
	if d := LuhnDigit("7992739871"); d != '3' {
		t.Errorf("LuhnDigit of the textbook example = %c, want 3", d)
	}
}

func TestMisusedSSN(t *testing.T) {
	if !MisusedSSN("078051120") || MisusedSSN("489368350") {
		t.Error("the Woolworth wallet card is misused; a test number is not")
	}
	l := MisusedSSNs()
	l[0] = "x"
	if !MisusedSSN("002281852") {
		t.Error("MisusedSSNs handed out the list itself")
	}
}
