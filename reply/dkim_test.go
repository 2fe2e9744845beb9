package reply

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/google/uuid"

	"github.com/intake-mail/intake/scan"
)

func TestDKIMSignVerify(t *testing.T) {
	ns := startDNS(t)
	r := testResponder(t, nil)
	job, err := composed(r, Decision{Reply: true, Template: TemplateSensitive, To: "ann@member.example"},
		ScanFacts{Kinds: []scan.Kind{scan.KindSSN}}, "<m1@member.example>", uuid.New(), "T-7K3F9Q")
	if err != nil {
		t.Fatal(err)
	}
	for _, algo := range []string{"ed25519", "rsa"} {
		t.Run(algo, func(t *testing.T) {
			key, err := GenerateDKIMKey(algo)
			if err != nil {
				t.Fatal(err)
			}
			// Through the file format keygen writes, as serve would read it.
			pemKey, err := MarshalDKIMKey(key)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "dkim.key")
			if err := os.WriteFile(path, pemKey, 0o600); err != nil {
				t.Fatal(err)
			}
			sel := "s" + algo
			d, err := LoadDKIM(path, "Support.Example.", sel)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := DKIMRecord(d.Public())
			if err != nil {
				t.Fatal(err)
			}
			ns.addTXT(sel+"._domainkey.support.example", rec)

			signed, err := d.Sign(job.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(signed, []byte("DKIM-Signature:")) || !bytes.HasSuffix(signed, job.Payload) {
				t.Fatalf("signature not prepended")
			}
			vs, err := dkim.VerifyWithOptions(bytes.NewReader(signed), &dkim.VerifyOptions{LookupTXT: ns.lookupTXT})
			if err != nil || len(vs) != 1 {
				t.Fatalf("verify: %d verifications, %v", len(vs), err)
			}
			if vs[0].Err != nil || vs[0].Domain != "support.example" {
				t.Fatalf("verification: domain %q, %v", vs[0].Domain, vs[0].Err)
			}
			for _, k := range []string{"from", "subject", "message-id", "auto-submitted", "in-reply-to"} {
				if !containsFold(vs[0].HeaderKeys, k) {
					t.Errorf("%s not signed", k)
				}
			}

			// A changed body or an added From must fail.
			tampered := bytes.Replace(signed, []byte("T-7K3F9Q when"), []byte("T-0000AA when"), 1)
			addedFrom := append([]byte("From: thief@evil.example\r\n"), signed...)
			for name, m := range map[string][]byte{"body": tampered, "from": addedFrom} {
				vs, err := dkim.VerifyWithOptions(bytes.NewReader(m), &dkim.VerifyOptions{LookupTXT: ns.lookupTXT})
				if err != nil || len(vs) != 1 || vs[0].Err == nil {
					t.Errorf("tampered %s still verifies", name)
				}
			}
		})
	}
}

func TestDKIMNilSignsNothing(t *testing.T) {
	var d *DKIM
	out, err := d.Sign([]byte("From: a@b.example\r\n\r\nx\r\n"))
	if err != nil || string(out) != "From: a@b.example\r\n\r\nx\r\n" {
		t.Fatalf("nil DKIM changed the message: %v", err)
	}
}

func TestDKIMKeys(t *testing.T) {
	// Go refuses to make a short RSA key, so only its public half is faked.
	short := pubOnly{&rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 511), E: 65537}}
	if _, err := NewDKIM(short, "support.example", "s"); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("512-bit RSA accepted: %v", err)
	}
	if _, err := NewDKIM(ed25519.NewKeyFromSeed(make([]byte, 32)), "", "s"); err == nil {
		t.Errorf("empty domain accepted")
	}
	if _, err := ParseDKIMKey([]byte("not a key")); err == nil {
		t.Errorf("garbage parsed as a key")
	}
	if _, err := GenerateDKIMKey("dsa"); err == nil {
		t.Errorf("dsa accepted")
	}
	rec, err := DKIMRecord(ed25519.NewKeyFromSeed(make([]byte, 32)).Public())
	if err != nil || !strings.HasPrefix(rec, "v=DKIM1; k=ed25519; p=") || len(rec) != len("v=DKIM1; k=ed25519; p=")+44 {
		t.Errorf("ed25519 record %q", rec)
	}
}

type pubOnly struct{ pub crypto.PublicKey }

func (p pubOnly) Public() crypto.PublicKey { return p.pub }
func (pubOnly) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("no private key")
}
