package proxy_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsscim/fsscim/proxy"
)

// TestIndexRefreshWaitsForBudget checks that a stale directory index is rebuilt in the background
// when the tenant has budget to spare, and is not while less than a quarter of the minute's budget
// is left: the list walk would take the calls Entra's writes are waiting for.
func TestIndexRefreshWaitsForBudget(t *testing.T) {
	tests := []struct {
		name        string
		perMinute   int
		wantRefresh bool
	}{
		{"budget to spare", 100, true},
		// 17 of 20 calls spent: the walk's two list calls could be made, but leave 3 of 20.
		{"budget low", 20, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var clock atomic.Int64
			clock.Store(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC).UnixNano())
			h := newHarness(t, withTenant(fmt.Sprintf("rate_limit: {per_minute: %d}", tt.perMinute)), withServer(func(o *proxy.Options) {
				o.IndexMaxAge = 30 * time.Second
				o.KeyCheckInterval = time.Hour
				o.Now = func() time.Time { return time.Unix(0, clock.Load()).UTC() }
			}))
			h.warmIndex()       // key check and index build: 3 calls
			for i := range 13 { // a call each
				h.createUser(entraUserBody(fmt.Sprintf("budget%d@contoso.com", i)))
			}
			clock.Add(int64(31 * time.Second)) // stale, and still the minute whose budget was spent
			h.emu.ResetCalls()
			h.lookupKnown() // a call to read the user found
			refreshed := func() bool {
				for _, c := range h.calls() {
					if c == "GET /requesters" || c == "GET /agents" {
						return true
					}
				}
				return false
			}
			if tt.wantRefresh {
				// The refresh runs in the background; closing the server would cancel it.
				for deadline := time.Now().Add(10 * time.Second); !refreshed() && time.Now().Before(deadline); {
					time.Sleep(5 * time.Millisecond)
				}
			}
			h.srv.Close() // ends background work: a refresh not started by now never will be
			if refreshed() != tt.wantRefresh {
				t.Errorf("index refreshed = %v, want %v; calls: %v", refreshed(), tt.wantRefresh, h.calls())
			}
		})
	}
}

// lookupKnown is a lookup that the index answers, once it is built.
func (h *harness) lookupKnown() {
	h.t.Helper()
	r := h.do(http.MethodGet, "/scim/v2/Users?filter=userName+eq+%22budget0%40contoso.com%22", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"totalResults":1`) {
		h.t.Fatalf("lookup: %d %s", r.Status, r.Body)
	}
}
