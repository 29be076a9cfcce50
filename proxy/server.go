// Package proxy is fsscim's HTTP surface: the echo server and its middleware, authentication of Entra's
// bearer tokens, the Entra normaliser in front of the SCIM library, the Users and Groups handlers, and
// the admin listener's health, readiness and metrics endpoints.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/store"
)

// Options wires a Server.
type Options struct {
	Tenants func() *config.TenantSet // the current tenant snapshot; nil result = not loaded yet
	Keys    *config.Keyring
	Store   store.Store
	Logger  *zap.Logger
	// Transport carries every Freshservice call (tests point it at the emulator; production leaves nil).
	Transport http.RoundTripper
	// UpstreamTimeout bounds each Freshservice HTTP attempt; RequestTimeout bounds a whole SCIM
	// request, well inside the 60 seconds Entra gives it.
	UpstreamTimeout time.Duration
	RequestTimeout  time.Duration
	// BudgetWait is how long a call may wait for rate budget before fsscim answers 429.
	BudgetWait time.Duration
	// KeyCheckInterval is how long Freshservice's acceptance of an API key is trusted.
	KeyCheckInterval time.Duration
	// IndexMaxAge is how often a tenant's directory index is rebuilt in the background. fsscim's own
	// writes keep the index current in between, so the rebuild only picks up changes made in
	// Freshservice directly; the default (an hour, longer than Entra's 40-minute cycle) keeps a long
	// first sync on a small plan from walking the whole directory again and again.
	IndexMaxAge time.Duration
	// Backoff between GET retries (tests pass a zero one).
	Backoff func(attempt int) time.Duration
	// NewBudget makes a tenant's rate budget when the tenant is first seen (the binary: one shared
	// through Redis); nil, or a nil result, gives the tenant an in-process budget.
	NewBudget func(t *config.Tenant, maxWait time.Duration) freshservice.Budget
	// Ready reports readiness beyond the tenant snapshot (e.g. the data dir); nil = always.
	Ready func(ctx context.Context) error
	// AdminToken guards the admin listener's operator endpoints; nil (none configured) refuses them.
	AdminToken *config.AdminToken
	Now        func() time.Time
}

func (o *Options) defaults() error {
	if o.Tenants == nil || o.Keys == nil || o.Store == nil {
		return errors.New("proxy: Tenants, Keys and Store are required")
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.UpstreamTimeout <= 0 {
		o.UpstreamTimeout = 15 * time.Second
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 45 * time.Second
	}
	if o.BudgetWait <= 0 {
		o.BudgetWait = 5 * time.Second
	}
	if o.KeyCheckInterval <= 0 {
		o.KeyCheckInterval = 5 * time.Minute
	}
	if o.IndexMaxAge <= 0 {
		o.IndexMaxAge = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// Server is the fsscim HTTP server.
type Server struct {
	opts    Options
	log     *zap.Logger
	echo    *echo.Echo
	admin   *echo.Echo // the admin listener's routes
	tenants *tenantRegistry
	authLim *authLimiter
	metrics *metrics
}

// New builds the server and its routes.
func New(opts Options) (*Server, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger}
	s.metrics = newMetrics(s)
	s.tenants = newTenantRegistry(s)
	s.authLim = newAuthLimiter(opts.Now)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// The access log names the same client as the auth slowdown: forwarding headers count only from
	// a reverse proxy on a trusted (loopback or private) address.
	e.IPExtractor = s.authLim.clientOf
	e.HTTPErrorHandler = s.httpError
	e.Pre(normalisePath)
	e.Use(s.requestScope, s.accessLog, s.recoverPanics, bodyLimit(1<<20))

	// Liveness only: readiness and metrics live on the admin listener (AdminHandler), which the
	// internet does not reach.
	e.GET("/healthz", s.healthz)

	scimGroup := e.Group("/scim/v2", s.authenticate, s.normalise)
	h := echo.HandlerFunc(s.serveSCIM)
	scimGroup.Any("", h)
	scimGroup.Any("/*", h)
	s.echo = e
	s.admin = s.newAdminEcho()
	return s, nil
}

// Handler is the SCIM listener's HTTP handler: /scim/v2 and a liveness /healthz.
func (s *Server) Handler() http.Handler { return s.echo }

// Close stops background work (index refreshes).
func (s *Server) Close() { s.tenants.close() }

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	if s.opts.Tenants() == nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "tenant folder not loaded yet"})
	}
	if s.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := s.opts.Ready(ctx); err != nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": err.Error()})
		}
	}
	if err := s.opts.Store.Ping(c.Request().Context()); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": fmt.Sprintf("data store unusable: %v", err)})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// serveSCIM hands the request to the tenant's SCIM library server, buffering its answer so that
// fsscim can replace what the library cannot say (429/503 with Retry-After).
func (s *Server) serveSCIM(c echo.Context) error {
	sc := requestScope(c.Request())
	rec := newBufferedResponse()
	sc.tenant.scim().ServeHTTP(rec, c.Request())
	w := c.Response()
	if o := sc.takeOverride(); o != nil {
		writeSCIMError(w, o.err, o.retryAfter)
		return nil
	}
	rec.copyTo(w)
	return nil
}

// observeCall returns the Freshservice call observer for a tenant (metrics hook).
func (s *Server) observeCall(domain string) func(freshservice.CallInfo) {
	return func(ci freshservice.CallInfo) { s.metrics.observeCall(domain, ci) }
}
