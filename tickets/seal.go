package tickets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
)

// Sealer encrypts raw originals to the quarantine's public keys. It holds
// no identity: the gateway can seal but cannot open.
type Sealer struct {
	recipients []age.Recipient
}

// NewSealer builds a Sealer from age recipient strings ("age1..." X25519,
// or "age1pq..." hybrid post-quantum). At least one is required.
func NewSealer(recipients []string) (*Sealer, error) {
	if len(recipients) == 0 {
		return nil, fmt.Errorf("quarantine sealer: no recipients configured")
	}
	rs, err := age.ParseRecipients(strings.NewReader(strings.Join(recipients, "\n")))
	if err != nil {
		return nil, fmt.Errorf("quarantine sealer: parse recipients: %w", err)
	}
	return &Sealer{recipients: rs}, nil
}

// Seal returns the age ciphertext of raw. It works in memory only: the
// plaintext never goes to a temporary file.
func (s *Sealer) Seal(raw []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(raw) + len(raw)/4096 + 1024) // a 16-byte tag per 64 KiB chunk, and the header
	w, err := age.Encrypt(&out, s.recipients...)
	if err != nil {
		return nil, fmt.Errorf("seal original: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		return nil, fmt.Errorf("seal original: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("seal original: %w", err)
	}
	return out.Bytes(), nil
}

// Identity is a generated quarantine key pair.
type Identity struct {
	Secret    string // "AGE-SECRET-KEY-1...": keep offline
	Recipient string // "age1...": goes in [quarantine] recipients
}

// GenerateIdentity makes a new X25519 key pair for the quarantine.
func GenerateIdentity() (Identity, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return Identity{}, fmt.Errorf("generate quarantine identity: %w", err)
	}
	return Identity{Secret: id.String(), Recipient: id.Recipient().String()}, nil
}

// WriteIdentityFile writes an identity file (mode 0600, refusing to
// overwrite) in the format age -i reads.
func WriteIdentityFile(path string, id Identity) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write identity file: %w", err)
	}
	_, err = fmt.Fprintf(f, "# intake quarantine identity: keep offline\n# public key: %s\n%s\n", id.Recipient, id.Secret)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write identity file: %w", err)
	}
	return nil
}

// errIdentity marks an identity file that could not be read.
var errIdentity = errors.New("identity file unusable")

// OpenSealed decrypts a sealed original with the identities in an age
// identity file. Callers get it through Store.FetchQuarantine, which
// audits the download first, and report the outcome with
// Store.RecordQuarantineOpen (see OpenFailureReason).
func OpenSealed(sealed []byte, identityFile string) ([]byte, error) {
	f, err := os.Open(identityFile)
	if err != nil {
		return nil, fmt.Errorf("open identity file: %w: %w", errIdentity, err)
	}
	defer f.Close()
	ids, err := age.ParseIdentities(f)
	if err != nil {
		return nil, fmt.Errorf("parse identity file: %w: %w", errIdentity, err)
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), ids...)
	if err != nil {
		return nil, fmt.Errorf("decrypt sealed original: %w", err)
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("decrypt sealed original: %w", err)
	}
	return raw, nil
}

// OpenFailureReason is the code RecordQuarantineOpen keeps for an error
// of OpenSealed: "no_identity_matched" (the item was sealed to other
// keys), "identity_unreadable", or "decrypt_failed" (a damaged
// ciphertext). Never the error's words, which are not ours to vouch for.
func OpenFailureReason(err error) string {
	var noMatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &noMatch):
		return "no_identity_matched"
	case errors.Is(err, errIdentity):
		return "identity_unreadable"
	}
	return "decrypt_failed"
}
