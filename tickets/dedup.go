package tickets

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// DedupKey identifies one delivery of a message to a queue, so that a
// retry (the first 250 lost, the sender trying again minutes later, or via
// another node) files nothing new, while a different message that happens
// to carry the same Message-ID does file.
//
// A retry is the same sender sending the same bytes again: so the key is
// the queue, the envelope sender (masked is fine: masking is
// deterministic), the Message-ID, and a digest of the message as received
// without the trace fields that change from one attempt to the next (see
// CanonicalHash: the Received and Authentication-Results we add, X-Intake-*,
// and the other hops' trace). Keying on the Message-ID alone let a stranger
// who sent first with a member's Message-ID, or a device that sends one
// fixed Message-ID, swallow every later message under the first ticket.
// Only a hash is kept: a Message-ID could hold a number.
//
// Keys made before this version (v1: queue and Message-ID) no longer
// match: a retry straddling the upgrade may file a second ticket once.
func DedupKey(queue, mailFrom, messageID string, raw []byte) string {
	h := sha256.New()
	h.Write([]byte("intake-dedup-v2\x00"))
	h.Write([]byte(queue))
	h.Write([]byte{0})
	h.Write([]byte(normAddr(mailFrom)))
	h.Write([]byte{0})
	h.Write([]byte(normMessageID(messageID)))
	h.Write([]byte{0})
	h.Write(CanonicalHash(raw))
	return "v2:" + hex.EncodeToString(h.Sum(nil))
}

// traceHeaders change from one delivery attempt to the next (each hop adds
// its own) and so are left out of the canonical form.
var traceHeaders = []string{"received:", "return-path:", "delivered-to:", "x-intake-", "authentication-results:", "arc-", "x-original-to:"}

// CanonicalHash hashes a raw message with trace headers removed and line
// endings and trailing white space normalised, so two deliveries of the
// same message hash alike.
func CanonicalHash(raw []byte) []byte {
	h := sha256.New()
	inHeader, skipping := true, false
	for len(raw) > 0 {
		var line []byte
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			line, raw = raw, nil
		}
		line = bytes.TrimRight(line, " \t\r")
		if inHeader {
			if len(line) == 0 {
				inHeader = false
			} else if line[0] == ' ' || line[0] == '\t' {
				if skipping {
					continue
				}
			} else {
				skipping = false
				lower := strings.ToLower(string(line[:min(len(line), 32)]))
				for _, p := range traceHeaders {
					if strings.HasPrefix(lower, p) {
						skipping = true
						break
					}
				}
				if skipping {
					continue
				}
			}
		}
		h.Write(line)
		h.Write([]byte("\r\n"))
	}
	return h.Sum(nil)
}

// normMessageID strips white space and angle brackets; the local part is
// case-sensitive in principle, but MTAs that rewrite case do not exist in
// practice and a mismatch only costs a duplicate, so it is kept as is.
func normMessageID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "<")
	s = strings.TrimSuffix(s, ">")
	return strings.TrimSpace(s)
}
