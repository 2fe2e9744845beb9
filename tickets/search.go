package tickets

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search finds tickets by the words staff may read: the masked subject
// and the masked text of every part (member mail, staff replies, notes).
// Both backends index the same words: the text lower-cased and cut at
// every character that is not a letter or a digit (SQLite's FTS5 with the
// unicode61 tokenizer; PostgreSQL's 'simple' configuration over the text
// with every such run made a space), the first searchIndexed characters
// of each text. A query is split at white space; each piece must be found
// in the ticket (all pieces, anywhere in its subject or texts), its words
// next to each other in one text and its last word as a prefix:
// "jane@example.org" finds the words jane, example, org in a row, "invo"
// finds "invoice". A piece that is a ticket ref (T-XXXXXX) also finds
// that ticket, and one that is an address also finds the tickets it
// requested.

// searchIndexed is how many characters of a text are indexed; the
// migrations (0004_desk.*.sql) say the same.
const searchIndexed = 32000

// Query bounds: a search is staff typing, not a document.
const (
	maxSearchBytes  = 512
	maxSearchPieces = 8
)

// searchPiece is one white-space separated piece of a query.
type searchPiece struct {
	words []string // lower-case letters and digits, in order
	ref   string   // the piece was a ticket ref: also that ticket
	addr  string   // the piece was an address: also that requester's tickets
}

// parseSearch splits q into pieces; an empty or blank q is no search.
func parseSearch(q string) ([]searchPiece, error) {
	if len(q) > maxSearchBytes {
		return nil, fmt.Errorf("%w: search longer than %d bytes", ErrInvalid, maxSearchBytes)
	}
	if !utf8.ValidString(q) || strings.IndexByte(q, 0) >= 0 {
		return nil, fmt.Errorf("%w: search is not text", ErrInvalid)
	}
	var out []searchPiece
	for _, f := range strings.Fields(q) {
		p := searchPiece{words: searchWords(f)}
		if strings.HasPrefix(strings.ToUpper(f), "T-") {
			if ref, err := ParseRef(f); err == nil {
				p.ref = ref
			}
		}
		if at := strings.LastIndexByte(f, '@'); at > 0 && at < len(f)-1 {
			p.addr = normAddr(f)
		}
		if len(p.words) == 0 && p.ref == "" && p.addr == "" {
			continue
		}
		out = append(out, p)
	}
	if len(out) > maxSearchPieces {
		return nil, fmt.Errorf("%w: search has more than %d words", ErrInvalid, maxSearchPieces)
	}
	return out, nil
}

// searchWords is s as the indexes see it: lower-case runs of letters and
// digits.
func searchWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsNumber(r)
	})
}

// pgSearchVector is the expression of the PostgreSQL indexes
// (0004_desk.postgres.sql), for column col; it must stay the same for
// the planner to use them.
func pgSearchVector(col string) string {
	return `to_tsvector('simple'::regconfig, regexp_replace(lower(left(` + col + `, 32000)), '[^[:alnum:]]+', ' ', 'g'))`
}

// ftsPhrase is p's words as an FTS5 phrase whose last word is a prefix.
func (p searchPiece) ftsPhrase() string {
	return `"` + strings.Join(p.words, " ") + `"*`
}

// tsQuery is p's words as a PostgreSQL tsquery: in a row, the last a
// prefix. Words hold only letters and digits, so quoting cannot break.
func (p searchPiece) tsQuery() string {
	q := make([]string, len(p.words))
	for i, w := range p.words {
		q[i] = "'" + w + "'"
	}
	return strings.Join(q, " <-> ") + ":*"
}

// searchCond is the WHERE condition (on tickets t) for one piece, with
// its arguments.
func (c *core) searchCond(p searchPiece) (string, []any) {
	var alts []string
	var args []any
	if len(p.words) > 0 {
		if c.d.name == "postgres" {
			alts = append(alts,
				`t.id IN (SELECT m.ticket_id FROM parts p JOIN messages m ON m.id = p.message_id WHERE `+pgSearchVector("p.body")+` @@ to_tsquery('simple', ?))`,
				pgSearchVector("t.subject")+` @@ to_tsquery('simple', ?)`)
			args = append(args, p.tsQuery(), p.tsQuery())
		} else {
			alts = append(alts, `t.id IN (SELECT d.ticket_id FROM search_fts f JOIN search_docs d ON d.id = f.rowid WHERE search_fts MATCH ?)`)
			args = append(args, p.ftsPhrase())
		}
	}
	if p.ref != "" {
		alts = append(alts, "t.ref = ?")
		args = append(args, p.ref)
	}
	if p.addr != "" {
		alts = append(alts, "t.requester = ?")
		args = append(args, p.addr)
	}
	return "(" + strings.Join(alts, " OR ") + ")", args
}
