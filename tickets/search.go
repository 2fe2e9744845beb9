package tickets

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search finds tickets by the words staff may read: of each ticket its
// ref, its requester's address and its masked subject, and the masked text
// of every part (member mail, staff replies, notes). Both backends index
// the same words: the text lower-cased and cut at every character that is
// not a letter or a digit (SQLite's FTS5 with the unicode61 tokenizer;
// PostgreSQL's 'simple' configuration over the text with every such run
// made a space), the first searchIndexed characters of each text. A query
// is split at white space; each piece must be found in the ticket (all
// pieces, anywhere in its texts), its words next to each other in one text
// and its last word as a prefix: "jane@example.org" finds the words jane,
// example, org in a row (in a text, or as the requester), "invo" finds
// "invoice", "T-7K3F9Q" the ticket and the texts that name it.

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
		if w := searchWords(f); len(w) > 0 {
			out = append(out, searchPiece{words: w})
		}
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

// driveMax is how many matching texts a piece may have for the query
// to start from them (look each ticket up, sort them); above it, the
// queue is read in its order and each ticket tested (stopping at a page),
// which costs less than sorting most of the queue. Neither planner can
// tell how many texts a search matches (SQLite cannot look into FTS5,
// PostgreSQL guesses prefixes badly), so we count, up to driveMax + 1. A
// variable so tests can take each road.
var driveMax int64 = 4000

// searchConds are the WHERE conditions (on tickets t) for pieces, with
// their arguments.
func (c *core) searchConds(ctx context.Context, pieces []searchPiece) ([]string, []any, error) {
	if len(pieces) == 0 {
		return nil, nil, nil
	}
	pg := c.d.name == "postgres"
	// The rarest piece drives when it is rare enough; the others test.
	drive, fewest := -1, driveMax
	for i, p := range pieces {
		var n int64
		var err error
		if pg {
			err = one(c.read.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM search_docs WHERE search @@ to_tsquery('simple', ?) LIMIT ?) s`,
				p.tsQuery(), driveMax+1), &n)
		} else {
			err = one(c.read.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH ? LIMIT ?)`,
				p.ftsPhrase(), driveMax+1), &n)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("count matches: %w", err)
		}
		if n <= fewest {
			drive, fewest = i, n
		}
	}
	var conds []string
	var args []any
	for i, p := range pieces {
		switch {
		case pg && i == drive:
			// An array made once, then looked up by primary key: the
			// planner cannot turn it back into a join it misjudges.
			conds = append(conds, `t.id = ANY(ARRAY(SELECT d.ticket_id FROM search_docs d WHERE d.search @@ to_tsquery('simple', ?)))`)
			args = append(args, p.tsQuery())
		case pg:
			conds = append(conds, `EXISTS (SELECT 1 FROM search_docs d WHERE d.ticket_id = t.id AND d.search @@ to_tsquery('simple', ?))`)
			args = append(args, p.tsQuery())
		case i == drive:
			conds = append(conds, `t.id IN (SELECT d.ticket_id FROM search_fts f JOIN search_docs d ON d.id = f.rowid WHERE search_fts MATCH ?)`)
			args = append(args, p.ftsPhrase())
		default:
			// The unary + keeps SQLite from walking the match list for
			// every ticket: it looks the ticket's documents up, and each
			// in the list.
			conds = append(conds, `EXISTS (SELECT 1 FROM search_docs d WHERE d.ticket_id = t.id AND +d.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?))`)
			args = append(args, p.ftsPhrase())
		}
	}
	return conds, args, nil
}
