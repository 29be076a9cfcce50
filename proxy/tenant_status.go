package proxy

import (
	"context"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/proxy/status"
)

// Statuses is the status of every tenant of the tenant folder, sorted by domain: each served tenant,
// and each file that serves nothing because it was refused.
func (s *Server) Statuses(ctx context.Context) []status.Tenant {
	now := s.opts.Now()
	files := s.fileStates()
	set := s.opts.Tenants()
	out := make([]status.Tenant, 0, set.Len())
	for _, cfg := range set.All() {
		out = append(out, s.tenantStatus(cfg, files, now))
	}
	for _, f := range files {
		if !f.Served {
			out = append(out, rejectedStatus(f, now))
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Domain != out[j].Domain {
			return out[i].Domain < out[j].Domain
		}
		return out[i].File < out[j].File
	})
	return out
}

// Status is the status of one tenant, by domain (in any case): the served tenant, or else the refused
// file that names it. ok is false when no tenant file names the domain.
func (s *Server) Status(ctx context.Context, domain string) (status.Tenant, bool) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	now := s.opts.Now()
	files := s.fileStates()
	if cfg, ok := s.opts.Tenants().Lookup(domain); ok {
		return s.tenantStatus(cfg, files, now), true
	}
	for _, f := range files {
		if !f.Served && f.Domain == domain {
			return rejectedStatus(f, now), true
		}
	}
	return status.Tenant{}, false
}

// fileStates is the state of each tenant file by name, as the watcher last saw the folder.
func (s *Server) fileStates() map[string]config.FileStatus {
	if s.opts.Files == nil {
		return nil
	}
	files := s.opts.Files()
	out := make(map[string]config.FileStatus, len(files))
	for _, f := range files {
		out[f.File] = f
	}
	return out
}

// tenantStatus puts together a served tenant's status from its file, its runtime (when a request
// made one) and its tracker (when it has called). A tenant that never called allocates nothing
// beyond the answer.
func (s *Server) tenantStatus(cfg *config.Tenant, files map[string]config.FileStatus, now time.Time) status.Tenant {
	st := status.Tenant{
		Domain:    cfg.Domain,
		File:      filepath.Base(cfg.File),
		FileState: status.FileCurrent,
		DryRun:    cfg.DryRun,
		Key:       status.KeyUnchecked,
		Budget:    status.Budget{Limit: cfg.RateLimit.PerMinute, Left: -1},
	}
	if f, ok := files[st.File]; ok && f.Problem != "" {
		st.FileState, st.FileError = status.FileLastGood, f.Problem
	}
	if rt, ok := s.tenants.Lookup(cfg.Domain); ok {
		ks := rt.KeyStatus()
		st.KeyCheckedAt, st.KeyOwner = ks.CheckedAt, ks.Owner
		switch {
		case ks.CheckedAt.IsZero():
		case ks.Rejected:
			st.Key = status.KeyRejected
		case ks.NotAdmin:
			st.Key = status.KeyNotAdmin
		default:
			st.Key = status.KeyWorking
		}
		st.Budget.Limit, st.Budget.Left = rt.BudgetLimit(), rt.BudgetRemaining()
		if st.Budget.Limit > 0 && st.Budget.Left >= 0 {
			st.Budget.Used = max(st.Budget.Limit-st.Budget.Left, 0)
		}
		ds := rt.DirectoryStatus()
		st.Directory = status.Directory{Built: ds.Built, Users: ds.Users, Groups: ds.Groups, RefreshedAt: ds.RefreshedAt,
			Stale: ds.Built && now.Sub(ds.RefreshedAt) > ds.MaxStaleness}
	}
	if tr, ok := s.trackers.Lookup(cfg.Domain); ok {
		tr.Fill(&st, now)
	} else {
		status.Idle(&st, now)
	}
	st.Up = st.Key != status.KeyRejected && !cfg.TokensRefused
	return st
}

// rejectedStatus is the status of a file that serves nothing: it was refused and has no last good
// version.
func rejectedStatus(f config.FileStatus, now time.Time) status.Tenant {
	st := status.Tenant{Domain: f.Domain, File: f.File, FileState: status.FileRejected, FileError: f.Problem,
		Key: status.KeyUnchecked, Budget: status.Budget{Left: -1}}
	status.Idle(&st, now)
	return st
}

// adminTokenMissing tells the operator how to turn the operator endpoints on.
const adminTokenMissing = "no admin token is configured, so the status API is off: create one with " +
	"`fsscim token new-key > admin-token && chmod 600 admin-token` and start fsscim with --admin-token-file admin-token " +
	"(or FSSCIM_ADMIN_TOKEN_FILE)"

// requireAdmin lets a request through when it carries the admin token: 403 when none is configured
// (saying how to), 401 when it does not carry it.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.opts.AdminToken == nil {
			return c.JSON(http.StatusForbidden, map[string]string{"status": adminTokenMissing})
		}
		if err := s.opts.AdminToken.Check(c.Request()); err != nil {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="fsscim admin"`)
			return c.JSON(http.StatusUnauthorized, map[string]string{"status": err.Error()})
		}
		return next(c)
	}
}

// serveStatuses answers GET /status: every tenant's status.
func (s *Server) serveStatuses(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"tenants": s.Statuses(c.Request().Context())})
}

// serveStatus answers GET /status/{domain}.
func (s *Server) serveStatus(c echo.Context) error {
	st, ok := s.Status(c.Request().Context(), c.Param("domain"))
	if !ok {
		return c.JSON(http.StatusNotFound, map[string]string{"status": "no tenant file names this domain"})
	}
	return c.JSON(http.StatusOK, st)
}

// tenantUpCollector reports, at scrape time, whether each tenant of the tenant folder serves and
// when its latest request came. It keeps nothing per tenant: the values are read from the runtimes
// and trackers that exist.
type tenantUpCollector struct{ s *Server }

var (
	tenantUpGauge = newTenantGauge("fsscim_tenant_up",
		"1 while the tenant is served: its file is loaded and Freshservice has not refused its API key; else 0.")
	tenantLastRequestGauge = newTenantGauge("fsscim_tenant_last_request_timestamp_seconds",
		"When the tenant's latest SCIM request was answered (Unix seconds); absent for a tenant that has not called since start.")
)

func (c tenantUpCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- tenantUpGauge.desc
	ch <- tenantLastRequestGauge.desc
}

func (c tenantUpCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	for _, cfg := range s.opts.Tenants().All() {
		up := 1.0
		if rt, ok := s.tenants.Lookup(cfg.Domain); cfg.TokensRefused || ok && rt.KeyStatus().Rejected {
			up = 0
		}
		ch <- tenantUpGauge.value(up, cfg.Domain)
		if tr, ok := s.trackers.Lookup(cfg.Domain); ok {
			if at := tr.LastRequest(); !at.IsZero() {
				ch <- tenantLastRequestGauge.value(float64(at.UnixNano())/1e9, cfg.Domain)
			}
		}
	}
}
