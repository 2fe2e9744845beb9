package scan

import (
	"reflect"
	"testing"
	"time"

	"github.com/intake-mail/intake/scan/internal/budget"
	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// TestReasonsAgree: the readers' reasons (internal/budget) are the
// contract's, spelled the same.
func TestReasonsAgree(t *testing.T) {
	pairs := [][2]string{
		{ReasonUnknownCharset, budget.ReasonUnknownCharset},
		{ReasonBadEncoding, budget.ReasonBadEncoding},
		{ReasonEncrypted, budget.ReasonEncrypted},
		{ReasonParseError, budget.ReasonParseError},
		{ReasonNoText, budget.ReasonNoText},
		{ReasonUnsupported, budget.ReasonUnsupported},
		{ReasonTooLarge, budget.ReasonTooLarge},
		{ReasonTooDeep, budget.ReasonTooDeep},
		{ReasonTooManyParts, budget.ReasonTooManyParts},
		{ReasonArchiveBomb, budget.ReasonArchiveBomb},
		{ReasonTimeout, budget.ReasonTimeout},
		{ReasonTruncated, budget.ReasonTruncated},
	}
	for _, p := range pairs {
		if p[0] != p[1] {
			t.Errorf("scan says %q, the readers say %q", p[0], p[1])
		}
	}
}

// TestLimitsReachReaders: every bound of budget.Limits is set from the
// Limits field of the same name, so a limit an operator sets is the one
// the readers apply.
func TestLimitsReachReaders(t *testing.T) {
	lim := Limits{
		MaxDecodedBytes: 1, MaxParts: 2, MaxArchiveRatio: 3, MaxArchiveFiles: 4,
		MaxTime: 5 * time.Second, MaxDocumentText: 6, MaxOCRPixels: 7, OCRMemory: 8,
		Shared: NewSharedBudget(9),
	}
	got := reflect.ValueOf(lim.budget())
	from := reflect.ValueOf(lim)
	for i := 0; i < got.NumField(); i++ {
		name := got.Type().Field(i).Name
		if name == "Shared" {
			if lim.budget().Shared != lim.Shared.s || lim.budget().Shared == nil {
				t.Error("Shared is not the SharedBudget's account")
			}
			continue
		}
		src := from.FieldByName(name)
		if !src.IsValid() {
			t.Errorf("budget.Limits.%s has no Limits field of that name", name)
			continue
		}
		if src.IsZero() || !reflect.DeepEqual(src.Interface(), got.Field(i).Interface()) {
			t.Errorf("budget.Limits.%s = %v, Limits.%s = %v", name, got.Field(i), name, src)
		}
	}
	if (Limits{}).budget().Shared != nil {
		t.Error("no SharedBudget must mean no shared account")
	}
}

// TestTestdocLimits: the readers' own tests run under the limits the
// scanner gives them by default.
func TestTestdocLimits(t *testing.T) {
	if got, want := testdoc.Limits(), DefaultLimits().budget(); got != want {
		t.Errorf("testdoc.Limits() = %+v, DefaultLimits gives the readers %+v", got, want)
	}
}
