package mailgen

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
)

// TestPhotoDocuments: a photographed-number document holds its number in
// the picture only (not in its typed text, not in the message), the
// picture is a real image large enough to read, and the label points at
// it. Deterministic per seed.
func TestPhotoDocuments(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		for _, kind := range PhotoKinds() {
			m := New(seed).PhotoDocument(kind)
			if again := New(seed).PhotoDocument(kind); !bytes.Equal(m.Raw, again.Raw) {
				t.Fatalf("seed %d %s: not deterministic", seed, kind)
			}
			if len(m.Planted) != 1 {
				t.Fatalf("seed %d %s: %d labels", seed, kind, len(m.Planted))
			}
			p := m.Planted[0]
			name, doc := photoAttachment(t, m.Raw)
			if want := "attachment:" + name + "/"; !strings.HasPrefix(p.Where, want) {
				t.Errorf("seed %d %s: label at %q, attachment %q", seed, kind, p.Where, name)
			}
			if bytes.Contains(m.Raw, []byte(p.Number)) {
				t.Errorf("seed %d %s: %v in the raw message", seed, kind, p)
			}
			pics := 0
			if kind == "pdf-photo" {
				pics = 1 // the picture is inside the PDF's image stream
				if !bytes.Contains(doc, []byte("/Subtype /Image")) {
					t.Errorf("seed %d %s: no image XObject", seed, kind)
				}
			} else {
				zr, err := zip.NewReader(bytes.NewReader(doc), int64(len(doc)))
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range zr.File {
					rc, _ := f.Open()
					data, _ := io.ReadAll(rc)
					rc.Close()
					if strings.HasSuffix(f.Name, ".png") {
						cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
						if err != nil || cfg.Height < 60 || cfg.Width < 200 {
							t.Errorf("seed %d %s: picture %dx%d (%v)", seed, kind, cfg.Width, cfg.Height, err)
						}
						pics++
						continue
					}
					if strings.Contains(digitsOnly(string(data)), string(p.Number)) {
						t.Errorf("seed %d %s: %v typed in %s", seed, kind, p, f.Name)
					}
				}
			}
			if pics != 1 {
				t.Errorf("seed %d %s: %d pictures", seed, kind, pics)
			}
		}
	}
}

// photoAttachment returns the attachment's file name and decoded content.
func photoAttachment(t *testing.T, raw []byte) (string, []byte) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err != nil {
			t.Fatal("no attachment")
		}
		if p.FileName() == "" {
			continue
		}
		enc, _ := io.ReadAll(p)
		data, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(enc)))
		if err != nil {
			t.Fatal(err)
		}
		return p.FileName(), data
	}
}
