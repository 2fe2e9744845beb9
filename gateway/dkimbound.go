package gateway

import (
	"bytes"
	"strings"
)

// go-msgauth's dkim.Verify is quadratic in the header it reads: a folded
// field is grown one line at a time (1 MiB of continuation lines: 2.6 s of
// CPU), and every name of a signature's h= tag is looked up by walking all
// fields (a 1 MiB header with a long h=: 6.7 s). Past these bounds no
// verification runs and DKIM is permerror: no real signer needs them
// (a large list message has some 50 KiB and 100 fields of header; a
// signature names a few dozen fields).
const (
	maxDKIMHeaderBytes  = 256 << 10
	maxDKIMHeaderFields = 1000
	maxDKIMSignedFields = 256 // names in one signature's h= tag
)

// dkimHeaderTooBig reports whether the header block of raw, read the way
// the verifier reads it (every line up to the first empty one, whatever
// it holds), is past the bounds, and which one ("" when within).
func dkimHeaderTooBig(raw []byte) string {
	block := raw
	if bytes.HasPrefix(raw, []byte("\r\n")) {
		block = nil
	} else if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		block = raw[:i+2]
	}
	if len(block) > maxDKIMHeaderBytes {
		return "header_bytes"
	}
	fields := 0
	var sig []byte // the DKIM-Signature field being read, unfolded
	inSig := false
	for len(block) > 0 {
		line := block
		if i := bytes.Index(block, []byte("\r\n")); i >= 0 {
			line, block = block[:i], block[i+2:]
		} else {
			block = nil
		}
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if inSig {
				sig = append(sig, line...)
			}
			continue
		}
		if inSig && signedFieldCount(sig) > maxDKIMSignedFields {
			return "signed_fields"
		}
		fields++
		if fields > maxDKIMHeaderFields {
			return "header_fields"
		}
		inSig = len(line) >= len("dkim-signature:") && strings.EqualFold(string(line[:len("dkim-signature:")]), "dkim-signature:")
		sig = append(sig[:0], line...)
	}
	if inSig && signedFieldCount(sig) > maxDKIMSignedFields {
		return "signed_fields"
	}
	return ""
}

// signedFieldCount is the number of names in the h= tag of a
// DKIM-Signature field (RFC 6376 3.5), 0 when it has none.
func signedFieldCount(field []byte) int {
	_, v, _ := bytes.Cut(field, []byte(":"))
	for _, tag := range bytes.Split(v, []byte(";")) {
		name, val, ok := bytes.Cut(tag, []byte("="))
		if ok && string(bytes.TrimSpace(name)) == "h" {
			return bytes.Count(val, []byte(":")) + 1
		}
	}
	return 0
}
