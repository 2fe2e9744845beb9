package tickets

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealAndOpen(t *testing.T) {
	id, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSealer([]string{id.Recipient})
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte("Subject: card\r\n\r\nmy card is 4111 1111 1111 1111\r\n")
	sealed, err := s.Seal(raw)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("4111")) || bytes.Contains(sealed, []byte("card")) {
		t.Fatalf("ciphertext shows plaintext")
	}
	dir := t.TempDir()
	idFile := filepath.Join(dir, "quarantine.key")
	if err := WriteIdentityFile(idFile, id); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(idFile); fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity file mode %v", fi.Mode())
	}
	if err := WriteIdentityFile(idFile, id); err == nil {
		t.Fatalf("identity file overwritten")
	}
	got, err := OpenSealed(sealed, idFile)
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("open: %v", err)
	}

	other, _ := GenerateIdentity()
	otherFile := filepath.Join(dir, "other.key")
	WriteIdentityFile(otherFile, other)
	if _, err := OpenSealed(sealed, otherFile); err == nil {
		t.Fatalf("opened with the wrong identity")
	}
	if _, err := NewSealer(nil); err == nil {
		t.Fatalf("sealer without recipients")
	}
	if _, err := NewSealer([]string{"age1notakey"}); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("bad recipient: %v", err)
	}
}
