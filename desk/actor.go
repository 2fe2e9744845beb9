package desk

import (
	"slices"

	"github.com/intake-mail/intake/tickets"
)

// Actor is the person doing a staff action, as the web session, the API
// token or the command line established it.
type Actor struct {
	Name  string         // the staff account's name (for the CLI: --as, or the OS user)
	Roles []tickets.Role // roles add up: an admin is not a privacy officer unless given both
	Via   string         // "web", "api" or "cli": recorded in the audit event
}

// Has reports whether the actor holds role r.
func (a Actor) Has(r tickets.Role) bool { return slices.Contains(a.Roles, r) }

// AuditName is how the actor appears in the audit log: "user:NAME" for the
// web and API, "cli:NAME" for the command line.
func (a Actor) AuditName() string {
	if a.Via == "cli" {
		return "cli:" + a.Name
	}
	return "user:" + a.Name
}

// need returns a 403 unless the actor holds one of roles. An agent is the
// least role: every staff account that may see tickets has it or a
// greater one.
func (a Actor) need(roles ...tickets.Role) error {
	if a.Name == "" {
		return &Error{Status: 401, Code: CodeUnauthenticated, Message: "log in first"}
	}
	for _, r := range roles {
		if a.Has(r) {
			return nil
		}
	}
	return &Error{Status: 403, Code: CodeForbidden, Message: "your account does not have the role this needs"}
}
