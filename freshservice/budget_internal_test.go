package freshservice

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

// fakeClock is a settable clock; its sleep records the wait without advancing time, as if every
// caller arrived at the same instant.
type fakeClock struct {
	t      time.Time
	slept  []time.Duration
	cancel bool // sleep fails as if the context ended
}

func (c *fakeClock) now() time.Time { return c.t }

func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.slept = append(c.slept, d)
	if c.cancel {
		return context.Canceled
	}
	return nil
}

func newFakeBudget(perMinute, listPerMinute int, maxWait time.Duration) (*localBudget, *fakeClock) {
	clk := &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	return newLocalBudget(perMinute, listPerMinute, maxWait, clk.now, clk.sleep), clk
}

func headers(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// refusal asserts err is a local 429 and returns its RetryAfter.
func refusal(t *testing.T, err error) time.Duration {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusTooManyRequests || !e.Local {
		t.Fatalf("Take = %v, want a local 429", err)
	}
	return e.RetryAfter
}

func TestBudgetBurstWaitsThenRefuses(t *testing.T) {
	b, clk := newFakeBudget(60, 0, 3*time.Second)
	ctx := context.Background()
	for i := range 60 {
		if err := b.Take(ctx, false); err != nil {
			t.Fatalf("take %d: %v", i, err)
		}
	}
	if len(clk.slept) != 0 {
		t.Fatalf("the first 60 calls waited: %v", clk.slept)
	}
	// One call a second refills; callers queue for the coming slots.
	for i := range 3 {
		if err := b.Take(ctx, false); err != nil {
			t.Fatalf("queued take %d: %v", i, err)
		}
	}
	want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}
	if len(clk.slept) != 3 || clk.slept[0] != want[0] || clk.slept[1] != want[1] || clk.slept[2] != want[2] {
		t.Fatalf("waits = %v, want %v", clk.slept, want)
	}
	if got := refusal(t, b.Take(ctx, false)); got != 4*time.Second {
		t.Errorf("RetryAfter = %v, want 4s", got)
	}
	// A minute later the bucket is full again.
	clk.t = clk.t.Add(time.Minute)
	if err := b.Take(ctx, false); err != nil {
		t.Errorf("after a minute: %v", err)
	}
}

func TestBudgetDeadlineBoundsWait(t *testing.T) {
	b, _ := newFakeBudget(60, 0, time.Minute)
	for range 60 {
		_ = b.Take(context.Background(), false)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if got := refusal(t, b.Take(ctx, false)); got != time.Second {
		t.Errorf("RetryAfter = %v, want 1s", got)
	}
}

func TestBudgetCancelledWaitGivesBack(t *testing.T) {
	b, clk := newFakeBudget(60, 0, 10*time.Second)
	for range 60 {
		_ = b.Take(context.Background(), false)
	}
	clk.cancel = true
	if err := b.Take(context.Background(), false); !errors.Is(err, context.Canceled) {
		t.Fatalf("Take = %v, want context.Canceled", err)
	}
	clk.cancel = false
	clk.slept = nil
	// The abandoned slot went back: the next caller waits one second, not two.
	if err := b.Take(context.Background(), false); err != nil || len(clk.slept) != 1 || clk.slept[0] != time.Second {
		t.Fatalf("Take = %v, waits %v; want one wait of 1s", err, clk.slept)
	}
}

func TestBudgetLearnsTotal(t *testing.T) {
	b, _ := newFakeBudget(0, 0, time.Second)
	ctx := context.Background()
	if got := b.Remaining(); got != -1 {
		t.Errorf("Remaining before any answer = %d, want -1", got)
	}
	for range 10 {
		if err := b.Take(ctx, false); err != nil {
			t.Fatalf("unknown limit must not refuse: %v", err)
		}
	}
	b.Observe(200, headers("X-Ratelimit-Total", "2", "X-Ratelimit-Remaining", "2"))
	if got := b.Remaining(); got != 2 {
		t.Errorf("Remaining = %d, want 2", got)
	}
	for range 2 {
		if err := b.Take(ctx, false); err != nil {
			t.Fatal(err)
		}
	}
	if got := refusal(t, b.Take(ctx, false)); got != 30*time.Second {
		t.Errorf("RetryAfter = %v, want 30s (2 a minute)", got)
	}
}

func TestBudgetTrustsRemaining(t *testing.T) {
	tests := []struct {
		name      string
		perMinute int
		remaining []string // reported in turn
		takes     int      // that succeed before a refusal
	}{
		{"lower remaining wins", 100, []string{"3"}, 3},
		{"configured share is not raised", 2, []string{"150"}, 2},
		{"learnt limit follows the server down", 0, []string{"4"}, 4},
		{"learnt limit follows the server up", 0, []string{"1", "5"}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := newFakeBudget(tt.perMinute, 0, 0)
			for _, r := range tt.remaining {
				b.Observe(200, headers("X-Ratelimit-Total", "200", "X-Ratelimit-Remaining", r))
			}
			for i := range tt.takes {
				if err := b.Take(context.Background(), false); err != nil {
					t.Fatalf("take %d: %v", i, err)
				}
			}
			refusal(t, b.Take(context.Background(), false))
		})
	}
}

func TestBudgetRemainingZeroWaitsForTheMinute(t *testing.T) {
	b, clk := newFakeBudget(0, 0, time.Second)
	clk.t = clk.t.Add(45 * time.Second)
	b.Observe(200, headers("X-Ratelimit-Total", "100", "X-Ratelimit-Remaining", "0"))
	if got := refusal(t, b.Take(context.Background(), false)); got != 15*time.Second {
		t.Errorf("RetryAfter = %v, want the 15s left of the minute", got)
	}
	if got := b.Remaining(); got != 0 {
		t.Errorf("Remaining = %d, want 0", got)
	}
	clk.t = clk.t.Add(15 * time.Second)
	if err := b.Take(context.Background(), false); err != nil {
		t.Errorf("next minute: %v", err)
	}
}

func TestBudget429BlocksEveryone(t *testing.T) {
	b, clk := newFakeBudget(500, 0, 2*time.Second)
	b.Observe(http.StatusTooManyRequests, headers("Retry-After", "7"))
	for _, list := range []bool{false, true} {
		if got := refusal(t, b.Take(context.Background(), list)); got != 7*time.Second {
			t.Errorf("list=%v: RetryAfter = %v, want 7s", list, got)
		}
	}
	clk.t = clk.t.Add(6 * time.Second)
	// One second left fits in the two-second wait.
	if err := b.Take(context.Background(), false); err != nil || len(clk.slept) != 1 || clk.slept[0] != time.Second {
		t.Fatalf("Take = %v after waits %v; want one wait of 1s", err, clk.slept)
	}
}

func TestBudgetListLimit(t *testing.T) {
	b, _ := newFakeBudget(100, 2, 0)
	ctx := context.Background()
	for i := range 2 {
		if err := b.Take(ctx, true); err != nil {
			t.Fatalf("list take %d: %v", i, err)
		}
	}
	if got := refusal(t, b.Take(ctx, true)); got != 30*time.Second {
		t.Errorf("RetryAfter = %v, want 30s", got)
	}
	if err := b.Take(ctx, false); err != nil {
		t.Errorf("a plain call must still pass: %v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, value string
		want        time.Duration
	}{
		{"seconds", "30", 30 * time.Second},
		{"missing", "", 0},
		{"zero", "0", 0},
		{"negative", "-3", 0},
		{"garbage", "soon", 0},
		{"http date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"past date", now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRetryAfter(headers("Retry-After", tt.value), now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

func TestNextPage(t *testing.T) {
	tests := []struct {
		name     string
		links    []string
		wantPage int
		wantMore bool
	}{
		{"none", nil, 0, false},
		{"next", []string{`<https://a.freshservice.com/api/v2/requesters?page=2&per_page=100>; rel="next"`}, 2, true},
		{"unquoted rel", []string{`<https://a/api/v2/agents?per_page=100&page=7>; rel=next`}, 7, true},
		{"prev and next in one value", []string{`<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next"`}, 3, true},
		{"several values", []string{`<https://a/x?page=1>; rel="prev"`, `<https://a/x?page=4>; rel="next"`}, 4, true},
		{"only prev", []string{`<https://a/x?page=1>; rel="prev"`}, 0, false},
		{"comma in url", []string{`<https://a/x?ids=1,2&page=5>; rel="next"`}, 5, true},
		{"next without page number", []string{`<https://a/x?cursor=abc>; rel="next"`}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, l := range tt.links {
				h.Add("Link", l)
			}
			page, more := nextPage(h)
			if page != tt.wantPage || more != tt.wantMore {
				t.Errorf("nextPage = %d, %v; want %d, %v", page, more, tt.wantPage, tt.wantMore)
			}
		})
	}
}
