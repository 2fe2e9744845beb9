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
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/gateway"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

func init() {
	register(command{
		name:  "serve",
		usage: "serve [--config FILE]          run the SMTP gateway (and the outbox worker and web UI when built)",
		run:   runServe,
	})
}

// deps is what serve hands to the parts that plug into it from their own
// files (the outbox worker, the web listener, the reply hook).
type deps struct {
	Config   config.Config
	Store    tickets.Store
	Threader *tickets.Threader
	Scanner  *scan.Scanner
	Resolver *net.Resolver
	Logger   *slog.Logger
	Metrics  *prometheus.Registry
}

// startWorkers run beside the SMTP listener for the life of the process.
// Each is started in its own goroutine once the store is open, must
// return when ctx is cancelled (at shutdown, after the SMTP listener has
// drained), and reports a fatal error by returning it. The reply/ wiring
// adds the outbox worker here, the web/ wiring its listener:
//
//	func init() { startWorkers = append(startWorkers, runOutboxWorker) }
var startWorkers []func(ctx context.Context, d *deps) error

// acceptHooks build the gateway's BeforeAccept hooks once at start (the
// reply/ wiring adds the one that queues auto-replies in the accept's own
// transaction). An error stops the start.
var acceptHooks []func(d *deps) (gateway.BeforeAccept, error)

// Files serve creates in the data directory on first start.
const (
	identityFile  = "quarantine-identity.txt" // the age identity: move it offline
	recipientFile = "quarantine-recipient.txt"
	secretFile    = "thread.key" // tickets.LoadOrCreateSecret's file
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
}

// serve runs until ctx is cancelled, then shuts down gracefully. ready,
// when set, is called once everything listens.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, hup <-chan os.Signal, ready func(running)) (err error) {
	// What serve returns is logged and printed: never with a secret in it.
	defer func() { err = cfg.RedactError(err) }()
	log = slog.New(cfg.LogHandler(log.Handler()))
	log.Info("intake starting", "data_dir", cfg.DataDir, "store", cfg.Store.Driver,
		"smtp", cfg.SMTP.Listen, "domains", cfg.SMTP.Domains, "metrics", cfg.Metrics.Listen)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}

	secretPath := filepath.Join(cfg.DataDir, secretFile)
	_, statErr := os.Stat(secretPath)
	secret, err := tickets.LoadOrCreateSecret(cfg.DataDir)
	if err != nil {
		return err
	}
	if errors.Is(statErr, os.ErrNotExist) {
		log.Warn("generated the threading secret; every node of a cluster needs this same file", "path", secretPath)
	}
	auditKeyPath := filepath.Join(cfg.DataDir, tickets.AuditKeyFile)
	_, statErr = os.Stat(auditKeyPath)
	auditKey, err := tickets.LoadOrCreateAuditKey(cfg.DataDir)
	if err != nil {
		return err
	}
	if errors.Is(statErr, os.ErrNotExist) {
		log.Warn("generated the audit key; keep it out of database backups, and every node of a cluster needs this same file", "path", auditKeyPath)
	}

	recipients, err := quarantineRecipients(cfg, log)
	if err != nil {
		return err
	}
	sealer, err := tickets.NewSealer(recipients)
	if err != nil {
		return err
	}

	store, err := tickets.Open(ctx, tickets.Options{
		Driver:        cfg.Store.Driver,
		DSN:           cfg.Store.DSN,
		DataDir:       cfg.DataDir,
		Secret:        secret,
		AuditKey:      auditKey,
		RetentionDays: cfg.Quarantine.RetentionDays,
	})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer store.Close()

	lim := scan.DefaultLimits()
	lim.MaxTime = cfg.Scan.MaxTime.D()
	lim.Images = scan.ImagePolicy(cfg.Scan.Images)
	lim.Shared = scan.NewSharedBudget(int64(cfg.Scan.MemoryLimitMiB) << 20)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(outboxDepth(store))
	d := &deps{
		Config:   cfg,
		Store:    store,
		Threader: tickets.NewThreader(secret),
		Scanner:  scan.New(lim),
		Resolver: gateway.NewResolver(cfg.DNS.Resolver),
		Logger:   log,
		Metrics:  reg,
	}
	images, why := d.Scanner.Images()
	log.Info("image policy", "images", string(images), "detail", why)
	var hooks []gateway.BeforeAccept
	for _, build := range acceptHooks {
		h, err := build(d)
		if err != nil {
			return fmt.Errorf("accept hook: %w", err)
		}
		hooks = append(hooks, h)
	}

	gw, err := gateway.New(gateway.Options{
		SMTP:    cfg.SMTP,
		Store:   store,
		Scanner: d.Scanner,
		Sealer:  sealer,
		// Sender checks ask about the same few domains again and again;
		// keep answers 5 minutes and "no such name" 1 minute.
		Resolver: gateway.NewCachingResolver(d.Resolver, 5*time.Minute, time.Minute),
		Logger:   log,
		Metrics:  reg,
		Hooks:    hooks,
		// Readiness: below this much free space the node says so.
		DataDir:      cfg.DataDir,
		MinFreeBytes: cfg.Store.MinFreeMB << 20,
	})
	if err != nil {
		return err
	}

	var metricsSrv *http.Server
	var metricsAddr net.Addr
	if cfg.Metrics.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Metrics.Listen)
		if err != nil {
			return fmt.Errorf("metrics listen %s: %w", cfg.Metrics.Listen, err)
		}
		metricsAddr = ln.Addr()
		metricsSrv = &http.Server{Handler: metricsMux(reg, gw), ReadHeaderTimeout: 10 * time.Second}
		go metricsSrv.Serve(ln)
		log.Info("metrics listening", "addr", ln.Addr().String())
	}

	if err := gw.Start(); err != nil {
		if metricsSrv != nil {
			metricsSrv.Close()
		}
		return err
	}

	workCtx, cancelWork := context.WithCancel(context.Background())
	var workers sync.WaitGroup
	workerErr := make(chan error, len(startWorkers))
	for _, start := range startWorkers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			if err := start(workCtx, d); err != nil && !errors.Is(err, context.Canceled) {
				workerErr <- err
			}
		}()
	}
	if ready != nil {
		ready(running{smtp: gw.Addr(), metrics: metricsAddr})
	}
	log.Info("intake ready", "smtp", gw.Addr().String())

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
			if err := gw.ReloadTLS(); err != nil {
				log.Error("TLS certificate reload failed; keeping the old one", "err", err.Error())
			} else {
				log.Info("TLS certificate reloaded")
			}
		}
	}

	grace := cfg.SMTP.ShutdownGrace.D()
	log.Info("shutting down: no new connections, finishing transactions in flight", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	if err := gw.Shutdown(sctx); err != nil {
		log.Warn("shutdown grace over; connections closed", "err", err.Error())
	}
	cancel()
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
	anchorAudit(actx, d) // the last word on the audit chain, outside the database
	cancel()
	if metricsSrv != nil {
		mctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		metricsSrv.Shutdown(mctx)
		cancel()
	}
	log.Info("intake stopped")
	return fatal
}

// quarantineRecipients returns the configured age recipients or, with
// none configured, the key pair generated on first start.
func quarantineRecipients(cfg config.Config, log *slog.Logger) ([]string, error) {
	if len(cfg.Quarantine.Recipients) > 0 {
		return cfg.Quarantine.Recipients, nil
	}
	pubPath := filepath.Join(cfg.DataDir, recipientFile)
	if b, err := os.ReadFile(pubPath); err == nil {
		return []string{strings.TrimSpace(string(b))}, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read quarantine recipient: %w", err)
	}
	id, err := tickets.GenerateIdentity()
	if err != nil {
		return nil, err
	}
	idPath := filepath.Join(cfg.DataDir, identityFile)
	if err := tickets.WriteIdentityFile(idPath, id); err != nil {
		return nil, err
	}
	if err := writeFileSync(pubPath, []byte(id.Recipient+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("write quarantine recipient: %w", err)
	}
	abs, _ := filepath.Abs(idPath)
	log.Warn("GENERATED THE QUARANTINE IDENTITY. It opens every sealed original: move it OFFLINE now "+
		"(keep it only where the privacy officer opens items) and delete it from this machine; "+
		"this server seals to the public key alone.",
		"identity_file", abs, "public_key", id.Recipient, "public_key_file", pubPath,
		"config", fmt.Sprintf("[quarantine] recipients = [%q]", id.Recipient))
	return []string{id.Recipient}, nil
}

func writeFileSync(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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
