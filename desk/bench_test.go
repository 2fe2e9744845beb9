package desk

import (
	"context"
	"strings"
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

// BenchmarkReleasePart is the cost of releasing a 1 MiB text attachment
// holding one SSN: the ticket read, the scan, the second check and the
// join with its audit event, on SQLite. Filing each withheld item is
// outside the timer.
func BenchmarkReleasePart(b *testing.B) {
	e := newEnv(b, "sqlite")
	ctx := context.Background()
	line := "Statement line with nothing to hide, balance 12.40 and some words.\n"
	text := strings.Repeat(line, (1<<20)/len(line)) + "SSN " + testSSN + "\n"
	p := statementPart(text)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		acc := e.fileWithheld("My statement")
		b.StartTimer()
		if _, err := e.d.ReleasePart(ctx, privacy, acc.QuarantineID, p); err != nil {
			b.Fatal(err)
		}
	}
}
