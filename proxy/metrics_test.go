package proxy_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
)

// scrape is one /metrics answer: series ("name{k="v",...}" with labels sorted) to value.
type scrape map[string]float64

// scrapeMetrics reads /metrics from a server's admin listener.
func scrapeMetrics(t *testing.T, srv *proxy.Server) scrape {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	resp := rec.Result()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("/metrics Content-Type %q", ct)
	}
	return parseMetrics(t, resp.Body)
}

var seriesLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$`)
var labelPair = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)

func parseMetrics(t *testing.T, r io.Reader) scrape {
	t.Helper()
	out := scrape{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := seriesLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a Prometheus text line: %q", line)
		}
		v, err := strconv.ParseFloat(m[4], 64)
		if err != nil {
			t.Fatalf("value of %q: %v", line, err)
		}
		out[seriesKey(m[1], labelPair.FindAllStringSubmatch(m[3], -1))] = v
	}
	return out
}

func seriesKey(name string, pairs [][]string) string {
	var labels []string
	for _, p := range pairs {
		labels = append(labels, p[1]+"="+strconv.Quote(p[2]))
	}
	sort.Strings(labels)
	return name + "{" + strings.Join(labels, ",") + "}"
}

// series names a series as scrape keys it: series("m", "b", "2", "a", "1") is m{a="1",b="2"}.
func series(name string, kv ...string) string {
	var pairs [][]string
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, []string{"", kv[i], kv[i+1]})
	}
	return seriesKey(name, pairs)
}

// sum adds the values of every series of name whose labels include all of kv.
func (s scrape) sum(name string, kv ...string) float64 {
	total := 0.0
	for k, v := range s {
		if !strings.HasPrefix(k, name+"{") {
			continue
		}
		ok := true
		for i := 0; i+1 < len(kv); i += 2 {
			if !strings.Contains(k, kv[i]+"="+strconv.Quote(kv[i+1])) {
				ok = false
			}
		}
		if ok {
			total += v
		}
	}
	return total
}

// endpointTemplate turns an emulator path into the client's endpoint template.
var numericSegment = regexp.MustCompile(`/\d+`)

func endpointTemplate(path string) string {
	p := strings.TrimPrefix(path, "/api/v2")
	segs := numericSegment.FindAllStringIndex(p, -1)
	for i := len(segs) - 1; i >= 0; i-- {
		name := "/{id}"
		if i > 0 {
			name = "/{member_id}"
		}
		p = p[:segs[i][0]] + name + p[segs[i][1]:]
	}
	return p
}

// TestMetricsAfterEntraSequence plays what Entra does when it provisions a user, and expects the
// counters to tell exactly that story: every SCIM request by tenant, resource, method and status,
// every Freshservice call the emulator saw, the directory index and lookup cache at work, and a
// rejected token counted under no tenant.
func TestMetricsAfterEntraSequence(t *testing.T) {
	h := newHarness(t,
		withTenant("rate_limit: {per_minute: 100}"),
		withEmulator(freshservicetest.Options{PerMinute: 100}))
	h.emu.AddDepartment("Sales")

	steps := []struct {
		method, path string
		body         any
		want         int
	}{
		// Test Connection: a lookup of a random userName.
		{http.MethodGet, `/scim/v2/Users?filter=userName+eq+%22b4fa7c1e-0000-4000-8000-000000000000%22`, nil, 200},
		// The user is not there yet: Entra looks it up, then creates it.
		{http.MethodGet, `/scim/v2/Users?filter=userName+eq+%22alice%40example.com%22`, nil, 200},
		{http.MethodPost, "/scim/v2/Users", map[string]any{
			"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
			"userName": "alice@example.com", "active": true,
			"name":   map[string]any{"givenName": "Alice", "familyName": "Smith"},
			"emails": []any{map[string]any{"type": "work", "value": "alice@example.com", "primary": true}},
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Sales"},
		}, 201},
		// A later cycle: lookup, then a PATCH of what changed.
		{http.MethodGet, `/scim/v2/Users?filter=userName+eq+%22alice%40example.com%22`, nil, 200},
		{http.MethodPatch, "/scim/v2/Users/{alice}", map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "Replace", "path": "title", "value": "Engineer"}},
		}, 200},
	}
	alice := ""
	for _, st := range steps {
		path := strings.ReplaceAll(st.path, "{alice}", alice)
		r := h.do(st.method, path, st.body)
		if r.Status != st.want {
			t.Fatalf("%s %s: %d, want %d\n%s", st.method, path, r.Status, st.want, r.Body)
		}
		if st.method == http.MethodPost {
			alice, _ = r.JSON(t)["id"].(string)
		}
	}
	// A token from somewhere else: refused, and counted under no tenant.
	if r := h.doAuth(http.MethodGet, "/scim/v2/Users", nil, "Bearer fss1.not-a-token"); r.Status != http.StatusUnauthorized {
		t.Fatalf("foreign token: %d", r.Status)
	}

	m := scrapeMetrics(t, h.srv)
	const req = "fsscim_scim_requests_total"
	for _, tt := range []struct {
		series string
		want   float64
	}{
		{series(req, "tenant", testDomain, "resource", "Users", "method", "GET", "status", "200"), 3},
		{series(req, "tenant", testDomain, "resource", "Users", "method", "POST", "status", "201"), 1},
		{series(req, "tenant", testDomain, "resource", "Users", "method", "PATCH", "status", "200"), 1},
		{series(req, "tenant", "none", "resource", "none", "method", "GET", "status", "401"), 1},
		{series("fsscim_scim_request_duration_seconds_count", "resource", "Users", "method", "GET"), 3},
		{series("fsscim_directory_index_lookups_total", "tenant", testDomain, "result", "hit"), 3},
		{series("fsscim_directory_index_complete", "tenant", testDomain), 1},
		// The API key's own agent, and Alice.
		{series("fsscim_directory_index_users", "tenant", testDomain), 2},
		{series("fsscim_tenant_reloads_total", "result", "failure"), 0},
		{series("fsscim_shared_state_degraded"), 0},
	} {
		got, ok := m[tt.series]
		if !ok || got != tt.want {
			t.Errorf("%s = %v (present %v), want %v", tt.series, got, ok, tt.want)
		}
	}
	if got := m.sum(req); got != 6 {
		t.Errorf("%s adds up to %v, want the 6 SCIM requests made", req, got)
	}

	// Every Freshservice call the emulator saw is counted under its endpoint template and status.
	calls := h.emu.Calls()
	want := map[string]float64{}
	departmentReads := 0.0
	for _, c := range calls {
		ep := endpointTemplate(c.Path)
		want[series("fsscim_freshservice_calls_total", "tenant", testDomain, "method", c.Method, "endpoint", ep, "status", strconv.Itoa(c.Status))]++
		if c.Method == http.MethodGet && strings.HasPrefix(ep, "/departments") {
			departmentReads++
		}
	}
	for s, n := range want {
		if m[s] != n {
			t.Errorf("%s = %v, the emulator saw %v", s, m[s], n)
		}
	}
	if got := m.sum("fsscim_freshservice_calls_total"); got != float64(len(calls)) {
		t.Errorf("fsscim_freshservice_calls_total adds up to %v, the emulator saw %d calls", got, len(calls))
	}
	if departmentReads == 0 {
		t.Fatal("the create resolved its department without reading departments")
	}
	if got := m[series("fsscim_lookup_cache_misses_total", "tenant", testDomain, "kind", "department")]; got != departmentReads {
		t.Errorf("lookup cache misses for departments = %v, want the %v department reads", got, departmentReads)
	}
	// The create's department lookup missed the empty cache and walked the list.
	if got := m[series("fsscim_lookup_cache_lookups_total", "tenant", testDomain, "kind", "department", "result", "miss")]; got != 1 {
		t.Errorf("department lookup misses = %v, want 1", got)
	}
	if got := m.sum("fsscim_freshservice_call_duration_seconds_count"); got != float64(len(calls)) {
		t.Errorf("call duration histogram counts %v calls, want %d", got, len(calls))
	}
	// The budget is the tenant's 100 a minute less what was spent (it refills slowly as the test runs).
	remaining := m[series("fsscim_rate_budget_remaining", "tenant", testDomain)]
	if spent := float64(len(calls)); remaining < 100-spent || remaining > 100-spent+2 {
		t.Errorf("fsscim_rate_budget_remaining = %v after %v calls of 100", remaining, spent)
	}
	for s := range m {
		if strings.Contains(s, h.apiKey) || strings.Contains(s, h.token) || strings.Contains(s, "fss1.") {
			t.Errorf("a secret in a metric label: %s", s)
		}
	}
	if t.Failed() {
		var lines []string
		for s, v := range m {
			if strings.HasPrefix(s, "fsscim_") {
				lines = append(lines, fmt.Sprintf("%s %v", s, v))
			}
		}
		sort.Strings(lines)
		t.Logf("scrape:\n%s", strings.Join(lines, "\n"))
	}
}

// TestMetricsHistogramsCarryNoTenant: two tenants' requests and Freshservice calls land in the same
// latency histogram children, so the series do not grow with the number of tenants; the counters
// still tell the tenants apart.
func TestMetricsHistogramsCarryNoTenant(t *testing.T) {
	domains := []string{"acme.freshservice.com", "globex.freshservice.com"}
	multi := hdNewMulti(t, map[string]string{domains[0]: "acme-key-0001", domains[1]: "globex-key-0002"})
	for _, d := range domains {
		r := multi.do(multi.tenants[d].token, http.MethodGet, `/scim/v2/Users?filter=userName+eq+%22b4fa7c1e-0000-4000-8000-000000000000%22`, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("Test Connection of %s: %d %s", d, r.Status, r.Body)
		}
	}
	m := scrapeMetrics(t, multi.srv)
	histograms := 0
	for s := range m {
		if !strings.HasPrefix(s, "fsscim_") || !strings.Contains(s, "_seconds_") {
			continue
		}
		histograms++
		if strings.Contains(s, "tenant=") {
			t.Errorf("a latency histogram series carries the tenant: %s", s)
		}
	}
	if histograms == 0 {
		t.Fatal("no latency histogram series in the scrape")
	}
	if got := m[series("fsscim_scim_request_duration_seconds_count", "resource", "Users", "method", "GET")]; got != 2 {
		t.Errorf("request duration count = %v, want the 2 tenants' lookups in one series", got)
	}
	for _, domain := range domains {
		if got := m[series("fsscim_scim_requests_total", "tenant", domain, "resource", "Users", "method", "GET", "status", "200")]; got != 1 {
			t.Errorf("requests of %s = %v, want 1", domain, got)
		}
	}
}

// TestMetricsTenantLabelIsBounded sends requests whose tokens name domains no tenant file has, and
// methods no one defined: neither may create a label value.
func TestMetricsTenantLabelIsBounded(t *testing.T) {
	h := newHarness(t)
	other, err := h.keys.Seal("evil.freshservice.com", "some-key-1234", time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	h.doAuth(http.MethodGet, "/scim/v2/Users", nil, "Bearer "+other)
	h.doAuth("BREW", "/scim/v2/Users", nil, "Bearer "+h.token)
	m := scrapeMetrics(t, h.srv)
	for s := range m {
		if strings.Contains(s, "evil") || strings.Contains(s, "BREW") {
			t.Errorf("caller-chosen value in a label: %s", s)
		}
	}
	if got := m[series("fsscim_scim_requests_total", "tenant", "none", "resource", "none", "method", "GET", "status", "401")]; got != 1 {
		t.Errorf("token for an unknown domain counted %v times under tenant none, want 1", got)
	}
	if got := m.sum("fsscim_scim_requests_total", "method", "OTHER"); got != 1 {
		t.Errorf("unknown method counted %v times as OTHER, want 1", got)
	}
}
