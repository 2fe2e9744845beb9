package desk

import (
	"context"
	"slices"
	"testing"

	"github.com/intake-mail/intake/tickets"
)

// The assign-to list holds the accounts Assign accepts, and no other.
func TestAssignees(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.addUser("bob", false, tickets.RoleAgent)
		e.addUser("ada", false, tickets.RoleAdmin)
		e.addUser("pia", false, tickets.RolePrivacy)
		e.addUser("old", true, tickets.RoleAgent)
		got, err := e.d.Assignees(ctx, agent)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"ada", "bob"}; !slices.Equal(got, want) {
			t.Fatalf("assignees %v, want %v", got, want)
		}
		acc := e.file("Help", "Hello", "member@example.org", false)
		for _, name := range []string{"pia", "old", "nobody"} {
			if _, err := e.d.Assign(ctx, agent, acc.Ref, name); code(err) != "422 invalid" {
				t.Errorf("assign to %s (not in the list): %s, want 422 invalid", name, code(err))
			}
		}
		for _, name := range got {
			if _, err := e.d.Assign(ctx, agent, acc.Ref, name); err != nil {
				t.Errorf("assign to %s (in the list): %v", name, err)
			}
		}
	})
}
