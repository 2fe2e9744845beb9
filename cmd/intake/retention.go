package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/intake-mail/intake/tickets"
)

// retentionEvery is how often serve applies retention. Deadlines are in
// days, so an hour late is no matter; an hour is cheap.
const retentionEvery = time.Hour

// retention purges what the configuration says has been kept long enough
// and anchors the audit chain outside the database.
type retention struct {
	store            tickets.Store
	log              *slog.Logger
	dataDir          string // where the anchor file is
	closedTicketDays int    // 0 keeps closed tickets
}

// run purges expired quarantine items (and, when configured, old closed
// tickets) at start and then every retentionEvery. Every purge is an audit
// event, written by the store. Each round then anchors the audit chain.
func (r *retention) run(ctx context.Context) error {
	t := time.NewTicker(retentionEvery)
	defer t.Stop()
	for {
		r.purgeOnce(ctx)
		r.anchor(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (r *retention) purgeOnce(ctx context.Context) {
	policy := tickets.RetentionPolicy{}
	if days := r.closedTicketDays; days > 0 {
		policy.ClosedTicketsAfter = time.Duration(days) * 24 * time.Hour
	}
	rep, err := r.store.PurgeExpired(ctx, policy)
	switch {
	case err != nil && ctx.Err() == nil:
		// The store may be down for a while; the next round tries again.
		r.log.Warn("retention purge failed", slog.Any("err", err))
	case rep.QuarantineItems > 0 || rep.Tickets > 0:
		r.log.Info("retention purge", slog.Int("quarantine_items", rep.QuarantineItems), slog.Int("tickets", rep.Tickets))
	}
}

// anchor writes the audit chain's heads where the database cannot reach
// (see tickets.AuditAnchor): a log line, which carries the anchor whole so
// that `grep audit_anchor | intake audit verify --anchor -` works, and a
// line appended to the anchor file in the data directory. Serve calls it
// at every retention round and at shutdown.
func (r *retention) anchor(ctx context.Context) {
	a, err := r.store.AuditAnchor(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("audit anchor failed", slog.Any("err", err))
		}
		return
	}
	r.log.Info("audit anchor", slog.Int64("audit_events", a.Events), slog.String("audit_head", a.Head), slog.Any("audit_anchor", a))
	path := filepath.Join(r.dataDir, tickets.AnchorFile)
	if err := tickets.AppendAnchor(path, a); err != nil {
		r.log.Warn("audit anchor not written to its file", slog.String("path", path), slog.Any("err", err))
	}
}
