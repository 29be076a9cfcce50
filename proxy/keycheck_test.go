package proxy_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
)

// TestStaleKeyCheckShared checks that requests arriving together after the key's verdict went stale
// share one GET /agents/me instead of sending one each.
func TestStaleKeyCheckShared(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC).UnixNano())
	h := newHarness(t, withServer(func(o *proxy.Options) {
		o.KeyCheckInterval = time.Minute
		o.Now = func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	}))
	const lookup = "/scim/v2/Users?filter=userName+eq+%22nobody%40contoso.com%22"
	if r := h.do(http.MethodGet, lookup, nil); r.Status != http.StatusOK {
		t.Fatalf("first lookup: status %d: %s", r.Status, r.Body)
	}
	clock.Add(int64(2 * time.Minute))
	h.emu.ResetCalls()
	// The check is slow, so every request below finds it under way.
	h.emu.InjectFault(freshservicetest.Fault{Latency: time.Second, Method: http.MethodGet, PathPrefix: "/api/v2/agents/me"}, 1)

	const concurrent = 6
	statuses := make([]int, concurrent)
	var wg sync.WaitGroup
	for i := range concurrent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = h.do(http.MethodGet, lookup, nil).Status
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("request %d: status %d, want 200", i, s)
		}
	}
	checks := 0
	for _, c := range h.calls() {
		if c == "GET /agents/me" {
			checks++
		}
	}
	if checks != 1 {
		t.Errorf("%d key checks for %d concurrent requests, want 1; calls: %v", checks, concurrent, h.calls())
	}
}
