package scan_test

import (
	"fmt"
	"testing"

	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/scan/internal/mailgen"
)

// formatSeeds bounds the format suite: each seed gives one message of
// every kind.
const formatSeeds = 150

// TestGeneratedFormats holds the scanner to the generator's messages in
// the formats Outlook, Word and Asian-language mobile clients send
// (mailgen.FormatKinds): a number in a winmail.dat's plain body, its RTF
// body or a file inside it, in Word-style RTF, cut by a format=flowed
// DelSp break between two digits glued to CJK text, an SSN with mixed
// separators and an SSN word; each found at its label's location, nothing
// else found, nothing unscannable, no full number left in any output. The
// look-alikes (mailgen.NegativeFormatKinds: the mixed SSN shape without a
// word, phone numbers and dates mixing separators, in a body, a
// winmail.dat and Word RTF) raise nothing.
func TestGeneratedFormats(t *testing.T) {
	lim := scan.DefaultLimits()
	lim.Images = scan.ImagesWithhold
	sc := scan.New(lim)
	for _, kind := range append(mailgen.FormatKinds(), mailgen.NegativeFormatKinds()...) {
		t.Run(kind, func(t *testing.T) {
			var st genStats
			for seed := uint64(1); seed <= formatSeeds; seed++ {
				m := mailgen.New(seed).FormatMessage(kind)
				checkGenerated(t, sc, fmt.Sprintf("seed %d %s", seed, kind), m, &st)
			}
			t.Logf("%d messages: %d planted, %d found; %d hard negatives, %d false positives", st.messages, st.planted, st.found, st.negatives, st.falsePositives)
			if st.planted+st.negatives < formatSeeds {
				t.Errorf("the generator planted too little to prove anything: %d numbers, %d negatives", st.planted, st.negatives)
			}
		})
	}
}
