package desk

import (
	"context"
	"testing"

	"github.com/intake-mail/intake/tickets"
)

// BenchmarkVerifyPassword is the cost of one password check (argon2id,
// m=19 MiB, t=2, p=1): what every login, failed or not, pays.
func BenchmarkVerifyPassword(b *testing.B) {
	h, _ := HashPassword(goodPassword)
	for b.Loop() {
		if !VerifyPassword(h, goodPassword) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkSession is the cost of recognising a logged-in browser: one
// store read (a join of session and user), no write within TouchEvery.
func BenchmarkSession(b *testing.B) {
	a, _ := newAccountsTB(b)
	ctx := context.Background()
	if _, _, err := a.AddUser(ctx, cliAdmin, NewUser{Name: "ann", Roles: []tickets.Role{tickets.RoleAgent}, Password: goodPassword}); err != nil {
		b.Fatal(err)
	}
	res, err := a.Login(ctx, "ann", goodPassword, "192.0.2.1", "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := a.Session(ctx, res.Token); err != nil {
			b.Fatal(err)
		}
	}
}
