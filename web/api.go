package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/intake-mail/intake/desk"
)

// The JSON API's shape (DESIGN.md, "Contracts"): answers are JSON objects;
// every error is {"error":{"code":"...","message":"..."}} with its HTTP
// status, the code one of desk's Code constants.

// apiError is the error body.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeJSON sends v as JSON with status; nil sends no body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	if v == nil {
		w.WriteHeader(status)
		return
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(true) // a JSON answer opened as a page still cannot be markup
	if err := enc.Encode(v); err != nil {
		status, b = http.StatusInternalServerError, bytes.Buffer{}
		b.WriteString(`{"error":{"code":"internal","message":"internal error"}}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// fail answers err: the JSON error body for the API, an error page for a
// page (p is the logged-in page's context, nil when there is none). Our
// own faults are logged with their cause and shown only as "internal
// error".
func (s *Server) fail(w http.ResponseWriter, r *http.Request, p *Page, err error) {
	de := desk.AsError(err)
	if de.Status >= 500 {
		cause := "unknown"
		if de.Err != nil {
			cause = de.Err.Error()
		}
		s.log.Error("web request failed", "method", r.Method, "path", r.URL.Path, "err", cause)
	}
	retryAfter(w, err)
	if isAPI(r) {
		var body apiError
		body.Error.Code, body.Error.Message = de.Code, de.Message
		writeJSON(w, de.Status, body)
		return
	}
	s.errorPage(w, r, p, de)
}

// retryAfter sets Retry-After for a throttled login and reports whether
// err is one.
func retryAfter(w http.ResponseWriter, err error) bool {
	var th *desk.Throttled
	if !errors.As(err, &th) {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int((th.Wait+time.Second-1)/time.Second))))
	return true
}

// maxJSONBytes bounds an API request body.
const maxJSONBytes = 1 << 20

// decodeJSON reads the request body into v: one JSON object, no unknown
// fields, at most maxJSONBytes. Anything else is a 400.
func decodeJSON(r *http.Request, v any) error { return decodeJSONMax(r, v, maxJSONBytes) }

// decodeJSONMax is decodeJSON for a call that takes up to max bytes.
func decodeJSONMax(r *http.Request, v any, max int64) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, max))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &desk.Error{Status: http.StatusBadRequest, Code: desk.CodeBadRequest, Message: "the body is not the JSON object this call takes: " + jsonProblem(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &desk.Error{Status: http.StatusBadRequest, Code: desk.CodeBadRequest, Message: "the body holds more than one JSON value"}
	}
	return nil
}

// jsonProblem says what was wrong without echoing the body (which might
// hold anything a client pasted).
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var me *http.MaxBytesError
	switch {
	case errors.As(err, &se):
		return "syntax error at byte " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		return "field " + strconv.Quote(te.Field) + " has the wrong type"
	case errors.As(err, &me):
		return "too large"
	case errors.Is(err, io.EOF):
		return "empty"
	}
	if msg := err.Error(); len(msg) < 80 && bytes.HasPrefix([]byte(msg), []byte("json: unknown field")) {
		return msg[len("json: "):]
	}
	return "malformed"
}
