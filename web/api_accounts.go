package web

import (
	"net/http"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// Accounts over the API (admin, but /me and one's own /users/NAME):
//
//	GET    /api/v1/me                        → the caller: {"name","roles"}
//	GET    /api/v1/users                     → {"users":[UserView...],"next":null}
//	POST   /api/v1/users {"name","roles",["password"]}
//	                                         → 201 {"user":UserView,"setup_link":URL|null,"setup_expires":...}
//	GET    /api/v1/users/NAME                → UserView
//	PATCH  /api/v1/users/NAME {"roles","disabled"} → UserView
//	POST   /api/v1/users/NAME/setup-link     → 201 {"setup_link":URL,"setup_expires":...}
//	GET    /api/v1/tokens                    → {"tokens":[TokenView...],"next":null}
//	POST   /api/v1/tokens {"user","label"}   → 201 TokenView with "token" (shown once)
//	DELETE /api/v1/tokens/ID                 → 204

func (s *Server) apiMe(r *http.Request, c *Call) (int, any, error) {
	roles := c.Actor.Roles
	if roles == nil {
		roles = []tickets.Role{}
	}
	return http.StatusOK, map[string]any{"name": c.Actor.Name, "roles": roles}, nil
}

func (s *Server) apiListUsers(r *http.Request, c *Call) (int, any, error) {
	us, err := s.accounts.ListUsers(r.Context(), c.Actor)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"users": us, "next": nil}, nil
}

// setupLinkBody is a new setup link in an answer.
type setupLinkBody struct {
	User    *desk.UserView `json:"user,omitempty"`
	Link    *string        `json:"setup_link"`
	Expires any            `json:"setup_expires"`
}

func (s *Server) linkBody(u *desk.UserView, link *desk.SetupSecret) setupLinkBody {
	b := setupLinkBody{User: u}
	if link != nil {
		l := s.BaseURL() + desk.SetupPath(link.Token)
		b.Link, b.Expires = &l, link.Expires
	}
	return b
}

func (s *Server) apiAddUser(r *http.Request, c *Call) (int, any, error) {
	var nu desk.NewUser
	if err := decodeJSON(r, &nu); err != nil {
		return 0, nil, err
	}
	u, link, err := s.accounts.AddUser(r.Context(), c.Actor, nu)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, s.linkBody(&u, link), nil
}

func (s *Server) apiGetUser(r *http.Request, c *Call) (int, any, error) {
	u, err := s.accounts.GetUser(r.Context(), c.Actor, r.PathValue("name"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, u, nil
}

func (s *Server) apiUpdateUser(r *http.Request, c *Call) (int, any, error) {
	var up desk.UserUpdate
	if err := decodeJSON(r, &up); err != nil {
		return 0, nil, err
	}
	u, err := s.accounts.UpdateUser(r.Context(), c.Actor, r.PathValue("name"), up)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, u, nil
}

func (s *Server) apiResetLink(r *http.Request, c *Call) (int, any, error) {
	link, err := s.accounts.ResetLink(r.Context(), c.Actor, r.PathValue("name"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, s.linkBody(nil, link), nil
}

func (s *Server) apiListTokens(r *http.Request, c *Call) (int, any, error) {
	ts, err := s.accounts.ListTokens(r.Context(), c.Actor)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"tokens": ts, "next": nil}, nil
}

func (s *Server) apiCreateToken(r *http.Request, c *Call) (int, any, error) {
	var in struct {
		User  string `json:"user"`
		Label string `json:"label"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	t, err := s.accounts.CreateToken(r.Context(), c.Actor, in.User, in.Label)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, t, nil
}

func (s *Server) apiRevokeToken(r *http.Request, c *Call) (int, any, error) {
	if err := s.accounts.RevokeToken(r.Context(), c.Actor, r.PathValue("id")); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}
