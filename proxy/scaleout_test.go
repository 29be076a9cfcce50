package proxy_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/proxy/proxytest"
	"github.com/fsscim/fsscim/store"
	"github.com/fsscim/fsscim/store/budget"
	"github.com/fsscim/fsscim/store/redistest"
)

// replica is one fsscim process of a scaled-out deployment.
type replica struct {
	srv   *proxy.Server
	http  *httptest.Server
	logs  *proxytest.LogBuffer
	store *store.Shared
}

// cluster is several replicas serving one tenant through one Redis, against one Freshservice account.
type cluster struct {
	t     *testing.T
	clock *freshservicetest.Clock // of the emulator and the budgets: moved from one rate window to the next
	emu   *freshservicetest.Emulator
	redis *redistest.Server
	// gate, when the cluster reaches Redis through one, is shut to play a Redis that stops answering
	// without losing its data.
	gate     *redistest.Gate
	replicas []*replica
	token    string
}

const clusterPerMinute = 60

func newCluster(t *testing.T, n int) *cluster { return newClusterVia(t, n, false) }

// newClusterVia is newCluster; gated puts a Gate between the replicas and Redis.
func newClusterVia(t *testing.T, n int, gated bool) *cluster {
	t.Helper()
	clk := freshservicetest.NewClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	emu, emuSrv := freshservicetest.NewServer(freshservicetest.Options{PerMinute: clusterPerMinute, Now: clk.Now})
	t.Cleanup(emuSrv.Close)
	apiKey := "cluster-api-key-5b1e0d"
	emu.AddAPIKey(apiKey, true)
	rds := redistest.Start(t)

	dir := t.TempDir()
	set := oneTenant(t, dir, "acme", fmt.Sprintf("domain: %s\napi_url: %s/api/v2\nrate_limit: {per_minute: %d}\n", testDomain, emuSrv.URL, clusterPerMinute))
	_, keys := proxytest.NewKeys(t)
	token := proxytest.Seal(t, keys, testDomain, apiKey)
	c := &cluster{t: t, clock: clk, emu: emu, redis: rds, token: token}
	if gated {
		c.gate = rds.Gate()
	}
	var beats []*budget.Replicas
	for i := range n {
		rc := rds.Client()
		if gated {
			rc = c.gate.Client()
		}
		beat, err := budget.NewReplicas(budget.ReplicasOptions{Client: rc, Now: clk.Now, OpTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		beats = append(beats, beat)
		c.replicas = append(c.replicas, c.newReplica(filepath.Join(dir, fmt.Sprintf("replica-%d", i)), set, keys, rc, beat))
	}
	for range 2 { // the second round counts every replica
		for _, b := range beats {
			if err := b.Beat(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	c.settle()
	t.Cleanup(func() {
		for i, r := range c.replicas {
			for _, secret := range []string{apiKey, token} {
				if strings.Contains(r.logs.String(), secret) {
					t.Errorf("a secret appeared in replica %d's log", i)
				}
			}
			if t.Failed() {
				t.Logf("replica %d log:\n%s", i, r.logs.String())
			}
		}
	})
	return c
}

func (c *cluster) newReplica(dataDir string, set *config.TenantSet, keys *config.Keyring, rc *redis.Client, beat *budget.Replicas) *replica {
	t := c.t
	local, err := store.OpenBolt(filepath.Join(dataDir, store.DefaultFileName))
	if err != nil {
		t.Fatal(err)
	}
	// Generous timeouts: a slow moment of a loaded test machine must not pass for a Redis outage.
	remote, err := store.NewRedis(rc, store.RedisOptions{OpTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	logs := &proxytest.LogBuffer{}
	log := redactingLogger(logs, zap.DebugLevel)

	var srv *proxy.Server // set below, before any request can reach the callbacks
	shared, err := store.NewShared(store.SharedOptions{Remote: remote, Local: local, Now: c.clock.Now,
		OnStateChange: func(ok bool, err error) { srv.SharedStateChanged(proxy.SharedStore, "store", ok, err) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = shared.Close() })
	var hs *httptest.Server
	srv, hs = serveProxy(t, proxy.Options{
		Tenants:    func() *config.TenantSet { return set },
		Keys:       keys,
		Store:      shared,
		Logger:     log,
		Backoff:    func(int) time.Duration { return 0 },
		BudgetWait: 20 * time.Millisecond, // a spent window is refused at once: the clock does not move by itself
		NewBudget: func(tn *config.Tenant, wait time.Duration) budget.Budget {
			b, err := budget.NewRedis(budget.RedisOptions{
				Client: rc, Tenant: tn.Domain, PerMinute: tn.RateLimit.PerMinute, ListPerMinute: tn.RateLimit.ListPerMinute,
				MaxWait: wait, Now: c.clock.Now, OpTimeout: 2 * time.Second, Replicas: beat,
				OnStateChange: func(ok bool, err error) { srv.SharedStateChanged(proxy.SharedBudget, tn.Domain, ok, err) },
			})
			if err != nil {
				t.Errorf("shared budget: %v", err)
				return nil
			}
			return b
		},
	})
	return &replica{srv: srv, http: hs, logs: logs, store: shared}
}

// settle has every replica copy its records into Redis, as each does when it starts, and moves the
// clock past the time replicas are given to do so: a Redis met for the first time is one that may
// have lost records.
func (c *cluster) settle() {
	c.t.Helper()
	for i, r := range c.replicas {
		if err := r.store.Join(context.Background()); err != nil {
			c.t.Fatalf("replica %d joins Redis: %v", i, err)
		}
	}
	c.clock.Add(store.DefaultSettleWindow)
}

// do sends one SCIM request to replica i.
func (c *cluster) do(i int, method, path string, body any) response {
	c.t.Helper()
	h := &harness{t: c.t, http: c.replicas[i].http, token: c.token}
	return h.do(method, path, body)
}

// load sends the same read to every replica from several clients at once and counts the answers by
// status.
func (c *cluster) load(path string, clientsPerReplica, requestsPerClient int) map[int]int {
	c.t.Helper()
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for _, r := range c.replicas {
		for range clientsPerReplica {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range requestsPerClient {
					req, _ := http.NewRequest(http.MethodGet, r.http.URL+path, nil)
					req.Header.Set("Authorization", "Bearer "+c.token)
					resp, err := http.DefaultClient.Do(req)
					status := 0
					if err == nil {
						status = resp.StatusCode
						if status == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
							status = -429 // a 429 Entra cannot act on
						}
						resp.Body.Close()
					}
					mu.Lock()
					statuses[status]++
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	return statuses
}

// callsPerMinute counts the calls the emulated account received in each minute of its clock, and
// how many it refused with 429.
func (c *cluster) callsPerMinute() (map[time.Time]int, int) {
	perMinute := map[time.Time]int{}
	refused := 0
	for _, call := range c.emu.Calls() {
		perMinute[call.At.Truncate(time.Minute)]++
		if call.Status == http.StatusTooManyRequests {
			refused++
		}
	}
	return perMinute, refused
}

// costlyRead seeds a user in a requester group and returns the path of a read that costs one
// Freshservice call each time: users are answered from the directory replica, but a requester
// group's members are read from Freshservice.
func (c *cluster) costlyRead() string {
	c.t.Helper()
	u := c.emu.AddRequester(freshservice.User{FirstName: "Ada", LastName: "Lovelace", PrimaryEmail: "ada@example.com"})
	g := c.emu.AddRequesterGroup("Analysts", false)
	if err := c.emu.AddRequesterGroupMember(g.ID, u.ID); err != nil {
		c.t.Fatal(err)
	}
	return fmt.Sprintf("/scim/v2/Groups/%d", g.ID)
}

// TestReplicasShareOneRateBudget runs two replicas under load against one account limited to 60
// calls a minute, for two minutes of the account's clock: together they stay within 60 a minute and
// never earn a 429 from Freshservice; Entra gets 200s and 429s with Retry-After, nothing else.
func TestReplicasShareOneRateBudget(t *testing.T) {
	c := newCluster(t, 2)
	path := c.costlyRead()

	for minute := range 2 {
		statuses := c.load(path, 4, 25) // 200 reads against a budget of 60
		if len(statuses) > 2 || statuses[http.StatusOK] == 0 || statuses[http.StatusTooManyRequests] == 0 {
			t.Fatalf("minute %d: answers by status %v; want only 200 and 429 with Retry-After", minute, statuses)
		}
		c.clock.Add(time.Minute)
	}
	perMinute, refused := c.callsPerMinute()
	if len(perMinute) != 2 {
		t.Fatalf("calls fell into %d minutes, want 2: %v", len(perMinute), perMinute)
	}
	for m, n := range perMinute {
		if n > clusterPerMinute {
			t.Errorf("minute %s: the account received %d calls, over its %d", m.Format("15:04"), n, clusterPerMinute)
		}
		if n < clusterPerMinute-5 {
			t.Errorf("minute %s: only %d calls of %d were used", m.Format("15:04"), n, clusterPerMinute)
		}
	}
	if refused != 0 {
		t.Errorf("Freshservice answered 429 %d times: the replicas overspent", refused)
	}
	// Both replicas served reads, each from the shared budget.
	for i, r := range c.replicas {
		m := scrapeMetrics(t, r.srv)
		if m.sum("fsscim_scim_requests_total", "status", "200") == 0 {
			t.Errorf("replica %d served no read", i)
		}
		if m.sum("fsscim_rate_budget_refusals_total") == 0 {
			t.Errorf("replica %d refused nothing: it cannot have counted against the shared budget", i)
		}
	}
}

// TestReplicasShareRecordsOfWhatFreshserviceForgets disables a user through one replica and enables it
// through the other: the department Freshservice dropped at the deactivation comes back.
func TestReplicasShareRecordsOfWhatFreshserviceForgets(t *testing.T) {
	c := newCluster(t, 2)
	c.emu.AddDepartment("Sales")
	r := c.do(0, http.MethodPost, "/scim/v2/Users", map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"userName": "grace@example.com", "active": true,
		"name":   map[string]any{"givenName": "Grace", "familyName": "Hopper"},
		"emails": []any{map[string]any{"type": "work", "value": "grace@example.com", "primary": true}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Sales"},
	})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id, _ := r.JSON(t)["id"].(string)
	active := func(v bool) map[string]any {
		return map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": v}},
		}
	}
	if r := c.do(0, http.MethodPatch, "/scim/v2/Users/"+id, active(false)); r.Status != http.StatusOK {
		t.Fatalf("disable through replica 0: %d %s", r.Status, r.Body)
	}
	if fu, _ := c.emu.UserByEmail("grace@example.com"); fu.Active {
		t.Fatal("the user is still active after the disable")
	}
	if r := c.do(1, http.MethodPatch, "/scim/v2/Users/"+id, active(true)); r.Status != http.StatusOK {
		t.Fatalf("enable through replica 1: %d %s", r.Status, r.Body)
	}
	// Freshservice reactivates the user without its department; the record replica 0 kept brings it back.
	fu, _ := c.emu.UserByEmail("grace@example.com")
	if !fu.Active || len(fu.DepartmentIDs) != 1 {
		t.Fatalf("after the enable through the other replica: active %v, departments %v; want the department restored", fu.Active, fu.DepartmentIDs)
	}
}

// TestReplicasKeepServingWhenRedisGoesAway stops Redis in the middle of a minute: each replica goes on
// serving the users it recorded itself, the replicas counting alone still keep the account within its
// minute, each says so once in its log and in its metrics, and they share again when Redis returns. A
// user a replica holds no record of is answered 503 with Retry-After meanwhile: another replica may
// have recorded it deleted, or disabled with a department to restore.
func TestReplicasKeepServingWhenRedisGoesAway(t *testing.T) {
	c := newCluster(t, 2)
	// Users are answered from the directory replica; the read that spends the account's budget is a
	// requester group's, whose members are read from Freshservice each time.
	path := c.costlyRead()
	u, _ := c.emu.UserByEmail("ada@example.com")
	other := c.emu.AddRequester(freshservice.User{FirstName: "Alan", LastName: "Turing", PrimaryEmail: "alan@example.com"})
	userPath := fmt.Sprintf("/scim/v2/Users/%d", u.ID)
	// Each replica records the user and the group (a change through each), as Entra's PATCHes spread
	// over them do.
	for i := range c.replicas {
		r := c.do(i, http.MethodPatch, userPath, map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "Replace", "path": "title", "value": fmt.Sprintf("Engineer %d", i)}},
		})
		if r.Status != http.StatusOK {
			t.Fatalf("change through replica %d: %d %s", i, r.Status, r.Body)
		}
		r = c.do(i, http.MethodPatch, path, map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "Replace", "path": "externalId", "value": fmt.Sprintf("analysts-%d", i)}},
		})
		if r.Status != http.StatusNoContent {
			t.Fatalf("group change through replica %d: %d %s", i, r.Status, r.Body)
		}
	}
	if st := c.load(path, 2, 5); st[http.StatusOK] != 20 {
		t.Fatalf("with Redis up: %v", st)
	}

	c.redis.Stop()
	c.clock.Add(30 * time.Second)
	statuses := c.load(path, 2, 25) // 100 reads, with 40 of the minute's 60 calls left
	if len(statuses) > 2 || statuses[http.StatusOK] == 0 || statuses[0] != 0 {
		t.Fatalf("with Redis gone: answers by status %v; want 200s (and 429s with Retry-After at most)", statuses)
	}
	perMinute, _ := c.callsPerMinute()
	for m, n := range perMinute {
		if n > clusterPerMinute {
			t.Errorf("minute %s: the account received %d calls with Redis gone, over its %d", m.Format("15:04"), n, clusterPerMinute)
		}
	}
	// A user no replica recorded: what another replica may have recorded is out of reach.
	for i := range c.replicas {
		r := c.do(i, http.MethodGet, fmt.Sprintf("/scim/v2/Users/%d", other.ID), nil)
		if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" ||
			!strings.Contains(string(r.Body), "Redis is unusable") || !strings.Contains(string(r.Body), "Nothing was written") {
			t.Fatalf("replica %d reads a user it holds no record of with Redis gone: %d %v %s; want 503 with Retry-After naming Redis",
				i, r.Status, r.Header.Get("Retry-After"), r.Body)
		}
	}
	// A user the replicas recorded is answered from the directory replica, by id and by a lookup; a
	// lookup that finds a user no replica recorded is a 503 like the read by id.
	for i := range c.replicas {
		if r := c.do(i, http.MethodGet, userPath, nil); r.Status != http.StatusOK {
			t.Fatalf("replica %d reads a user it recorded with Redis gone: %d %s", i, r.Status, r.Body)
		}
		r := c.do(i, http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "ada@example.com"`), nil)
		if r.Status != http.StatusOK || r.JSON(t)["totalResults"] != float64(1) {
			t.Fatalf("replica %d looks up a user it recorded with Redis gone: %d %s", i, r.Status, r.Body)
		}
		r = c.do(i, http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "alan@example.com"`), nil)
		if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.Body), "Redis is unusable") {
			t.Fatalf("replica %d looks up a user it holds no record of with Redis gone: %d %s; want 503 naming Redis", i, r.Status, r.Body)
		}
	}
	// In the next minute, a write goes on as well: the record lands in the replica's own store.
	c.clock.Add(time.Minute)
	r := c.do(0, http.MethodPatch, userPath, map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": false}},
	})
	if r.Status != http.StatusOK {
		t.Fatalf("disable with Redis gone: %d %s", r.Status, r.Body)
	}
	for i, rep := range c.replicas {
		m := scrapeMetrics(t, rep.srv)
		if got := m[series("fsscim_shared_state_degraded")]; got != 1 {
			t.Errorf("replica %d: fsscim_shared_state_degraded = %v with Redis gone, want 1", i, got)
		}
		if got := strings.Count(rep.logs.String(), "Redis is unusable"); got != 1 {
			t.Errorf("replica %d said %d times that Redis is unusable, want once", i, got)
		}
	}

	// Redis comes back empty: the replicas copy their records back, and answer 503 for what needs
	// records until every live replica has had the time to.
	c.redis.Restart()
	c.clock.Add(time.Minute) // past the retry interval
	if st := c.load(path, 1, 2); st[http.StatusServiceUnavailable] != 4 {
		t.Fatalf("right after Redis returned empty: %v; want 503s while the replicas refill it", st)
	}
	c.clock.Add(store.DefaultSettleWindow)
	if st := c.load(path, 1, 2); st[http.StatusOK] != 4 {
		t.Fatalf("after Redis returned and was refilled: %v", st)
	}
	for i, rep := range c.replicas {
		if got := scrapeMetrics(t, rep.srv)[series("fsscim_shared_state_degraded")]; got != 0 {
			t.Errorf("replica %d: fsscim_shared_state_degraded = %v after Redis returned, want 0", i, got)
		}
		if !strings.Contains(rep.logs.String(), "Redis is back") {
			t.Errorf("replica %d did not say that Redis is back", i)
		}
	}
}
