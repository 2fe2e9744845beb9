package scan

import (
	"bytes"
	"encoding/binary"

	"github.com/intake-mail/intake/scan/internal/charset"
)

// oidSignedData is the DER encoding of the OID 1.2.840.113549.1.7.2
// (PKCS #7 signedData), which every S/MIME detached signature starts with.
var oidSignedData = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}

// isSignature reports whether a part labelled as a detached signature is
// one: a DER (or BER) PKCS #7 signedData that spans the whole part, or an
// ASCII-armored OpenPGP signature (RFC 3156) with nothing around it, or a
// binary OpenPGP signature packet. armor is the text of the armor header
// lines ("Comment: ..."), which a person can read and is scanned.
func isSignature(ctype string, data []byte) (ok bool, armor []byte) {
	switch ctype {
	case "application/pkcs7-signature", "application/x-pkcs7-signature":
		return isPKCS7Signature(data), nil
	case "application/pgp-signature":
		if ok, armor := isArmoredSignature(data); ok {
			return true, armor
		}
		return isPGPPacket(data), nil
	}
	return false, nil
}

func isPKCS7Signature(data []byte) bool {
	if len(data) < 16 || data[0] != 0x30 || !bytes.Contains(data[:min(len(data), 40)], oidSignedData) {
		return false
	}
	rest := bytes.TrimRight(data, "\x00\r\n\t ")
	switch l := data[1]; {
	case l == 0x80:
		// BER indefinite length: ends with the end-of-contents octets.
		return bytes.HasSuffix(rest, []byte{0, 0}) || bytes.HasSuffix(data, []byte{0, 0})
	case l < 0x80:
		return 2+int(l) == len(rest) || 2+int(l) == len(data)
	case l <= 0x84:
		n := int(l & 0x7f)
		if len(data) < 2+n {
			return false
		}
		size := 0
		for _, b := range data[2 : 2+n] {
			size = size<<8 | int(b)
		}
		total := 2 + n + size
		return total == len(data) || total == len(rest)
	}
	return false
}

var (
	pgpBegin = []byte("-----BEGIN PGP SIGNATURE-----")
	pgpEnd   = []byte("-----END PGP SIGNATURE-----")
)

func isArmoredSignature(data []byte) (bool, []byte) {
	t := bytes.TrimSpace(data)
	if !bytes.HasPrefix(t, pgpBegin) || !bytes.HasSuffix(t, pgpEnd) {
		return false, nil
	}
	lines := bytes.Split(bytes.ReplaceAll(t[len(pgpBegin):len(t)-len(pgpEnd)], []byte("\r\n"), []byte("\n")), []byte("\n"))
	var armor, radix []byte
	inHeaders := true
	for _, line := range lines {
		line = bytes.TrimRight(line, " \t\r")
		switch {
		case len(line) == 0:
			inHeaders = false
		case inHeaders && bytes.Contains(line, []byte(": ")):
			armor = append(append(armor, line...), '\n')
		case !isBase64Line(line):
			return false, nil
		default:
			inHeaders = false
			if line[0] != '=' {
				radix = append(radix, line...)
			}
		}
	}
	// The radix-64 lines must hold a signature packet: digits typed
	// between the armor lines are not one.
	packet, problem := decodeBase64(radix)
	if problem != "" || !isPGPPacket(packet) {
		return false, nil
	}
	return true, armor
}

// isBase64Line accepts a line of radix-64 data or the "=XXXX" checksum.
func isBase64Line(line []byte) bool {
	for _, c := range bytes.TrimPrefix(line, []byte("=")) {
		if _, ok := charset.Base64Value(c); !ok && c != '=' {
			return false
		}
	}
	return true
}

// isPGPPacket accepts one binary OpenPGP signature packet (tag 2, RFC 4880
// section 4.2) whose length is the whole part.
func isPGPPacket(data []byte) bool {
	if len(data) < 3 {
		return false
	}
	var total int
	switch c := data[0]; {
	case c == 0x88:
		total = 2 + int(data[1])
	case c == 0x89:
		total = 3 + int(binary.BigEndian.Uint16(data[1:]))
	case c == 0x8a && len(data) >= 5:
		total = 5 + int(binary.BigEndian.Uint32(data[1:]))
	case c == 0xc2:
		switch l := int(data[1]); {
		case l < 192:
			total = 2 + l
		case l < 224:
			total = 3 + (l-192)<<8 + int(data[2]) + 192
		case l == 255 && len(data) >= 6:
			total = 6 + int(binary.BigEndian.Uint32(data[2:]))
		default:
			return false
		}
	default:
		return false
	}
	return total == len(data)
}
