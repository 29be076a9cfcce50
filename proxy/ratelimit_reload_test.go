package proxy_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
)

// TestRateLimitChangeHoldsAfterReload lowers the tenant's rate_limit.per_minute from 100 to 30 and
// reloads the tenant file: from then on Freshservice receives no more than 30 calls in a clock minute,
// and Entra gets 429 with Retry-After for the rest.
func TestRateLimitChangeHoldsAfterReload(t *testing.T) {
	clk := freshservicetest.NewClock(time.Date(2025, 3, 1, 12, 0, 10, 0, time.UTC))
	clock := clk.Now
	var reloaded atomic.Pointer[config.TenantSet]
	h := newHarness(t,
		withTenant("rate_limit: {per_minute: 100}"),
		withEmulator(freshservicetest.Options{Now: clock}),
		withServer(func(o *proxy.Options) {
			o.Now = clock
			first := o.Tenants
			o.Tenants = func() *config.TenantSet {
				if set := reloaded.Load(); set != nil {
					return set
				}
				return first()
			}
		}))
	u := h.emu.AddRequester(freshservice.User{FirstName: "Ada", LastName: "Lovelace", PrimaryEmail: "ada@example.com"})
	g := h.emu.AddRequesterGroup("Analysts", false)
	if err := h.emu.AddRequesterGroupMember(g.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	// Users are answered from the directory replica; a requester group's members are read from
	// Freshservice, one call each time.
	read := func() response { return h.do(http.MethodGet, fmt.Sprintf("/scim/v2/Groups/%d", g.ID), nil) }
	if r := read(); r.Status != http.StatusOK {
		t.Fatalf("read before the reload: %d %s", r.Status, r.Body)
	}

	// The operator lowers the limit; the watcher installs the new file.
	dir := t.TempDir()
	yaml := "domain: " + testDomain + "\napi_url: " + h.emuURL + "/api/v2\nrate_limit: {per_minute: 30}\n"
	if err := os.WriteFile(filepath.Join(dir, "acme.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := config.LoadDir(dir, config.LoadOptions{AllowAPIURL: true})
	if err != nil {
		t.Fatal(err)
	}
	reloaded.Store(set)

	clk.Add(50 * time.Second) // 12:01:00
	h.emu.ResetCalls()
	statuses := map[int]int{}
	for range 60 {
		r := read()
		if r.Status == http.StatusTooManyRequests && r.Header.Get("Retry-After") == "" {
			t.Fatal("a 429 without Retry-After")
		}
		statuses[r.Status]++
	}
	if got := len(h.emu.Calls()); got != 30 {
		t.Errorf("Freshservice received %d calls in the minute after the limit was lowered to 30", got)
	}
	if statuses[http.StatusOK] != 30 || statuses[http.StatusTooManyRequests] != 30 {
		t.Errorf("answers by status %v; want 30 reads served and 30 answered 429", statuses)
	}
}
