package desk

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intake-mail/intake/tickets"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newAccounts is Accounts over a real SQLite store in a temporary
// directory, store and desk on one test clock.
func newAccounts(t *testing.T) (*Accounts, *testClock) { return newAccountsTB(t) }

func newAccountsTB(t testing.TB) (*Accounts, *testClock) {
	t.Helper()
	clk := &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	secret := make([]byte, 32)
	rand.Read(secret)
	st, err := tickets.Open(context.Background(), tickets.Options{DataDir: t.TempDir(), Secret: secret, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return NewAccounts(st, AuthPolicy{}, clk.Now), clk
}

var cliAdmin = Actor{Name: "root", Roles: []tickets.Role{tickets.RoleAdmin}, Via: "cli"}

const goodPassword = "correct horse battery"

func mustAdd(t *testing.T, a *Accounts, name string, roles ...tickets.Role) UserView {
	t.Helper()
	u, _, err := a.AddUser(context.Background(), cliAdmin, NewUser{Name: name, Roles: roles, Password: goodPassword})
	if err != nil {
		t.Fatalf("add %s: %v", name, err)
	}
	return u
}

func status(err error) int {
	if err == nil {
		return 0
	}
	return AsError(err).Status
}

func TestPasswordHash(t *testing.T) {
	h1, err := HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword(goodPassword)
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") || h1 == h2 {
		t.Fatalf("hashes %q and %q: want argon2id PHC strings with their own salts", h1, h2)
	}
	if !VerifyPassword(h1, goodPassword) || VerifyPassword(h1, goodPassword+"!") || VerifyPassword(h1, "") {
		t.Fatal("verify does not tell the right password from wrong ones")
	}
	parts := strings.Split(h1, "$")
	for name, bad := range map[string]string{
		"empty":           "",
		"argon2i":         strings.Replace(h1, "argon2id", "argon2i", 1),
		"old version":     strings.Replace(h1, "v=19", "v=16", 1),
		"gigabytes asked": strings.Replace(h1, "m=19456", "m=4194304", 1),
		"no salt":         strings.Join(append(parts[:4:4], "", parts[5]), "$"),
		"short hash":      strings.Join(append(parts[:5:5], "AAAA"), "$"),
		"bcrypt":          "$2a$10$abcdefghijklmnopqrstuuLnm4jCk3pJkGbCzDbdZ6dImPKaTqCgu",
	} {
		if VerifyPassword(bad, goodPassword) {
			t.Errorf("%s: a malformed hash verified", name)
		}
	}
}

func TestNetworkKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.17":                "net:192.0.2.0/24",
		"192.0.2.200:5555":          "net:192.0.2.0/24",
		"::ffff:192.0.2.9":          "net:192.0.2.0/24",
		"2001:db8:1:2:3:4:5:6":      "net:2001:db8:1:2::/64",
		"[2001:db8:1:2::9]:443":     "net:2001:db8:1:2::/64",
		"fe80::1%eth0":              "net:fe80::/64",
		"not an address":            "net:unknown",
		"":                          "net:unknown",
		"2001:db8:1:3:ffff::1":      "net:2001:db8:1:3::/64",
		"[::ffff:198.51.100.1]:443": "net:198.51.100.0/24",
	} {
		if got := NetworkKey(in); got != want {
			t.Errorf("NetworkKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoginSameAnswerForEveryFailure(t *testing.T) {
	a, _ := newAccounts(t)
	ctx := context.Background()
	mustAdd(t, a, "ann", tickets.RoleAgent)
	mustAdd(t, a, "boss", tickets.RoleAdmin)
	mustAdd(t, a, "dan", tickets.RoleAgent, tickets.RoleAdmin)
	if _, err := a.DisableUser(ctx, cliAdmin, "dan"); err != nil {
		t.Fatal(err)
	}
	a.AddUser(ctx, cliAdmin, NewUser{Name: "pat", Roles: []tickets.Role{tickets.RoleAgent}}) // no password yet

	var first *Error
	cases := map[string][2]string{
		"unknown user":   {"nobody", goodPassword},
		"wrong password": {"ann", "wrong password!!"},
		"disabled":       {"dan", goodPassword},
		"no password":    {"pat", ""},
		"empty":          {"", ""},
	}
	for name, c := range cases {
		start := time.Now()
		_, err := a.Login(ctx, c[0], c[1], "192.0.2.1", "")
		took := time.Since(start)
		de := AsError(err)
		if de.Status != 401 || de.Code != CodeUnauthenticated {
			t.Fatalf("%s: %v, want 401", name, err)
		}
		if first != nil && de.Message != first.Message {
			t.Errorf("%s answers %q, another failure %q: the answer tells them apart", name, de.Message, first.Message)
		}
		first = de
		// argon2 runs for every failure: none of them is answered
		// without the cost of a hash (about 20 ms or more here).
		if took < 5*time.Millisecond {
			t.Errorf("%s answered in %v: no password hash was computed", name, took)
		}
	}
	res, err := a.Login(ctx, " ANN ", goodPassword, "192.0.2.1", "")
	if err != nil || res.Actor.Name != "ann" || res.Actor.Via != "web" || len(res.Token) < 40 {
		t.Fatalf("login = %+v, %v", res, err)
	}
}

func TestLoginThrottling(t *testing.T) {
	a, clk := newAccounts(t)
	ctx := context.Background()
	mustAdd(t, a, "ann", tickets.RoleAgent)
	p := a.policy()

	// Per account, from changing addresses: after AccountFailures, even
	// the right password waits, and the wait doubles.
	for i := range p.AccountFailures {
		if _, err := a.Login(ctx, "ann", "wrong password!!", "198.51.100."+string(rune('1'+i%9)), ""); status(err) != 401 {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	_, err := a.Login(ctx, "ann", goodPassword, "203.0.113.5", "")
	var th *Throttled
	if status(err) != 429 || AsError(err).Code != CodeThrottled || !errors.As(err, &th) || !th.Until.Equal(clk.Now().Add(p.BackoffBase)) {
		t.Fatalf("after %d failures: %v, want 429 until now+%v", p.AccountFailures, err, p.BackoffBase)
	}
	clk.Advance(p.BackoffBase)
	if _, err := a.Login(ctx, "ann", "wrong again!!", "203.0.113.5", ""); status(err) != 401 {
		t.Fatalf("after the wait: %v, want 401 (the guess is checked)", err)
	}
	clk.Advance(p.BackoffBase) // the wait is now twice as long
	if _, err := a.Login(ctx, "ann", goodPassword, "203.0.113.5", ""); status(err) != 429 {
		t.Fatalf("the second wait did not double: %v", err)
	}
	clk.Advance(p.BackoffBase)
	if _, err := a.Login(ctx, "ann", goodPassword, "203.0.113.5", ""); err != nil {
		t.Fatalf("after the doubled wait the right password: %v", err)
	}
	// Success forgets the account's failures.
	if _, err := a.Login(ctx, "ann", "wrong password!!", "203.0.113.5", ""); status(err) != 401 {
		t.Fatalf("after a success: %v, want a plain 401", err)
	}

	// An unknown name is throttled the same way: no telling names apart.
	for range p.AccountFailures {
		a.Login(ctx, "ghost", "x", "203.0.113.77", "")
	}
	if _, err := a.Login(ctx, "ghost", "x", "203.0.113.77", ""); status(err) != 429 {
		t.Fatalf("unknown name not throttled: %v", err)
	}

	// Per network: many names from one /24 (IPv6: one /64).
	clk.Advance(p.FailureWindow)
	for i := range p.NetworkFailures {
		a.Login(ctx, "spray"+string(rune('a'+i%26))+string(rune('a'+i/26)), "x", "192.0.2."+string(rune('1'+i%9)), "")
	}
	if _, err := a.Login(ctx, "ann", goodPassword, "192.0.2.250", ""); status(err) != 429 {
		t.Fatalf("network not throttled: %v", err)
	}
	if _, err := a.Login(ctx, "ann", goodPassword, "192.0.3.1", ""); err != nil {
		t.Fatalf("another network is throttled too: %v", err)
	}
	// The window passes: all is forgotten, up to the cap of the backoff.
	clk.Advance(p.FailureWindow + time.Second)
	if _, err := a.Login(ctx, "ann", goodPassword, "192.0.2.250", ""); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestSessionLifetimes(t *testing.T) {
	a, clk := newAccounts(t)
	ctx := context.Background()
	mustAdd(t, a, "ann", tickets.RoleAgent)
	p := a.policy()
	res, err := a.Login(ctx, "ann", goodPassword, "192.0.2.1", "")
	if err != nil {
		t.Fatal(err)
	}
	// Used every 7 hours, it lives until the absolute limit.
	for clk.Now().Add(p.SessionIdle - time.Hour).Before(res.Session.Absolute) {
		clk.Advance(p.SessionIdle - time.Hour)
		if _, _, err := a.Session(ctx, res.Token); err != nil {
			t.Fatalf("at %v after login: %v", clk.Now().Sub(res.Session.Created), err)
		}
	}
	clk.t = res.Session.Absolute
	if _, _, err := a.Session(ctx, res.Token); status(err) != 401 {
		t.Fatalf("at the absolute limit: %v, want 401", err)
	}
	// Idle: unused for SessionIdle, gone.
	res, _ = a.Login(ctx, "ann", goodPassword, "192.0.2.1", "")
	clk.Advance(p.SessionIdle - time.Second)
	if _, _, err := a.Session(ctx, res.Token); err != nil {
		t.Fatalf("just before idle: %v", err)
	}
	clk.Advance(p.SessionIdle)
	if _, _, err := a.Session(ctx, res.Token); status(err) != 401 {
		t.Fatalf("idle: %v, want 401", err)
	}
	// The use is written at most once per TouchEvery.
	res, _ = a.Login(ctx, "ann", goodPassword, "192.0.2.1", "")
	clk.Advance(p.TouchEvery / 2)
	_, s, _ := a.Session(ctx, res.Token)
	if !s.LastSeen.Equal(res.Session.LastSeen) {
		t.Fatalf("touched after %v", p.TouchEvery/2)
	}
	clk.Advance(p.TouchEvery / 2)
	if _, s, _ = a.Session(ctx, res.Token); !s.LastSeen.Equal(clk.Now()) {
		t.Fatalf("not touched after %v", p.TouchEvery)
	}
	// Logout ends it; a new login replaces the old session.
	old := res.Token
	res, _ = a.Login(ctx, "ann", goodPassword, "192.0.2.1", old)
	if _, _, err := a.Session(ctx, old); status(err) != 401 {
		t.Fatalf("the session before login still works: %v", err)
	}
	a.Logout(ctx, res.Token)
	if _, _, err := a.Session(ctx, res.Token); status(err) != 401 {
		t.Fatalf("after logout: %v", err)
	}
}

func TestAdminActions(t *testing.T) {
	a, _ := newAccounts(t)
	ctx := context.Background()
	mustAdd(t, a, "boss", tickets.RoleAdmin)
	ann := Actor{Name: "ann", Roles: []tickets.Role{tickets.RoleAgent}, Via: "web"}
	boss := Actor{Name: "boss", Roles: []tickets.Role{tickets.RoleAdmin}, Via: "web"}
	if _, _, err := a.AddUser(ctx, ann, NewUser{Name: "eve", Roles: []tickets.Role{tickets.RoleAdmin}}); status(err) != 403 {
		t.Fatalf("an agent adds a user: %v, want 403", err)
	}
	if _, err := a.ListUsers(ctx, Actor{}); status(err) != 401 {
		t.Fatalf("no actor: %v, want 401", err)
	}
	for _, bad := range []NewUser{{Name: "Has Space", Roles: []tickets.Role{"agent"}}, {Name: "ok", Roles: []tickets.Role{"root"}},
		{Name: "ok"}, {Name: "ok", Roles: []tickets.Role{"agent"}, Password: "short"}} {
		if _, _, err := a.AddUser(ctx, boss, bad); status(err) != 422 {
			t.Errorf("add %+v: %v, want 422", bad, err)
		}
	}
	u, link, err := a.AddUser(ctx, boss, NewUser{Name: "Ann", Roles: []tickets.Role{"agent", "agent"}})
	if err != nil || u.Name != "ann" || u.PasswordSet || link == nil || len(u.Roles) != 1 {
		t.Fatalf("add ann = %+v %+v, %v", u, link, err)
	}
	if _, _, err := a.AddUser(ctx, boss, NewUser{Name: "ANN", Roles: []tickets.Role{"agent"}}); status(err) != 409 {
		t.Fatalf("second ann: %v, want 409", err)
	}
	info, err := a.SetupLinkInfo(ctx, link.Token)
	if err != nil || info.User.Name != "ann" {
		t.Fatalf("link info = %+v, %v", info, err)
	}
	if _, err := a.UseSetupLink(ctx, link.Token, "ignored", "short"); status(err) != 422 {
		t.Fatalf("short password through the link: %v", err)
	}
	res, err := a.UseSetupLink(ctx, link.Token, "ignored", goodPassword)
	if err != nil || res.Actor.Name != "ann" {
		t.Fatalf("use link = %+v, %v", res, err)
	}
	if _, err := a.UseSetupLink(ctx, link.Token, "", goodPassword); status(err) != 404 {
		t.Fatalf("link used twice: %v, want 404", err)
	}
	// The last admin stays.
	if _, err := a.DisableUser(ctx, boss, "boss"); status(err) != 409 {
		t.Fatalf("disable the last admin: %v, want 409", err)
	}
	agent := []tickets.Role{tickets.RoleAgent}
	if _, err := a.UpdateUser(ctx, boss, "boss", UserUpdate{Roles: &agent}); status(err) != 409 {
		t.Fatalf("demote the last admin: %v, want 409", err)
	}
	// Disabling ends sessions and tokens at once.
	tok, err := a.CreateToken(ctx, boss, "ann", "laptop")
	if err != nil || !strings.HasPrefix(tok.Token, TokenPrefix) {
		t.Fatalf("create token = %+v, %v", tok, err)
	}
	if who, err := a.Bearer(ctx, tok.Token); err != nil || who.Name != "ann" || who.Via != "api" {
		t.Fatalf("bearer = %+v, %v", who, err)
	}
	if _, err := a.DisableUser(ctx, boss, "ann"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Session(ctx, res.Token); status(err) != 401 {
		t.Fatalf("disabled user's session: %v", err)
	}
	if _, err := a.Bearer(ctx, tok.Token); status(err) != 401 {
		t.Fatalf("disabled user's token: %v", err)
	}
	if _, err := a.ResetLink(ctx, boss, "ann"); status(err) != 409 {
		t.Fatalf("reset link for a disabled user: %v", err)
	}
	no := false
	a.UpdateUser(ctx, boss, "ann", UserUpdate{Disabled: &no})
	if err := a.RevokeToken(ctx, boss, tok.ID.String()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bearer(ctx, tok.Token); status(err) != 401 {
		t.Fatalf("revoked token: %v", err)
	}
	if err := a.RevokeToken(ctx, boss, tok.ID.String()); status(err) != 409 {
		t.Fatalf("revoke twice: %v", err)
	}
	if err := a.RevokeToken(ctx, boss, "nope"); status(err) != 400 {
		t.Fatalf("revoke a malformed id: %v", err)
	}
	if err := a.RevokeToken(ctx, ann, tok.ID.String()); status(err) != 403 {
		t.Fatalf("an agent revokes: %v", err)
	}
	// Own password: the current one is checked.
	annNow := Actor{Name: "ann", Roles: []tickets.Role{tickets.RoleAgent}, Via: "web"}
	if _, err := a.ChangePassword(ctx, annNow, "not it at all", "a new long passphrase", "192.0.2.1"); status(err) != 422 {
		t.Fatalf("change with a wrong current password: %v", err)
	}
	if _, err := a.ChangePassword(ctx, annNow, goodPassword, "a new long passphrase", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Login(ctx, "ann", "a new long passphrase", "192.0.2.1", ""); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
}

func TestFirstRunLink(t *testing.T) {
	a, _ := newAccounts(t)
	ctx := context.Background()
	raw, ok, err := a.FirstRunLink(ctx)
	if err != nil || !ok || raw == "" {
		t.Fatalf("first run = %q %v %v", raw, ok, err)
	}
	info, err := a.SetupLinkInfo(ctx, raw)
	if err != nil || info.User != nil {
		t.Fatalf("first-admin link info = %+v, %v", info, err)
	}
	if _, err := a.UseSetupLink(ctx, raw, "bad name!", goodPassword); status(err) != 422 {
		t.Fatalf("bad name: %v", err)
	}
	res, err := a.UseSetupLink(ctx, raw, "Admin", goodPassword)
	if err != nil || res.Actor.Name != "admin" || !res.Actor.Has(tickets.RoleAdmin) || !res.Actor.Has(tickets.RoleAgent) {
		t.Fatalf("first admin = %+v, %v", res, err)
	}
	if _, ok, err := a.FirstRunLink(ctx); ok || err != nil {
		t.Fatalf("a second first-run link once an admin exists: %v %v", ok, err)
	}
}

// Staff added from the command line before the first admin: the link still
// makes the admin, and a name they hold is refused as that, not as "an
// admin exists", leaving the link usable.
func TestFirstRunLinkWithStaffBeforeAdmin(t *testing.T) {
	a, _ := newAccounts(t)
	ctx := context.Background()
	if _, _, err := a.AddUser(ctx, cliAdmin, NewUser{Name: "ann", Roles: []tickets.Role{tickets.RoleAgent}, Password: goodPassword}); err != nil {
		t.Fatal(err)
	}
	raw, ok, err := a.FirstRunLink(ctx)
	if err != nil || !ok {
		t.Fatalf("first run with an agent and no admin = %v %v", ok, err)
	}
	_, err = a.UseSetupLink(ctx, raw, "ann", goodPassword)
	if status(err) != 409 || !strings.Contains(err.Error(), "choose another name") {
		t.Fatalf("first admin named as the agent: %v", err)
	}
	res, err := a.UseSetupLink(ctx, raw, "adam", goodPassword)
	if err != nil || !res.Actor.Has(tickets.RoleAdmin) {
		t.Fatalf("first admin after the refused name = %+v, %v", res, err)
	}
}
