package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fsscim/fsscim/proxy/status"
	"github.com/fsscim/fsscim/store/audit"
)

// auditPageSize is how many audit entries a page shows; maxAuditPages bounds how far back paging
// goes (the retention keeps more, which `fsscim audit` reads).
const (
	auditPageSize = 50
	maxAuditPages = 200
	auditTimeout  = 5 * time.Second
)

// tenantView is the tenant page: the same for the customer (/app) and the operator (/console).
type tenantView struct {
	Page
	T      status.Tenant
	Totals dayTotals
	Chart  barChart
	Audit  auditView
	// Back links the console's detail page to its table; empty on /app.
	Back string
}

type auditView struct {
	Kept    bool
	Action  string // the search form's target (the page itself)
	User    string
	Entries []auditRow
	Page    int
	Newer   string
	Older   string
	Error   string
}

type auditRow struct {
	audit.Entry
	Subject string
	Changes string
}

func (s *Server) tenantView(ctx context.Context, r *http.Request, t status.Tenant, base string) tenantView {
	tot := totals(t.Activity)
	v := tenantView{T: t, Totals: tot, Chart: newBarChart(tot)}
	v.Audit = s.auditView(ctx, r, t.Domain, base)
	return v
}

func (s *Server) auditView(ctx context.Context, r *http.Request, domain, base string) auditView {
	q := r.URL.Query()
	user := strings.TrimSpace(q.Get("user"))
	if len(user) > 254 {
		user = user[:254]
	}
	n, _ := strconv.Atoi(q.Get("page"))
	n = min(max(n, 0), maxAuditPages-1)
	v := auditView{Kept: s.d.Audit != nil, Action: base, User: user, Page: n}
	if s.d.Audit == nil {
		return v
	}
	ctx, cancel := context.WithTimeout(ctx, auditTimeout)
	defer cancel()
	// The trail is read newest first up to the page asked for, and one more entry tells whether an
	// older page exists.
	entries, err := s.d.Audit.Find(ctx, audit.Query{Tenant: domain, User: user, Limit: (n+1)*auditPageSize + 1})
	if err != nil {
		v.Error = "The audit trail could not be read just now; reload the page in a moment."
		return v
	}
	from := min(n*auditPageSize, len(entries))
	to := min(from+auditPageSize, len(entries))
	for _, e := range entries[from:to] {
		v.Entries = append(v.Entries, auditRow{Entry: e, Subject: subject(e), Changes: changes(e.Changes)})
	}
	link := func(page int) string {
		vals := url.Values{}
		if user != "" {
			vals.Set("user", user)
		}
		if page > 0 {
			vals.Set("page", strconv.Itoa(page))
		}
		if len(vals) == 0 {
			return base
		}
		return base + "?" + vals.Encode()
	}
	if n > 0 {
		v.Newer = link(n - 1)
	}
	if len(entries) > to && n+1 < maxAuditPages {
		v.Older = link(n + 1)
	}
	return v
}

func subject(e audit.Entry) string {
	var parts []string
	if e.Email != "" {
		parts = append(parts, e.Email)
	}
	if e.Name != "" && e.Name != e.Email {
		parts = append(parts, e.Name)
	}
	if e.ID != 0 {
		parts = append(parts, e.Kind+" "+strconv.FormatInt(e.ID, 10))
	}
	return strings.Join(parts, " · ")
}

func changes(cs []audit.Change) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		parts = append(parts, c.Field+" = "+c.Value)
	}
	return strings.Join(parts, "; ")
}
