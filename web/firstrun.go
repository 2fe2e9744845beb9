package web

import (
	"context"
	"strings"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// FirstRunLink makes a one-time link that creates the first admin when
// the store has no user yet (as Grafana and Gitea do on a first start),
// and returns it under baseURL (config.Web.URL()); ok is false once any
// user exists. Each call makes a new link; each works once, for a day,
// and none works once an admin exists. serve logs it in one line.
func FirstRunLink(ctx context.Context, st tickets.Store, baseURL string) (link string, ok bool, err error) {
	raw, ok, err := desk.NewAccounts(st, desk.AuthPolicy{}, nil).FirstRunLink(ctx)
	if err != nil || !ok {
		return "", ok, err
	}
	return strings.TrimRight(baseURL, "/") + desk.SetupPath(raw), true, nil
}

// FirstRunLink is the package function with the server's store, clock
// and base URL.
func (s *Server) FirstRunLink(ctx context.Context) (link string, ok bool, err error) {
	raw, ok, err := s.accounts.FirstRunLink(ctx)
	if err != nil || !ok {
		return "", ok, err
	}
	return s.BaseURL() + desk.SetupPath(raw), true, nil
}
