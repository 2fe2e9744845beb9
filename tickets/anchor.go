package tickets

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"
)

// An anchor is the audit chain's heads at one moment, kept where the
// database cannot reach: serve logs one and appends it to AnchorFile at
// every retention round and at shutdown. The chain must hold each
// anchored head at its count forever after (events are never deleted), so
// an anchor catches what a chain cannot catch on its own: its last events
// deleted and its head rewound, or the whole log emptied.

// AnchorFile is the append-only anchor file under the data directory.
const AnchorFile = "audit-anchor.log"

// AuditAnchor is the chain heads at one moment.
type AuditAnchor struct {
	At     time.Time `json:"at"`
	Events int64     `json:"events"` // over every chain
	// Head is a digest of the chain heads (SHA-256 over each chain's
	// number, count, seq and hash, one line each, in chain order): one
	// value to compare in a log.
	Head   string        `json:"head"`
	Chains []AnchorChain `json:"chains"` // every chain that holds events
}

// AnchorChain is one chain's head: its count of events, and the seq and
// hash of its last one.
type AnchorChain struct {
	Chain  int64  `json:"chain"`
	Events int64  `json:"events"`
	Seq    int64  `json:"seq"`
	Hash   string `json:"hash"`
}

func anchorDigest(chains []AnchorChain) string {
	h := sha256.New()
	for _, c := range chains {
		fmt.Fprintf(h, "%d %d %d %s\n", c.Chain, c.Events, c.Seq, c.Hash)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// check tells an anchor that does not hold together (edited by hand, or
// cut short).
func (a AuditAnchor) check() error {
	var n int64
	for _, c := range a.Chains {
		if c.Chain <= 0 || c.Events <= 0 || c.Seq <= 0 || len(c.Hash) != 64 {
			return fmt.Errorf("anchor of %s: chain %d head is malformed", a.At.Format(time.RFC3339), c.Chain)
		}
		n += c.Events
	}
	if n != a.Events || anchorDigest(a.Chains) != a.Head {
		return fmt.Errorf("anchor of %s: its chains do not add up to its count and head", a.At.Format(time.RFC3339))
	}
	return nil
}

func (c *core) AuditAnchor(ctx context.Context) (AuditAnchor, error) {
	a := AuditAnchor{At: c.now(), Chains: []AnchorChain{}}
	err := c.snapshot(ctx, func(q dbtx) error {
		heads, err := readHeads(ctx, q)
		if err != nil {
			return err
		}
		for id, h := range heads {
			if h.events > 0 {
				a.Chains = append(a.Chains, AnchorChain{Chain: id, Events: h.events, Seq: h.seq, Hash: h.hash})
				a.Events += h.events
			}
		}
		return nil
	})
	if err != nil {
		return AuditAnchor{}, fmt.Errorf("audit anchor: %w", err)
	}
	sort.Slice(a.Chains, func(i, j int) bool { return a.Chains[i].Chain < a.Chains[j].Chain })
	a.Head = anchorDigest(a.Chains)
	return a, nil
}

// AppendAnchor appends a as one JSON line to the file at path (created
// 0600), and syncs it.
func AppendAnchor(path string, a AuditAnchor) error {
	line, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("append audit anchor: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("append audit anchor: %w", err)
	}
	_, err = f.Write(append(line, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("append audit anchor to %s: %w", path, err)
	}
	return nil
}

// ReadAnchors reads anchors, one per line: the lines of AnchorFile, or
// serve's JSON log lines that carry one under "audit_anchor" (so a log
// can be grepped and piped in). Lines holding neither are skipped and
// counted; an anchor that does not hold together is an error.
func ReadAnchors(r io.Reader) (anchors []AuditAnchor, skipped int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var probe struct {
			Anchor *AuditAnchor `json:"audit_anchor"`
			Head   *string      `json:"head"`
		}
		if json.Unmarshal(line, &probe) != nil {
			skipped++
			continue
		}
		var a AuditAnchor
		switch {
		case probe.Anchor != nil:
			a = *probe.Anchor
		case probe.Head != nil:
			if err := json.Unmarshal(line, &a); err != nil {
				return nil, skipped, fmt.Errorf("line %d: %w", n, err)
			}
		default:
			skipped++
			continue
		}
		if err := a.check(); err != nil {
			return nil, skipped, fmt.Errorf("line %d: %w", n, err)
		}
		anchors = append(anchors, a)
	}
	if err := sc.Err(); err != nil {
		return nil, skipped, fmt.Errorf("read anchors: %w", err)
	}
	return anchors, skipped, nil
}

// readHeads reads every chain's head.
func readHeads(ctx context.Context, q dbtx) (map[int64]chainHead, error) {
	heads := map[int64]chainHead{}
	r, err := q.Query(ctx, "SELECT id, seq, hash, events, key_seq FROM audit_head")
	if err != nil {
		return nil, fmt.Errorf("read heads: %w", err)
	}
	defer r.Close()
	for r.Next() {
		var id int64
		var h chainHead
		if err := r.Scan(&id, &h.seq, &h.hash, &h.events, &h.keySeq); err != nil {
			return nil, fmt.Errorf("read heads: %w", err)
		}
		heads[id] = h
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("read heads: %w", err)
	}
	if _, ok := heads[1]; !ok {
		return nil, fmt.Errorf("read heads: %w: chain 1 has no head", ErrNotFound)
	}
	return heads, nil
}

// chainName is how a report names a chain: SQLite has only the one.
func chainName(id int64, chains int) string {
	if chains > 1 {
		return "chain " + strconv.FormatInt(id, 10)
	}
	return "the chain"
}
