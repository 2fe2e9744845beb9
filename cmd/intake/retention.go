package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/intake-mail/intake/tickets"
)

// retentionEvery is how often serve applies retention. Deadlines are in
// days, so an hour late is no matter; an hour is cheap.
const retentionEvery = time.Hour

func init() { startWorkers = append(startWorkers, runRetention) }

// runRetention purges expired quarantine items (and, when configured, old
// closed tickets) at start and then every retentionEvery. Every purge is an
// audit event, written by the store.
func runRetention(ctx context.Context, d *deps) error {
	t := time.NewTicker(retentionEvery)
	defer t.Stop()
	for {
		purgeOnce(ctx, d)
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
