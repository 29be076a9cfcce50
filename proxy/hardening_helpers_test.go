package proxy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/store/budget"
)

// Helpers shared by the hardening tests (faults, bad input, tenants, secrets, SSRF, load). Their names
// start with hd so that they stay out of the way of the other test files of the package.

const (
	hdUserSchema    = "urn:ietf:params:scim:schemas:core:2.0:User"
	hdGroupSchema   = "urn:ietf:params:scim:schemas:core:2.0:Group"
	hdPatchSchema   = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	hdErrorSchema   = "urn:ietf:params:scim:api:messages:2.0:Error"
	hdEnterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	hdFreshURN      = "urn:ietf:params:scim:schemas:extension:freshservice:2.0:User"
)

// hdMembers is a members operation in Entra's form.
func hdMembers(kind string, ids ...int64) map[string]any {
	values := make([]any, len(ids))
	for i, id := range ids {
		values[i] = map[string]any{"value": strconv.FormatInt(id, 10)}
	}
	return map[string]any{"op": kind, "path": "members", "value": values}
}

// hdDoWithin is h.do with a deadline: a request fsscim does not answer in that time fails the test
// instead of hanging it.
func hdDoWithin(t *testing.T, h *harness, within time.Duration, method, path string, body any) response {
	t.Helper()
	return send(t, &http.Client{Timeout: within}, scimRequest(t, method, h.http.URL+path, body, "Bearer "+h.token))
}

// hdCreateUser creates a user through SCIM and returns its id.
func hdCreateUser(t *testing.T, h *harness, email string) int64 {
	t.Helper()
	r := h.do(http.MethodPost, "/scim/v2/Users", entraUserBody(email))
	if r.Status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", email, r.Status, r.Body)
	}
	return hdID(t, r)
}

// hdCreateGroup creates an empty group through SCIM and returns its id.
func hdCreateGroup(t *testing.T, h *harness, name string) int64 {
	t.Helper()
	r := h.do(http.MethodPost, "/scim/v2/Groups", map[string]any{"schemas": []string{hdGroupSchema}, "displayName": name})
	if r.Status != http.StatusCreated {
		t.Fatalf("create group %q: %d %s", name, r.Status, r.Body)
	}
	return hdID(t, r)
}

func hdID(t *testing.T, r response) int64 {
	t.Helper()
	s, _ := r.JSON(t)["id"].(string)
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("answer has no numeric id: %s", r.Body)
	}
	return id
}

// hdLookup is Entra's lookup by userName; it returns the ids found.
func hdLookup(t *testing.T, h *harness, email string) []string {
	t.Helper()
	r := h.do(http.MethodGet, "/scim/v2/Users?filter="+hdFilter(`userName eq "`+email+`"`), nil)
	if r.Status != http.StatusOK {
		t.Fatalf("lookup %s: %d %s", email, r.Status, r.Body)
	}
	return hdListIDs(t, r)
}

func hdListIDs(t *testing.T, r response) []string {
	t.Helper()
	var ids []string
	res, _ := r.JSON(t)["Resources"].([]any)
	for _, x := range res {
		m, _ := x.(map[string]any)
		id, _ := m["id"].(string)
		ids = append(ids, id)
	}
	return ids
}

// hdFilter encodes a filter the way Entra does (spaces as +, quotes and @ escaped).
func hdFilter(f string) string {
	r := strings.NewReplacer("%", "%25", " ", "+", `"`, "%22", "@", "%40", "&", "%26", "#", "%23", "'", "%27", "+", "%2B", "\\", "%5C")
	return r.Replace(f)
}

// hdUsersWithEmail counts Freshservice users whose primary email is email.
func hdUsersWithEmail(h *harness, email string) []freshservice.User {
	var out []freshservice.User
	for _, u := range h.emu.Users() {
		if strings.EqualFold(u.Mail(), email) {
			out = append(out, u)
		}
	}
	return out
}

// hdRequesterGroups lists the emulated account's requester groups through its API (the emulator has
// no inspection call for the whole list). The calls go to the emulator's log: reset it after.
func hdRequesterGroups(t *testing.T, h *harness) []freshservice.RequesterGroup {
	t.Helper()
	var body struct {
		Groups []freshservice.RequesterGroup `json:"requester_groups"`
	}
	const path = "/requester_groups?per_page=100"
	r := h.emuCall(http.MethodGet, path)
	if r.Status != http.StatusOK {
		t.Fatalf("emulator GET %s: %d %s", path, r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("emulator GET %s: %v", path, err)
	}
	return body.Groups
}

// hdAssertSCIMError checks that r is a SCIM error document with status and, when given, scimType
// ("a|b" allows either).
func hdAssertSCIMError(t *testing.T, r response, status int, scimType string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	body := r.JSON(t)
	schemas, _ := body["schemas"].([]any)
	if len(schemas) != 1 || schemas[0] != hdErrorSchema {
		t.Fatalf("not a SCIM error document: %s", r.Body)
	}
	if body["status"] != strconv.Itoa(status) {
		t.Fatalf("error status %v, want %q: %s", body["status"], strconv.Itoa(status), r.Body)
	}
	if got, _ := body["scimType"].(string); scimType != "" && !slices.Contains(strings.Split(scimType, "|"), got) {
		t.Fatalf("scimType %q, want %q: %s", got, scimType, r.Body)
	}
	if d, _ := body["detail"].(string); d == "" {
		t.Fatalf("error without detail: %s", r.Body)
	}
}

// hdRetryAfter is the Retry-After header in seconds, or -1 when it is missing or not a number.
func hdRetryAfter(r response) int {
	s := r.Header.Get("Retry-After")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// hdWaitFor polls cond until it holds or the deadline passes; it is for state that settles in the
// background (a reload, goroutines ending), never for measuring speed.
func hdWaitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hdOpenBudget never limits: it stands in for Entra having waited out a Retry-After, so that a test
// can send Entra's retry without waiting the minutes Freshservice asked for.
type hdOpenBudget struct{}

func (hdOpenBudget) Take(context.Context, bool) error { return nil }
func (hdOpenBudget) Observe(int, http.Header)         {}
func (hdOpenBudget) Remaining() int                   { return -1 }
func (hdOpenBudget) Limit() int                       { return 0 }
func (hdOpenBudget) SetLimits(int, int)               {}

func hdWithOpenBudget(o *proxy.Options) {
	o.NewBudget = func(*config.Tenant, time.Duration) budget.Budget { return hdOpenBudget{} }
}

// hdRecorder is a transport that records every call fsscim starts (the emulator's own log only has
// calls once they end), with the host it went to.
type hdRecorder struct {
	next http.RoundTripper

	mu    sync.Mutex
	calls []hdCall
}

type hdCall struct{ method, host, path string }

func hdNewRecorder(t testing.TB) *hdRecorder { return &hdRecorder{next: hdTransport(t)} }

// hdTransport is a transport of the test's own: tests that run side by side must not share
// http.DefaultTransport, whose idle connections and dials in progress every httptest.Server.Close
// cancels (errors "http: CloseIdleConnections called" in another test's call).
func hdTransport(t testing.TB) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func (rec *hdRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	rec.mu.Lock()
	rec.calls = append(rec.calls, hdCall{method: r.Method, host: r.URL.Host, path: r.URL.Path})
	rec.mu.Unlock()
	// Tests only ever talk to this machine: a call elsewhere is recorded (for the test to fail on)
	// and never sent.
	if ip := net.ParseIP(r.URL.Hostname()); r.URL.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("test transport: refusing to call %s off this machine", r.URL.Host)
	}
	return rec.next.RoundTrip(r)
}

func (rec *hdRecorder) started() []hdCall {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.calls)
}

func (rec *hdRecorder) reset() {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.calls = nil
}

// hdRunConcurrently calls run(0..n-1) from workers goroutines and returns when all are done. Subtests
// started this way (t.Run may be called from several goroutines) are not bound by -parallel.
func hdRunConcurrently(t *testing.T, workers, n int, run func(i int)) {
	t.Helper()
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				run(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
