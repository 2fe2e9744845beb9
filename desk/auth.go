package desk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/intake-mail/intake/tickets"
)

// Logging in, sessions and setup links: the policy over what the store
// keeps. Passwords are argon2id hashes; session, token and link secrets
// are 32 random bytes of which the store keeps only the SHA-256.

// Accounts is desk's side of staff accounts: users, API tokens, logins
// and sessions. The CLI and the web both go through it.
type Accounts struct {
	Store  tickets.Store
	Now    func() time.Time // nil: time.Now
	Policy AuthPolicy
}

// AuthPolicy holds the lifetimes and throttling limits; zero fields take
// the defaults of DefaultAuthPolicy.
type AuthPolicy struct {
	SessionIdle time.Duration // a session unused this long ends (8 h)
	SessionMax  time.Duration // a session ends this long after login, used or not (7 days)
	// TouchEvery bounds how often a session's or token's last use is
	// written (1 min): reading a page must not cost a write each time.
	TouchEvery time.Duration
	SetupTTL   time.Duration // a setup link works this long (24 h)

	// After AccountFailures failed logins for one account name within
	// FailureWindow, or NetworkFailures from one /24 (IPv4) or /64
	// (IPv6), each further attempt waits for a delay that doubles from
	// BackoffBase up to BackoffMax after the last failure.
	FailureWindow   time.Duration
	AccountFailures int
	NetworkFailures int
	BackoffBase     time.Duration
	BackoffMax      time.Duration
}

// DefaultAuthPolicy follows OWASP's session and authentication cheat
// sheets: idle and absolute timeouts, and throttling that slows a guesser
// without locking the real user out for long.
func DefaultAuthPolicy() AuthPolicy {
	return AuthPolicy{
		SessionIdle:     8 * time.Hour,
		SessionMax:      7 * 24 * time.Hour,
		TouchEvery:      time.Minute,
		SetupTTL:        24 * time.Hour,
		FailureWindow:   15 * time.Minute,
		AccountFailures: 10,
		// An office behind one NAT address shares a /24: room for a
		// few people mistyping, not for a guesser.
		NetworkFailures: 50,
		BackoffBase:     time.Second,
		BackoffMax:      15 * time.Minute,
	}
}

func (p AuthPolicy) withDefaults() AuthPolicy {
	d := DefaultAuthPolicy()
	for _, f := range []struct{ v, def *time.Duration }{
		{&p.SessionIdle, &d.SessionIdle}, {&p.SessionMax, &d.SessionMax}, {&p.TouchEvery, &d.TouchEvery},
		{&p.SetupTTL, &d.SetupTTL}, {&p.FailureWindow, &d.FailureWindow}, {&p.BackoffBase, &d.BackoffBase}, {&p.BackoffMax, &d.BackoffMax},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	if p.AccountFailures <= 0 {
		p.AccountFailures = d.AccountFailures
	}
	if p.NetworkFailures <= 0 {
		p.NetworkFailures = d.NetworkFailures
	}
	return p
}

// NewAccounts returns Accounts over st with policy p (zero fields: the
// defaults).
func NewAccounts(st tickets.Store, p AuthPolicy, now func() time.Time) *Accounts {
	return &Accounts{Store: st, Now: now, Policy: p.withDefaults()}
}

func (a *Accounts) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

func (a *Accounts) policy() AuthPolicy { return a.Policy.withDefaults() }

// Argon2id parameters: OWASP's password storage cheat sheet's first
// choice (m=19 MiB, t=2, p=1). Stored hashes carry their own parameters,
// so raising these later leaves old hashes readable.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// hashSlots bounds how many argon2 runs happen at once: each holds 19 MiB,
// and a burst of logins must queue, not exhaust memory.
var hashSlots = make(chan struct{}, max(2, runtime.NumCPU()))

func argonKey(password, salt []byte, t, m uint32, p uint8, n uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey(password, salt, t, m, p, n)
}

// HashPassword returns the argon2id hash of password as a PHC string
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash, unpadded base64).
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argonKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC string hash, in
// time that does not depend on where they differ. A malformed hash, or
// parameters no intake would write (a tampered row asking for gigabytes),
// never match.
func VerifyPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	if m < 8*1024 || m > 256*1024 || t < 1 || t > 16 || p < 1 || p > 16 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(want) < 16 || len(want) > 64 {
		return false
	}
	got := argonKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked when there is no real hash to check (unknown user,
// no password yet, disabled), so that such a login takes as long as a
// wrong password and the time does not tell which names exist.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword(rand.Text())
	if err != nil {
		panic(fmt.Sprintf("hash a dummy password: %v", err))
	}
	return h
})

// Password rules: NIST SP 800-63B asks for length and nothing else (no
// composition rules); a long upper bound lets passphrases and managers in.
const (
	minPasswordLen = 12
	maxPasswordLen = 1024
)

func checkNewPassword(password, name string) error {
	if utf8.RuneCountInString(password) < minPasswordLen {
		return userErrf(422, CodeInvalid, "the password needs at least %d characters", minPasswordLen)
	}
	if len(password) > maxPasswordLen || !utf8.ValidString(password) {
		return userErrf(422, CodeInvalid, "the password must be text of at most %d bytes", maxPasswordLen)
	}
	if strings.EqualFold(password, name) {
		return userErrf(422, CodeInvalid, "the password must not be the user name")
	}
	return nil
}

// newSecret returns a fresh 32-byte random secret, URL-safe, and the
// hash the store keeps of it.
func newSecret(prefix string) (raw, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("read random: %v", err)) // crypto/rand does not fail on Linux
	}
	raw = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return raw, HashSecret(raw)
}

// HashSecret is what the store keeps of a session, token or link secret:
// its SHA-256, hex. The secret is 256 random bits, so a fast hash is
// enough; what it spares is a stolen database working as credentials.
func HashSecret(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(h[:])
}

// NetworkKey is the throttling key of a client address: its /24 for IPv4,
// its /64 for IPv6 (one host often holds a whole /64).
func NetworkKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		if ap, err2 := netip.ParseAddrPort(ip); err2 == nil {
			addr, err = ap.Addr(), nil
		}
	}
	if err != nil {
		return "net:unknown"
	}
	addr = addr.Unmap().WithZone("")
	bits := 64
	if addr.Is4() {
		bits = 24
	}
	p, _ := addr.Prefix(bits)
	return "net:" + p.String()
}

// Throttled is the cause of a 429 from Login: Until is when another try
// is allowed, Wait how long that is from now.
type Throttled struct {
	Until time.Time
	Wait  time.Duration
}

func (t *Throttled) Error() string { return "too many failed logins" }

// errBadLogin is the one answer for an unknown name, a wrong password, a
// user without a password yet and a disabled user.
var errBadLogin = &Error{Status: 401, Code: CodeUnauthenticated, Message: "wrong user name or password"}

// throttled returns when key may try again, zero if now.
func (a *Accounts) throttled(ctx context.Context, key string, limit int, now time.Time) (time.Time, error) {
	p := a.policy()
	n, last, err := a.Store.LoginFailures(ctx, key, now.Add(-p.FailureWindow))
	if err != nil || n < limit {
		return time.Time{}, err
	}
	wait := p.BackoffMax
	if over := n - limit; over < 30 {
		wait = min(p.BackoffBase<<over, p.BackoffMax)
	}
	if until := last.Add(wait); now.Before(until) {
		return until, nil
	}
	return time.Time{}, nil
}

// LoginResult is a new session: Token goes in the cookie, once.
type LoginResult struct {
	Token   string
	Actor   Actor
	Session tickets.Session
}

// Login checks name and password from client address ip and starts a
// session, ending the one the browser held before (replaced, its secret,
// may be ""): a session id known before login is never the one after. A
// failure is 401 whatever the reason, or 429 (with a *Throttled cause)
// after too many failures for the name or the client's network.
func (a *Accounts) Login(ctx context.Context, name, password, ip, replaced string) (*LoginResult, error) {
	u, err := a.checkPassword(ctx, name, password, ip)
	if err != nil {
		return nil, err
	}
	return a.startSession(ctx, u, replaced, a.now())
}

// checkPassword is a login without the session: throttled, the same
// answer and about the same time for every kind of failure.
func (a *Accounts) checkPassword(ctx context.Context, name, password, ip string) (*tickets.User, error) {
	p := a.policy()
	now := a.now()
	norm := strings.ToLower(strings.TrimSpace(name))
	if len(norm) > 256 {
		norm = norm[:256]
	}
	acctKey, netKey := "user:"+norm, NetworkKey(ip)
	for _, k := range []struct {
		key   string
		limit int
	}{{acctKey, p.AccountFailures}, {netKey, p.NetworkFailures}} {
		until, err := a.throttled(ctx, k.key, k.limit, now)
		if err != nil {
			return nil, ourErr(err, "check login throttling")
		}
		if !until.IsZero() {
			wait := until.Sub(now).Round(time.Second)
			return nil, &Error{Status: 429, Code: CodeThrottled, Err: &Throttled{Until: until, Wait: until.Sub(now)},
				Message: fmt.Sprintf("too many failed logins; try again in %s", max(wait, time.Second))}
		}
	}
	u, err := a.Store.GetUser(ctx, norm)
	if err != nil && !errors.Is(err, tickets.ErrNotFound) {
		return nil, ourErr(err, "look up user")
	}
	hash := dummyHash()
	usable := err == nil && !u.Disabled && u.PasswordHash != ""
	if usable {
		hash = u.PasswordHash
	}
	if ok := VerifyPassword(hash, password); !ok || !usable {
		if err := a.Store.RecordLoginFailure(ctx, []string{acctKey, netKey}, now.Add(-p.FailureWindow)); err != nil {
			return nil, ourErr(err, "record failed login")
		}
		return nil, errBadLogin
	}
	if err := a.Store.ClearLoginFailures(ctx, acctKey); err != nil {
		return nil, ourErr(err, "clear failed logins")
	}
	return u, nil
}

func (a *Accounts) startSession(ctx context.Context, u *tickets.User, replaced string, now time.Time) (*LoginResult, error) {
	p := a.policy()
	raw, hash := newSecret("")
	s := tickets.Session{TokenHash: hash, UserID: u.ID, Created: now, LastSeen: now,
		Expires: now.Add(min(p.SessionIdle, p.SessionMax)), Absolute: now.Add(p.SessionMax)}
	old := ""
	if replaced != "" {
		old = HashSecret(replaced)
	}
	if err := a.Store.CreateSession(ctx, s, old, "user:"+u.Name); err != nil {
		return nil, ourErr(err, "start session")
	}
	return &LoginResult{Token: raw, Actor: Actor{Name: u.Name, Roles: u.Roles, Via: "web"}, Session: s}, nil
}

// errNoSession is the answer for a missing, unknown or ended session.
var errNoSession = &Error{Status: 401, Code: CodeUnauthenticated, Message: "log in first"}

// Session returns the actor of a browser's session secret, or a 401: an
// unknown or ended session, or a disabled user. It records the use at
// most once per TouchEvery, moving the idle deadline.
func (a *Accounts) Session(ctx context.Context, raw string) (Actor, *tickets.Session, error) {
	if raw == "" || len(raw) > 128 {
		return Actor{}, nil, errNoSession
	}
	s, u, err := a.Store.GetSession(ctx, HashSecret(raw))
	if errors.Is(err, tickets.ErrNotFound) {
		return Actor{}, nil, errNoSession
	}
	if err != nil {
		return Actor{}, nil, ourErr(err, "read session")
	}
	p := a.policy()
	now := a.now()
	// The store checked Expires on its own clock; the idle and absolute
	// limits are checked here again on desk's, which tests move.
	if !now.Before(s.Expires) || !now.Before(s.Absolute) || now.Sub(s.LastSeen) >= p.SessionIdle {
		return Actor{}, nil, errNoSession
	}
	if now.Sub(s.LastSeen) >= p.TouchEvery {
		exp := now.Add(p.SessionIdle)
		if s.Absolute.Before(exp) {
			exp = s.Absolute
		}
		if err := a.Store.TouchSession(ctx, s.TokenHash, now, exp); err != nil {
			return Actor{}, nil, ourErr(err, "refresh session")
		}
		s.LastSeen, s.Expires = now, exp
	}
	return Actor{Name: u.Name, Roles: u.Roles, Via: "web"}, s, nil
}

// Logout ends the session whose secret is raw; an unknown one is no error.
func (a *Accounts) Logout(ctx context.Context, raw string) error {
	if raw == "" {
		return nil
	}
	return ourErr(a.Store.DeleteSession(ctx, HashSecret(raw)), "end session")
}

// ChangePassword sets the actor's own password after checking the
// current one (throttled like a login), and starts a new session in place
// of every old one.
func (a *Accounts) ChangePassword(ctx context.Context, by Actor, current, next, ip string) (*LoginResult, error) {
	if err := by.need(tickets.RoleAgent, tickets.RolePrivacy, tickets.RoleAdmin); err != nil {
		return nil, err
	}
	if _, err := a.checkPassword(ctx, by.Name, current, ip); err != nil {
		var de *Error
		if errors.As(err, &de) && de.Status == 401 {
			return nil, userErrf(422, CodeInvalid, "the current password is not right")
		}
		return nil, err
	}
	if err := checkNewPassword(next, by.Name); err != nil {
		return nil, err
	}
	hash, err := HashPassword(next)
	if err != nil {
		return nil, ourErr(err, "hash password")
	}
	u, err := a.Store.UpdateUser(ctx, by.Name, tickets.UserChange{PasswordHash: &hash}, by.AuditName())
	if err != nil {
		return nil, ourErr(err, "change password")
	}
	return a.startSession(ctx, u, "", a.now())
}

// SetupLink is what a setup link is for: a user's password (User set) or
// the first admin (User nil).
type SetupLink struct {
	User    *tickets.User
	Expires time.Time
}

var errBadLink = &Error{Status: 404, Code: CodeNotFound, Message: "this setup link is unknown, used or expired; ask an admin for a new one"}

// SetupLinkInfo returns what the link secret raw sets up, or a 404.
func (a *Accounts) SetupLinkInfo(ctx context.Context, raw string) (*SetupLink, error) {
	if raw == "" || len(raw) > 128 {
		return nil, errBadLink
	}
	t, u, err := a.Store.GetSetupToken(ctx, HashSecret(raw))
	if errors.Is(err, tickets.ErrNotFound) {
		return nil, errBadLink
	}
	if err != nil {
		return nil, ourErr(err, "read setup link")
	}
	if u != nil && u.Disabled {
		return nil, errBadLink
	}
	return &SetupLink{User: u, Expires: t.Expires}, nil
}

// UseSetupLink spends the link: it sets the password of the user the
// link names, or creates the first admin named name (ignored for a
// user's link), and logs them in.
func (a *Accounts) UseSetupLink(ctx context.Context, raw, name, password string) (*LoginResult, error) {
	info, err := a.SetupLinkInfo(ctx, raw)
	if err != nil {
		return nil, err
	}
	if info.User != nil {
		name = info.User.Name
	} else if name, err = NormalizeName(name); err != nil {
		return nil, err
	}
	if err := checkNewPassword(password, name); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, ourErr(err, "hash password")
	}
	u, err := a.Store.UseSetupToken(ctx, HashSecret(raw), tickets.User{Name: name, PasswordHash: hash})
	switch {
	case errors.Is(err, tickets.ErrNotFound):
		return nil, errBadLink
	case errors.Is(err, tickets.ErrConflict):
		// The first-admin link works while no admin exists, so staff may
		// hold the name chosen; the link is still good then (the refused
		// transaction kept it).
		if n, cerr := a.Store.CountAdmins(ctx); cerr == nil && n == 0 && info.User == nil {
			return nil, userErrf(409, CodeConflict, "a user named %s exists already; choose another name", name)
		}
		return nil, userErrf(409, CodeConflict, "an admin exists already; log in, or ask an admin for a link")
	case err != nil:
		return nil, ourErr(err, "use setup link")
	}
	return a.startSession(ctx, &u, "", a.now())
}

// FirstRunLink makes a first-admin setup link when the store has no
// enabled admin, and returns its secret; ok is false when one exists.
func (a *Accounts) FirstRunLink(ctx context.Context) (raw string, ok bool, err error) {
	n, err := a.Store.CountAdmins(ctx)
	if err != nil {
		return "", false, ourErr(err, "count admins")
	}
	if n > 0 {
		return "", false, nil
	}
	raw, hash := newSecret("")
	t := tickets.SetupToken{TokenHash: hash, Expires: a.now().Add(a.policy().SetupTTL)}
	if err := a.Store.CreateSetupToken(ctx, t, "serve"); err != nil {
		return "", false, ourErr(err, "make first-admin link")
	}
	return raw, true, nil
}
