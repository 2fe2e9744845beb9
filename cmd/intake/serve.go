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
		"smtp", cfg.SMTP.Listen, "domains", cfg.SMTP.Domains, "metrics", cfg.Metrics.Listen)
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()

	var metricsSrv *http.Server
	var metricsAddr net.Addr
	if cfg.Metrics.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Metrics.Listen)
		if err != nil {
			return fmt.Errorf("metrics listen %s: %w", cfg.Metrics.Listen, err)
		}
		metricsAddr = ln.Addr()
		metricsSrv = &http.Server{Handler: metricsMux(a.metrics, a.gateway), ReadHeaderTimeout: 10 * time.Second}
		go metricsSrv.Serve(ln)
		log.Info("metrics listening", "addr", ln.Addr().String())
	}

	if err := a.gateway.Start(); err != nil {
		if metricsSrv != nil {
			metricsSrv.Close()
		}
		return err
	}
	var webAddr net.Addr
	if a.web != nil {
		if err := a.web.Start(); err != nil {
			a.gateway.Shutdown(context.Background())
			if metricsSrv != nil {
				metricsSrv.Close()
			}
			return fmt.Errorf("web listen %s: %w", cfg.Web.Listen, err)
		}
		webAddr = a.web.Addr()
		log.Info("web listening", "addr", webAddr.String(), "url", cfg.Web.URL())
		// Called after Start, so a ":0" listen port is named right in the link.
		if link, ok, err := a.web.FirstRunLink(ctx); err != nil {
			log.Error("first-run setup link not made", "err", err.Error())
		} else if ok {
			log.Warn("no staff account yet: open this one-time link to create the first admin", "url", link)
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

// metricsMux serves /metrics, /healthz (the process is up) and /readyz
// (this node can accept mail now: see gateway.Server.Ready; the body says
// why not in one line).
func metricsMux(reg *prometheus.Registry, gw *gateway.Server) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := gw.Ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	return mux
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
