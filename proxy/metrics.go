package proxy

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy/provision"
)

// noTenant is the tenant label of requests that no configured tenant owns (failed authentication,
// health checks, scrapes): the label only ever takes configured domains, never what a caller sent.
const noTenant = "none"

// Buckets of the latency histograms: SCIM requests take from milliseconds (index lookups) to tens of
// seconds (a budget wait, a slow Freshservice); Entra gives up at 60.
var (
	requestBuckets  = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 45, 60}
	upstreamBuckets = []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20}
)

// metrics is one Server's Prometheus registry and instruments. Each Server has its own registry, so
// tests can run many servers in one process.
type metrics struct {
	srv *Server
	reg *prometheus.Registry

	// The counters by tenant are kept compactly (see tenantCounters); the rest are the client
	// library's own.
	requests        *tenantCounters
	requestDuration *prometheus.HistogramVec
	calls           *tenantCounters
	callDuration    *prometheus.HistogramVec
	budgetRefusals  *tenantCounters
	indexLookups    *tenantCounters
	lookupFetches   *tenantCounters
	lookupCache     *tenantCounters
	reloads         *prometheus.CounterVec
	sharedFallbacks *prometheus.CounterVec
	degradedGauge   prometheus.Gauge
	auditErrors     *tenantCounters

	mu       sync.Mutex
	degraded map[string]bool // shared-state components currently not shared
}

// histogramVec is a latency histogram with buckets, by labels.
func histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
}

// counterVec is a counter by labels, for the few that carry no tenant label.
func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

func newMetrics(s *Server) *metrics {
	m := &metrics{srv: s, reg: prometheus.NewRegistry(), degraded: map[string]bool{}}
	// The counters by tenant, each created and registered from one row.
	for _, c := range []struct {
		counters   **tenantCounters
		name, help string
		labels     []string
	}{
		{&m.requests, "fsscim_scim_requests_total", "SCIM requests answered, by tenant, resource (Users, Groups, discovery; none before authentication), HTTP method and status.", []string{"tenant", "resource", "method", "status"}},
		{&m.calls, "fsscim_freshservice_calls_total", "HTTP attempts to Freshservice (retries included), by tenant, HTTP method, endpoint template and status (error: no answer).", []string{"tenant", "method", "endpoint", "status"}},
		{&m.budgetRefusals, "fsscim_rate_budget_refusals_total", "Freshservice calls not made because the tenant's rate budget was spent (answered 429 with Retry-After).", []string{"tenant"}},
		{&m.indexLookups, "fsscim_directory_index_lookups_total", "User lookups by userName or externalId: hit when the tenant's directory index answered, miss when Freshservice had to be asked.", []string{"tenant", "result"}},
		{&m.lookupCache, "fsscim_lookup_cache_lookups_total", "Department and location lookups by name or id, by tenant, kind and result: hit when the cache answered without a Freshservice call, miss otherwise.", []string{"tenant", "kind", "result"}},
		{&m.lookupFetches, "fsscim_lookup_cache_misses_total", "Department and location reads from Freshservice (list pages and single reads) made because the lookup cache could not answer, by tenant and kind.", []string{"tenant", "kind"}},
		{&m.auditErrors, "fsscim_audit_write_errors_total", "Writes to Freshservice that were made but could not be recorded in the audit trail, by tenant.", []string{"tenant"}},
	} {
		*c.counters = newTenantCounters(c.name, c.help, c.labels...)
		m.reg.MustRegister(*c.counters)
	}
	// The latency histograms carry no tenant label: a histogram child costs about 1 KB per label set,
	// which ten thousand tenants would multiply, and an operator reads latency across tenants.
	m.requestDuration = histogramVec("fsscim_scim_request_duration_seconds",
		"Time to answer a SCIM request, by resource and HTTP method (all tenants together).",
		requestBuckets, "resource", "method")
	m.callDuration = histogramVec("fsscim_freshservice_call_duration_seconds",
		"Duration of HTTP attempts to Freshservice, by HTTP method and endpoint template (all tenants together).",
		upstreamBuckets, "method", "endpoint")
	m.reloads = counterVec("fsscim_tenant_reloads_total",
		"Loads of the tenant folder, by result (success, failure: a file was refused and its last good version kept).",
		"result")
	m.sharedFallbacks = counterVec("fsscim_shared_state_fallbacks_total",
		"Times a part of the state shared through Redis (budget, store) fell back to this replica's own.",
		"component")
	m.degradedGauge = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "fsscim_shared_state_degraded",
		Help: "1 while Redis is configured but unusable and this replica counts budgets and keeps records alone; 0 otherwise.",
	})
	for _, label := range []string{"success", "failure"} {
		m.reloads.WithLabelValues(label)
	}
	tokensRefused := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "fsscim_tenant_tokens_refused",
		Help: "Tenants whose every token is refused because the newest version of their tenant file sets a tokens_not_before that does not parse.",
	}, func() float64 {
		n := 0
		for _, t := range s.opts.Tenants().All() {
			if t.TokensRefused {
				n++
			}
		}
		return float64(n)
	})
	m.reg.MustRegister(m.requestDuration, m.callDuration, m.reloads, m.sharedFallbacks, m.degradedGauge, tokensRefused,
		tenantCollector{m}, tenantUpCollector{s},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// tenantLabel is the tenant's domain when a configured tenant owns the request, else noTenant.
func tenantLabel(sc *scope) string {
	if sc == nil || sc.tenant == nil {
		return noTenant
	}
	return sc.tenant.Domain()
}

// methodLabel keeps the method label to the methods HTTP defines: a caller can send any token.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodHead, http.MethodOptions:
		return m
	}
	return "OTHER"
}

func (m *metrics) observeRequest(sc *scope, method string, status int, elapsed time.Duration) {
	tenant := tenantLabel(sc)
	resource, _ := sc.op()
	if resource == "" {
		resource = noTenant
	}
	method = methodLabel(method)
	m.requests.inc(tenant, resource, method, strconv.Itoa(status))
	m.requestDuration.WithLabelValues(resource, method).Observe(elapsed.Seconds())
	if result := sc.indexLookupResult(); result != "" {
		m.indexLookups.inc(tenant, result)
	}
}

// lookupKinds maps the Freshservice reads the lookup cache makes to its kinds.
var lookupKinds = map[string]string{
	"/departments":      "department",
	"/departments/{id}": "department",
	"/locations":        "location",
	"/locations/{id}":   "location",
}

func (m *metrics) observeCall(domain string, ci freshservice.CallInfo) {
	status := "error"
	if ci.Status > 0 {
		status = strconv.Itoa(ci.Status)
	}
	method := methodLabel(ci.Method)
	m.calls.inc(domain, method, ci.Endpoint, status)
	m.callDuration.WithLabelValues(method, ci.Endpoint).Observe(ci.Duration.Seconds())
	if kind, ok := lookupKinds[ci.Endpoint]; ok && ci.Method == http.MethodGet && ci.Attempt == 1 {
		m.lookupFetches.inc(domain, kind)
	}
}

// tenantCollector reports per-tenant state read at scrape time: rate budget left and the directory
// index's size. Only tenants of the current tenant folder are reported.
type tenantCollector struct{ m *metrics }

var (
	budgetRemainingGauge = newTenantGauge("fsscim_rate_budget_remaining",
		"Freshservice calls left in the tenant's rate budget this minute, as this replica knows it (-1: not known yet).")
	indexUsersGauge    = newTenantGauge("fsscim_directory_index_users", "Users held in the tenant's directory index.")
	indexCompleteGauge = newTenantGauge("fsscim_directory_index_complete",
		"1 when the tenant's directory index holds every user and answers lookups, else 0.")
)

func (c tenantCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- budgetRemainingGauge.desc
	ch <- indexUsersGauge.desc
	ch <- indexCompleteGauge.desc
}

func (c tenantCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.m.srv
	set := s.opts.Tenants()
	if set == nil {
		return
	}
	s.tenants.Each(func(t *provision.Tenant) {
		domain := t.Domain()
		if _, ok := set.Lookup(domain); !ok {
			return
		}
		ch <- budgetRemainingGauge.value(float64(t.BudgetRemaining()), domain)
		ch <- indexUsersGauge.value(float64(t.IndexUsers()), domain)
		complete := 0.0
		if t.IndexComplete() {
			complete = 1
		}
		ch <- indexCompleteGauge.value(complete, domain)
	})
}

// serveMetrics answers /metrics in the Prometheus text format.
func (s *Server) serveMetrics(c echo.Context) error {
	promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{
		ErrorLog:            zap.NewStdLog(s.log.Named("metrics")),
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	}).ServeHTTP(c.Response(), c.Request())
	return nil
}

// MetricsRegisterer lets the binary add its own collectors to the server's /metrics.
func (s *Server) MetricsRegisterer() prometheus.Registerer { return s.metrics.reg }

// ObserveReload counts a load of the tenant folder: err nil is a success, else a failure.
func (s *Server) ObserveReload(err error) {
	result := "success"
	if err != nil {
		result = "failure"
	}
	s.metrics.reloads.WithLabelValues(result).Inc()
}

// Shared-state components for SharedStateChanged.
const (
	SharedBudget = "budget"
	SharedStore  = "store"
)

// SharedStateChanged records that a part of the state shared through Redis stopped (shared false, err
// why) or resumed being shared. key names the instance (a tenant's budget, the store) and component
// its kind (SharedBudget, SharedStore). fsscim_shared_state_degraded is 1 while any part is not shared;
// the log says so once when the first part falls back and once when the last one resumes.
func (s *Server) SharedStateChanged(component, key string, shared bool, err error) {
	m := s.metrics
	m.mu.Lock()
	before := len(m.degraded)
	if shared {
		delete(m.degraded, component+"\x00"+key)
	} else {
		m.degraded[component+"\x00"+key] = true
		m.sharedFallbacks.WithLabelValues(component).Inc()
	}
	after := len(m.degraded)
	if after > 0 {
		m.degradedGauge.Set(1)
	} else {
		m.degradedGauge.Set(0)
	}
	m.mu.Unlock()
	switch {
	case before == 0 && after > 0:
		s.log.Warn("Redis is unusable: this replica now counts rate budgets and keeps records on its own until it returns; SCIM requests go on",
			zap.String("component", component), zap.String("key", key), zap.Error(err))
	case before > 0 && after == 0:
		s.log.Info("Redis is back: rate budgets and records are shared again")
	case !shared:
		s.log.Debug("shared state fell back", zap.String("component", component), zap.String("key", key), zap.Error(err))
	}
}

// observeLookup counts a department or location lookup; domain is a configured tenant's.
func (m *metrics) observeLookup(domain, kind string, hit bool) {
	result := "miss"
	if hit {
		result = "hit"
	}
	m.lookupCache.inc(domain, kind, result)
}

// observeAuditFailure counts a write the audit trail could not keep.
func (m *metrics) observeAuditFailure(domain string) { m.auditErrors.inc(domain) }
