package proxy

import (
	"context"
	"net/http"
	"sync"
	"time"

	scimerrors "github.com/elimity-com/scim/errors"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
)

// scope is what one SCIM request carries through echo, the normaliser, the SCIM library and the
// handlers. The library offers no hook for per-request state, so it travels in the request context.
type scope struct {
	requestID string
	started   time.Time
	log       *zap.Logger

	tenant  *tenantState         // set by auth
	client  *freshservice.Client // the tenant's client for the API key in the token
	keyHash string               // names the API key without holding it
	tally   *freshservice.Tally

	mu        sync.Mutex
	operation string // e.g. "users.create", for the access log and metrics
	resource  string // "Users", "Groups", "discovery"
	override  *override
	ignored   []string

	userPlan       *mapping.Plan
	groupPlan      *mapping.GroupPlan
	excludeMembers bool
	attributes     []string // the attributes= query, for lookups that only want the id
}

// override is an answer the SCIM library cannot give itself (429 and 503 with Retry-After, 409 on
// a GET, 415): the handler records it and returns a plain error; the response wrapper swaps it in.
type override struct {
	err        scimerrors.ScimError
	retryAfter time.Duration
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

func (s *scope) setOverride(o override) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.override = &o
}

func (s *scope) takeOverride() *override {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.override
	s.override = nil
	return o
}

func (s *scope) noteIgnored(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ignored = append(s.ignored, names...)
}

func (s *scope) ignoredAttributes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ignored...)
}

func requestScope(r *http.Request) *scope { return scopeFrom(r.Context()) }
