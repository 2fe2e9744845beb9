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

func init() { startWorkers = append(startWorkers, runRetention) }

// runRetention purges expired quarantine items (and, when configured, old
// closed tickets) at start and then every retentionEvery. Every purge is an
// audit event, written by the store. Each round then anchors the audit
// chain outside the database.
func runRetention(ctx context.Context, d *deps) error {
	t := time.NewTicker(retentionEvery)
	defer t.Stop()
	for {
		purgeOnce(ctx, d)
		anchorAudit(ctx, d)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func purgeOnce(ctx context.Context, d *deps) {
	policy := tickets.RetentionPolicy{}
	if days := d.Config.Store.ClosedTicketDays; days > 0 {
		policy.ClosedTicketsAfter = time.Duration(days) * 24 * time.Hour
	}
	rep, err := d.Store.PurgeExpired(ctx, policy)
	switch {
	case err != nil && ctx.Err() == nil:
		// The store may be down for a while; the next round tries again.
		d.Logger.Warn("retention purge failed", slog.Any("err", err))
	case rep.QuarantineItems > 0 || rep.Tickets > 0:
		d.Logger.Info("retention purge", slog.Int("quarantine_items", rep.QuarantineItems), slog.Int("tickets", rep.Tickets))
	}
}

// anchorAudit writes the audit chain's heads where the database cannot
// reach (see tickets.AuditAnchor): a log line, which carries the anchor
// whole so that `grep audit_anchor | intake audit verify --anchor -` works,
// and a line appended to the anchor file in the data directory. Serve
// calls it at every retention round and at shutdown.
func anchorAudit(ctx context.Context, d *deps) {
	a, err := d.Store.AuditAnchor(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.Logger.Warn("audit anchor failed", slog.Any("err", err))
		}
		return
	}
	d.Logger.Info("audit anchor", slog.Int64("audit_events", a.Events), slog.String("audit_head", a.Head), slog.Any("audit_anchor", a))
	path := filepath.Join(d.Config.DataDir, tickets.AnchorFile)
	if err := tickets.AppendAnchor(path, a); err != nil {
		d.Logger.Warn("audit anchor not written to its file", slog.String("path", path), slog.Any("err", err))
	}
}
