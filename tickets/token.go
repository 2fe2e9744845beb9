package tickets

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
)

// Our outbound Message-IDs carry a token naming the ticket, signed with an
// HMAC so that a reply quoting it threads onto that ticket and nobody can
// forge one for another ticket:
//
//	<intake.NONCE.TICKET.MAC@domain>
//
// Each of NONCE, TICKET (the 16 id bytes) and MAC (the first 10 bytes of
// HMAC-SHA256 over "intake-thread-v1" and the id) is written with one
// letter a..p per nibble. No digits, on purpose: a run of digits could look
// like a card number to the scanner, which would mask it and break threading.

const tokenPrefix = "intake."

const macLen = 10

// Threader makes and checks signed Message-IDs.
type Threader struct{ key []byte }

// NewThreader returns a Threader keyed by secret (see LoadOrCreateSecret).
func NewThreader(secret []byte) *Threader { return &Threader{key: append([]byte(nil), secret...)} }

func (t *Threader) mac(id uuid.UUID) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte("intake-thread-v1"))
	m.Write(id[:])
	return m.Sum(nil)[:macLen]
}

// MessageID returns a fresh Message-ID (without angle brackets) for a
// message on ticketID sent from domain. Each call differs.
func (t *Threader) MessageID(ticketID uuid.UUID, domain string) string {
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return tokenPrefix + nibbles(nonce[:]) + "." + nibbles(ticketID[:]) + "." + nibbles(t.mac(ticketID)) + "@" + domain
}

// TicketFromMessageID returns the ticket id of one of our Message-IDs (with
// or without angle brackets) if its MAC verifies.
func (t *Threader) TicketFromMessageID(msgID string) (uuid.UUID, bool) {
	s := strings.TrimSpace(msgID)
	s = strings.TrimPrefix(s, "<")
	s = strings.TrimSuffix(s, ">")
	at := strings.LastIndexByte(s, '@')
	if at < 0 || !strings.HasPrefix(strings.ToLower(s), tokenPrefix) {
		return uuid.Nil, false
	}
	fields := strings.Split(strings.ToLower(s[len(tokenPrefix):at]), ".")
	if len(fields) != 3 {
		return uuid.Nil, false
	}
	idb, ok1 := unnibbles(fields[1])
	mac, ok2 := unnibbles(fields[2])
	if !ok1 || !ok2 || len(idb) != 16 || len(mac) != macLen {
		return uuid.Nil, false
	}
	var id uuid.UUID
	copy(id[:], idb)
	if !hmac.Equal(mac, t.mac(id)) {
		return uuid.Nil, false
	}
	return id, true
}

func nibbles(b []byte) string {
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, 'a'+c>>4, 'a'+c&15)
	}
	return string(out)
}

func unnibbles(s string) ([]byte, bool) {
	if len(s)%2 != 0 {
		return nil, false
	}
	out := make([]byte, len(s)/2)
	for i := range out {
		hi, lo := s[2*i]-'a', s[2*i+1]-'a'
		if hi > 15 || lo > 15 {
			return nil, false
		}
		out[i] = hi<<4 | lo
	}
	return out, true
}

// secretFile is where LoadOrCreateSecret keeps the threading key.
const secretFile = "thread.key"

// AuditKeyFile is where LoadOrCreateAuditKey keeps the audit chain's key,
// under the data directory.
const AuditKeyFile = "audit.key"

// LoadOrCreateSecret returns the 32-byte threading secret kept in dataDir,
// creating it (mode 0600) on first use. Every node of a PostgreSQL cluster
// must share the same file, or replies threaded by one node's token will
// not thread on another.
func LoadOrCreateSecret(dataDir string) ([]byte, error) {
	return loadOrCreateKey(dataDir, secretFile, "threading secret")
}

// LoadOrCreateAuditKey returns the 32-byte key of the audit chain's HMAC
// kept in dataDir/audit.key, creating it (mode 0600) on first use. It
// belongs outside the database, and every node of a PostgreSQL cluster
// needs the same file: copy it from the first node before starting the
// others (a node with another key refuses to open the store).
func LoadOrCreateAuditKey(dataDir string) ([]byte, error) {
	return loadOrCreateKey(dataDir, AuditKeyFile, "audit key")
}

// defaultAuditKey is the key Open uses when Options.AuditKey is nil: the
// file in the data directory, or, with none (a PostgreSQL store opened by
// a test), a key derived from the threading secret.
func defaultAuditKey(o Options) ([]byte, error) {
	if o.DataDir != "" {
		return LoadOrCreateAuditKey(o.DataDir)
	}
	m := hmac.New(sha256.New, o.Secret)
	m.Write([]byte("intake-audit-key-v1"))
	return m.Sum(nil), nil
}

func loadOrCreateKey(dataDir, file, what string) ([]byte, error) {
	path := filepath.Join(dataDir, file)
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) < 32 {
			return nil, fmt.Errorf("%s %s: %d bytes, want 32", what, path, len(b))
		}
		return b[:32], nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("generate %s: %w", what, err)
	}
	// O_EXCL: two processes starting at once must not each write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadOrCreateKey(dataDir, file, what)
	}
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", what, err)
	}
	if _, err := f.Write(secret); err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: %w", what, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("sync %s: %w", what, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("close %s: %w", what, err)
	}
	return secret, nil
}
