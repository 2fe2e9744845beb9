package desk

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// LeafParts lists the parts of an original a person reads (every entity
// that is not multipart; a forwarded message is one part, as the scanner
// names it), each decoded from its transfer encoding but left in its
// charset, with its name and media type: what ReleaseFromOriginal
// offers the scanner one by one. It reads only what it is given, in
// memory.
func LeafParts(raw []byte) ([]PartRelease, error) {
	var out []PartRelease
	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if err := leaves(h, br, 0, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// maxLeafDepth bounds nesting as the scanner's limits do.
const maxLeafDepth = 20

func leaves(h textproto.Header, body io.Reader, depth int, out *[]PartRelease) error {
	if depth > maxLeafDepth {
		return errors.New("nested too deeply")
	}
	ctype := h.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		mr := textproto.NewMultipartReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read multipart: %w", err)
			}
			if err := leaves(p.Header, p, depth+1, out); err != nil {
				return err
			}
		}
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("read part: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, data)
		dec, err := base64.StdEncoding.DecodeString(strings.TrimRight(string(clean), "="))
		if err != nil {
			dec, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(string(clean), "="))
		}
		if err == nil {
			data = dec
		}
	case "quoted-printable":
		if dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(data))); err == nil {
			data = dec
		}
	}
	*out = append(*out, PartRelease{Filename: partName(h, params), ContentType: ctype, Content: data})
	return nil
}

// partName is a part's file name: Content-Disposition's filename, else
// Content-Type's name, decoded (RFC 2231 and RFC 2047).
func partName(h textproto.Header, ctParams map[string]string) string {
	name := ""
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		name = dp["filename"]
	}
	if name == "" {
		name = ctParams["name"]
	}
	if dec, err := new(mime.WordDecoder).DecodeHeader(name); err == nil {
		name = dec
	}
	return name
}
