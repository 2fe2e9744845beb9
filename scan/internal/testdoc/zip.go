package testdoc

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"testing"
)

// ZipFile is one entry of a generated zip.
type ZipFile struct {
	Name      string
	Data      []byte
	Store     bool   // no compression
	Encrypted bool   // set the encrypted flag (the data stays readable: a reader must not try)
	Method    uint16 // an unknown method: the bytes are written raw under its number
}

// Zip makes a zip of files, in order.
func Zip(t testing.TB, files ...ZipFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate}
		if f.Store {
			h.Method = zip.Store
		}
		if f.Encrypted {
			h.Flags |= 0x1 // APPNOTE 4.4.4: bit 0, encrypted
		}
		if f.Method != 0 {
			// An unknown method: write the bytes raw under its number.
			h.Method = f.Method
			h.CompressedSize64 = uint64(len(f.Data))
			h.UncompressedSize64 = uint64(len(f.Data))
			w, err := zw.CreateRaw(h)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(f.Data)
			continue
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(f.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Gzip makes a gzip member of data, with name in its header ("" for none).
func Gzip(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Name = name
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
