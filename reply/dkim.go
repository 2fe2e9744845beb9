package reply

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// dkimHeaderKeys are the fields we sign (RFC 6376 §5.4.1). From is listed
// twice so that a From added in transit breaks the signature (§8.15).
var dkimHeaderKeys = []string{
	"From", "From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
	"Auto-Submitted", "X-Auto-Response-Suppress", "X-Loop",
	"MIME-Version", "Content-Type", "Content-Transfer-Encoding",
}

// DKIM signs outbound mail for one domain and selector.
type DKIM struct {
	Domain   string
	Selector string
	key      crypto.Signer
}

// NewDKIM checks the key is one DKIM can use: Ed25519 (RFC 8463) or RSA of
// at least 1024 bits (RFC 8301 §3.2; 2048 is what keygen makes).
func NewDKIM(key crypto.Signer, domain, selector string) (*DKIM, error) {
	domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if domain == "" || selector == "" {
		return nil, fmt.Errorf("dkim: domain and selector are both needed")
	}
	switch pub := key.Public().(type) {
	case ed25519.PublicKey:
	case *rsa.PublicKey:
		if pub.N.BitLen() < 1024 {
			return nil, fmt.Errorf("dkim: RSA key of %d bits is too short (RFC 8301 wants at least 1024, 2048 is usual)", pub.N.BitLen())
		}
	default:
		return nil, fmt.Errorf("dkim: key type %T is not Ed25519 or RSA", pub)
	}
	return &DKIM{Domain: domain, Selector: selector, key: key}, nil
}

// LoadDKIM reads a PEM private key (PKCS #8, or PKCS #1 for RSA) from path.
func LoadDKIM(path, domain, selector string) (*DKIM, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read dkim key: %w", err)
	}
	key, err := ParseDKIMKey(b)
	if err != nil {
		return nil, fmt.Errorf("dkim key %s: %w", path, err)
	}
	return NewDKIM(key, domain, selector)
}

// Sign returns raw with a DKIM-Signature field in front. A nil *DKIM
// returns raw unchanged: unsigned only when no key is configured.
func (d *DKIM) Sign(raw []byte) ([]byte, error) {
	if d == nil {
		return raw, nil
	}
	var sig bytes.Buffer
	err := dkim.Sign(&sig, bytes.NewReader(raw), &dkim.SignOptions{
		Domain:                 d.Domain,
		Selector:               d.Selector,
		Signer:                 d.key,
		Hash:                   crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             dkimHeaderKeys,
	})
	if err != nil {
		return nil, fmt.Errorf("dkim sign: %w", err)
	}
	return sig.Bytes(), nil
}

// GenerateDKIMKey makes a new key: "ed25519" or "rsa" (2048 bits).
func GenerateDKIMKey(algo string) (crypto.Signer, error) {
	switch strings.ToLower(algo) {
	case "ed25519", "":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	case "rsa":
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return nil, fmt.Errorf("dkim: unknown algorithm %q (want ed25519 or rsa)", algo)
}

// MarshalDKIMKey writes key as a PKCS #8 PEM block.
func MarshalDKIMKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal dkim key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseDKIMKey reads the first private key PEM block of b.
func ParseDKIMKey(b []byte) (crypto.Signer, error) {
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("no PEM private key found")
		}
		switch blk.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse PKCS #8 key: %w", err)
			}
			s, ok := k.(crypto.Signer)
			if !ok {
				return nil, fmt.Errorf("key type %T cannot sign", k)
			}
			return s, nil
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse PKCS #1 key: %w", err)
			}
			return k, nil
		}
	}
}

// DKIMRecord is the TXT record value to publish at
// SELECTOR._domainkey.DOMAIN for key's public half (RFC 6376 §3.6.1).
func DKIMRecord(pub crypto.PublicKey) (string, error) {
	switch p := pub.(type) {
	case ed25519.PublicKey:
		// RFC 8463 §4.2: the raw 32-byte key, not an SPKI structure.
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(p), nil
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(p)
		if err != nil {
			return "", fmt.Errorf("marshal rsa public key: %w", err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	}
	return "", fmt.Errorf("dkim: key type %T is not Ed25519 or RSA", pub)
}

// Public returns the signing key's public half.
func (d *DKIM) Public() crypto.PublicKey { return d.key.Public() }
