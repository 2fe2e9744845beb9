package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Readiness defaults: a node whose last readyFailures commits all failed,
// the latest less than readyWindow ago, says it is not ready, so that a
// load balancer or a second MX takes the mail while it answers 451. One
// failure alone does not: a single message the store refuses must not
// take the node out. The window lets the node be tried again; the free
// space check keeps a full disk out for as long as it lasts.
const (
	readyFailures = 3
	readyWindow   = 30 * time.Second
)

// commitHealth follows the outcome of the commits (seal, hooks, store).
type commitHealth struct {
	mu          sync.Mutex
	failures    int // in a row, since the last success
	lastFailure time.Time
	window      time.Duration
	threshold   int
}

func (c *commitHealth) success() {
	c.mu.Lock()
	c.failures = 0
	c.mu.Unlock()
}

func (c *commitHealth) failure(now time.Time) {
	c.mu.Lock()
	c.failures++
	c.lastFailure = now
	c.mu.Unlock()
}

// problem is why recent commits say the node cannot accept mail ("" when
// they do not).
func (c *commitHealth) problem(now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failures < c.threshold || now.Sub(c.lastFailure) >= c.window {
		return ""
	}
	return fmt.Sprintf("the last %d commits failed, the latest %s ago", c.failures, now.Sub(c.lastFailure).Round(time.Second))
}

// errNoStatfs: this system cannot tell free space; the check is skipped.
var errNoStatfs = errors.New("free space unknown on this system")

// pinger is the part of tickets.Store readiness asks.
type pinger interface {
	Ping(ctx context.Context) error
}

// Ready reports whether this node can accept mail now; when it cannot, the
// error says why in one line (for /readyz and the log). It looks at, in
// order: shutdown, recent commit failures, free space on the data
// directory's file system (Options.DataDir, Options.MinFreeBytes), and
// the store's Ping when the store has one.
func (s *Server) Ready(ctx context.Context) error {
	s.mu.Lock()
	shutting := s.shutting
	s.mu.Unlock()
	if shutting {
		return errors.New("shutting down")
	}
	if p := s.commits.problem(time.Now()); p != "" {
		return errors.New(p)
	}
	if dir, floor := s.opts.DataDir, s.opts.MinFreeBytes; dir != "" && floor > 0 {
		free, err := freeBytes(dir)
		switch {
		case errors.Is(err, errNoStatfs):
		case err != nil:
			return fmt.Errorf("free space of the data directory unknown: %v", err)
		case free < uint64(floor):
			return fmt.Errorf("free space on the data directory's file system is %d MiB, below the floor of %d MiB",
				free>>20, floor>>20)
		}
	}
	if p, ok := s.opts.Store.(pinger); ok {
		if err := p.Ping(ctx); err != nil {
			// The error stays in the log: it may name hosts and users.
			s.log.Warn("readiness: store ping failed", "err", err.Error())
			return errors.New("the store does not answer")
		}
	}
	return nil
}

// readyGauge is intake_ready: 1 when Ready says so at scrape time, else 0.
func (s *Server) readyGauge() prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "intake_ready",
		Help: "1 when this node can accept mail now (no run of failed commits, free space above the floor, store answering), else 0; /readyz says why.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if s.Ready(ctx) != nil {
			return 0
		}
		return 1
	})
}
