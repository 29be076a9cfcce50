package proxy

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
)

// scimEndpoints maps the lower-cased first path segment under the SCIM root to its canonical name:
// resource names are case-insensitive for fsscim's callers, but not for the SCIM library.
var scimEndpoints = map[string]string{
	"users":                 "Users",
	"groups":                "Groups",
	"schemas":               "Schemas",
	"resourcetypes":         "ResourceTypes",
	"serviceproviderconfig": "ServiceProviderConfig",
	// The Microsoft reference implementation's name for it, used by its Postman collection.
	"serviceconfiguration": "ServiceProviderConfig",
	"me":                   "Me",
}

// normalisePath makes /scim/users/, /SCIM/V2/Users and /scim/Users all mean /scim/v2/Users: a
// trailing slash would otherwise turn a list into a Get("") in the SCIM library.
func normalisePath(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		p := r.URL.Path
		if len(p) > 1 {
			p = strings.TrimRight(p, "/")
			if p == "" {
				p = "/"
			}
		}
		segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
		if len(segs) > 0 && strings.EqualFold(segs[0], "scim") {
			segs[0] = "scim"
			rest := segs[1:]
			if len(rest) > 0 && strings.EqualFold(rest[0], "v2") {
				rest = rest[1:]
			}
			if len(rest) > 0 {
				if canon, ok := scimEndpoints[strings.ToLower(rest[0])]; ok {
					rest[0] = canon
				}
			}
			p = "/" + strings.Join(append([]string{"scim", "v2"}, rest...), "/")
		}
		if p != r.URL.Path {
			r.URL.Path = p
			r.URL.RawPath = ""
		}
		return next(c)
	}
}

// requestScope starts the per-request scope with a request id, taken from X-Request-Id when it is a
// sane value so that traces join up with the caller's.
func (s *Server) requestScope(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		id := r.Header.Get("X-Request-Id")
		if !saneRequestID(id) {
			id = newRequestID()
		}
		c.Response().Header().Set("X-Request-Id", id)
		// The request's logger encodes its fields when it first writes: most requests log nothing but
		// the access line, which is written with its own fields.
		sc := &scope{requestID: id, started: s.opts.Now(), log: s.log.WithLazy(zap.String("request_id", id)), base: scimBase(r, s.clients)}
		sc.tally = &freshservice.Tally{}
		ctx := freshservice.WithTally(withScope(r.Context(), sc), sc.tally)
		c.SetRequest(r.WithContext(ctx))
		return next(c)
	}
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// accessLog writes one line per request: who (tenant), what (SCIM operation), the outcome, how many
// Freshservice calls it took and how long. Never the Authorization header or the query's token.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		answer := &errorCapture{ResponseWriter: c.Response().Writer}
		c.Response().Writer = answer
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		r := c.Request()
		sc := requestScope(r)
		resource, op := sc.op()
		fields := []zap.Field{
			zap.String("request_id", sc.requestID),
			zap.String("method", r.Method),
			zap.String("path", r.URL.Path),
			zap.Int("status", c.Response().Status),
			zap.Duration("duration", s.opts.Now().Sub(sc.started)),
			zap.String("remote", c.RealIP()),
		}
		if sc.tenant != nil {
			fields = append(fields, zap.String("tenant", sc.tenant.Domain()))
		}
		if op != "" {
			fields = append(fields, zap.String("resource", resource), zap.String("operation", op))
		}
		if sc.tally != nil {
			fields = append(fields, zap.Int("freshservice_calls", sc.tally.Calls()))
		}
		if ig := sc.ignoredAttributes(); len(ig) > 0 {
			fields = append(fields, zap.Strings("ignored_attributes", ig))
		}
		// Probes and scrapes come every few seconds and say nothing about SCIM traffic.
		level := zap.InfoLevel
		if isProbePath(r.URL.Path) {
			level = zap.DebugLevel
		}
		s.log.Log(level, "request", fields...)
		s.observeRequest(sc, r.Method, c.Response().Status)
		s.trackRequest(sc, r, c.Response().Status, answer.body)
		return nil
	}
}

// isProbePath reports the paths of health checks, readiness probes and metric scrapes.
func isProbePath(p string) bool {
	switch p {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return false
}

// observeRequest is the hook for request metrics.
func (s *Server) observeRequest(sc *scope, method string, status int) {
	s.metrics.observeRequest(sc, method, status, s.opts.Now().Sub(sc.started))
}

// recoverPanics answers a panic with a SCIM 500 and logs the stack under the request id.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				sc := requestScope(c.Request())
				sc.log.Error("panic while serving request", zap.String("panic", fmt.Sprint(v)), zap.ByteString("stack", debug.Stack()))
				writeSCIMError(c.Response(), scimError(http.StatusInternalServerError, "", "%s%s", detailInternal, sc.requestID), 0)
				err = nil
			}
		}()
		return next(c)
	}
}

// bodyLimit refuses bodies over max bytes with a SCIM 413 before anything reads them.
func bodyLimit(max int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > max {
				writeSCIMError(c.Response(), scimError(http.StatusRequestEntityTooLarge, "", "The request body is larger than %d bytes.", max), 0)
				return nil
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = &limitedBody{rc: r.Body, left: max}
			}
			return next(c)
		}
	}
}

// errBodyTooLarge is returned by a body read that passes the limit.
var errBodyTooLarge = errors.New("request body too large")

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte past the limit proves the body is too large.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, errBodyTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// httpError answers echo's own errors (unknown route, wrong method) as SCIM errors.
func (s *Server) httpError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	detail := "Internal error."
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
		detail = http.StatusText(status)
		if status == http.StatusNotFound {
			detail = "No such endpoint. The SCIM endpoint is /scim/v2 (Users, Groups, Schemas, ResourceTypes, ServiceProviderConfig)."
		}
	} else {
		requestScope(c.Request()).log.Error("unhandled error", zap.Error(err))
	}
	writeSCIMError(c.Response(), scimError(status, "", "%s", detail), 0)
}

// writeSCIMError writes a SCIM error body, with Retry-After when given.
func writeSCIMError(w http.ResponseWriter, se scimerrors.ScimError, retryAfter time.Duration) {
	body, err := json.Marshal(se)
	if err != nil {
		body = []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500"}`)
		se.Status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/scim+json")
	if retryAfter > 0 {
		secs := int64((retryAfter + time.Second - 1) / time.Second)
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	w.WriteHeader(se.Status)
	_, _ = w.Write(body)
}
