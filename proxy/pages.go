package proxy

import (
	"context"
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy/provision"
	"github.com/fsscim/fsscim/proxy/web"
)

// adminSignInKey names the console's sign-in failures in the auth limiter, apart from tokens'.
const adminSignInKey = "console|"

// newPages builds the web pages: /app on the SCIM listener, /console on the admin listener.
func (s *Server) newPages() (*web.Server, error) {
	links := s.opts.Links
	if links == nil {
		links, _ = s.opts.Store.(web.LinkClaims)
	}
	return web.New(web.Deps{
		Tenants:     s,
		SignIn:      s.pageSignIn,
		AdminSignIn: s.consoleSignIn,
		Keys:        s.opts.Keys,
		TenantSet:   s.opts.Tenants,
		Audit:       s.Audit(),
		Links:       links,
		VerifyKey: func(ctx context.Context, t *config.Tenant, apiKey string) (freshservice.KeyAccess, error) {
			return provision.CheckKey(ctx, t, apiKey, s.opts.Transport)
		},
		Log: s.log.Named("web"),
		Now: s.opts.Now,
	})
}

// withPages sends the pages' paths to the web pages and everything else to h.
func withPages(prefix string, pages, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if web.Serves(prefix, r.URL.Path) {
			pages.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// pageSignIn checks a tenant's bearer token posted to /app's sign-in form exactly as a SCIM request's
// is checked, and a refusal counts against the same limits: the form is no way round them.
func (s *Server) pageSignIn(r *http.Request, token string) (web.Identity, error) {
	client := s.authLim.clientOf(r)
	// The same key as a SCIM request carrying the token ("Bearer <token>"), so failures add up.
	tokenKey := client + "|" + shortHash("Bearer "+token)
	claims, t, refused := s.openToken(token)
	if refused == errNotLoaded {
		return web.Identity{}, web.ErrNotReady
	}
	if refused != nil {
		if s.authLim.refuse(tokenKey, client) > 0 {
			return web.Identity{}, web.ErrSlowDown
		}
		s.log.Warn("page sign-in failed", zap.String("reason", refused.why), zap.String("remote", r.RemoteAddr))
		return web.Identity{}, errors.New(refused.detail)
	}
	s.authLim.succeed(tokenKey)
	s.log.Info("page sign-in", zap.String("tenant", t.Domain), zap.String("remote", r.RemoteAddr))
	return web.Identity{Domain: t.Domain, APIKey: claims.APIKey}, nil
}

// consoleSignIn checks the admin token posted to /console's sign-in form, throttled as tokens are.
func (s *Server) consoleSignIn(r *http.Request, token string) error {
	client := s.authLim.clientOf(r)
	if err := s.opts.AdminToken.Matches(token); err != nil {
		if s.authLim.refuse(adminSignInKey+client, client) > 0 {
			return web.ErrSlowDown
		}
		s.log.Warn("console sign-in failed", zap.String("reason", err.Error()), zap.String("remote", r.RemoteAddr))
		return errors.New("the admin token does not match, or none is configured (fsscim serve --admin-token-file)")
	}
	s.authLim.succeed(adminSignInKey + client)
	s.log.Info("console sign-in", zap.String("remote", r.RemoteAddr))
	return nil
}
