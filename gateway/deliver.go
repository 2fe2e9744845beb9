package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/intake-mail/intake/mailproto"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// transaction is one message's envelope and connection facts.
type transaction struct {
	sessionID string
	clientIP  string
	helo      string
	from      string
	utf8      bool
	rcpts     []string
	queues    []string // parallel to rcpts
	tls       *tls.ConnectionState
	spf       chan spfOutcome
}

// deliver files one received message and says how to answer. The order is
// the promise: check, scan, seal, commit, and only a durable commit gives
// 250. Anything that goes wrong on our side is 451 (the sender keeps the
// message and retries); nothing is kept from a message not answered 250,
// except a commit that completed while its reply could not be written,
// which the retry then finds by its dedup key.
func (s *Server) deliver(ctx context.Context, t *transaction, raw []byte, start time.Time) Reply {
	h := parseHeader(raw)
	if h.count("received") > maxReceived {
		return replyLoop
	}

	auth := s.authenticate(ctx, t, raw, &h)
	authDone := time.Now()
	if s.opts.RejectDMARCFail && auth.DMARC == verdictFail && auth.DMARCPolicy == "reject" {
		// RFC 7489 6.6.3 leaves it to the receiver; off by default, since a
		// member's mail through a forwarder or list may fail DMARC.
		return replyDMARCReject
	}

	now := s.opts.Now()
	prepend := []string{
		s.receivedField(t, now),
		mailproto.FoldField("Authentication-Results", auth.header),
	}
	stored := h.rebuild(prepend, senderSupplied(s.hostname), len(raw))

	res, err := s.opts.Scanner.Scan(ctx, stored)
	scanDone := time.Now()
	s.metrics.scanSecs.Observe(scanDone.Sub(authDone).Seconds())
	if err != nil || res == nil {
		// The scanner's machinery failed (not a part it could not read:
		// that is an Unscannable, and is withheld, not refused).
		s.fault(t, "scan", err)
		return replyTempFailure
	}

	commitCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.CommitTimeout)
	defer cancel()
	var sealed []byte
	if res.NeedsSealing() {
		sealed, err = s.opts.Sealer.Seal(stored)
		if err != nil {
			s.fault(t, "seal", err)
			return replyTempFailure
		}
	}

	// One ticket per queue the recipients map to, usually one.
	groups := groupByQueue(t.rcpts, t.queues)
	var header map[string][]string
	if s.opts.Replies != nil {
		header = maskedHeader(&h)
	}
	var refs, replies []string
	dup := false
	for _, g := range groups {
		in := s.buildInbound(t, g.queue, g.rcpts, &h, res, &auth, sealed, stored, now)
		if err := s.guardInbound(t, in, res, &sealed, stored); err != nil {
			s.fault(t, "seal", err)
			return replyTempFailure
		}
		decision := s.queueReply(commitCtx, t, in, header, res, &auth)
		acc, err := s.opts.Store.Accept(commitCtx, in)
		if err != nil {
			if tickets.IsInvalid(err) {
				s.fault(t, "store_invalid", err)
				return replyStoreRefused
			}
			s.fault(t, "store", err)
			return replyTempFailure
		}
		refs = append(refs, acc.Ref)
		dup = dup || acc.Duplicate
		replies = append(replies, s.logReply(t, g.queue, decision, acc, &auth))
	}
	done := time.Now()
	s.commits.success()
	s.metrics.commitSecs.Observe(done.Sub(scanDone).Seconds())

	verdict := verdictWord(res.Verdict())
	s.metrics.accepted.WithLabelValues(verdict).Inc()
	for _, f := range res.Findings {
		s.metrics.findings.WithLabelValues(string(f.Type)).Inc()
	}
	for _, u := range res.Unscannable {
		s.metrics.unscannable.WithLabelValues(u.Reason).Inc()
	}
	s.metrics.countImages(res.Images)
	s.metrics.auth.WithLabelValues("spf", auth.SPF).Inc()
	s.metrics.auth.WithLabelValues("dkim", auth.DKIM).Inc()
	s.metrics.auth.WithLabelValues("dmarc", auth.DMARC).Inc()

	s.log.Info("accepted",
		"session", t.sessionID, "ip", t.clientIP, "helo", scan.MaskString(heloToken(t.helo)),
		"from", scan.MaskString(t.from), "rcpts", maskAll(t.rcpts),
		"size", len(raw), "refs", refs, "duplicate", dup,
		"spf", auth.SPF, "dkim", auth.DKIM, "dmarc", auth.DMARC,
		"verdict", verdict, "findings", len(res.Findings), "withheld", len(res.Unscannable),
		"reply", strings.Join(replies, ","),
		"sealed", sealed != nil,
		slog.Group("ms",
			"data", ms(start, authDone), // reading is done before start+auth
			"scan", ms(authDone, scanDone),
			"commit", ms(scanDone, done),
			"total", ms(start, done)))
	return queued(strings.Join(refs, ", "))
}

// authenticate runs DKIM and DMARC now and collects the SPF result started
// at MAIL FROM. The whole step has one deadline (s.authBudget): DNS
// lookups stop at it, and a DKIM verification still running (its CPU
// cannot be interrupted) is abandoned and counts as temperror.
func (s *Server) authenticate(ctx context.Context, t *transaction, raw []byte, h *header) AuthResult {
	start := time.Now()
	defer func() { s.metrics.authSecs.Observe(time.Since(start).Seconds()) }()
	ctx, cancel := context.WithTimeout(ctx, s.authBudget)
	defer cancel()

	var dkims []dkimVerdict
	dkimCh := make(chan []dkimVerdict, 1)
	if bound := dkimHeaderTooBig(raw); bound != "" {
		// RFC 6376 6.1: a verifier may refuse work it judges excessive.
		s.log.Info("dkim not verified: header past the bound", "session", t.sessionID, "bound", bound)
		dkimCh <- []dkimVerdict{{result: verdictPermError}}
	} else if h.count("dkim-signature") == 0 {
		// Nothing to verify (dkim=none): no goroutine, no second parse of
		// the header. A signature our parser does not see (after a line
		// that ends our header) counts for nothing, never for a pass.
		dkimCh <- nil
	} else {
		go func() { dkimCh <- s.auth.checkDKIM(ctx, raw) }()
	}
	spfCtx, cancelSPF := context.WithTimeout(ctx, s.auth.timeout)
	sp := t.waitSPF(spfCtx)
	cancelSPF()
	select {
	case dkims = <-dkimCh:
	case <-ctx.Done():
		s.log.Warn("dkim abandoned at the authentication deadline", "session", t.sessionID, "budget", s.authBudget.String())
		dkims = []dkimVerdict{{result: verdictTempError}}
	}

	var r AuthResult
	r.SPF, r.SPFDomain = sp.result, sp.domain
	r.DKIM, r.DKIMDomains = summarizeDKIM(dkims)
	// RFC 7489 6.6.1: a message without exactly one From field cannot be
	// evaluated.
	if d, ok := fromDomain(h.get("from")); ok && h.count("from") == 1 {
		r.FromDomain = d
		r.DMARC, r.DMARCPolicy = s.auth.checkDMARC(ctx, d, r.SPF, r.SPFDomain, r.DKIMDomains)
	} else {
		r.DMARC = verdictPermError
	}
	r.header = s.auth.formatAuthResults(&r, t.helo, t.from == "", dkims)
	return r
}

// fault logs a failure of ours. The error text is masked: a library may
// quote its input.
func (s *Server) fault(t *transaction, stage string, err error) {
	msg := "nil result"
	if err != nil {
		msg = scan.MaskString(err.Error())
	}
	level := slog.LevelError
	if errors.Is(err, context.Canceled) {
		level = slog.LevelWarn
	} else if stage == "seal" || stage == "store" {
		s.commits.failure(time.Now())
	}
	s.metrics.rejected.WithLabelValues("data", stage, strconv.Itoa(replyTempFailure.Code)).Inc()
	s.log.Log(context.Background(), level, "message not accepted: local fault",
		"session", t.sessionID, "ip", t.clientIP, "stage", stage, "err", msg)
}

type queueGroup struct {
	queue string
	rcpts []string
}

func groupByQueue(rcpts, queues []string) []queueGroup {
	idx := map[string]int{}
	var gs []queueGroup
	for i, q := range queues {
		j, ok := idx[q]
		if !ok {
			j = len(gs)
			idx[q] = j
			gs = append(gs, queueGroup{queue: q})
		}
		gs[j].rcpts = append(gs[j].rcpts, rcpts[i])
	}
	sort.SliceStable(gs, func(a, b int) bool { return gs[a].queue < gs[b].queue })
	return gs
}

func verdictWord(v scan.Verdict) string {
	switch v {
	case scan.VerdictSensitive:
		return "sensitive"
	case scan.VerdictUnscannable:
		return "unscannable"
	}
	return "clean"
}

func ms(a, b time.Time) float64 { return float64(b.Sub(a).Microseconds()) / 1000 }
