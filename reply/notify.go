package reply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/mailproto"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// Staff notifications (tickets/notify.go queues them): a short mail that
// names a ticket and links to it. It carries the ref, the subject masked
// and without even a last four, and the link; never message text, so a
// staff mailbox holds nothing the desk would not show. It goes only to
// the staff member's own address as their settings hold it now, and only
// if that address is in [web] notify_domains: both are checked again when
// it is sent, so a settings change or a narrower list counts at once.

// KindNotifyPrefix starts the kinds of notification jobs.
const KindNotifyPrefix = "notify."

// NotifyAllowed reports whether addr is a plain address in one of
// domains (exactly; a subdomain is another domain).
func NotifyAllowed(addr string, domains []string) bool {
	// One plain address as given: nothing around it, no display name,
	// nothing Deliverable had to trim.
	a, ok := mailproto.Deliverable(addr)
	if !ok || !strings.EqualFold(a, addr) {
		return false
	}
	_, dom, ok := mailproto.SplitAddress(a)
	if !ok {
		return false
	}
	return slices.ContainsFunc(domains, func(d string) bool { return mailproto.NormDomain(d) == dom })
}

// NotifyStore is what rendering a notification reads; tickets.Store
// satisfies it.
type NotifyStore interface {
	GetTicketByID(ctx context.Context, id uuid.UUID) (*tickets.TicketDetail, error)
	GetUser(ctx context.Context, name string) (*tickets.User, error)
	GetNotifySettings(ctx context.Context, userID uuid.UUID) (tickets.NotifySettings, error)
}

// Notifier renders notification jobs for the worker.
type Notifier struct {
	Store   NotifyStore
	From    string        // [reply] from
	OrgName string        // [reply] org_name
	BaseURL func() string // how staff reach the web interface, for the link
	Domains []string      // [web] notify_domains
}

// errNotWanted ends a notification that must not go: the worker fails it
// without a delivery attempt.
var errNotWanted = errors.New("notification not sent")

// lastFour finds what masking left of a number: stars (and separators)
// then up to four digits.
var lastFour = regexp.MustCompile(`\*[*\s.\-]*[0-9]{1,4}`)

// NotifySubject is a ticket's masked subject as a notification may carry
// it: masked again, and without the last four digits masking keeps.
func NotifySubject(masked string) string {
	return lastFour.ReplaceAllString(scan.MaskString(masked), "[number removed]")
}

// Render builds job j's message, or says why it must not be sent
// (errNotWanted wrapped, or errStoreRead for a store that cannot be read).
func (n *Notifier) Render(ctx context.Context, j tickets.OutboxJob) (raw []byte, body string, err error) {
	var p tickets.NotifyPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.V != 1 || p.User == "" {
		return nil, "", fmt.Errorf("%w: the job's payload is not a notification", errNotWanted)
	}
	if !NotifyAllowed(j.Recipient, n.Domains) {
		return nil, "", fmt.Errorf("%w: the address is outside [web] notify_domains", errNotWanted)
	}
	u, err := n.Store.GetUser(ctx, p.User)
	if errors.Is(err, tickets.ErrNotFound) {
		return nil, "", fmt.Errorf("%w: the user is gone", errNotWanted)
	}
	if err != nil {
		return nil, "", fmt.Errorf("%w: read user: %v", errStoreRead, err)
	}
	s, err := n.Store.GetNotifySettings(ctx, u.ID)
	if err != nil {
		return nil, "", fmt.Errorf("%w: read notification settings: %v", errStoreRead, err)
	}
	wanted := (j.Kind == tickets.KindNotifyNewTicket && s.NewTicket) || (j.Kind == tickets.KindNotifyFollowup && s.Followup)
	switch {
	case u.Disabled:
		return nil, "", fmt.Errorf("%w: the user is disabled", errNotWanted)
	case !strings.EqualFold(s.Email, j.Recipient):
		return nil, "", fmt.Errorf("%w: the user's address changed", errNotWanted)
	case !wanted:
		return nil, "", fmt.Errorf("%w: the user no longer asks for it", errNotWanted)
	}
	t, err := n.Store.GetTicketByID(ctx, j.TicketID)
	if errors.Is(err, tickets.ErrNotFound) {
		return nil, "", fmt.Errorf("%w: its ticket is gone", errNotWanted)
	}
	if err != nil {
		return nil, "", fmt.Errorf("%w: read ticket: %v", errStoreRead, err)
	}
	subject := NotifySubject(t.Subject)
	base := strings.TrimRight(n.BaseURL(), "/")
	link := base + "/t/" + url.PathEscape(t.Ref)
	what, intro := "New ticket", "A new ticket is in the queue "+t.Queue+"."
	if j.Kind == tickets.KindNotifyFollowup {
		what, intro = "Member follow-up", "The member wrote again on a ticket assigned to you."
	}
	body = intro + "\n\n  " + t.Ref + "  " + subject + "\n\nOpen it: " + link + "\n\n" +
		"The message itself is shown only on the desk. You get these mails because\n" +
		"you asked for them: " + base + "/settings\n"
	_, dom, _ := mailproto.SplitAddress(n.From)
	out := Outgoing{
		From:      n.From,
		FromName:  n.OrgName,
		To:        j.Recipient,
		Subject:   "[" + t.Ref + "] " + what + ": " + subject,
		MessageID: "notify." + j.ID.String() + "@" + dom,
		Generated: true,
		Date:      j.Created,
		Body:      body,
	}
	raw, err = out.Bytes()
	if err != nil {
		return nil, "", err
	}
	return raw, body, nil
}
