package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// The quarantine (privacy role) and the audit log (admin) over the API,
// as DESIGN.md gives them. An account without the role gets 403 before
// anything is read, whatever other roles it has:
//
//	GET    /api/v1/quarantine?state=&limit=    → {"items":[QuarantineItem...],"next":null}
//	GET    /api/v1/quarantine/ID               → QuarantineItem
//	GET    /api/v1/quarantine/ID/sealed        → the age ciphertext (audited: quarantine.fetch)
//	POST   /api/v1/quarantine/ID/open {"opened":bool,"reason":CODE} → 204 (audited: quarantine.open / open_failed)
//	POST   /api/v1/quarantine/ID/release {"where","filename","content_type","content":BASE64}
//	                                           → {"item","ref","where","parts":[masked],"files","findings"}
//	PUT    /api/v1/quarantine/ID/hold          → QuarantineItem, under a legal hold
//	DELETE /api/v1/quarantine/ID/hold          → QuarantineItem, the hold lifted
//	DELETE /api/v1/quarantine/ID               → QuarantineItem, purged
//	GET    /api/v1/audit?actor=&action=&ref=&since=&until=&limit=&cursor= → {"events":[...],"next":CURSOR|null}
//	GET    /api/v1/audit/verify                → {"ok","events","problems",...}: the chain walked

func itemID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return uuid.Nil, &desk.Error{Status: http.StatusNotFound, Code: desk.CodeNotFound, Message: "no such quarantine item"}
	}
	return id, nil
}

func (s *Server) apiListQuarantine(r *http.Request, c *Call) (int, any, error) {
	q := desk.QuarantineQuery{State: tickets.QuarantineState(r.URL.Query().Get("state"))}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return 0, nil, badParam("limit must be a whole number")
		}
		q.Limit = n
	}
	items, err := s.desk.ListQuarantine(r.Context(), c.Actor, q)
	if err != nil {
		return 0, nil, err
	}
	if items == nil {
		items = []tickets.QuarantineItem{}
	}
	return http.StatusOK, map[string]any{"items": items, "next": nil}, nil
}

func (s *Server) apiGetQuarantine(r *http.Request, c *Call) (int, any, error) {
	id, err := itemID(r)
	if err != nil {
		return 0, nil, err
	}
	it, err := s.desk.GetQuarantine(r.Context(), c.Actor, id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, it, nil
}

// sealedAnswer sends an item's ciphertext as a download: opening it takes
// the identity, which is held offline (intake quarantine open).
type sealedAnswer struct{ it *tickets.QuarantineItem }

func (a sealedAnswer) answer(w http.ResponseWriter, r *http.Request) {
	serveAttachment(w, r, &tickets.Attachment{Name: a.it.ID.String() + ".age", ContentType: "application/octet-stream", Content: a.it.Sealed})
}

func (s *Server) apiFetchSealed(r *http.Request, c *Call) (int, any, error) {
	id, err := itemID(r)
	if err != nil {
		return 0, nil, err
	}
	it, err := s.desk.FetchSealed(r.Context(), c.Actor, id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, sealedAnswer{it}, nil
}

// maxReleaseJSON bounds a release: the part, base64, and its names.
const maxReleaseJSON = 48 << 20

func (s *Server) apiRelease(r *http.Request, c *Call) (int, any, error) {
	id, err := itemID(r)
	if err != nil {
		return 0, nil, err
	}
	var p desk.PartRelease
	if err := decodeJSONMax(r, &p, maxReleaseJSON); err != nil {
		return 0, nil, err
	}
	rel, err := s.desk.ReleasePart(r.Context(), c.Actor, id, p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, rel, nil
}

func (s *Server) apiRecordOpen(r *http.Request, c *Call) (int, any, error) {
	id, err := itemID(r)
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		Opened bool   `json:"opened"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return 0, nil, err
	}
	if err := s.desk.RecordOpen(r.Context(), c.Actor, id, body.Opened, body.Reason); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *Server) apiHold(r *http.Request, c *Call) (int, any, error) {
	id, err := itemID(r)
	if err != nil {
		return 0, nil, err
	}
	it, err := s.desk.SetLegalHold(r.Context(), c.Actor, id, r.Method == http.MethodPut)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, it, nil
}

func (s *Server) apiPurge(r *http.Request, c *Call) (int, any, error) {
	id, err := itemID(r)
	if err != nil {
		return 0, nil, err
	}
	it, err := s.desk.Purge(r.Context(), c.Actor, id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, it, nil
}

func (s *Server) apiListAudit(r *http.Request, c *Call) (int, any, error) {
	v := r.URL.Query()
	q := desk.AuditQuery{Actor: v.Get("actor"), Action: v.Get("action"), Ref: v.Get("ref"), Cursor: v.Get("cursor")}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return 0, nil, badParam("limit must be a whole number from 1 to 1000")
		}
		q.Limit = n
	}
	for name, to := range map[string]*time.Time{"since": &q.Since, "until": &q.Until} {
		if val := v.Get(name); val != "" {
			t, err := time.Parse(time.RFC3339, val)
			if err != nil {
				return 0, nil, badParam("%s must be a time like 2026-01-02T15:04:05Z", name)
			}
			*to = t
		}
	}
	page, err := s.desk.ListAudit(r.Context(), c.Actor, q)
	if err != nil {
		return 0, nil, err
	}
	if page.Events == nil {
		page.Events = []tickets.AuditEvent{}
	}
	return http.StatusOK, page, nil
}

func (s *Server) apiVerifyAudit(r *http.Request, c *Call) (int, any, error) {
	rep, err := s.desk.VerifyAudit(r.Context(), c.Actor)
	if err != nil {
		return 0, nil, err
	}
	problems := rep.Problems
	if problems == nil {
		problems = []string{}
	}
	return http.StatusOK, verifyBody{OK: rep.OK, Events: rep.Events, Problems: problems, Anchors: rep.Anchors,
		Tickets: rep.Tickets, Messages: rep.Messages, Items: rep.Items}, nil
}

// verifyBody is tickets.VerifyReport as the API spells it.
type verifyBody struct {
	OK       bool     `json:"ok"`
	Events   int64    `json:"events"`
	Problems []string `json:"problems"`
	Anchors  int      `json:"anchors"`
	Tickets  int64    `json:"tickets"`
	Messages int64    `json:"messages"`
	Items    int64    `json:"items"`
}
