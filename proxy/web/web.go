// Package web serves fsscim's pages: the customer's status page and the self-service enrollment at
// /app on the SCIM listener, and the operator console at /console on the admin listener. Pages are
// rendered on the server from embedded templates (charts are inline SVG), work without JavaScript,
// and never show, log or put in a URL a bearer token or an API key, except the one token an
// enrollment issues, shown once.
package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy/status"
	"github.com/fsscim/fsscim/store/audit"
)

// Tenants answers what the pages show of each tenant.
type Tenants interface {
	Status(ctx context.Context, domain string) (status.Tenant, bool)
	Statuses(ctx context.Context) []status.Tenant
}

// Identity is who signed in to /app: a tenant, through its own bearer token.
type Identity struct {
	Domain string
	APIKey string // kept in the session's memory only, never rendered
}

// ErrSlowDown is what a sign-in check returns while the client is throttled for failed attempts.
var ErrSlowDown = errors.New("too many failed sign-in attempts from this address; wait a minute and try again")

// ErrNotReady is what a sign-in check returns before the tenant folder is loaded.
var ErrNotReady = errors.New("fsscim is starting: try again in a few seconds")

// LinkClaims keeps which enrollment links were used (see store.LinkClaims).
type LinkClaims interface {
	LinkUsed(ctx context.Context, id string) (bool, error)
	ClaimLink(ctx context.Context, id string, expires time.Time) (bool, error)
}

// Deps is what the pages need from the server.
type Deps struct {
	Tenants Tenants
	// Audit is the audit trail; nil shows the trail as not kept.
	Audit audit.Log
	// SignIn checks a tenant's bearer token as the SCIM listener does, with the same throttle on
	// failures. An error other than ErrSlowDown and ErrNotReady is a refusal whose text may be shown.
	SignIn func(r *http.Request, token string) (Identity, error)
	// AdminSignIn checks the admin token, throttled as SignIn is.
	AdminSignIn func(r *http.Request, token string) error

	// What an enrollment needs: the keys that seal links and tokens, the tenant files, the used links,
	// and the check of an API key with Freshservice (valid, an account admin's), whose error text is
	// shown to the customer.
	Keys      *config.Keyring
	TenantSet func() *config.TenantSet
	Links     LinkClaims
	VerifyKey func(ctx context.Context, t *config.Tenant, apiKey string) (freshservice.KeyAccess, error)

	Log *zap.Logger
	Now func() time.Time
	// SessionTTL is how long a sign-in lasts (default 8 hours); MaxSessions bounds the sessions kept
	// (default 10,000; the least recently used goes first).
	SessionTTL  time.Duration
	MaxSessions int
}

// Server holds the pages' state: the signed-in sessions and the parsed templates.
type Server struct {
	d        Deps
	pages    *pages
	app      *sessions
	console  *sessions
	appMux   http.Handler
	adminMux http.Handler
}

// New builds the pages.
func New(d Deps) (*Server, error) {
	if d.Tenants == nil || d.SignIn == nil || d.AdminSignIn == nil {
		return nil, errors.New("web: Tenants, SignIn and AdminSignIn are required")
	}
	if d.Log == nil {
		d.Log = zap.NewNop()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.SessionTTL <= 0 {
		d.SessionTTL = 8 * time.Hour
	}
	if d.MaxSessions <= 0 {
		d.MaxSessions = 10000
	}
	p, err := parsePages(d.Log)
	if err != nil {
		return nil, err
	}
	s := &Server{d: d, pages: p,
		app:     newSessions("fsscim_app", "/app", d.SessionTTL, d.MaxSessions, d.Now),
		console: newSessions("fsscim_console", "/console", d.SessionTTL, d.MaxSessions, d.Now)}
	s.appMux = s.appRoutes()
	s.adminMux = s.consoleRoutes()
	return s, nil
}

// App is the handler of /app and everything under it, for the SCIM listener.
func (s *Server) App() http.Handler { return s.serve(s.appMux) }

// Console is the handler of /console and everything under it, for the admin listener.
func (s *Server) Console() http.Handler { return s.serve(s.adminMux) }

// Serves reports whether path belongs to the pages of the given prefix ("/app" or "/console").
func Serves(prefix, path string) bool {
	return path == prefix || len(path) > len(prefix) && path[:len(prefix)+1] == prefix+"/"
}

// serve sets the headers every page carries and writes the access line.
func (s *Server) serve(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started := s.d.Now()
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Frame-Options", "DENY")
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		s.d.Log.Info("page request",
			zap.String("method", r.Method),
			zap.String("path", logPath(r.URL.Path)),
			zap.Int("status", rec.status),
			zap.Duration("duration", s.d.Now().Sub(started)),
			zap.String("remote", r.RemoteAddr))
	})
}

// logPath keeps an enrollment link out of the log: whoever holds it can enroll the tenant.
func logPath(p string) string {
	const enroll = "/app/enroll/"
	if len(p) > len(enroll) && p[:len(enroll)] == enroll {
		return enroll + "[link]"
	}
	return p
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
