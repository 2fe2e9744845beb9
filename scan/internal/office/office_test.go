package office

import (
	"strings"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// testEnv stands in for the walk in this package's tests, which read
// packages that hold nothing but their own XML: it forgets pictures and
// refuses an embedded object as unsupported, failing closed. (The tests of
// package scan read Office documents through the real walk.)
type testEnv struct{}

func (testEnv) Image(string, []byte) {}

func (testEnv) SVG(string, []byte) {}

func (testEnv) Embedded(*strings.Builder, string, []byte, int, func(error) error) error {
	return budget.Unscannable(budget.ReasonUnsupported, "test: embedded object")
}
