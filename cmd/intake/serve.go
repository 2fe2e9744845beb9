package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/gateway"
	"github.com/intake-mail/intake/tickets"
)

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "TOML configuration file (default: the embedded defaults)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "intake serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "intake serve: %v\n", err)
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "intake serve: invalid configuration:\n%s\n", indent(err.Error()))
		return 2
	}
	// No log line may show a configured secret, whatever a library puts
	// in an error (a DSN with its password, a smarthost password).
	log := slog.New(cfg.LogHandler(newLogger(stderr, cfg.Log.Level).Handler()))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	if err := serve(ctx, cfg, log, hup, nil); err != nil {
		log.Error("intake serve stopped", "err", err.Error())
		return 1
	}
	return 0
}

// running is what a started serve exposes to tests.
type running struct {
	smtp    net.Addr
	metrics net.Addr
	web     net.Addr // nil when [web] listen is ""
}

// serve builds the app from cfg and runs it until ctx is cancelled, then
// shuts down gracefully. ready, when set, is called once everything
// listens.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, hup <-chan os.Signal, ready func(running)) (err error) {
	// What serve returns is logged and printed: never with a secret in it.
	defer func() { err = cfg.RedactError(err) }()
	log = slog.New(cfg.LogHandler(log.Handler()))
	log.Info("intake starting", "data_dir", cfg.DataDir, "store", cfg.Store.Driver,
		"smtp", cfg.SMTP.Listen, "domains", cfg.SMTP.Domains, "metrics", cfg.Metrics.Listen,
		"recipients", gateway.RecipientRule(cfg.SMTP.Domains, cfg.SMTP.Addresses))
	// Bind before anything is written: a first start makes the quarantine
	// identity, the keys and the database, and must not make them for a
	// port that is taken (the next start would find an identity nobody
	// was told to move away).
	b, err := bindPorts(cfg)
	if err != nil {
		return err
	}
	defer b.close()
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if p, ok := identityOnDisk(cfg); ok && !a.madeIdentity {
		log.Warn(identityOnDiskWarning, "identity_file", p)
	}

	var metricsSrv *http.Server
	var metricsAddr net.Addr
	if ln := b.take(&b.metrics); ln != nil {
		metricsAddr = ln.Addr()
		metricsSrv = &http.Server{Handler: metricsMux(a.metrics, a.gateway, cfg), ReadHeaderTimeout: 10 * time.Second}
		go metricsSrv.Serve(ln)
		log.Info("metrics listening", "addr", ln.Addr().String())
	}

	a.gateway.Serve(b.smtp)
	b.smtp = nil // the gateway's now; its Shutdown closes them
	var webAddr net.Addr
	if a.web != nil {
		// web.Server binds its own socket: the port held so far is let go
		// just before.
		if ln := b.take(&b.web); ln != nil {
			ln.Close()
		}
		if err := a.web.Start(); err != nil {
			a.gateway.Shutdown(context.Background())
			if metricsSrv != nil {
				metricsSrv.Close()
			}
			return fmt.Errorf("web listen %s: %w", cfg.Web.Listen, err)
		}
		webAddr = a.web.Addr()
		// Called after Start, so a ":0" listen port is named right in the link.
		if link, ok, err := a.web.FirstRunLink(ctx); err != nil {
			log.Error("first-run setup link not made", "err", err.Error())
		} else if ok {
			log.Warn("no admin account yet: open this one-time link to create the first admin", "url", link)
		}
	}

	workCtx, cancelWork := context.WithCancel(context.Background())
	var workers sync.WaitGroup
	runners := a.runners()
	workerErr := make(chan error, len(runners))
	for _, r := range runners {
		workers.Add(1)
		go func() {
			defer workers.Done()
			if err := r.run(workCtx); err != nil && !errors.Is(err, context.Canceled) {
				workerErr <- fmt.Errorf("%s: %w", r.name, err)
			}
		}()
	}
	if ready != nil {
		ready(running{smtp: a.gateway.Addr(), metrics: metricsAddr, web: webAddr})
	}
	log.Info("intake ready", "smtp", a.gateway.Addr().String(), "smarthost", cfg.Reply.Smarthost)

	var fatal error
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case err := <-workerErr:
			fatal = err
			log.Error("worker failed; shutting down", "err", err.Error())
			break wait
		case <-hup:
			if err := a.gateway.ReloadTLS(); err != nil {
				log.Error("TLS certificate reload failed; keeping the old one", "err", err.Error())
			} else {
				log.Info("TLS certificate reloaded")
			}
		}
	}

	grace := cfg.SMTP.ShutdownGrace.D()
	log.Info("shutting down: no new connections, finishing transactions in flight", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	if err := a.gateway.Shutdown(sctx); err != nil {
		log.Warn("shutdown grace over; connections closed", "err", err.Error())
	}
	cancel()
	if a.web != nil {
		wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := a.web.Shutdown(wctx); err != nil {
			log.Warn("web shutdown", "err", err.Error())
		}
		cancel()
	}
	// The outbox worker goes after the SMTP side: a reply queued by the
	// last accepted message is still picked up on the next start.
	cancelWork()
	done := make(chan struct{})
	go func() { workers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace + 5*time.Second):
		log.Warn("workers did not stop in time")
	}
	actx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	a.retention.anchor(actx) // the last word on the audit chain, outside the database
	cancel()
	if metricsSrv != nil {
		mctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		metricsSrv.Shutdown(mctx)
		cancel()
	}
	log.Info("intake stopped")
	return fatal
}

// bound are the sockets serve binds before it writes anything.
type bound struct {
	smtp    []net.Listener
	metrics net.Listener
	web     net.Listener // held to know the port is free; web.Server binds its own
}

func bindPorts(cfg config.Config) (*bound, error) {
	b := &bound{}
	var err error
	if b.smtp, err = gateway.Listen(cfg.SMTP.Listen); err != nil {
		return nil, err
	}
	if cfg.Metrics.Listen != "" {
		if b.metrics, err = net.Listen("tcp", cfg.Metrics.Listen); err != nil {
			b.close()
			return nil, fmt.Errorf("metrics listen %s: %w", cfg.Metrics.Listen, err)
		}
	}
	if cfg.Web.Listen != "" {
		if b.web, err = net.Listen("tcp", cfg.Web.Listen); err != nil {
			b.close()
			return nil, fmt.Errorf("web listen %s: %w", cfg.Web.Listen, err)
		}
	}
	return b, nil
}

// take hands one socket over: b no longer closes it.
func (b *bound) take(l *net.Listener) net.Listener {
	ln := *l
	*l = nil
	return ln
}

// close closes what was not handed over.
func (b *bound) close() {
	for _, l := range b.smtp {
		l.Close()
	}
	for _, l := range []net.Listener{b.metrics, b.web} {
		if l != nil {
			l.Close()
		}
	}
}

// metricsMux serves /metrics, /healthz (the process is up) and /readyz
// (this node can accept mail now: see gateway.Server.Ready; the body says
// why not in one line). On a ready node, a warning an admin must act on
// that does not stop the mail (the quarantine identity left in the data
// directory) follows "ready" on the next line.
func metricsMux(reg *prometheus.Registry, gw *gateway.Server, cfg config.Config) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		warn := ""
		if p, ok := identityOnDisk(cfg); ok {
			warn = "warning: " + identityOnDiskWarning + ": " + p + "\n"
		}
		if err := gw.Ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n"+warn)
	})
	return mux
}

// identityOnDiskGauge is intake_quarantine_identity_on_disk: 1 while the
// quarantine identity lies in the data directory.
func identityOnDiskGauge(cfg config.Config) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "intake_quarantine_identity_on_disk",
		Help: "1 while quarantine-identity.txt is in the data directory: whoever can read it can open every sealed original. Move it offline.",
	}, func() float64 {
		if _, ok := identityOnDisk(cfg); ok {
			return 1
		}
		return 0
	})
}

// outboxDepth reports pending outbox jobs at each scrape.
func outboxDepth(store tickets.Store) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "intake_outbox_depth",
		Help: "Outbox jobs pending (waiting to be sent or retried).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		jobs, err := store.ListOutbox(ctx, tickets.OutboxFilter{State: tickets.OutboxPending})
		if err != nil {
			return -1
		}
		return float64(len(jobs))
	})
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
