package reply

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/intake-mail/intake/mailproto"
	"github.com/intake-mail/intake/scan"
)

// Delivery hands messages to the next hop from the null reverse-path
// (RFC 3834 §4, RFC 5321 §4.5.5): through the smarthost when one is set,
// otherwise to the recipient domain's MX hosts.
type Delivery struct {
	Smarthost string // host:port; "" means deliver by MX lookup
	Username  string // AUTH PLAIN to the smarthost when set
	Password  string
	HeloName  string // our host name for EHLO
	// TLSConfig for STARTTLS to the smarthost; nil verifies the certificate
	// against the smarthost's name. MX hosts get opportunistic TLS without
	// verification, as Postfix's "may" level: better than plain text, and
	// no worse than it when the certificate is not one we can check.
	TLSConfig *tls.Config
	Resolver  *net.Resolver // nil means the system resolver
	MXPort    string        // "" means 25; tests point it elsewhere
	Timeout   time.Duration // per command; 0 means 2 minutes
	// Sessions bounds the deliveries at once to one destination (see
	// Destination); 0 means DefaultSmarthostSessions through a smarthost,
	// DefaultDomainSessions per recipient domain otherwise.
	Sessions int
}

// Sessions at once to one destination, by default. A smarthost is ours and
// built for it; a member's provider gets few, as other mail servers give
// it, so a slow one holds only those.
const (
	DefaultSmarthostSessions = 4
	DefaultDomainSessions    = 2
)

// Destination names the next hop for mail to `to`, for the worker's
// per-destination limit, and the sessions it may have at once: the
// smarthost when one is set, otherwise the recipient's domain (whose MX
// hosts are looked up at delivery; domains sharing MX hosts are counted
// apart, which costs only the bound being per domain).
func (d *Delivery) Destination(to string) (string, int) {
	if d.Smarthost != "" {
		return "smarthost " + d.Smarthost, cmp.Or(max(d.Sessions, 0), DefaultSmarthostSessions)
	}
	_, dom, _ := mailproto.SplitAddress(to)
	return "domain " + dom, cmp.Or(max(d.Sessions, 0), DefaultDomainSessions)
}

// DeliveryError says what went wrong and whether to try again.
type DeliveryError struct {
	Permanent bool   // 5xx, or a recipient domain that cannot receive mail
	Stage     string // dns, connect, starttls, auth, mail, rcpt, data
	Host      string // the server that answered, when one did
	Code      int    // SMTP reply code, 0 when none
	Err       error
}

func (e *DeliveryError) Error() string {
	s := e.Stage
	if e.Host != "" {
		s += " at " + e.Host
	}
	return s + ": " + safeText(e.Err.Error())
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// IsPermanent reports whether err means the message must not be retried.
func IsPermanent(err error) bool {
	var de *DeliveryError
	return errors.As(err, &de) && de.Permanent
}

// Deliver sends msg to one recipient.
func (d *Delivery) Deliver(ctx context.Context, to string, msg []byte) error {
	if _, ok := mailproto.Deliverable(to); !ok {
		return &DeliveryError{Permanent: true, Stage: "rcpt", Err: errors.New("recipient is not a plain address")}
	}
	if d.Smarthost != "" {
		host, _, err := net.SplitHostPort(d.Smarthost)
		if err != nil {
			return &DeliveryError{Stage: "connect", Err: fmt.Errorf("smarthost %q: %w", d.Smarthost, err)}
		}
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if d.TLSConfig != nil {
			tc = d.TLSConfig.Clone()
		}
		if tc.ServerName == "" {
			tc.ServerName = host
		}
		return d.send(ctx, d.Smarthost, tc, true, to, msg)
	}
	hosts, err := d.mxHosts(ctx, to)
	if err != nil {
		return err
	}
	port := d.MXPort
	if port == "" {
		port = "25"
	}
	var last error
	for _, h := range hosts {
		tc := &tls.Config{ServerName: h, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}
		err := d.send(ctx, net.JoinHostPort(h, port), tc, false, to, msg)
		if err == nil || IsPermanent(err) || ctx.Err() != nil {
			return err
		}
		last = err // RFC 5321 §5.1: on a transient failure try the next MX
	}
	return last
}

// mxHosts lists where mail for to's domain goes, best first (RFC 5321
// §5.1), with the domain itself as implicit MX when it has none.
func (d *Delivery) mxHosts(ctx context.Context, to string) ([]string, error) {
	_, domain, _ := mailproto.SplitAddress(to)
	r := d.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	mxs, err := r.LookupMX(ctx, domain)
	var dnsErr *net.DNSError
	switch {
	case err == nil:
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		// No MX: the domain's own address records, if any (implicit MX).
		if _, aerr := r.LookupHost(ctx, domain); aerr != nil {
			var ae *net.DNSError
			if errors.As(aerr, &ae) && ae.IsNotFound {
				return nil, &DeliveryError{Permanent: true, Stage: "dns", Err: fmt.Errorf("domain %s has no MX or address records", domain)}
			}
			return nil, &DeliveryError{Stage: "dns", Err: fmt.Errorf("look up %s: %w", domain, aerr)}
		}
		return []string{domain}, nil
	default:
		return nil, &DeliveryError{Stage: "dns", Err: fmt.Errorf("look up MX of %s: %w", domain, err)}
	}
	sort.SliceStable(mxs, func(i, j int) bool { return mxs[i].Pref < mxs[j].Pref })
	var hosts []string
	for _, mx := range mxs {
		h := strings.TrimSuffix(mx.Host, ".")
		if h == "" {
			// RFC 7505: a null MX says the domain takes no mail.
			return nil, &DeliveryError{Permanent: true, Stage: "dns", Err: fmt.Errorf("domain %s accepts no mail (null MX)", domain)}
		}
		hosts = append(hosts, h)
	}
	if len(hosts) == 0 {
		return []string{domain}, nil
	}
	return hosts, nil
}

// send runs one SMTP transaction with addr.
func (d *Delivery) send(ctx context.Context, addr string, tc *tls.Config, smarthost bool, to string, msg []byte) error {
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	fail := func(stage string, err error) error {
		de := &DeliveryError{Stage: stage, Host: addr, Err: err, Code: replyCode(err)}
		// A smarthost refusing our AUTH or TLS is our configuration, not
		// the recipient: keep the job until it is fixed.
		de.Permanent = mailproto.Class(de.Code) == mailproto.ClassPermanent && stage != "auth" && stage != "starttls" && stage != "connect"
		return de
	}
	dialer := net.Dialer{Timeout: timeout, Resolver: d.Resolver}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fail("connect", err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	helo := d.HeloName
	if helo == "" {
		helo = "localhost"
	}
	c, secure, serr := openSession(ctx, conn, helo, tc, timeout)
	if serr != nil {
		conn.Close()
		return fail(serr.stage, serr.err)
	}
	defer c.Close()
	c.CommandTimeout = timeout
	c.SubmissionTimeout = 2 * timeout
	if err := c.Hello(helo); err != nil {
		return fail("connect", err)
	}
	if smarthost && d.Username != "" {
		if !secure && !isLoopback(addr) {
			return fail("auth", errors.New("smarthost offers no STARTTLS; not sending the password in clear"))
		}
		if err := c.Auth(sasl.NewPlainClient("", d.Username, d.Password)); err != nil {
			return fail("auth", err)
		}
	}
	if err := c.Mail("", nil); err != nil { // the null reverse-path
		return fail("mail", err)
	}
	if err := c.Rcpt(to, nil); err != nil {
		return fail("rcpt", err)
	}
	w, err := c.Data()
	if err != nil {
		return fail("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return fail("data", err)
	}
	if err := w.Close(); err != nil {
		return fail("data", err)
	}
	// The message is accepted; a failing QUIT changes nothing.
	_ = c.Quit()
	return nil
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// safeText keeps a remote server's words fit for a log line and the store:
// one line, bounded, and masked in case it echoes a number.
func safeText(s string) string {
	s = oneLine(s)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return scan.MaskString(s)
}
