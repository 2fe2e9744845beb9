package tnef

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/rtf"
)

// The first example of MS-OXRTFCP section 4.1: a short RTF, compressed,
// with its CRC.
const specExample = "2d0000002b0000004c5a4675f1c5c7a703000a007263706731323542320af32068656c09002062770" +
	"5b06c647d0a800fa0"

func TestDecompressSpecExample(t *testing.T) {
	data, err := hex.DecodeString(specExample)
	if err != nil {
		t.Fatal(err)
	}
	out, reason, detail := decompressRTF(data, 1<<20)
	if reason != "" {
		t.Fatalf("%s: %s", reason, detail)
	}
	if want := "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestDictionaryPrefill(t *testing.T) {
	if len(dictPrefill) != 207 {
		t.Errorf("prefill is %d bytes, the specification says 207", len(dictPrefill))
	}
}

func TestCompressRoundTrip(t *testing.T) {
	docs := [][]byte{
		nil,
		[]byte("{"),
		[]byte(`{\rtf1\ansi\ansicpg1252\pard hello world}` + "\r\n"),
		[]byte(strings.Repeat("abc", 2000)), // matches that run into what they write
		rtf.WordDoc{Title: "t", Paragraphs: []rtf.Para{{{Text: "Card 4111 1111 1111 1111", Split: 5}}}}.Bytes(),
	}
	for _, doc := range docs {
		c := CompressRTF(doc)
		out, reason, detail := decompressRTF(c, 1<<24)
		if reason != "" || !bytes.Equal(out, doc) {
			t.Errorf("%d bytes: round trip gave %d bytes (%s %s)", len(doc), len(out), reason, detail)
		}
		if len(doc) > 1000 && len(c) > len(doc)*3/4 {
			t.Errorf("%d bytes compressed to %d: the compressor does not find matches", len(doc), len(c))
		}
		s := StoreRTF(doc)
		out, reason, _ = decompressRTF(s, 1<<24)
		if reason != "" || !bytes.Equal(out, doc) {
			t.Errorf("stored %d bytes: got %d bytes (%s)", len(doc), len(out), reason)
		}
	}
}

func TestDecompressProblems(t *testing.T) {
	good := CompressRTF([]byte(`{\rtf1 some text some text some text}`))
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-3] ^= 0x40
	unknown := bytes.Clone(good)
	copy(unknown[8:], "ABCD")
	// Without the end marker, as older writers: COMPSIZE says where
	// it ends, and RAWSIZE must then be reached.
	noEnd := bytes.Clone(good[:len(good)-2])
	copy(noEnd[0:], le32(uint32(len(noEnd)-4)))
	copy(noEnd[12:], le32(rtfCRC(noEnd[16:])))
	noEndShort := bytes.Clone(noEnd)
	copy(noEndShort[4:], le32(binary.LittleEndian.Uint32(noEnd[4:])+10))
	tests := []struct {
		name   string
		data   []byte
		max    int
		reason string
	}{
		{"good", good, 1 << 20, ""},
		{"short header", good[:10], 1 << 20, ReasonTruncated},
		{"cut", good[:len(good)-5], 1 << 20, ReasonTruncated},
		{"bad CRC", badCRC, 1 << 20, ReasonBadEncoding},
		{"unknown type", unknown, 1 << 20, ReasonUnsupported},
		{"over the bound", good, 10, ReasonTooLarge},
		{"stored over the bound", StoreRTF(make([]byte, 100)), 10, ReasonTooLarge},
		{"stored, cut", StoreRTF(make([]byte, 100))[:50], 1 << 20, ReasonTruncated},
		{"no end marker", noEnd, 1 << 20, ""},
		{"no end marker, raw size not reached", noEndShort, 1 << 20, ReasonTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, reason, _ := decompressRTF(tc.data, tc.max)
			if reason != tc.reason {
				t.Errorf("reason %q, want %q", reason, tc.reason)
			}
			if len(out) > tc.max {
				t.Errorf("%d bytes out past a bound of %d", len(out), tc.max)
			}
		})
	}
}

// TestDecompressBomb: a stream of references expands at most about 8
// times, and a lying RAWSIZE sizes nothing.
func TestDecompressBomb(t *testing.T) {
	body := []byte{}
	wp := len(dictPrefill)
	for range 1000 {
		body = append(body, 0xff)
		for range 8 {
			// 17 bytes from anywhere but the write position (the end).
			off := (wp + 100) & (dictSize - 1)
			body = append(body, byte(off>>4), byte(off<<4|0x0f))
			wp = (wp + 17) & (dictSize - 1)
		}
	}
	data := append(le32(uint32(len(body)+12)), le32(0xffffffff)...)
	data = append(data, le32(compressedMagic)...)
	data = append(data, le32(rtfCRC(body))...)
	data = append(data, body...)
	out, reason, _ := decompressRTF(data, 64<<10)
	if reason != ReasonTooLarge || len(out) != 64<<10 {
		t.Errorf("reason %q, %d bytes", reason, len(out))
	}
	if cap(out) > 9*len(body)+16 {
		t.Errorf("capacity %d from a RAWSIZE of 4 GiB", cap(out))
	}
}
