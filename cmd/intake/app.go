package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/gateway"
	"github.com/intake-mail/intake/mailproto"
	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
	"github.com/intake-mail/intake/web"
)

// app is intake's parts, built once from the configuration by newApp: the
// one place that knows how they fit together. A message's way through them
// is gateway → scan → reply policy → tickets (one transaction) → 250, and
// later worker → reply render → scan → send.
type app struct {
	cfg      config.Config
	log      *slog.Logger
	store    tickets.Store
	scanner  *scan.Scanner
	resolver *net.Resolver
	metrics  *prometheus.Registry
	// replies decides auto-replies for the gateway, renders them for the
	// worker and composes staff replies; nil only when auto-replies are
	// off and [reply] cannot make one (no usable from).
	replies   *reply.Responder
	gateway   *gateway.Server
	worker    *reply.Worker
	retention *retention
	// web is the staff interface on [web] listen; nil when listen is "".
	web *web.Server
	// madeIdentity: this start generated the quarantine identity (and
	// said so).
	madeIdentity bool
}

// runner is a part that runs beside the SMTP listener until ctx ends (at
// shutdown, after the listener has drained); an error it returns other
// than ctx's ends serve.
type runner struct {
	name string
	run  func(ctx context.Context) error
}

// runners are the parts serve starts once the gateway listens.
func (a *app) runners() []runner {
	return []runner{
		{"outbox", a.worker.Run}, // even with auto-replies off: staff replies go out through it too
		{"retention", a.retention.run},
	}
}

// scanLimits are the [scan] section's limits, for inbound mail and for
// what a privacy officer releases from the quarantine alike.
func scanLimits(cfg config.Config) scan.Limits {
	lim := scan.DefaultLimits()
	lim.MaxTime = cfg.Scan.MaxTime.D()
	lim.Images = scan.ImagePolicy(cfg.Scan.Images)
	// One memory budget for every message scanned at once, inbound and
	// outbound alike.
	lim.Shared = scan.NewSharedBudget(int64(cfg.Scan.MemoryLimitMiB) << 20)
	return lim
}

// newApp builds every part from cfg. Nothing listens yet; close releases
// what it opened.
func newApp(ctx context.Context, cfg config.Config, log *slog.Logger) (_ *app, err error) {
	a := &app{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	keys, err := loadSecrets(cfg, log)
	if err != nil {
		return nil, err
	}
	recipients, made, err := quarantineRecipients(cfg, log)
	if err != nil {
		return nil, err
	}
	a.madeIdentity = made
	sealer, err := tickets.NewSealer(recipients)
	if err != nil {
		return nil, err
	}
	a.store, err = tickets.Open(ctx, tickets.Options{
		Driver:        cfg.Store.Driver,
		DSN:           cfg.Store.DSN,
		DataDir:       cfg.DataDir,
		Secret:        keys.thread,
		AuditKey:      keys.audit,
		RetentionDays: cfg.Quarantine.RetentionDays,
	})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}

	a.scanner = scan.New(scanLimits(cfg))
	images, why := a.scanner.Images()
	log.Info("image policy", "images", string(images), "detail", why)
	a.resolver = gateway.NewResolver(cfg.DNS.Resolver)

	a.metrics = prometheus.NewRegistry()
	a.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.metrics.MustRegister(outboxDepth(a.store), identityOnDiskGauge(cfg))
	for _, c := range reply.Collectors() {
		if err := a.metrics.Register(c); err != nil {
			return nil, fmt.Errorf("register reply metrics: %w", err)
		}
	}

	threader := tickets.NewThreader(keys.thread)
	if a.replies, err = reply.NewResponder(responderOptions(cfg, a.scanner, a.store, threader, log)); err != nil {
		if cfg.Reply.Enabled {
			return nil, err
		}
		log.Warn("no replies can be composed; staff replies will fail", "err", err.Error())
		a.replies = nil
	}
	var replies gateway.Replier // stays a nil interface when auto-replies are off
	if cfg.Reply.Enabled {
		replies = a.replies
		if cfg.Reply.PostalAddress == "" && cfg.Reply.Phone == "" {
			log.Warn("[reply] has neither postal_address nor phone: replies cannot tell members how else to reach you")
		}
	} else {
		log.Info("auto-replies are off ([reply] enabled = false)")
	}

	gw := gatewayOptions(cfg)
	gw.MaxConnections = connectionLimit(cfg, log)
	gw.Store, gw.Scanner, gw.Sealer, gw.Replies = a.store, a.scanner, sealer, replies
	// Sender checks ask about the same few domains again and again; keep
	// answers 5 minutes and "no such name" 1 minute.
	gw.Resolver = gateway.NewCachingResolver(a.resolver, 5*time.Minute, time.Minute)
	gw.Logger, gw.Metrics = log, a.metrics
	if a.gateway, err = gateway.New(gw); err != nil {
		return nil, err
	}

	if cfg.Web.Listen != "" {
		if a.web, err = newWeb(cfg, a.store, a.replies, a.scanner, log); err != nil {
			return nil, err
		}
	}
	if a.worker, err = newWorker(cfg, a.store, a.replies, a.scanner, a.resolver, log); err != nil {
		return nil, err
	}
	if n := a.notifier(cfg); n != nil {
		a.worker.SetNotifier(n)
	}
	a.retention = &retention{store: a.store, log: log, dataDir: cfg.DataDir, closedTicketDays: cfg.Store.ClosedTicketDays}
	return a, nil
}

// close releases what newApp opened; the gateway has been shut down.
func (a *app) close() {
	if a.store != nil {
		a.store.Close()
	}
}

// gatewayOptions is the [smtp] section as the listener's options.
func gatewayOptions(cfg config.Config) gateway.Options {
	s := cfg.SMTP
	o := gateway.Options{
		Listen:              s.Listen,
		Hostname:            s.Hostname,
		TLSCert:             s.TLSCert,
		TLSKey:              s.TLSKey,
		Domains:             s.Domains,
		Addresses:           s.Addresses,
		Queues:              s.Queues,
		DefaultQueue:        s.DefaultQueue,
		MaxMessageBytes:     s.MaxMessageBytes,
		MaxRecipients:       s.MaxRecipients,
		MaxLineLength:       s.MaxLineLength,
		MaxErrors:           s.MaxErrors,
		MaxConnections:      s.MaxConnections, // 0 here: see connectionLimit
		MaxConnectionsPerIP: s.MaxConnectionsPerIP,
		CommandTimeout:      s.CommandTimeout.D(),
		BusyCommandTimeout:  s.BusyCommandTimeout.D(),
		DataTimeout:         s.DataTimeout.D(),
		SessionTimeout:      s.SessionTimeout.D(),
		RejectDMARCFail:     s.RejectDMARCFail,
		// Readiness: below this much free space the node says so.
		DataDir:      cfg.DataDir,
		MinFreeBytes: cfg.Store.MinFreeMB << 20,
	}
	for _, n := range s.BareLFNetworks {
		// config.Validate has refused what does not parse.
		if p, err := netip.ParsePrefix(n); err == nil {
			o.BareLFNetworks = append(o.BareLFNetworks, p)
		}
	}
	return o
}

// connectionLimit is [smtp] max_connections, or (0) the size this
// process's file-descriptor limit carries. A configured limit the
// descriptors cannot carry is lowered to what they can, with a warning:
// past it accept fails, and every client would be refused.
func connectionLimit(cfg config.Config, log *slog.Logger) int {
	auto, nofile := gateway.ConnectionLimit()
	n := cfg.SMTP.MaxConnections
	if n == 0 {
		log.Info("smtp connection limit sized from the file-descriptor limit", "max_connections", auto, "nofile", nofile)
		return auto
	}
	if most := gateway.MaxConnectionsFor(nofile); n > most {
		log.Warn("[smtp] max_connections is more than the file-descriptor limit carries; lowered (raise LimitNOFILE)",
			"configured", n, "nofile", nofile, "max_connections", most)
		return most
	}
	return n
}

// replyPolicy is the policy the configuration asks for.
func replyPolicy(cfg config.Config) reply.Policy {
	r := cfg.Reply
	return reply.Policy{
		Enabled:                r.Enabled,
		RequireSenderAuth:      r.RequireSenderAuth,
		AcknowledgeClean:       r.AcknowledgeClean,
		SensitivePerDay:        r.SensitivePerDay,
		RepliesPerHour:         r.RepliesPerHour,
		RepliesPerDomainHour:   r.RepliesPerDomainHour,
		SensitivePerDomainHour: r.SensitivePerDomainHour,
		OwnAddresses:           append(append([]string(nil), cfg.SMTP.Addresses...), r.From),
		OwnDomains:             append([]string(nil), cfg.SMTP.Domains...),
	}
}

func responderOptions(cfg config.Config, sc *scan.Scanner, store tickets.Store, th *tickets.Threader, log *slog.Logger) reply.ResponderOptions {
	r := cfg.Reply
	return reply.ResponderOptions{
		Policy:        replyPolicy(cfg),
		From:          r.From,
		OrgName:       r.OrgName,
		PostalAddress: r.PostalAddress,
		Phone:         r.Phone,
		Hours:         r.Hours,
		TemplatesDir:  r.TemplatesDir,
		GiveUp:        r.GiveUpAuto.D(),
		StaffGiveUp:   r.GiveUpStaff.D(),
		Scanner:       sc,
		History:       store,
		MessageID:     th.MessageID,
		Logger:        log,
	}
}

// newWorker builds the outbox worker, with the DKIM key when one is
// configured: a key that cannot be read stops the start, before any mail
// is taken.
func newWorker(cfg config.Config, store tickets.Store, replies *reply.Responder, sc *scan.Scanner, res *net.Resolver, log *slog.Logger) (*reply.Worker, error) {
	r := cfg.Reply
	var dk *reply.DKIM
	if r.DKIMKey != "" {
		dom := r.DKIMDomain
		if dom == "" {
			_, dom, _ = mailproto.SplitAddress(r.From)
		}
		var err error
		if dk, err = reply.LoadDKIM(r.DKIMKey, dom, r.DKIMSelector); err != nil {
			return nil, fmt.Errorf("outbox worker: %w", err)
		}
	} else if r.Enabled {
		log.Warn("no [reply] dkim_key: replies go out unsigned (see intake keygen dkim)")
	}
	if replies == nil && r.Enabled {
		return nil, errors.New("outbox worker: auto-replies are on and no responder was built")
	}
	return reply.NewWorker(reply.WorkerOptions{
		Store: store,
		Deliver: &reply.Delivery{
			Smarthost: r.Smarthost,
			Username:  r.SmarthostUsername,
			Password:  r.SmarthostPassword,
			HeloName:  cfg.SMTP.Hostname,
			Resolver:  res,
		},
		Responder: replies,
		DKIM:      dk,
		Scanner:   sc,
		RetryMin:  r.RetryMin.D(),
		RetryMax:  r.RetryMax.D(),
		Lease:     r.OutboxLease.D(),
		Poll:      r.OutboxPoll.D(),
		Logger:    log.With("part", "outbox"),
	})
}

// notifier renders staff notifications when [web] notify_domains names
// where they may go; nil otherwise (the worker then fails any it finds).
func (a *app) notifier(cfg config.Config) *reply.Notifier {
	if len(cfg.Web.NotifyDomains) == 0 {
		return nil
	}
	base := func() string { return cfg.Web.URL() }
	if a.web != nil {
		base = a.web.BaseURL // the port the web really got
	}
	return &reply.Notifier{Store: a.store, From: cfg.Reply.From, OrgName: cfg.Reply.OrgName, BaseURL: base, Domains: cfg.Web.NotifyDomains}
}

// newWeb builds the staff interface over a desk that composes staff
// replies with replies (nil: replies are refused with a 503, as when
// [reply] cannot make one).
func newWeb(cfg config.Config, store tickets.Store, replies *reply.Responder, sc *scan.Scanner, log *slog.Logger) (*web.Server, error) {
	o := desk.Options{Store: store, Logger: log, Scanner: sc, NotifyDomains: cfg.Web.NotifyDomains} // a released quarantine part is read as inbound mail is
	if replies != nil {
		o.Replier = replies // never a typed nil: desk tells "no replier" by a nil interface
	}
	dk, err := desk.New(o)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	w, err := web.New(web.Options{Web: cfg.Web, Store: store, Desk: dk, Logger: log, Config: cfg.Redacted()})
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return w, nil
}
