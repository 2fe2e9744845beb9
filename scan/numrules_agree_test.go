package scan

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/intake-mail/intake/scan/internal/mailgen"
	"github.com/intake-mail/intake/scan/internal/numrules"
)

// TestRulesAgreeWithTestTools: the scanner keeps its own Luhn, SSN rules
// and misused list on purpose (it imports nothing of ours, and the tools
// that test it must not run its code); this proves the copies agree, so
// the generator never plants what the scanner rightly ignores, nor the
// other way round.
func TestRulesAgreeWithTestTools(t *testing.T) {
	var ours []string
	for d := range misusedSSNs {
		ours = append(ours, d)
	}
	slices.Sort(ours)
	theirs := numrules.MisusedSSNs()
	slices.Sort(theirs)
	if !slices.Equal(ours, theirs) {
		t.Errorf("misused SSN lists differ: scan has %d, numrules %d", len(ours), len(theirs))
	}

	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		n := 2 + r.IntN(18)
		b := make([]byte, n)
		for j := range b {
			b[j] = byte('0' + r.IntN(10))
		}
		if luhn(b) != numrules.Luhn(string(b)) {
			t.Fatalf("Luhn disagrees on a %d-digit value (case %d)", n, i)
		}
	}
	// SSA validity over the whole area range, each misused number, and
	// random digits.
	nine := func(v int) []byte { return []byte(strconv.Itoa(1_000_000_000 + v)[1:]) }
	check := func(d []byte) {
		if validSSN(d) != mailgen.ValidSSN(string(d)) {
			t.Fatalf("SSN validity disagrees (area %s)", d[:3])
		}
	}
	for area := 0; area < 1000; area++ {
		for _, rest := range []int{0, 1, 10001, 500001, 700001, 940001, 999999} {
			check(nine(area*1_000_000 + rest))
		}
	}
	for _, d := range theirs {
		check([]byte(d))
	}
	for i := 0; i < 200000; i++ {
		check(nine(r.IntN(1_000_000_000)))
	}
}
