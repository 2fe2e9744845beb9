package tickets

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Conformance of the Users part of the store on both backends: accounts,
// sessions, API tokens, setup links and failed-login counts.

func mustUser(t *testing.T, s Store, name string, roles ...Role) User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), User{Name: name, Roles: roles, PasswordHash: "$argon2id$test"}, "cli:root")
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

// auditActions lists the actions of every audit event, in order.
func auditActions(t *testing.T, s Store) []string {
	t.Helper()
	evs, err := s.ListAudit(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.Action != ActionAuditKey {
			out = append(out, e.Action+" "+e.Actor+" "+e.Detail["user"])
		}
	}
	return out
}

func TestUsersCreateUpdateAudit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		ann := mustUser(t, h.s, "ann", RoleAgent, RoleAdmin, RoleAgent)
		if _, err := h.s.CreateUser(ctx, User{Name: "ann"}, "cli:root"); !errors.Is(err, ErrConflict) {
			t.Fatalf("second ann: %v, want ErrConflict", err)
		}
		if _, err := h.s.CreateUser(ctx, User{Name: "bob"}, ""); !errors.Is(err, ErrInvalid) {
			t.Fatalf("no actor: %v, want ErrInvalid", err)
		}
		mustUser(t, h.s, "bob", RoleAgent)
		got, err := h.s.GetUser(ctx, "ann")
		if err != nil || got.ID != ann.ID || !slices.Equal(got.Roles, []Role{RoleAdmin, RoleAgent}) || got.PasswordHash != "$argon2id$test" {
			t.Fatalf("get ann = %+v, %v", got, err)
		}
		if byID, err := h.s.GetUserByID(ctx, ann.ID); err != nil || byID.Name != "ann" {
			t.Fatalf("get by id = %+v, %v", byID, err)
		}
		if _, err := h.s.GetUser(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
		if n, err := h.s.CountUsers(ctx); n != 2 || err != nil {
			t.Fatalf("count = %d, %v", n, err)
		}
		list, err := h.s.ListUsers(ctx)
		if err != nil || len(list) != 2 || list[0].Name != "ann" || list[1].Name != "bob" {
			t.Fatalf("list = %+v, %v", list, err)
		}

		// A session of bob's, then changes: roles, disable (ends the
		// session), enable, password.
		exp := h.clock.Now().Add(time.Hour)
		if err := h.s.CreateSession(ctx, Session{TokenHash: "bob-1", UserID: list[1].ID, Expires: exp}, "", ""); err != nil {
			t.Fatal(err)
		}
		roles := []Role{RolePrivacy, RoleAgent}
		u, err := h.s.UpdateUser(ctx, "bob", UserChange{Roles: &roles}, "user:ann")
		if err != nil || !slices.Equal(u.Roles, roles) {
			t.Fatalf("set roles = %+v, %v", u, err)
		}
		if _, _, err := h.s.GetSession(ctx, "bob-1"); err != nil {
			t.Fatalf("a role change ended the session: %v", err)
		}
		yes, no := true, false
		if _, err := h.s.UpdateUser(ctx, "bob", UserChange{Disabled: &yes}, "user:ann"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.s.GetSession(ctx, "bob-1"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("disabled user's session: %v, want ErrNotFound", err)
		}
		if h.count("sessions") != 0 {
			t.Fatalf("disable left the session row")
		}
		if err := h.s.CreateSession(ctx, Session{TokenHash: "bob-2", UserID: list[1].ID, Expires: exp}, "", ""); !errors.Is(err, ErrNotFound) {
			t.Fatalf("session for a disabled user: %v, want ErrNotFound", err)
		}
		if _, err := h.s.UpdateUser(ctx, "bob", UserChange{Disabled: &no}, "user:ann"); err != nil {
			t.Fatal(err)
		}
		if err := h.s.CreateSession(ctx, Session{TokenHash: "bob-3", UserID: list[1].ID, Expires: exp}, "", ""); err != nil {
			t.Fatal(err)
		}
		hash := "$argon2id$new"
		if u, err := h.s.UpdateUser(ctx, "bob", UserChange{PasswordHash: &hash}, "cli:root"); err != nil || u.PasswordHash != hash {
			t.Fatalf("set password = %+v, %v", u, err)
		}
		if _, _, err := h.s.GetSession(ctx, "bob-3"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("session after a password change: %v, want ErrNotFound", err)
		}
		if _, err := h.s.UpdateUser(ctx, "nobody", UserChange{Disabled: &yes}, "cli:root"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("update unknown: %v", err)
		}
		want := []string{
			"user.create cli:root ann", "user.create cli:root bob",
			"user.roles user:ann bob", "user.disable user:ann bob", "user.enable user:ann bob", "user.password cli:root bob",
		}
		if got := auditActions(t, h.s); !slices.Equal(got, want) {
			t.Fatalf("audit:\n got %q\nwant %q", got, want)
		}
		if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK {
			t.Fatalf("verify = %+v, %v", rep, err)
		}
	})
}

func TestSessionsExpireAndRotate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		ann := mustUser(t, h.s, "ann", RoleAgent)
		now := h.clock.Now()
		s := Session{TokenHash: "a1", UserID: ann.ID, Expires: now.Add(time.Hour), Absolute: now.Add(3 * time.Hour)}
		if err := h.s.CreateSession(ctx, s, "", "user:ann"); err != nil {
			t.Fatal(err)
		}
		got, u, err := h.s.GetSession(ctx, "a1")
		if err != nil || u.Name != "ann" || !got.Expires.Equal(s.Expires) || !got.Absolute.Equal(s.Absolute) || !got.LastSeen.Equal(now) {
			t.Fatalf("get = %+v %+v, %v", got, u, err)
		}
		// Use moves the idle deadline, never past the absolute one.
		h.clock.Advance(50 * time.Minute)
		if err := h.s.TouchSession(ctx, "a1", h.clock.Now(), h.clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(50 * time.Minute)
		got, _, err = h.s.GetSession(ctx, "a1")
		if err != nil || !got.LastSeen.Equal(now.Add(50*time.Minute)) {
			t.Fatalf("after touch = %+v, %v", got, err)
		}
		if err := h.s.TouchSession(ctx, "a1", h.clock.Now(), h.clock.Now().Add(5*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := h.s.GetSession(ctx, "a1"); !got.Expires.Equal(s.Absolute) {
			t.Fatalf("expires = %v, want clamped to %v", got.Expires, s.Absolute)
		}
		h.clock.Advance(81 * time.Minute) // past the absolute deadline
		if _, _, err := h.s.GetSession(ctx, "a1"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("past absolute: %v", err)
		}
		// Rotation: the replaced session goes in the same write; the
		// ended one is swept.
		now = h.clock.Now()
		if err := h.s.CreateSession(ctx, Session{TokenHash: "a2", UserID: ann.ID, Expires: now.Add(time.Hour)}, "", ""); err != nil {
			t.Fatal(err)
		}
		if err := h.s.CreateSession(ctx, Session{TokenHash: "a3", UserID: ann.ID, Expires: now.Add(time.Hour)}, "a2", "user:ann"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.s.GetSession(ctx, "a2"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("replaced session still works: %v", err)
		}
		if n := h.count("sessions"); n != 1 {
			t.Fatalf("%d session rows, want 1 (ended ones swept)", n)
		}
		if err := h.s.DeleteSession(ctx, "a3"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.s.GetSession(ctx, "a3"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted session: %v", err)
		}
		want := []string{"user.create cli:root ann", "user.login user:ann ann", "user.login user:ann ann"}
		if got := auditActions(t, h.s); !slices.Equal(got, want) {
			t.Fatalf("audit:\n got %q\nwant %q", got, want)
		}
	})
}

func TestAPITokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		ann := mustUser(t, h.s, "ann", RoleAgent)
		// Made on another node (the CLI while serve runs): seen at once.
		cli := h.open(Options{})
		defer cli.Close()
		tok, err := cli.CreateAPIToken(ctx, APIToken{TokenHash: "h1", UserID: ann.ID, Label: "ci"}, "cli:root")
		if err != nil || tok.ID == uuid.Nil || tok.User != "ann" {
			t.Fatalf("create = %+v, %v", tok, err)
		}
		got, u, err := h.s.GetAPIToken(ctx, "h1")
		if err != nil || got.ID != tok.ID || u.Name != "ann" || got.Label != "ci" || !got.LastUsed.IsZero() {
			t.Fatalf("get = %+v %+v, %v", got, u, err)
		}
		if _, err := cli.CreateAPIToken(ctx, APIToken{TokenHash: "h2", UserID: uuid.New()}, "cli:root"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("token for an unknown user: %v", err)
		}
		h.clock.Advance(time.Minute)
		if err := h.s.TouchAPIToken(ctx, tok.ID, h.clock.Now()); err != nil {
			t.Fatal(err)
		}
		list, err := h.s.ListAPITokens(ctx)
		if err != nil || len(list) != 1 || list[0].User != "ann" || !list[0].LastUsed.Equal(h.clock.Now()) || !list[0].Revoked.IsZero() {
			t.Fatalf("list = %+v, %v", list, err)
		}
		// A disabled user's token stops; enabled again, it works.
		yes, no := true, false
		h.s.UpdateUser(ctx, "ann", UserChange{Disabled: &yes}, "cli:root")
		if _, _, err := h.s.GetAPIToken(ctx, "h1"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("disabled user's token: %v", err)
		}
		h.s.UpdateUser(ctx, "ann", UserChange{Disabled: &no}, "cli:root")
		if _, _, err := h.s.GetAPIToken(ctx, "h1"); err != nil {
			t.Fatalf("re-enabled user's token: %v", err)
		}
		// Revoked on one node, refused on the other at once.
		if err := cli.RevokeAPIToken(ctx, tok.ID, "cli:root"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.s.GetAPIToken(ctx, "h1"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoked token: %v", err)
		}
		if err := cli.RevokeAPIToken(ctx, tok.ID, "cli:root"); !errors.Is(err, ErrConflict) {
			t.Fatalf("second revoke: %v, want ErrConflict", err)
		}
		if err := cli.RevokeAPIToken(ctx, uuid.New(), "cli:root"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoke unknown: %v", err)
		}
		if list, _ := h.s.ListAPITokens(ctx); len(list) != 1 || list[0].Revoked.IsZero() {
			t.Fatalf("list after revoke = %+v", list)
		}
		// Expiry, when a token has one.
		if _, err := h.s.CreateAPIToken(ctx, APIToken{TokenHash: "h3", UserID: ann.ID, Expires: h.clock.Now().Add(time.Hour)}, "cli:root"); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(time.Hour)
		if _, _, err := h.s.GetAPIToken(ctx, "h3"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("expired token: %v", err)
		}
		want := []string{"user.create cli:root ann", "token.create cli:root ann", "user.disable cli:root ann", "user.enable cli:root ann",
			"token.revoke cli:root ann", "token.create cli:root ann"}
		if got := auditActions(t, h.s); !slices.Equal(got, want) {
			t.Fatalf("audit:\n got %q\nwant %q", got, want)
		}
	})
}

// Staff added from the command line before anyone opened the first-admin
// link (an agent, a privacy officer) do not use it up: it works while no
// enabled admin exists, and only then.
func TestFirstAdminLinkWithStaffButNoAdmin(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		exp := h.clock.Now().Add(24 * time.Hour)
		mustUser(t, h.s, "priya", RolePrivacy)
		mustUser(t, h.s, "ann", RoleAgent)
		if n, err := h.s.CountAdmins(ctx); n != 0 || err != nil {
			t.Fatalf("admins = %d, %v; want 0", n, err)
		}
		if err := h.s.CreateSetupToken(ctx, SetupToken{TokenHash: "first", Expires: exp}, "serve"); err != nil {
			t.Fatal(err)
		}
		if _, u, err := h.s.GetSetupToken(ctx, "first"); err != nil || u != nil {
			t.Fatalf("first-admin link with two non-admins = %+v, %v", u, err)
		}
		u, err := h.s.UseSetupToken(ctx, "first", User{Name: "adam", PasswordHash: "$argon2id$x"})
		if err != nil || !slices.Contains(u.Roles, RoleAdmin) {
			t.Fatalf("use first-admin link = %+v, %v", u, err)
		}
		if n, _ := h.s.CountAdmins(ctx); n != 1 {
			t.Fatalf("admins = %d, want 1", n)
		}
		if err := h.s.CreateSetupToken(ctx, SetupToken{TokenHash: "again", Expires: exp}, "serve"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.s.GetSetupToken(ctx, "again"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("first-admin link once an admin exists: %v", err)
		}
		if _, err := h.s.UseSetupToken(ctx, "again", User{Name: "eve", PasswordHash: "$argon2id$x"}); !errors.Is(err, ErrConflict) {
			t.Fatalf("second first admin: %v, want ErrConflict", err)
		}
	})
}

func TestSetupLinks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		exp := h.clock.Now().Add(24 * time.Hour)
		for _, k := range []string{"first-1", "first-2"} {
			if err := h.s.CreateSetupToken(ctx, SetupToken{TokenHash: k, Expires: exp}, "serve"); err != nil {
				t.Fatal(err)
			}
		}
		st, u, err := h.s.GetSetupToken(ctx, "first-1")
		if err != nil || u != nil || st.UserID != uuid.Nil {
			t.Fatalf("first-admin link = %+v %+v, %v", st, u, err)
		}
		// Two first-admin links used at once, on two nodes: one admin.
		s2 := h.open(Options{})
		defer s2.Close()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, k := range []string{"first-1", "first-2"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = []Store{h.s, s2}[i].UseSetupToken(ctx, k, User{Name: "admin" + k[len(k)-1:], PasswordHash: "$argon2id$x"})
			}()
		}
		wg.Wait()
		if n, _ := h.s.CountUsers(ctx); n != 1 || (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("%d users, errors %v", n, errs)
		}
		if !errors.Is(errors.Join(errs...), ErrConflict) {
			t.Fatalf("the loser's error: %v, want ErrConflict", errs)
		}
		admins, _ := h.s.ListUsers(ctx)
		if !slices.Equal(admins[0].Roles, []Role{RoleAdmin, RoleAgent}) {
			t.Fatalf("first admin's roles = %v", admins[0].Roles)
		}
		// With a user in the store, a first-admin link is no more.
		if _, _, err := h.s.GetSetupToken(ctx, "first-2"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("first-admin link once an admin exists: %v", err)
		}
		// A user's link sets the password once and ends their sessions.
		bob, err := h.s.CreateUser(ctx, User{Name: "bob", Roles: []Role{RoleAgent}}, "user:"+admins[0].Name)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.s.CreateSetupToken(ctx, SetupToken{TokenHash: "bob", UserID: bob.ID, Expires: exp}, "user:"+admins[0].Name); err != nil {
			t.Fatal(err)
		}
		if _, u, err := h.s.GetSetupToken(ctx, "bob"); err != nil || u.Name != "bob" {
			t.Fatalf("bob's link = %+v, %v", u, err)
		}
		got, err := h.s.UseSetupToken(ctx, "bob", User{PasswordHash: "$argon2id$bob"})
		if err != nil || got.Name != "bob" || got.PasswordHash != "$argon2id$bob" {
			t.Fatalf("use = %+v, %v", got, err)
		}
		if _, err := h.s.UseSetupToken(ctx, "bob", User{PasswordHash: "$argon2id$again"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second use: %v", err)
		}
		// An expired link is refused.
		if err := h.s.CreateSetupToken(ctx, SetupToken{TokenHash: "late", UserID: bob.ID, Expires: h.clock.Now().Add(time.Hour)}, "cli:root"); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(time.Hour)
		if _, err := h.s.UseSetupToken(ctx, "late", User{PasswordHash: "$argon2id$late"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("expired link: %v", err)
		}
		if u, _ := h.s.GetUser(ctx, "bob"); u.PasswordHash != "$argon2id$bob" {
			t.Fatalf("bob's hash = %q", u.PasswordHash)
		}
		if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK {
			t.Fatalf("verify = %+v, %v", rep, err)
		}
	})
}

func TestLoginFailures(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		window := 15 * time.Minute
		s2 := h.open(Options{})
		defer s2.Close()
		for i := range 3 {
			h.clock.Advance(time.Minute)
			if err := []Store{h.s, s2}[i%2].RecordLoginFailure(ctx, []string{"user:ann", "ip:192.0.2.0/24"}, h.clock.Now().Add(-window)); err != nil {
				t.Fatal(err)
			}
		}
		n, last, err := h.s.LoginFailures(ctx, "user:ann", h.clock.Now().Add(-window))
		if err != nil || n != 3 || !last.Equal(h.clock.Now()) {
			t.Fatalf("failures = %d %v, %v", n, last, err)
		}
		if n, _, _ := s2.LoginFailures(ctx, "ip:192.0.2.0/24", h.clock.Now().Add(-90*time.Second)); n != 2 {
			t.Fatalf("failures in the last 90 s = %d, want 2", n)
		}
		if err := h.s.ClearLoginFailures(ctx, "user:ann"); err != nil {
			t.Fatal(err)
		}
		if n, _, _ := h.s.LoginFailures(ctx, "user:ann", time.Time{}); n != 0 {
			t.Fatalf("after clear = %d", n)
		}
		// Old failures are forgotten by the next record.
		h.clock.Advance(window)
		if err := h.s.RecordLoginFailure(ctx, []string{"user:bob"}, h.clock.Now().Add(-window)); err != nil {
			t.Fatal(err)
		}
		if n := h.count("login_failures"); n != 1 {
			t.Fatalf("%d failure rows kept, want 1", n)
		}
	})
}
