package web

import (
	"net/http"

	"github.com/intake-mail/intake/desk"
)

// The report and one's notification settings over the API:
//
//	GET /api/v1/report?since=&until=&period=week|month[&format=csv]
//	                                   → desk.Report (privacy or admin), or its CSV
//	GET /api/v1/me/notifications       → {"user","email","new_ticket","followup","queues","domains"}
//	PUT /api/v1/me/notifications {"email","new_ticket","followup","queues"} → the same

// csvAnswer sends a report as its CSV.
type csvAnswer struct {
	rep *desk.Report
	f   reportForm
}

func (a csvAnswer) answer(w http.ResponseWriter, r *http.Request) { writeReportCSV(w, a.rep, a.f) }

func (s *Server) apiReport(r *http.Request, c *Call) (int, any, error) {
	v := r.URL.Query()
	if v.Get("since") == "" || v.Get("until") == "" {
		return 0, nil, badParam("since and until are required (2026-01-01)")
	}
	f, q, problem := s.parseReportQuery(v)
	if problem != "" {
		return 0, nil, badParam("%s", problem)
	}
	rep, err := s.desk.Report(r.Context(), c.Actor, q)
	if err != nil {
		return 0, nil, err
	}
	switch v.Get("format") {
	case "", "json":
		return http.StatusOK, rep, nil
	case "csv":
		return http.StatusOK, csvAnswer{rep, f}, nil
	}
	return 0, nil, badParam("format is json or csv")
}

func (s *Server) apiNotifySettings(r *http.Request, c *Call) (int, any, error) {
	v, err := s.desk.NotifySettings(r.Context(), c.Actor)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}

func (s *Server) apiSetNotifySettings(r *http.Request, c *Call) (int, any, error) {
	var ch desk.NotifyChange
	if err := decodeJSON(r, &ch); err != nil {
		return 0, nil, err
	}
	v, err := s.desk.SetNotifySettings(r.Context(), c.Actor, ch)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}
