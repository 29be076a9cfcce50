package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/proxy/provision/directory"
	"github.com/fsscim/fsscim/proxy/provision/names"
	"github.com/fsscim/fsscim/store/budget"
)

// indexBuildWait is how long a lookup waits for a tenant's first index build before it asks
// Freshservice directly; the build goes on in the background.
const indexBuildWait = 10 * time.Second

// recentUserTTL is how long a read user stands in for Freshservice's state when a PATCH follows.
const recentUserTTL = 30 * time.Second

// tenantRegistry holds the runtime state of every tenant seen since start: its rate budget, caches and
// directory index outlive changes to its tenant file; its SCIM server is rebuilt when the file changes.
type tenantRegistry struct {
	srv *Server

	mu       sync.Mutex
	byDomain map[string]*tenantState

	ctx    context.Context // cancelled by close, ends background builds
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newTenantRegistry(s *Server) *tenantRegistry {
	ctx, cancel := context.WithCancel(context.Background())
	return &tenantRegistry{srv: s, byDomain: map[string]*tenantState{}, ctx: ctx, cancel: cancel}
}

func (r *tenantRegistry) close() {
	r.cancel()
	r.wg.Wait()
}

// get returns the state for t's domain, updating it when the tenant file changed. A file that points
// the domain at another API URL gets a fresh state: the index, name lookups, recent users and key
// verdicts learnt from the old URL may belong to another Freshservice account.
func (r *tenantRegistry) get(t *config.Tenant) *tenantState {
	r.mu.Lock()
	defer r.mu.Unlock()
	ts, ok := r.byDomain[t.Domain]
	if ok && ts.config().BaseURL() != t.BaseURL() {
		ok = false
	}
	if !ok {
		ts = newTenantState(r, t)
		r.byDomain[t.Domain] = ts
		return ts
	}
	ts.update(t)
	return ts
}

// tenantState is one tenant's runtime state.
type tenantState struct {
	reg    *tenantRegistry
	domain string

	mu      sync.RWMutex
	cfg     *config.Tenant
	handler http.Handler
	opts    mapping.Options
	// knownUsers and knownGroups are the normaliser's schemas, built with each tenant file.
	knownUsers  knownSchemas
	knownGroups knownSchemas

	budget  budget.Budget
	lookups *names.Cache
	index   *directory.Index
	clients *lru.Cache[string, *keyVerdict]
	locks   keyedMutex // serialises writes to one user or group
	// keyChecks shares one key check among the requests that find a key's verdict stale at once.
	keyChecks singleflight.Group
	aliases   userNameAliases
	// recentUsers holds users as fsscim last read or wrote them, for a few seconds: Entra reads a user
	// right before it PATCHes it, and the PATCH is compared against that read instead of a second one.
	// Expiry is checked on read: an LRU that expires entries itself runs a goroutine per tenant.
	recentUsers *lru.Cache[int64, recentUser]

	buildMu   sync.Mutex
	building  bool
	buildDone chan struct{}
}

func newTenantState(r *tenantRegistry, t *config.Tenant) *tenantState {
	clients, _ := lru.New[string, *keyVerdict](64)
	recent, _ := lru.New[int64, recentUser](4096)
	ts := &tenantState{
		reg:    r,
		domain: t.Domain,
		budget: r.srv.newBudget(t),
		lookups: names.New(names.Options{Now: r.srv.opts.Now, OnLookup: func(kind string, hit bool) {
			r.srv.metrics.observeLookup(t.Domain, kind, hit)
		}}),
		index:       directory.New(directory.Options{MaxAge: r.srv.opts.IndexMaxAge, Now: r.srv.opts.Now}),
		clients:     clients,
		recentUsers: recent,
	}
	ts.update(t)
	return ts
}

// update installs a new version of the tenant file; the SCIM server is rebuilt only when it differs.
func (ts *tenantState) update(t *config.Tenant) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.cfg == t {
		return
	}
	h, err := newSCIMServer(t, &usersHandler{srv: ts.reg.srv}, &groupsHandler{srv: ts.reg.srv}, ts.reg.srv.log)
	if err != nil {
		// The tenant file passed validation, so this is a programming error; keep the old server.
		ts.reg.srv.log.Error("cannot build SCIM server for tenant", zap.String("tenant", t.Domain), zap.Error(err))
		if ts.handler != nil {
			return
		}
	}
	ts.cfg, ts.handler = t, h
	// A changed rate_limit holds from the next call on; what this minute spent still counts.
	ts.budget.SetLimits(t.RateLimit.PerMinute, t.RateLimit.ListPerMinute)
	ts.opts = mapping.Options{Attributes: t.Attributes, DefaultTimeZone: t.Defaults.TimeZone, DefaultLanguage: t.Defaults.Language}
	ts.knownUsers, ts.knownGroups = newKnownSchemas(t, "Users"), newKnownSchemas(t, "Groups")
}

// knownSchemas returns the normaliser's schemas for resource ("Users" or "Groups").
func (ts *tenantState) knownSchemas(resource string) knownSchemas {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	if resource == "Groups" {
		return ts.knownGroups
	}
	return ts.knownUsers
}

func (ts *tenantState) config() *config.Tenant {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	return ts.cfg
}

func (ts *tenantState) mappingOptions() mapping.Options {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	return ts.opts
}

func (ts *tenantState) scim() http.Handler {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	return ts.handler
}

// client returns the Freshservice client for an API key of this tenant; clients are cached by a hash
// of the key so that the key itself is not a map key that could end up in a dump.
func (ts *tenantState) client(apiKey string) (*freshservice.Client, error) {
	k := shortHash(apiKey)
	if v, ok := ts.clients.Get(k); ok {
		return v.client, nil
	}
	o := ts.reg.srv.opts
	cfg := ts.config()
	c, err := freshservice.New(freshservice.Options{
		BaseURL:   cfg.BaseURL(),
		APIKey:    apiKey,
		Timeout:   o.UpstreamTimeout,
		Limiter:   ts.budget,
		Backoff:   o.Backoff,
		Transport: o.Transport,
		Observer:  ts.reg.srv.observeCall(ts.domain),
	})
	if err != nil {
		return nil, fmt.Errorf("freshservice client for %s: %w", ts.domain, err)
	}
	ts.clients.Add(k, &keyVerdict{client: c})
	return c, nil
}

// verifyKey makes sure Freshservice accepted the key behind c recently. Answers that fsscim serves
// from its own index must stop soon after an admin revokes the key in Freshservice.
func (ts *tenantState) verifyKey(ctx context.Context, apiKeyHash string, c *freshservice.Client) error {
	v, ok := ts.clients.Get(apiKeyHash)
	if !ok {
		return c.CheckKey(ctx)
	}
	now := ts.reg.srv.opts.Now()
	v.mu.Lock()
	fresh := !v.verifiedAt.IsZero() && now.Sub(v.verifiedAt) < ts.reg.srv.opts.KeyCheckInterval
	v.mu.Unlock()
	if fresh {
		return nil
	}
	// Concurrent requests that find the verdict stale share one check. The check runs detached from
	// the request that started it (bounded by the client's own timeout), so a caller that gives up
	// does not fail the others.
	ch := ts.keyChecks.DoChan(apiKeyHash, func() (any, error) {
		if err := c.CheckKey(context.WithoutCancel(ctx)); err != nil {
			return nil, err
		}
		v.mu.Lock()
		v.verifiedAt = now
		v.mu.Unlock()
		return nil, nil
	})
	select {
	case r := <-ch:
		return r.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readyIndex returns the directory index when it can answer, building it on first use (waiting up to
// indexBuildWait, and at most half the time the request has left) and refreshing it in the background
// when it is stale. A nil index means: ask Freshservice directly.
func (ts *tenantState) readyIndex(ctx context.Context, c *freshservice.Client) *directory.Index {
	if ts.index.Complete() {
		if ts.index.Stale() && !ts.budgetLow() {
			// A refresh walks the whole directory in list calls; with little budget left they would
			// delay the writes Entra is waiting for. The index stays current with fsscim's own
			// writes meanwhile, and a miss is never taken as "absent" for a create.
			ts.startBuild(c)
		}
		return ts.index
	}
	done := ts.startBuild(c)
	wait := indexBuildWait
	if dl, ok := ctx.Deadline(); ok {
		// A build slower than the request must leave it the time to ask Freshservice directly.
		wait = min(wait, time.Until(dl)/2)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
	if ts.index.Complete() {
		return ts.index
	}
	return nil
}

// budgetLow reports whether the tenant's rate budget is known to be under a quarter of its
// per-minute limit (the configured one, or the one learnt from Freshservice).
func (ts *tenantState) budgetLow() bool {
	remaining := ts.budget.Remaining()
	if remaining < 0 {
		return false
	}
	limit := ts.config().RateLimit.PerMinute
	if l, ok := ts.budget.(budgetLimiter); ok && l.Limit() > 0 {
		limit = l.Limit()
	}
	return limit > 0 && remaining < limit/4
}

// startBuild starts one background index build (if none runs) and returns a channel closed when the
// running build ends.
func (ts *tenantState) startBuild(c *freshservice.Client) <-chan struct{} {
	ts.buildMu.Lock()
	defer ts.buildMu.Unlock()
	if ts.building {
		return ts.buildDone
	}
	ts.building = true
	done := make(chan struct{})
	ts.buildDone = done
	reg := ts.reg
	reg.wg.Add(1)
	go func() {
		defer reg.wg.Done()
		defer func() {
			ts.buildMu.Lock()
			ts.building = false
			ts.buildMu.Unlock()
			close(done)
		}()
		// Detached from the request that triggered it, but bounded: a build that cannot finish in
		// this time is retried on a later lookup.
		ctx, cancel := context.WithTimeout(reg.ctx, 10*time.Minute)
		defer cancel()
		if err := ts.index.Build(ctx, c); err != nil && !errors.Is(err, context.Canceled) {
			reg.srv.log.Warn("directory index build failed", zap.String("tenant", ts.domain), zap.Error(err))
			return
		}
		reg.srv.log.Info("directory index built", zap.String("tenant", ts.domain), zap.Int("users", ts.index.Len()))
	}()
	return done
}

// keyedMutex serialises work per key (a user or group id) without one lock for the whole tenant.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	mu   sync.Mutex
	refs int
}

// lock takes the lock for key and returns its release.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l, ok := k.locks[key]
	if !ok {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// recentUser is a user as last read or written, and when that was.
type recentUser struct {
	user freshservice.User
	at   time.Time
}

func (ts *tenantState) remember(u freshservice.User) {
	ts.recentUsers.Add(u.ID, recentUser{user: u, at: ts.reg.srv.opts.Now()})
}

func (ts *tenantState) recent(id int64) (freshservice.User, bool) {
	r, ok := ts.recentUsers.Get(id)
	if !ok {
		return freshservice.User{}, false
	}
	if ts.reg.srv.opts.Now().Sub(r.at) >= recentUserTTL {
		ts.recentUsers.Remove(id)
		return freshservice.User{}, false
	}
	return r.user, true
}

func (ts *tenantState) forget(id int64) { ts.recentUsers.Remove(id) }
