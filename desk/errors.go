package desk

import (
	"errors"
	"fmt"

	"github.com/intake-mail/intake/tickets"
)

// Stable error codes of the JSON API (DESIGN.md, "Contracts").
const (
	CodeBadRequest       = "bad_request"       // 400: malformed input
	CodeUnauthenticated  = "unauthenticated"   // 401: no or expired session or token
	CodeForbidden        = "forbidden"         // 403: the role does not allow it
	CodeNotFound         = "not_found"         // 404
	CodeConflict         = "conflict"          // 409: state does not allow it (already done, exists)
	CodeSensitiveContent = "sensitive_content" // 422: a staff text holds a full SSN or card number
	CodeInvalid          = "invalid"           // 422: well-formed but not acceptable
	CodeThrottled        = "throttled"         // 429: too many failed logins; wait
	CodeInternal         = "internal"          // 500: our fault; details only in the log
)

// Error is a failure the caller can act on: its Message is safe to show
// (it never holds member text or a number) and Status is the HTTP status.
type Error struct {
	Status  int
	Code    string
	Message string
	Err     error // the cause, for the log; may be nil
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// userErrf is the caller's mistake (mox's Checkuserf).
func userErrf(status int, code, format string, args ...any) error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// ourErr wraps a failure of ours (mox's Checkf): a 500 whose detail goes
// to the log only. Store errors that are really the caller's (not found,
// conflict, invalid) are mapped to theirs.
func ourErr(err error, doing string) error {
	var de *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de):
		return err
	case errors.Is(err, tickets.ErrNotFound):
		return &Error{Status: 404, Code: CodeNotFound, Message: "not found", Err: err}
	case errors.Is(err, tickets.ErrConflict):
		return &Error{Status: 409, Code: CodeConflict, Message: doing + ": conflict", Err: err}
	case errors.Is(err, tickets.ErrInvalid):
		return &Error{Status: 422, Code: CodeInvalid, Message: doing + ": not acceptable", Err: err}
	}
	return &Error{Status: 500, Code: CodeInternal, Message: "internal error (" + doing + ")", Err: fmt.Errorf("%s: %w", doing, err)}
}

// AsError returns err as an *Error, a 500 for anything that is not one.
func AsError(err error) *Error {
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	return &Error{Status: 500, Code: CodeInternal, Message: "internal error", Err: err}
}
