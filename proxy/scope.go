package proxy

import (
	"context"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy/provision"
)

// scope is what one request carries through the middleware and its route: who asked (set by auth),
// what it asked for, and what the access log and metrics report about it.
type scope struct {
	requestID string
	started   time.Time
	log       *zap.Logger
	base      string // the absolute URI of the SCIM root the request reached; "" when unknown

	tenant  *provision.Tenant  // set by auth
	session *provision.Session // the tenant's session for the API key in the token
	tally   *freshservice.Tally

	mu          sync.Mutex
	operation   string // e.g. "users.create", for the access log and metrics
	resource    string // "Users", "Groups", "discovery"
	ignored     []string
	indexLookup string // "hit" or "miss" for a user lookup the directory index could answer
	subject     string // the userName or group name the request's body names, for the tenant's status
	// projection is what a POST /.search asked the answer to hold; nil: the query parameters say.
	projection *projection
}

type scopeKey struct{}

func withScope(ctx context.Context, s *scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// scopeFrom returns the request's scope; a request that did not pass the middleware gets a fresh one
// so handlers never dereference nil.
func scopeFrom(ctx context.Context) *scope {
	if s, ok := ctx.Value(scopeKey{}).(*scope); ok {
		return s
	}
	return &scope{log: zap.NewNop(), started: time.Now()}
}

func requestScope(r *http.Request) *scope { return scopeFrom(r.Context()) }

func (s *scope) setOperation(resource, op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resource, s.operation = resource, op
}

func (s *scope) op() (resource, operation string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resource, s.operation
}

func (s *scope) noteIgnored(names ...string) {
	if len(names) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ignored = append(s.ignored, names...)
}

func (s *scope) ignoredAttributes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ignored...)
}

// noteSubject takes the name of the user or group a request's body is about.
func (s *scope) noteSubject(attrs map[string]any) {
	name, _ := attrs["userName"].(string)
	if name == "" {
		name, _ = attrs["displayName"].(string)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subject = name
}

func (s *scope) subjectName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.subject
}

func (s *scope) noteIndexLookup(hit bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.indexLookup = "miss"
	if hit {
		s.indexLookup = "hit"
	}
}

func (s *scope) indexLookupResult() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.indexLookup
}
