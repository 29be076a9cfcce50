package proxy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/proxy/clientaddr"
)

// Messages for failed authentication are deliberately alike: a caller learns nothing about which
// part of its token was wrong. The log says more, without the token.
const (
	detailNoToken        = "Authorization: Bearer <token> is required. Paste the token printed by `fsscim token issue` into Entra's Secret Token field."
	detailBadToken       = "The bearer token is not valid for this fsscim server."
	detailSlowDown       = "Too many failed authentication attempts from this client; retry later."
	authFailLimit        = 10
	authFailLimitAddress = 200
	authFailWindow       = time.Minute
	authFailClients      = 10000
)

// detailTokensHeld and detailTenantNotServed tell the holder of a valid token why it is refused, and
// who can act. They tell nothing to anyone else: only a token sealed by this server gets this far.
const (
	detailTokensHeld      = "Tokens for this tenant are refused until the fsscim administrator corrects tokens_not_before in its tenant file."
	detailTenantNotServed = "This fsscim server does not serve the Freshservice account %s this token was issued for: it has no tenant file for it (the file was removed, or was never accepted). Ask the fsscim administrator to restore the tenant file, or turn off provisioning in this app."
)

// authenticate opens the bearer token, finds the tenant by the domain sealed in it, and puts the
// tenant and its Freshservice client in the request scope.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		sc := requestScope(r)
		client := s.authLim.clientOf(r)
		// Entra's requests for many tenants come from the same addresses, so one tenant with a revoked
		// token must not lock out the others: a token that keeps failing is limited on its own, and an
		// address only when it fails with many different tokens (guessing).
		tokenKey := client + "|" + shortHash(r.Header.Get("Authorization"))
		// Only failures are limited, after the token was looked at: opening it costs microseconds, and
		// a valid token is never refused for what others did from its (shared) address.
		reject := func(detail, why string) error {
			if wait := s.authLim.refuse(tokenKey, client); wait > 0 {
				writeSCIMError(c.Response(), scimError(http.StatusTooManyRequests, "", detailSlowDown), wait)
				return nil
			}
			sc.log.Warn("authentication failed", zap.String("reason", why), zap.String("remote", c.RealIP()))
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="fsscim"`)
			writeSCIMError(c.Response(), scimError(http.StatusUnauthorized, "", "%s", detail), 0)
			return nil
		}

		h := r.Header.Get("Authorization")
		scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
		if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return reject(detailNoToken, "no bearer token")
		}
		claims, t, refused := s.openToken(strings.TrimSpace(token))
		if refused == errNotLoaded {
			writeSCIMError(c.Response(), scimError(http.StatusServiceUnavailable, "", "fsscim is starting: its tenant folder is not loaded yet."), 5*time.Second)
			return nil
		}
		if refused != nil {
			return reject(refused.detail, refused.why)
		}
		tenant := s.tenants.Tenant(t)
		log := sc.log.WithLazy(zap.String("tenant", t.Domain))
		session, err := tenant.Session(claims.APIKey, sc.requestID, log)
		if err != nil {
			return err
		}
		session.NoteRequest(r.Method, r.URL.Path)
		sc.tenant, sc.session, sc.log = tenant, session, log
		s.authLim.succeed(tokenKey)
		return next(c)
	}
}

// tokenRefusal says why a bearer token is refused: detail for its holder, why for the log.
type tokenRefusal struct{ detail, why string }

// errNotLoaded is openToken's answer before the tenant folder is loaded: not the token's fault.
var errNotLoaded = &tokenRefusal{why: "tenant folder not loaded yet"}

// openToken opens a bearer token and finds its tenant, as every SCIM request and every sign-in to
// the tenant's page do.
func (s *Server) openToken(token string) (config.Claims, *config.Tenant, *tokenRefusal) {
	claims, err := s.opts.Keys.Open(token)
	if err != nil {
		return config.Claims{}, nil, &tokenRefusal{detailBadToken, "token does not open with any server key"}
	}
	set := s.opts.Tenants()
	if set == nil {
		return config.Claims{}, nil, errNotLoaded
	}
	t, ok := set.Lookup(claims.Domain)
	switch {
	case !ok:
		return config.Claims{}, nil, &tokenRefusal{fmt.Sprintf(detailTenantNotServed, claims.Domain), "no tenant file for the token's domain " + claims.Domain}
	case t.TokensRefused:
		return config.Claims{}, nil, &tokenRefusal{detailTokensHeld, "the tenant file's tokens_not_before does not parse; every token is refused until it does (" + t.Domain + ")"}
	case !t.TokenAllowed(claims.IssuedAt):
		return config.Claims{}, nil, &tokenRefusal{detailBadToken, "token issued before the tenant's tokens_not_before (" + t.Domain + ")"}
	}
	return claims, t, nil
}

// authLimiter slows down a client that keeps failing authentication: after authFailLimit failures in
// authFailWindow its further failures are answered 429, so guessing tokens is slow and cheap for
// fsscim, while its valid tokens still pass.
type authLimiter struct {
	now func() time.Time
	// clientOf names the caller for the limits: the client address, or its /64 for IPv6 (see
	// clientaddr), believing forwarding headers only from the trusted proxies.
	clientOf func(*http.Request) string
	mu       sync.Mutex
	failures *lru.Cache[string, *authFailures]
}

type authFailures struct {
	count int
	since time.Time
}

func newAuthLimiter(now func() time.Time, clients *clientaddr.Resolver) *authLimiter {
	c, _ := lru.New[string, *authFailures](authFailClients)
	clientOf := func(r *http.Request) string { return clientaddr.Key(clients.Client(r)) }
	return &authLimiter{now: now, clientOf: clientOf, failures: c}
}

// refuse counts a failure of the token (by tokenKey) and of its client, or, when either is already
// over its limit, counts nothing and returns how long the client must wait.
func (l *authLimiter) refuse(tokenKey, client string) time.Duration {
	if wait := max(l.blocked(tokenKey, authFailLimit), l.blocked(client, authFailLimitAddress)); wait > 0 {
		return wait
	}
	l.fail(tokenKey)
	l.fail(client)
	return 0
}

func (l *authLimiter) blocked(client string, limit int) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.failures.Get(client)
	if !ok {
		return 0
	}
	elapsed := l.now().Sub(f.since)
	if elapsed >= authFailWindow {
		l.failures.Remove(client)
		return 0
	}
	if f.count >= limit {
		return authFailWindow - elapsed
	}
	return 0
}

func (l *authLimiter) fail(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.failures.Get(client)
	if !ok || l.now().Sub(f.since) >= authFailWindow {
		l.failures.Add(client, &authFailures{count: 1, since: l.now()})
		return
	}
	f.count++
}

func (l *authLimiter) succeed(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures.Remove(client)
}

// shortHash names a secret in a map key without keeping the secret itself.
func shortHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:8])
}
