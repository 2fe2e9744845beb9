package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Notifications tell staff that mail came in: a new ticket in a queue they
// watch, a member's follow-up on a ticket assigned to them. The store
// queues each as an outbox job in the accept's own transaction, so a
// notification exists exactly when its message does; the outbox worker
// renders it when it sends (reply/notify.go), from the ticket as it is
// then: its ref and masked subject, never message text.

// NotifySettings are one staff account's choices.
type NotifySettings struct {
	UserID    uuid.UUID `json:"-"`
	User      string    `json:"user"`
	Email     string    `json:"email"`
	NewTicket bool      `json:"new_ticket"`
	Followup  bool      `json:"followup"`
	// Queues limits NewTicket to these queues; empty means every queue.
	Queues  []string  `json:"queues"`
	Updated time.Time `json:"updated,omitzero"`
}

// Notify keeps the settings; Accept queues the jobs (see Store.Accept).
type Notify interface {
	// GetNotifySettings returns a user's settings; a user who never chose
	// gets the zero settings (nothing on).
	GetNotifySettings(ctx context.Context, userID uuid.UUID) (NotifySettings, error)
	// SetNotifySettings stores s for s.UserID and audits the change
	// (user.notify) under actor. Checking the address is the caller's.
	SetNotifySettings(ctx context.Context, s NotifySettings, actor string) (NotifySettings, error)
}

// Notification job kinds, and the audit action of a settings change.
const (
	KindNotifyNewTicket = "notify.new_ticket"
	KindNotifyFollowup  = "notify.followup"
	ActionUserNotify    = "user.notify"
)

// NotifyPayload is what a notification job carries: who it is for and
// why. The ticket is the job's TicketID; its words are read when sent.
type NotifyPayload struct {
	V     int    `json:"v"`
	User  string `json:"user"`
	Event string `json:"event"` // "new_ticket" or "followup"
}

// notifyPerHour bounds the notifications one account gets: a flood of
// mail must not become a flood in every staff inbox.
const notifyPerHour = 60

func (c *core) GetNotifySettings(ctx context.Context, userID uuid.UUID) (NotifySettings, error) {
	var s NotifySettings
	var name string
	if err := one(c.read.QueryRow(ctx, "SELECT name FROM users WHERE id = ?", userID.String()), &name); err != nil {
		return s, fmt.Errorf("get notify settings: %w", err)
	}
	s, err := scanNotify(c.read.QueryRow(ctx, "SELECT email, new_ticket, followup, queues, updated_at FROM notify_settings WHERE user_id = ?", userID.String()))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return s, fmt.Errorf("get notify settings: %w", err)
	}
	s.UserID, s.User = userID, name
	return s, nil
}

func scanNotify(r row) (NotifySettings, error) {
	var s NotifySettings
	var nt, fu, upd int64
	var queues string
	if err := r.Scan(&s.Email, &nt, &fu, &queues, &upd); err != nil {
		return NotifySettings{Queues: []string{}}, err
	}
	s.NewTicket, s.Followup, s.Updated = nt != 0, fu != 0, fromMicros(upd)
	s.Queues = splitQueues(queues)
	return s, nil
}

func splitQueues(s string) []string {
	out := []string{}
	for _, q := range strings.Split(s, ",") {
		if q = strings.TrimSpace(q); q != "" {
			out = append(out, q)
		}
	}
	return out
}

func (c *core) SetNotifySettings(ctx context.Context, s NotifySettings, actor string) (NotifySettings, error) {
	if actor == "" || needsRepair(s.Email) || len(s.Email) > c.o.Limits.Short || strings.ContainsAny(s.Email, "\r\n") {
		return s, fmt.Errorf("set notify settings: %w: actor required, address as text", ErrInvalid)
	}
	queues := slices.Clone(s.Queues)
	slices.Sort(queues)
	queues = slices.Compact(queues)
	for _, q := range queues {
		if strings.Contains(q, ",") || needsRepair(q) {
			return s, fmt.Errorf("set notify settings: %w: a queue name holds no comma", ErrInvalid)
		}
	}
	now := c.now()
	var out NotifySettings
	err := c.write(ctx, func(q dbtx) error {
		var name string
		if err := one(q.QueryRow(ctx, "SELECT name FROM users WHERE id = ?"+c.d.forUpdate, s.UserID.String()), &name); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `INSERT INTO notify_settings (user_id, email, new_ticket, followup, queues, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, new_ticket = excluded.new_ticket, followup = excluded.followup,
			queues = excluded.queues, updated_at = excluded.updated_at`,
			s.UserID.String(), s.Email, b2i(s.NewTicket), b2i(s.Followup), strings.Join(queues, ","), micros(now)); err != nil {
			return err
		}
		// The address is the user's own, chosen by them or an admin; the
		// audit says which, and that it changed, not what it is.
		detail := map[string]string{"user": name, "new_ticket": fmt.Sprint(s.NewTicket), "followup": fmt.Sprint(s.Followup),
			"queues": strings.Join(queues, ","), "email_set": fmt.Sprint(s.Email != "")}
		if _, err := c.appendAudit(ctx, q, AuditEvent{At: now, Actor: actor, Action: ActionUserNotify, Detail: detail}); err != nil {
			return err
		}
		out = NotifySettings{UserID: s.UserID, User: name, Email: s.Email, NewTicket: s.NewTicket, Followup: s.Followup,
			Queues: orEmpty(queues), Updated: now}
		return nil
	})
	if err != nil {
		return s, fmt.Errorf("set notify settings: %w", err)
	}
	c.notify.reset()
	return out, nil
}

// notifyRecipient is one account that asked for notifications.
type notifyRecipient struct {
	name, email, queues, roles string
	newTicket, followup        bool
}

// notifyCache keeps who asked for notifications for notifyCacheTTL, so
// that an accept asks the database nothing when nobody did, and little
// when some did. A change made on this node empties it at once; another
// node's shows within the TTL. Staleness never sends a mail that is not
// wanted: the worker checks the account and its settings again when it
// sends (reply/notify.go).
type notifyCache struct {
	mu     sync.Mutex
	loaded time.Time
	rows   []notifyRecipient
}

const notifyCacheTTL = 2 * time.Second

func (n *notifyCache) reset() {
	n.mu.Lock()
	n.loaded = time.Time{}
	n.mu.Unlock()
}

// notifyRecipients returns the cached accounts, reading them through q
// when the cache is stale.
func (c *core) notifyRecipients(ctx context.Context, q dbtx) ([]notifyRecipient, error) {
	n := &c.notify
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.loaded.IsZero() && time.Since(n.loaded) < notifyCacheTTL {
		return n.rows, nil
	}
	rs, err := c.notifyRows(ctx, q, `SELECT u.name, n.email, n.queues, u.roles, n.new_ticket, n.followup FROM notify_settings n
		JOIN users u ON u.id = n.user_id WHERE u.disabled = 0 AND n.email <> '' AND (n.new_ticket = 1 OR n.followup = 1)`)
	if err != nil {
		return nil, fmt.Errorf("read notify settings: %w", err)
	}
	n.rows, n.loaded = rs, time.Now()
	return rs, nil
}

// queueNotifications adds the notification jobs of an accepted inbound
// message to its transaction: for a new ticket, every enabled account
// that works tickets and watches its queue; for a follow-up, the
// ticket's assignee if they asked. Accounts rate-limited this hour get
// none (the ticket is in the queue all the same).
func (c *core) queueNotifications(ctx context.Context, q dbtx, acc *Accepted, queue string, now time.Time) error {
	rs, err := c.notifyRecipients(ctx, q)
	if err != nil || len(rs) == 0 {
		return err
	}
	event := "new_ticket"
	var assignee string
	if acc.Threaded {
		event = "followup"
		if !slices.ContainsFunc(rs, func(r notifyRecipient) bool { return r.followup }) {
			return nil
		}
		var status string
		if err := one(q.QueryRow(ctx, "SELECT assignee, status FROM tickets WHERE id = ?", acc.TicketID.String()), &assignee, &status); err != nil {
			return fmt.Errorf("read ticket's assignee: %w", err)
		}
		if assignee == "" || status == string(StatusSpam) {
			return nil
		}
	}
	for _, r := range rs {
		switch {
		case acc.Threaded && (!r.followup || r.name != assignee):
			continue
		case !acc.Threaded && !r.newTicket:
			continue
		}
		roles := fromJSON[[]Role](r.roles)
		if !slices.Contains(roles, RoleAgent) && !slices.Contains(roles, RoleAdmin) {
			continue // not one who may read the ticket
		}
		if qs := splitQueues(r.queues); !acc.Threaded && len(qs) > 0 && !slices.Contains(qs, queue) {
			continue
		}
		payload, _ := json.Marshal(NotifyPayload{V: 1, User: r.name, Event: event})
		j := OutboxJob{Kind: "notify." + event, TicketID: acc.TicketID, Recipient: r.email, Payload: payload,
			GiveUpAt: now.Add(24 * time.Hour),
			Limits:   []Limit{{Key: "notify:" + r.name, Max: notifyPerHour, Window: time.Hour}}}
		ok, err := c.allowAll(ctx, q, j.Limits, now)
		if err != nil {
			return err
		}
		if !ok {
			acc.NotificationsLimited++
			continue
		}
		id, err := c.insertJob(ctx, q, j, now)
		if err != nil {
			return err
		}
		acc.Notifications = append(acc.Notifications, id)
	}
	return nil
}

func (c *core) notifyRows(ctx context.Context, q dbtx, query string, args ...any) ([]notifyRecipient, error) {
	r, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []notifyRecipient
	for r.Next() {
		var n notifyRecipient
		var nt, fu int64
		if err := r.Scan(&n.name, &n.email, &n.queues, &n.roles, &nt, &fu); err != nil {
			return nil, err
		}
		n.newTicket, n.followup = nt != 0, fu != 0
		out = append(out, n)
	}
	return out, r.Err()
}
