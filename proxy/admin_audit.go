package proxy

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/store/audit"
)

// auditFindTimeout bounds one search of the trail.
const auditFindTimeout = 5 * time.Second

// AuditAnswer is what GET /audit answers: the tenant and its entries, newest first.
type AuditAnswer struct {
	Domain  string        `json:"domain"`
	Entries []audit.Entry `json:"entries"`
}

// serveAudit answers GET /audit?domain=D[&user=EMAIL|NAME][&id=N][&since=24h|RFC3339][&limit=N] with
// the tenant's audit entries, for the operator holding the admin token (see requireAdmin).
func (s *Server) serveAudit(c echo.Context) error {
	r := c.Request()
	bad := func(msg string) error { return c.JSON(http.StatusBadRequest, map[string]string{"status": msg}) }
	if s.opts.Audit == nil {
		return c.JSON(http.StatusNotFound, map[string]string{"status": "this fsscim keeps no audit trail"})
	}
	params := r.URL.Query()
	domain, err := config.NormaliseDomain(params.Get("domain"))
	if err != nil {
		return bad("domain: " + err.Error())
	}
	q := audit.Query{Tenant: domain, User: params.Get("user")}
	if v := params.Get("id"); v != "" {
		if q.ID, err = strconv.ParseInt(v, 10, 64); err != nil || q.ID <= 0 {
			return bad("id: " + strconv.Quote(v) + " is not a Freshservice id")
		}
	}
	if v := params.Get("limit"); v != "" {
		if q.Limit, err = strconv.Atoi(v); err != nil || q.Limit <= 0 || q.Limit > audit.MaxLimit {
			return bad("limit: give a number from 1 to " + strconv.Itoa(audit.MaxLimit))
		}
	}
	if v := params.Get("since"); v != "" {
		if q.Since, err = parseSince(v, s.opts.Now()); err != nil {
			return bad("since: " + err.Error())
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), auditFindTimeout)
	defer cancel()
	entries, err := s.opts.Audit.Find(ctx, q)
	if err != nil {
		requestScope(r).log.Error("could not read the audit trail", zap.String("tenant", domain), zap.Error(err))
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "the audit trail could not be read; see fsscim's log"})
	}
	if entries == nil {
		entries = []audit.Entry{}
	}
	return c.JSON(http.StatusOK, AuditAnswer{Domain: domain, Entries: entries})
}

// parseSince reads a lower time bound: a time (RFC 3339) or how long ago (24h, 7d).
func parseSince(v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := config.ParseDays(v)
	if err != nil {
		return time.Time{}, err
	}
	return now.Add(-d), nil
}
