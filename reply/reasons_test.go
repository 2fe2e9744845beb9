package reply

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/intake-mail/intake/tickets"
)

// Every reason not to reply has words for staff, read from reasons.go
// itself: a reason added later without words fails here, not on a
// member's ticket. The reasons to reply are kept as "queued".
func TestDecisionWordsCoverEveryReason(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "reasons.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	toReply := map[string]bool{ReasonSensitive: true, ReasonWithheld: true, ReasonAcknowledge: true}
	var words []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			for i, n := range v.Names {
				if !strings.HasPrefix(n.Name, "Reason") {
					continue
				}
				word := n.Name // a reason defined by another constant
				if lit, ok := v.Values[i].(*ast.BasicLit); ok {
					word, _ = strconv.Unquote(lit.Value)
				} else if n.Name == "ReasonRateLimitedAtCommit" {
					word = ReasonRateLimitedAtCommit
				}
				words = append(words, word)
			}
		}
	}
	if len(words) < 20 {
		t.Fatalf("read %d reasons from reasons.go; the parse is wrong", len(words))
	}
	for _, w := range append(words, tickets.ReplyQueued) {
		if toReply[w] {
			continue
		}
		got := DecisionWords(w)
		if got == w || got == "" || strings.HasSuffix(got, ".") || got != strings.ToLower(got[:1])+got[1:] {
			t.Errorf("%s reads %q: want words for staff, in lower case, with no full stop (the page adds one)", w, got)
		}
	}
	if DecisionWords("") != "" || DecisionWords("some_new_word") != "some_new_word" {
		t.Error("an unknown or empty decision is not shown as it is")
	}
}
