package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/tickets"
)

// The staff commands (tickets, quarantine, outbox) act through desk, as
// the web does, so the two cannot drift apart. Who acts:
//
//   - by default, the operator: the OS user running the command, with
//     every role (agent, privacy, admin). Whoever can run intake against
//     the store, as the service user, can read its files anyway; the
//     audit log names them "cli:USER".
//   - with --as NAME, the staff account NAME, with that account's roles
//     only (a disabled or unknown account is refused); the audit log
//     names it "cli:NAME". This is how a staff member works from a shell
//     under their own name and rights.

const asUsage = "act as this staff account, with its roles (default: the OS user, with every role)"

// allRoles are the operator's.
var allRoles = []tickets.Role{tickets.RoleAgent, tickets.RolePrivacy, tickets.RoleAdmin}

// osUserName is the OS user running the command.
func osUserName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "uid-" + fmt.Sprint(os.Getuid())
}

// cliActorFor resolves who acts (see above).
func cliActorFor(ctx context.Context, st tickets.Store, as string) (desk.Actor, error) {
	if as == "" {
		return desk.Actor{Name: osUserName(), Roles: allRoles, Via: "cli"}, nil
	}
	u, err := st.GetUser(ctx, as)
	if errors.Is(err, tickets.ErrNotFound) {
		return desk.Actor{}, fmt.Errorf("--as %s: no such staff account (see intake user list)", as)
	}
	if err != nil {
		return desk.Actor{}, fmt.Errorf("--as %s: %w", as, err)
	}
	if u.Disabled {
		return desk.Actor{}, fmt.Errorf("--as %s: the account is disabled", as)
	}
	return desk.Actor{Name: u.Name, Roles: u.Roles, Via: "cli"}, nil
}

// cliDesk is the desk over st for one command, and who acts; on failure
// it has told stderr why.
func cliDesk(ctx context.Context, st tickets.Store, as, what string, stderr io.Writer) (*desk.Desk, desk.Actor, error) {
	a, err := cliActorFor(ctx, st, as)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", what, err)
		return nil, a, err
	}
	d, err := desk.New(desk.Options{Store: st})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", what, err)
		return nil, a, err
	}
	return d, a, nil
}

// cliReplier composes staff replies as serve does, from the [reply]
// section, with Message-IDs from the store's own threading secret.
func cliReplier(cfgPath string, st tickets.Store) (desk.Replier, error) {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, err
	}
	return reply.NewResponder(reply.ResponderOptions{
		Policy:        reply.Policy{}, // staff replies are not decided by it; From is the loop token
		From:          cfg.Reply.From,
		OrgName:       cfg.Reply.OrgName,
		PostalAddress: cfg.Reply.PostalAddress,
		Phone:         cfg.Reply.Phone,
		Hours:         cfg.Reply.Hours,
		TemplatesDir:  cfg.Reply.TemplatesDir,
		GiveUp:        cfg.Reply.GiveUpAuto.D(),
		StaffGiveUp:   cfg.Reply.GiveUpStaff.D(),
		MessageID:     st.MessageID,
	})
}

// deskExit is the exit status for a desk error, told on stderr: 1 when
// the thing is not there or the action was refused (not found, conflict,
// a number in the text, the role), 2 for a malformed request or our
// fault.
func deskExit(stderr io.Writer, what string, err error) int {
	e := desk.AsError(err)
	fmt.Fprintf(stderr, "%s: %s\n", what, e.Message)
	if e.Status >= 500 {
		if e.Err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", what, e.Err)
		}
		return 2
	}
	if e.Status == 400 {
		return 2
	}
	return 1
}

// quarantineQuery lists the items in state ("" for all).
func quarantineQuery(state string) desk.QuarantineQuery {
	return desk.QuarantineQuery{State: tickets.QuarantineState(state)}
}

// outboxQuery lists the jobs in state ("" for all).
func outboxQuery(state string) desk.OutboxQuery {
	return desk.OutboxQuery{State: tickets.OutboxState(state)}
}

// jobViews are desk's views of jobs as the outbox command prints them
// (the same fields: desk's is the one the API answers).
func jobViews(js []desk.OutboxJob) []jobView {
	out := make([]jobView, len(js))
	for i, j := range js {
		out[i] = jobView(j)
	}
	return out
}
