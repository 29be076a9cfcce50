// Package proxy is fsscim's HTTP surface: the echo server and its middleware, authentication of the
// bearer tokens, one route per SCIM operation (decode, call provisioning, write the answer), discovery
// documents, and the admin listener's health, readiness and metrics endpoints. What clients send is put
// in standard form by proxy/dialect; what each operation does in Freshservice is proxy/provision's.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy/clientaddr"
	"github.com/fsscim/fsscim/proxy/provision"
	"github.com/fsscim/fsscim/proxy/status"
	"github.com/fsscim/fsscim/proxy/web"
	"github.com/fsscim/fsscim/store"
	"github.com/fsscim/fsscim/store/audit"
	"github.com/fsscim/fsscim/store/budget"
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
	// KeyCheckInterval is how long Freshservice's acceptance of an API key is trusted (at most, and
	// by default, a minute: a revoked key stops the reads answered from the directory replica within
	// it). Every answer Freshservice gives the key renews it.
	KeyCheckInterval time.Duration
	// ReplicaTick is how often tenants' directory replicas are saved in the background and their due
	// refreshes started (default 5 seconds). How stale a replica may get is each tenant's
	// directory.max_staleness.
	ReplicaTick time.Duration
	// Backoff between GET retries (tests pass a zero one).
	Backoff func(attempt int) time.Duration
	// NewBudget makes a tenant's rate budget when the tenant is first seen (the binary: one shared
	// through Redis); nil, or a nil result, gives the tenant an in-process budget.
	NewBudget func(t *config.Tenant, maxWait time.Duration) budget.Budget
	// TrustedProxies are the reverse proxies (load balancers, ingresses) whose X-Forwarded-For names
	// the client, for the access log and the limits on failed authentication; none by default.
	TrustedProxies []netip.Prefix
	// Ready reports readiness beyond the tenant snapshot (e.g. the data dir); nil = always.
	Ready func(ctx context.Context) error
	// AdminToken guards the admin listener's operator endpoints; nil (none configured) refuses them.
	AdminToken *config.AdminToken
	// Links keeps which enrollment links were used; nil uses the Store when it keeps them (bbolt).
	// Replicas sharing Redis pass store.RedisLinks, so that a link works once across all of them.
	Links web.LinkClaims
	// Audit keeps the trail of every write to Freshservice; nil keeps none.
	Audit audit.Log
	// Files reports the state of each file of the tenant folder after its latest load (the
	// watcher's); nil: every served tenant's file counts as current.
	Files func() []config.FileStatus
	// KeyWatch ticks the background check of active tenants' API keys (tests); nil: a ticker every
	// KeyCheckInterval.
	KeyWatch <-chan time.Time
	Now      func() time.Time
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
		o.KeyCheckInterval = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// Server is the fsscim HTTP server.
type Server struct {
	opts     Options
	log      *zap.Logger
	clients  *clientaddr.Resolver
	echo     *echo.Echo // the SCIM listener's routes
	admin    *echo.Echo // the admin listener's routes
	tenants  *provision.Registry
	surfaces *surfaces
	authLim  *authLimiter
	metrics  *metrics
	trackers *status.Trackers // what each tenant that called did, for its status
	pages    *web.Server
}

// New builds the server and its routes.
func New(opts Options) (*Server, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger, clients: clientaddr.New(opts.TrustedProxies), trackers: status.NewTrackers()}
	s.metrics = newMetrics(s)
	s.tenants = provision.NewRegistry(provision.Deps{
		Store:            opts.Store,
		StoreReady:       s.storeReady,
		Log:              opts.Logger,
		Now:              opts.Now,
		Transport:        opts.Transport,
		UpstreamTimeout:  opts.UpstreamTimeout,
		RequestTimeout:   opts.RequestTimeout,
		KeyCheckInterval: opts.KeyCheckInterval,
		KeyWatch:         opts.KeyWatch,
		ReplicaTick:      opts.ReplicaTick,
		Backoff:          opts.Backoff,
		NewBudget:        s.newBudget,
		ObserveCall: func(domain string, ci freshservice.CallInfo) {
			s.metrics.observeCall(domain, ci)
			s.trackCall(domain, ci)
		},
		ObserveLookup: s.metrics.observeLookup,
		Audit:         opts.Audit,
		AuditFailed:   s.metrics.observeAuditFailure,
	})
	s.surfaces = newSurfaces(opts.Logger)
	s.authLim = newAuthLimiter(opts.Now, s.clients)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// The access log names the same client as the auth slowdown: forwarding headers count only from
	// the trusted proxies.
	e.IPExtractor = s.clientIP
	e.HTTPErrorHandler = s.httpError
	e.Pre(normalisePath)
	e.Use(s.requestScope, s.accessLog, s.recoverPanics, bodyLimit(maxBodyBytes))

	// Liveness only: readiness and metrics live on the admin listener (AdminHandler), which the
	// internet does not reach.
	e.GET("/healthz", s.healthz)

	s.scimRoutes(e)
	s.echo = e
	s.admin = s.newAdminEcho()
	pages, err := s.newPages()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	return s, nil
}

// clientIP is the client's address as the access log shows it.
func (s *Server) clientIP(r *http.Request) string {
	if a := s.clients.Client(r); a.IsValid() {
		return a.String()
	}
	return r.RemoteAddr
}

// Handler is the SCIM listener's HTTP handler: /scim/v2, a liveness /healthz, and the customers'
// pages under /app.
func (s *Server) Handler() http.Handler { return withPages("/app", s.pages.App(), s.echo) }

// Audit is the trail of the writes made to Freshservice, nil when none is kept.
func (s *Server) Audit() audit.Log {
	if s == nil {
		return nil
	}
	return s.opts.Audit
}

// Close stops background work (replica refreshes) and saves the replicas one last time.
func (s *Server) Close() { s.tenants.Close() }

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

// storeReady checks what /readyz checks of the data dir and the store; a write to Freshservice is
// refused while it fails.
func (s *Server) storeReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if s.opts.Ready != nil {
		if err := s.opts.Ready(ctx); err != nil {
			return err
		}
	}
	return s.opts.Store.Ping(ctx)
}

// maxBodyBytes bounds a request body: a SCIM resource or PATCH is a few kilobytes.
const maxBodyBytes = 1 << 20
