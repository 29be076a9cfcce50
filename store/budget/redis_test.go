package budget_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/store/budget"
	"github.com/fsscim/fsscim/store/redistest"
)

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

func newShared(t *testing.T, c redis.UniversalClient, clk *fakeClock, o budget.RedisOptions) *budget.Redis {
	t.Helper()
	o.Client, o.Now, o.Sleep = c, clk.Now, clk.Sleep
	if o.OpTimeout == 0 {
		o.OpTimeout = 2 * time.Second // a loaded test machine must not pass for a Redis outage
	}
	if o.Tenant == "" {
		o.Tenant = "acme.freshservice.com"
	}
	b, err := budget.NewRedis(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// heartbeats is one heartbeat per replica on the fake clock, each beaten once.
func heartbeats(t *testing.T, c redis.UniversalClient, clk *fakeClock, n int) []*budget.Replicas {
	t.Helper()
	var out []*budget.Replicas
	for range n {
		r, err := budget.NewReplicas(budget.ReplicasOptions{Client: c, Now: clk.Now, OpTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	for range 2 { // the second round counts every replica
		for _, r := range out {
			if err := r.Beat(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

func TestRedisBudgetIsSharedBetweenReplicas(t *testing.T) {
	srv := redistest.Start(t)
	clk := newClock(15 * time.Second) // 45 s left in the minute
	a := newShared(t, srv.Client(), clk, budget.RedisOptions{PerMinute: 60})
	b := newShared(t, srv.Client(), clk, budget.RedisOptions{PerMinute: 60})
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
		refusals = append(refusals, refusal(t, err))
	}
	if granted != 60 {
		t.Fatalf("two replicas together were granted %d calls in one minute, want 60", granted)
	}
	if len(refusals) != 40 || refusals[0] != 45*time.Second {
		t.Fatalf("refusals %d, first Retry-After %v; want 40 refusals asking to wait 45s (the minute's rest)", len(refusals), refusals[0])
	}
	if got := a.Remaining(); got != 0 {
		t.Fatalf("Remaining after the minute is spent = %d, want 0", got)
	}
	clk.Add(45 * time.Second)
	if err := b.Take(ctx, false); err != nil {
		t.Fatalf("next minute: %v", err)
	}
	if got := b.Remaining(); got != 59 {
		t.Fatalf("Remaining after one call of a new minute = %d, want 59", got)
	}
	if !a.Shared() || !b.Shared() {
		t.Fatal("budgets fell back to counting alone with Redis up")
	}
}

func TestRedisBudgetSharesWhatFreshserviceSays(t *testing.T) {
	tests := []struct {
		name    string
		opts    budget.RedisOptions
		status  int
		headers http.Header
		want    string // "granted", or "refused <Retry-After>"
	}{
		{"429 with Retry-After holds everyone back", budget.RedisOptions{PerMinute: 100}, 429,
			header("Retry-After", "20"), "refused 20s"},
		{"remaining 0 closes the minute for everyone", budget.RedisOptions{PerMinute: 100}, 200,
			header("X-Ratelimit-Total", "100", "X-Ratelimit-Remaining", "0"), "refused 50s"},
		{"remaining above the count changes nothing", budget.RedisOptions{PerMinute: 100}, 200,
			header("X-Ratelimit-Total", "100", "X-Ratelimit-Remaining", "90"), "granted"},
		{"a learnt limit is shared", budget.RedisOptions{}, 200,
			header("X-Ratelimit-Total", "5", "X-Ratelimit-Remaining", "1"), "granted then refused 50s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := redistest.Start(t)
			clk := newClock(10 * time.Second)
			a := newShared(t, srv.Client(), clk, tt.opts)
			b := newShared(t, srv.Client(), clk, tt.opts)
			ctx := context.Background()
			if err := a.Take(ctx, false); err != nil {
				t.Fatal(err)
			}
			a.Observe(tt.status, tt.headers)
			describe := func(err error) string {
				var le *freshservice.LimitError
				if errors.As(err, &le) {
					return "refused " + le.RetryAfter.String()
				}
				if err != nil {
					return "error " + err.Error()
				}
				return "granted"
			}
			got := describe(b.Take(ctx, false))
			if strings.Contains(tt.want, " then ") {
				got += " then " + describe(b.Take(ctx, false))
			}
			if got != tt.want {
				t.Fatalf("the other replica's Take: %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRedisBudgetListLimitIsShared(t *testing.T) {
	srv := redistest.Start(t)
	clk := newClock(0)
	a := newShared(t, srv.Client(), clk, budget.RedisOptions{PerMinute: 100, ListPerMinute: 3})
	b := newShared(t, srv.Client(), clk, budget.RedisOptions{PerMinute: 100, ListPerMinute: 3})
	ctx := context.Background()
	for i, bud := range []*budget.Redis{a, b, a} {
		if err := bud.Take(ctx, true); err != nil {
			t.Fatalf("list call %d: %v", i, err)
		}
	}
	refusal(t, b.Take(ctx, true))
	if err := b.Take(ctx, false); err != nil {
		t.Fatalf("a call that lists nothing, after the list limit: %v", err)
	}
}

func TestRedisBudgetWaitsForTheNextMinute(t *testing.T) {
	srv := redistest.Start(t)
	clk := newClock(50 * time.Second)
	b := newShared(t, srv.Client(), clk, budget.RedisOptions{PerMinute: 1, MaxWait: 15 * time.Second})
	ctx := context.Background()
	if err := b.Take(ctx, false); err != nil {
		t.Fatal(err)
	}
	if err := b.Take(ctx, false); err != nil {
		t.Fatalf("second call did not get the next minute's budget: %v", err)
	}
	if got := clk.Slept(); !slices.Equal(got, []time.Duration{10 * time.Second}) {
		t.Fatalf("waits %v, want one of 10s", got)
	}
	if got := refusal(t, b.Take(ctx, false)); got != time.Minute {
		t.Fatalf("RetryAfter = %v, want a minute (more than MaxWait)", got)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Take(cctx, false); !errors.Is(err, context.Canceled) {
		t.Fatalf("Take with a cancelled context = %v", err)
	}
}

func TestRedisBudgetSetLimits(t *testing.T) {
	srv := redistest.Start(t)
	clk := newClock(0)
	a := newShared(t, srv.Client(), clk, budget.RedisOptions{PerMinute: 100})
	b := newShared(t, srv.Client(), clk, budget.RedisOptions{PerMinute: 100})
	ctx := context.Background()
	mustTake(t, a, 20, false)
	// Each replica reloads its tenant file.
	a.SetLimits(10, 0)
	b.SetLimits(10, 0)
	refusal(t, b.Take(ctx, false))
	if got, lim := a.Remaining(), a.Limit(); got != 0 || lim != 10 {
		t.Fatalf("Remaining %d, Limit %d; want 0 and 10", got, lim)
	}
	clk.Add(time.Minute)
	granted := 0
	for i := range 30 {
		bud := a
		if i%2 == 1 {
			bud = b
		}
		if bud.Take(ctx, false) == nil {
			granted++
		}
	}
	if granted != 10 {
		t.Fatalf("the next minute granted %d calls, want 10", granted)
	}
}

// TestRedisLossStartsFromTheLastCountAndAShare: two replicas spend 40 of 60 calls of a minute, then
// Redis dies. Each counts alone from the count it last saw, with half the limit: neither may call
// again that minute (40 is more than its 30), and each gets 30 of the next minute. When Redis returns
// empty, their calls of the minute are copied back before they share again.
func TestRedisLossStartsFromTheLastCountAndAShare(t *testing.T) {
	srv := redistest.Start(t)
	clk := newClock(10 * time.Second)
	beats := heartbeats(t, srv.Client(), clk, 2)
	var logA, logB stateLog
	a := newShared(t, srv.Client(), clk, budget.RedisOptions{PerMinute: 60, RetryInterval: 10 * time.Second,
		Replicas: beats[0], OnStateChange: logA.record})
	b := newShared(t, srv.Client(), clk, budget.RedisOptions{PerMinute: 60, RetryInterval: 10 * time.Second,
		Replicas: beats[1], OnStateChange: logB.record})
	ctx := context.Background()
	for i := range 40 {
		bud := a
		if i%2 == 1 {
			bud = b
		}
		if err := bud.Take(ctx, false); err != nil {
			t.Fatal(err)
		}
	}

	srv.Stop()
	for name, bud := range map[string]*budget.Redis{"a": a, "b": b} {
		if got := refusal(t, bud.Take(ctx, false)); got != 50*time.Second {
			t.Errorf("replica %s with Redis gone: RetryAfter %v, want the 50s left of the minute", name, got)
		}
		if bud.Shared() {
			t.Errorf("replica %s: Shared() with Redis gone", name)
		}
	}
	for name, l := range map[string]*stateLog{"a": &logA, "b": &logB} {
		if got := l.get(); len(got) != 1 || !strings.HasPrefix(got[0], "local: shared rate budget of acme.freshservice.com") {
			t.Errorf("replica %s state changes %q, want one fall-back naming the tenant", name, got)
		}
	}

	clk.Add(50 * time.Second) // 12:01:00, Redis still gone
	for name, bud := range map[string]*budget.Redis{"a": a, "b": b} {
		granted := 0
		for bud.Take(ctx, false) == nil {
			granted++
		}
		if granted != 30 {
			t.Errorf("replica %s alone in the next minute: %d calls, want its share of 30", name, granted)
		}
		if got := bud.Limit(); got != 30 {
			t.Errorf("replica %s: Limit %d, want its share of 30", name, got)
		}
	}

	srv.Restart() // empty
	clk.Add(10 * time.Second)
	refusal(t, a.Take(ctx, false))
	refusal(t, b.Take(ctx, false))
	if !a.Shared() || !b.Shared() {
		t.Fatal("the replicas did not go back to Redis after it returned")
	}
	if got := logA.get(); len(got) != 2 || got[1] != "shared" {
		t.Fatalf("replica a state changes %q, want a return to shared", got)
	}
	if got, lim := a.Remaining(), a.Limit(); got != 0 || lim != 60 {
		t.Fatalf("after the copy back: Remaining %d, Limit %d; want 0 of the whole 60", got, lim)
	}
	clk.Add(time.Minute)
	if err := a.Take(ctx, false); err != nil {
		t.Fatal(err)
	}
	if got := b.Remaining(); got != 60 {
		t.Fatalf("Remaining %d in a new minute, seen from the other replica before its first call; want 60", got)
	}
}

// TestRedisBudgetsNeverSpendMoreThanTheLimit runs two replicas under steady demand for five minutes
// of the account's clock, sharing 120 calls a minute; Redis dies in the middle of the second minute
// and comes back, empty, in the middle of the fourth. No clock minute receives more than 120 calls.
func TestRedisBudgetsNeverSpendMoreThanTheLimit(t *testing.T) {
	srv := redistest.Start(t)
	clk := newClock(0)
	acct := newAccount(t, clk, 0)
	beats := heartbeats(t, srv.Client(), clk, 2)
	var clients []*freshservice.Client
	var budgets []*budget.Redis
	var conns []*redis.Client
	for i := range 2 {
		conn := srv.Client()
		b := newShared(t, conn, clk, budget.RedisOptions{PerMinute: 120, RetryInterval: 30 * time.Second, Replicas: beats[i]})
		conns, budgets, clients = append(conns, conn), append(budgets, b), append(clients, acct.client(b))
	}
	acct.demand(clk, clients, 5*time.Minute, 200*time.Millisecond, 1, map[time.Duration]func(){
		90 * time.Second: srv.Stop,
		210 * time.Second: func() {
			srv.Restart()
			// The Redis client redials in the background, on its own clock; the fake one is faster.
			for _, c := range conns {
				waitForRedis(t, c)
			}
		},
	})
	checkMinutes(t, acct, 120)
	for i, b := range budgets {
		if !b.Shared() {
			t.Errorf("replica %d does not share again", i)
		}
	}
	if counts, _ := acct.perMinute(); len(counts) != 5 || counts[2].calls < 118 {
		t.Errorf("calls per minute %v: two replicas alone should still spend (nearly) all of a minute", counts)
	}
}

// waitForRedis waits until c reaches Redis again after a restart.
func waitForRedis(t *testing.T, c *redis.Client) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatal("the Redis client did not reconnect")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestReplicasAreCountedByHeartbeat(t *testing.T) {
	srv := redistest.Start(t)
	clk := newClock(0)
	beats := heartbeats(t, srv.Client(), clk, 3)
	ctx := context.Background()
	if got := beats[2].Count(); got != 3 {
		t.Fatalf("Count = %d after three heartbeats, want 3", got)
	}
	// Replica 2 stops; three intervals later it is no longer counted.
	clk.Add(10 * time.Second)
	_ = beats[0].Beat(ctx)
	_ = beats[1].Beat(ctx)
	clk.Add(6 * time.Second)
	if err := beats[0].Beat(ctx); err != nil {
		t.Fatal(err)
	}
	if got := beats[0].Count(); got != 2 {
		t.Fatalf("Count = %d with one replica silent for 16s, want 2", got)
	}
	// A replica that stops running takes itself out at once.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); beats[1].Run(runCtx) }()
	stop()
	<-done
	if err := beats[0].Beat(ctx); err != nil {
		t.Fatal(err)
	}
	if got := beats[0].Count(); got != 1 {
		t.Fatalf("Count = %d after replica 1 stopped, want 1", got)
	}
	// Redis gone: the last count stands.
	srv.Stop()
	if err := beats[0].Beat(ctx); err == nil {
		t.Fatal("a heartbeat with Redis gone did not fail")
	}
	if got := beats[0].Count(); got != 1 {
		t.Fatalf("Count = %d with Redis gone, want the last one", got)
	}
	lone, err := budget.NewReplicas(budget.ReplicasOptions{Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if got := lone.Count(); got != 1 {
		t.Fatalf("a replica never heard counts %d, want itself alone", got)
	}
}

func TestNewRedisRequiresClientAndTenant(t *testing.T) {
	if _, err := budget.NewRedis(budget.RedisOptions{Tenant: "a"}); err == nil {
		t.Error("no client: no error")
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	if _, err := budget.NewRedis(budget.RedisOptions{Client: c, Tenant: " "}); err == nil {
		t.Error("no tenant: no error")
	}
	if _, err := budget.NewReplicas(budget.ReplicasOptions{}); err == nil {
		t.Error("heartbeat without a client: no error")
	}
}
