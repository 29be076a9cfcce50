package freshservice_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/store/redistest"
)

// testClock is a settable clock shared by budgets standing for several fsscim processes.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// stateLog records OnStateChange calls.
type stateLog struct {
	mu      sync.Mutex
	changes []string
}

func (l *stateLog) record(shared bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if shared {
		l.changes = append(l.changes, "shared")
		return
	}
	l.changes = append(l.changes, "local: "+err.Error())
}

func (l *stateLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.changes...)
}

func newShared(t *testing.T, c redis.UniversalClient, clk *testClock, o freshservice.RedisBudgetOptions) *freshservice.RedisBudget {
	t.Helper()
	o.Client, o.Now = c, clk.Now
	if o.OpTimeout == 0 {
		o.OpTimeout = 2 * time.Second // a loaded test machine must not pass for a Redis outage
	}
	if o.Tenant == "" {
		o.Tenant = "acme.freshservice.com"
	}
	b, err := freshservice.NewRedisBudget(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func isLocal429(err error) (time.Duration, bool) {
	var e *freshservice.Error
	if errors.As(err, &e) && e.Status == http.StatusTooManyRequests && e.Local {
		return e.RetryAfter, true
	}
	return 0, false
}

func TestRedisBudgetIsSharedBetweenProcesses(t *testing.T) {
	srv := redistest.Start(t)
	clk := newTestClock()
	clk.Add(15 * time.Second) // 45 s left in the window
	a := newShared(t, srv.Client(), clk, freshservice.RedisBudgetOptions{PerMinute: 60})
	b := newShared(t, srv.Client(), clk, freshservice.RedisBudgetOptions{PerMinute: 60})
	ctx := context.Background()

	granted := 0
	var refusals []time.Duration
	for i := range 100 {
		bud := a
		if i%2 == 1 {
			bud = b
		}
		err := bud.Take(ctx, false)
		if err == nil {
			granted++
			continue
		}
		ra, ok := isLocal429(err)
		if !ok {
			t.Fatalf("take %d: %v, want nil or a local 429", i, err)
		}
		refusals = append(refusals, ra)
	}
	if granted != 60 {
		t.Fatalf("two processes together were granted %d calls in one window, want 60", granted)
	}
	if len(refusals) != 40 || refusals[0] != 45*time.Second {
		t.Fatalf("refusals %d, first Retry-After %v; want 40 refusals asking to wait 45s (the window's rest)", len(refusals), refusals[0])
	}
	if got := a.Remaining(); got != 0 {
		t.Fatalf("Remaining after the window is spent = %d, want 0", got)
	}
	clk.Add(45 * time.Second)
	if err := b.Take(ctx, false); err != nil {
		t.Fatalf("next window: %v", err)
	}
	if got := b.Remaining(); got != 59 {
		t.Fatalf("Remaining after one call of a new window = %d, want 59", got)
	}
	if !a.Shared() || !b.Shared() {
		t.Fatal("budgets fell back to local counting with Redis up")
	}
}

func TestRedisBudgetSharesWhatFreshserviceSays(t *testing.T) {
	tests := []struct {
		name    string
		opts    freshservice.RedisBudgetOptions
		status  int
		headers map[string]string
		want    string // "granted", or "refused <Retry-After>"
	}{
		{"429 with Retry-After holds everyone back", freshservice.RedisBudgetOptions{PerMinute: 100}, 429,
			map[string]string{"Retry-After": "20"}, "refused 20s"},
		{"remaining 0 closes the window for everyone", freshservice.RedisBudgetOptions{PerMinute: 100}, 200,
			map[string]string{"X-Ratelimit-Total": "100", "X-Ratelimit-Remaining": "0"}, "refused 50s"},
		{"remaining above the count changes nothing", freshservice.RedisBudgetOptions{PerMinute: 100}, 200,
			map[string]string{"X-Ratelimit-Total": "100", "X-Ratelimit-Remaining": "90"}, "granted"},
		{"a learnt limit is shared", freshservice.RedisBudgetOptions{}, 200,
			map[string]string{"X-Ratelimit-Total": "5", "X-Ratelimit-Remaining": "1"}, "granted then refused 50s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := redistest.Start(t)
			clk := newTestClock()
			clk.Add(10 * time.Second)
			a := newShared(t, srv.Client(), clk, tt.opts)
			b := newShared(t, srv.Client(), clk, tt.opts)
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			a.Observe(tt.status, h)
			ctx := context.Background()
			describe := func(err error) string {
				if err == nil {
					return "granted"
				}
				if ra, ok := isLocal429(err); ok {
					return "refused " + ra.String()
				}
				return "error " + err.Error()
			}
			got := describe(b.Take(ctx, false))
			if strings.Contains(tt.want, " then ") {
				got += " then " + describe(b.Take(ctx, false))
			}
			if got != tt.want {
				t.Fatalf("the other process's Take: %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRedisBudgetListLimitIsShared(t *testing.T) {
	srv := redistest.Start(t)
	clk := newTestClock()
	a := newShared(t, srv.Client(), clk, freshservice.RedisBudgetOptions{PerMinute: 100, ListPerMinute: 3})
	b := newShared(t, srv.Client(), clk, freshservice.RedisBudgetOptions{PerMinute: 100, ListPerMinute: 3})
	ctx := context.Background()
	for i, bud := range []*freshservice.RedisBudget{a, b, a} {
		if err := bud.Take(ctx, true); err != nil {
			t.Fatalf("list call %d: %v", i, err)
		}
	}
	if _, ok := isLocal429(b.Take(ctx, true)); !ok {
		t.Fatal("a fourth list call in the window was granted; the list limit is 3 for both processes together")
	}
	if err := b.Take(ctx, false); err != nil {
		t.Fatalf("a non-list call after the list limit: %v", err)
	}
}

func TestRedisBudgetWaitsForTheNextWindow(t *testing.T) {
	srv := redistest.Start(t)
	// A real clock and a short window: the second call must wait for the next window, then pass.
	b, err := freshservice.NewRedisBudget(freshservice.RedisBudgetOptions{
		Client: srv.Client(), Tenant: "acme.freshservice.com", PerMinute: 1, OpTimeout: 2 * time.Second,
		Window: 100 * time.Millisecond, MaxWait: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := b.Take(ctx, false); err != nil {
		t.Fatal(err)
	}
	if err := b.Take(ctx, false); err != nil {
		t.Fatalf("second call did not get the next window's budget: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Take(cctx, false); !errors.Is(err, context.Canceled) {
		t.Fatalf("Take with a cancelled context = %v", err)
	}
}

func TestRedisBudgetFallsBackWhenRedisGoesAway(t *testing.T) {
	srv := redistest.Start(t)
	clk := newTestClock()
	var log stateLog
	b := newShared(t, srv.Client(), clk, freshservice.RedisBudgetOptions{
		PerMinute: 3, RetryInterval: 10 * time.Second, OnStateChange: log.record,
	})
	ctx := context.Background()
	if err := b.Take(ctx, false); err != nil {
		t.Fatal(err)
	}

	srv.Stop()
	// The local budget has the same limit and knows nothing of the shared count: three calls pass.
	for i := range 3 {
		if err := b.Take(ctx, false); err != nil {
			t.Fatalf("take %d with Redis gone: %v (a Redis outage must not fail calls)", i, err)
		}
	}
	if _, ok := isLocal429(b.Take(ctx, false)); !ok {
		t.Fatal("the local fallback does not enforce the limit")
	}
	if b.Shared() {
		t.Fatal("Shared() is true with Redis gone")
	}
	changes := log.get()
	if len(changes) != 1 || !strings.HasPrefix(changes[0], "local: shared rate budget of acme.freshservice.com") {
		t.Fatalf("state changes %q, want one fall-back naming the tenant", changes)
	}

	srv.Restart()
	clk.Add(time.Minute) // a new window, and past the retry interval
	if err := b.Take(ctx, false); err != nil {
		t.Fatal(err)
	}
	if !b.Shared() {
		t.Fatal("the budget did not go back to Redis after it returned")
	}
	if changes := log.get(); len(changes) != 2 || changes[1] != "shared" {
		t.Fatalf("state changes %q, want a return to shared", changes)
	}
	if got := b.Remaining(); got != 2 {
		t.Fatalf("Remaining = %d, want 2 from the shared count", got)
	}
}

func TestNewRedisBudgetRequiresClientAndTenant(t *testing.T) {
	if _, err := freshservice.NewRedisBudget(freshservice.RedisBudgetOptions{Tenant: "a"}); err == nil {
		t.Error("no client: no error")
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	if _, err := freshservice.NewRedisBudget(freshservice.RedisBudgetOptions{Client: c, Tenant: " "}); err == nil {
		t.Error("no tenant: no error")
	}
}
