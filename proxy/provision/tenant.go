package provision

import (
	"context"
	"net/http"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/proxy/provision/names"
	"github.com/fsscim/fsscim/store"
	"github.com/fsscim/fsscim/store/audit"
	"github.com/fsscim/fsscim/store/budget"
)

// Deps is what every tenant runtime takes from outside, shared by all tenants of one server.
type Deps struct {
	Store store.Store
	Log   *zap.Logger
	Now   func() time.Time
	// Transport carries every Freshservice call (nil: the client's own).
	Transport http.RoundTripper
	// UpstreamTimeout bounds each Freshservice HTTP attempt.
	UpstreamTimeout time.Duration
	// RequestTimeout bounds a whole SCIM request; long member changes stop a little before it.
	RequestTimeout time.Duration
	// KeyCheckInterval is how long Freshservice's acceptance of an API key is trusted, and how often
	// the key watch checks the keys of active tenants.
	KeyCheckInterval time.Duration
	// KeyWatch ticks the key watch (tests); nil: a ticker every KeyCheckInterval.
	KeyWatch <-chan time.Time
	// ReplicaTick is how often replicas are saved in the background and due refreshes started
	// (default 5 seconds).
	ReplicaTick time.Duration
	// Backoff between GET retries (tests pass a zero one).
	Backoff func(attempt int) time.Duration
	// NewBudget makes the rate budget of a tenant seen for the first time.
	NewBudget func(t *config.Tenant) budget.Budget
	// ObserveCall is told of every Freshservice attempt of a tenant (metrics); may be nil.
	ObserveCall func(domain string, ci freshservice.CallInfo)
	// ObserveLookup is told of every department or location lookup of a tenant (metrics); may be nil.
	ObserveLookup func(domain, kind string, hit bool)
	// StoreReady checks that Store (and the disk under it) takes writes; nil: not checked. Writes to
	// Freshservice are refused while it fails, as they could not be recorded.
	StoreReady func(ctx context.Context) error
	// Audit keeps the trail of every write to Freshservice; nil: none is kept.
	Audit audit.Log
	// AuditFailed is told of every entry the trail could not keep (metrics); may be nil.
	AuditFailed func(domain string)
}

// Registry holds the runtime state of every tenant seen since start: its rate budget, caches and
// directory replica outlive changes to its tenant file.
type Registry struct {
	deps Deps

	mu       sync.Mutex
	byDomain map[string]*Tenant

	ctx       context.Context // cancelled by Close, ends background builds
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	schedOnce sync.Once // starts the replicas' scheduler
	watchOnce sync.Once // starts the key watch

	searchMu sync.Mutex
	// searches are the user filter catalogs by the custom attributes they hold (viewKey), made on
	// first need and shared by every tenant of that shape.
	searches map[string]*mapping.UserSearch
}

// NewRegistry returns an empty registry.
func NewRegistry(deps Deps) *Registry {
	ctx, cancel := context.WithCancel(context.Background())
	return &Registry{deps: deps, byDomain: map[string]*Tenant{}, ctx: ctx, cancel: cancel}
}

// Close stops background work and waits for it; replicas are saved one last time.
func (r *Registry) Close() {
	r.cancel()
	r.wg.Wait()
}

// Tenant returns the runtime for cfg's domain, installing cfg when the tenant file changed. A file that
// points the domain at another API URL gets a fresh runtime: the replica, name lookups and key
// verdicts learnt from the old URL may belong to another Freshservice account.
func (r *Registry) Tenant(cfg *config.Tenant) *Tenant {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.byDomain[cfg.Domain]
	if ok && t.Config().BaseURL() != cfg.BaseURL() {
		ok = false
	}
	if !ok {
		t = newTenant(r, cfg)
		r.byDomain[cfg.Domain] = t
		r.startKeyWatch()
		return t
	}
	t.install(cfg)
	return t
}

// Lookup returns the runtime of domain when a request has made one, without making one.
func (r *Registry) Lookup(domain string) (*Tenant, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.byDomain[domain]
	return t, ok
}

// Each calls fn with every tenant runtime, in no particular order.
func (r *Registry) Each(fn func(*Tenant)) {
	r.mu.Lock()
	all := make([]*Tenant, 0, len(r.byDomain))
	for _, t := range r.byDomain {
		all = append(all, t)
	}
	r.mu.Unlock()
	for _, t := range all {
		fn(t)
	}
}

// Tenant is one tenant's runtime state.
type Tenant struct {
	reg    *Registry
	deps   *Deps
	domain string

	mu   sync.RWMutex
	cfg  *config.Tenant
	opts mapping.Options

	budget  budget.Budget
	lookups *names.Cache
	keys    *lru.Cache[string, *keyVerdict]
	locks   keyedMutex // serialises writes to one user, group or email
	// keyChecks shares one key check among the requests that find a key's verdict stale at once.
	keyChecks singleflight.Group
	aliases   userNameAliases
	// adminRoles holds the account's Account Admin role ids once an agent change needed them.
	adminRoles adminRoles

	// dir is the tenant's directory replica, which answers reads and is the base of writes.
	dir directoryState

	// usedKey names (by hash) the API key of the tenant's latest request, and usedAt is when it came:
	// the key its status shows and the key watch keeps checked.
	usedMu  sync.Mutex
	usedKey string
	usedAt  time.Time
}

func newTenant(r *Registry, cfg *config.Tenant) *Tenant {
	keys, _ := lru.New[string, *keyVerdict](64)
	domain := cfg.Domain
	t := &Tenant{
		reg:    r,
		deps:   &r.deps,
		domain: domain,
		budget: r.deps.NewBudget(cfg),
		lookups: names.New(names.Options{Now: r.deps.Now, OnLookup: func(kind string, hit bool) {
			if r.deps.ObserveLookup != nil {
				r.deps.ObserveLookup(domain, kind, hit)
			}
		}}),
		keys: keys,
	}
	t.install(cfg)
	return t
}

// install makes cfg the tenant's current file.
func (t *Tenant) install(cfg *config.Tenant) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cfg == cfg {
		return
	}
	t.cfg = cfg
	// A reloaded file's rate_limit holds at once, for the budget the tenant keeps across reloads.
	t.budget.SetLimits(cfg.RateLimit.PerMinute, cfg.RateLimit.ListPerMinute)
	t.opts = mapping.Options{Attributes: cfg.Attributes, DefaultTimeZone: cfg.Defaults.TimeZone, DefaultLanguage: cfg.Defaults.Language}
}

// userSearch returns the user filter catalog of tenants with opts's custom attributes: made when a
// tenant of that shape first filters, then shared, so that a tenant that never filters holds none.
func (r *Registry) userSearch(opts mapping.Options) *mapping.UserSearch {
	key := viewKey(opts)
	r.searchMu.Lock()
	defer r.searchMu.Unlock()
	if s, ok := r.searches[key]; ok {
		return s
	}
	if r.searches == nil {
		r.searches = map[string]*mapping.UserSearch{}
	}
	s := mapping.NewUserSearch(opts)
	r.searches[key] = s
	return s
}

// Domain is the tenant's Freshservice domain.
func (t *Tenant) Domain() string { return t.domain }

// Config is the tenant file currently installed.
func (t *Tenant) Config() *config.Tenant {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.cfg
}

// BudgetRemaining is the rate budget left this minute as this replica knows it; -1 when unknown.
func (t *Tenant) BudgetRemaining() int { return t.budget.Remaining() }

// BudgetLimit is the per-minute limit of the tenant's rate budget, configured or learnt; 0 when unknown.
func (t *Tenant) BudgetLimit() int { return t.budget.Limit() }

// IndexUsers is the number of users in the directory replica (the metric keeps its name).
func (t *Tenant) IndexUsers() int { return t.ReplicaUsers() }

// IndexComplete reports whether the directory replica holds every user and answers reads.
func (t *Tenant) IndexComplete() bool { return t.ReplicaComplete() }
