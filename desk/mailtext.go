package desk

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// readMessageText reads the subject and the text of a single-part
// text/plain message, as reply/ composes auto-replies. Anything else is
// errNotMessage: showing nothing is better than guessing.
func readMessageText(raw []byte) (subject, text string, err error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", "", errNotMessage
	}
	if msg.Header.Get("Message-ID") == "" {
		return "", "", errNotMessage
	}
	ct, params, err := mime.ParseMediaType(orDefault(msg.Header.Get("Content-Type"), "text/plain"))
	if err != nil || ct != "text/plain" {
		return "", "", errNotMessage
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		return "", "", errNotMessage
	}
	var body io.Reader = io.LimitReader(msg.Body, 1<<20)
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "", "7bit", "8bit":
	default:
		return "", "", errNotMessage
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return "", "", errNotMessage
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return "", "", errNotMessage
	}
	return subject, strings.TrimRight(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n"), nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
