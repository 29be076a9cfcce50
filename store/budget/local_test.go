package budget_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/store/budget"
)

func newLocal(clk *fakeClock, perMinute, listPerMinute int, maxWait time.Duration) *budget.Local {
	return budget.New(budget.Options{PerMinute: perMinute, ListPerMinute: listPerMinute, MaxWait: maxWait,
		Now: clk.Now, Sleep: clk.Sleep})
}

// localAt is newLocal on a fake clock of its own, started at at past a whole minute.
func localAt(at time.Duration, perMinute, listPerMinute int, maxWait time.Duration) (*fakeClock, *budget.Local) {
	clk := newClock(at)
	return clk, newLocal(clk, perMinute, listPerMinute, maxWait)
}

// TestLocalCountsPerClockMinute: the minute's limit is spent, and the next call waits for the next
// clock minute when the wait fits, or is refused with the time left until then.
func TestLocalCountsPerClockMinute(t *testing.T) {
	clk, b := localAt(15*time.Second, 60, 0, 0)
	ctx := context.Background()
	mustTake(t, b, 60, false)
	if got := refusal(t, b.Take(ctx, false)); got != 45*time.Second {
		t.Fatalf("RetryAfter = %v, want the 45s left of the minute", got)
	}
	if got := b.Remaining(); got != 0 {
		t.Fatalf("Remaining = %d, want 0", got)
	}

	patient := newLocal(clk, 60, 0, time.Minute)
	for range 60 {
		_ = patient.Take(ctx, false)
	}
	if err := patient.Take(ctx, false); err != nil {
		t.Fatalf("a call that may wait a minute: %v", err)
	}
	if got := clk.Slept(); !slices.Equal(got, []time.Duration{45 * time.Second}) {
		t.Fatalf("waits %v, want one of 45s, to the next minute", got)
	}
	if got := patient.Remaining(); got != 59 {
		t.Fatalf("Remaining in the new minute = %d, want 59", got)
	}
}

// TestLocalNeverSpendsMoreThanTheLimitInAClockMinute runs one client under steady demand (5 calls a
// second) for three minutes of the account's clock, after an idle spell, with a budget of 120 calls a
// minute: no clock minute receives more than 120 calls.
func TestLocalNeverSpendsMoreThanTheLimitInAClockMinute(t *testing.T) {
	tests := []struct {
		name             string
		accountPerMinute int // what the emulated account allows; 0 = far more than the tenant's share
		perMinute        int // the tenant's rate_limit.per_minute; 0 = learn it from the account
	}{
		{"configured share of a larger account", 0, 120},
		{"limit learnt from the account", 120, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock(0)
			acct := newAccount(t, clk, tt.accountPerMinute)
			c := acct.client(newLocal(clk, tt.perMinute, 0, 0))
			acct.demand(clk, []*freshservice.Client{c}, 3*time.Minute, 200*time.Millisecond, 1, nil)
			checkMinutes(t, acct, 120)
			if counts, _ := acct.perMinute(); len(counts) != 3 || counts[1].calls < 119 {
				t.Errorf("calls per minute %v: the budget should spend (nearly) all of each minute", counts)
			}
		})
	}
}

// TestLocalLearnsFromFreshservice: what the answers say corrects the count.
func TestLocalLearnsFromFreshservice(t *testing.T) {
	tests := []struct {
		name      string
		perMinute int
		answers   []http.Header // observed in turn, after one call this minute
		takes     int           // that pass before a refusal
	}{
		{"fewer left than counted", 100, []http.Header{header("X-Ratelimit-Total", "200", "X-Ratelimit-Remaining", "3")}, 3},
		{"a configured share is not raised", 2, []http.Header{header("X-Ratelimit-Total", "200", "X-Ratelimit-Remaining", "150")}, 1},
		{"the account's limit is learnt", 0, []http.Header{header("X-Ratelimit-Total", "5", "X-Ratelimit-Remaining", "4")}, 4},
		{"a count never goes down within the minute", 0, []http.Header{
			header("X-Ratelimit-Total", "200", "X-Ratelimit-Remaining", "2"),
			header("X-Ratelimit-Total", "200", "X-Ratelimit-Remaining", "50"),
		}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, b := localAt(10*time.Second, tt.perMinute, 0, 0)
			ctx := context.Background()
			mustTake(t, b, 1, false)
			for _, h := range tt.answers {
				b.Observe(http.StatusOK, h)
			}
			mustTake(t, b, tt.takes, false)
			if got := refusal(t, b.Take(ctx, false)); got != 50*time.Second {
				t.Errorf("RetryAfter = %v, want the 50s left of the minute", got)
			}
		})
	}
}

func TestLocalUnknownLimitDoesNotRefuse(t *testing.T) {
	_, b := localAt(0, 0, 0, 0)
	if got := b.Remaining(); got != -1 {
		t.Errorf("Remaining before any answer = %d, want -1", got)
	}
	for i := range 1000 {
		if err := b.Take(context.Background(), i%2 == 0); err != nil {
			t.Fatalf("take %d with no limit known: %v", i, err)
		}
	}
	if got := b.Limit(); got != 0 {
		t.Errorf("Limit = %d, want 0 (unknown)", got)
	}
}

// TestLocalIgnoresAnAnswerFromTheMinuteBefore: a call let through at the end of a minute is answered
// in the next one; what the answer says of the spent minute does not close the new one.
func TestLocalIgnoresAnAnswerFromTheMinuteBefore(t *testing.T) {
	clk, b := localAt(59*time.Second, 100, 0, 0)
	ctx := context.Background()
	mustTake(t, b, 1, false)
	clk.Add(2 * time.Second) // the answer arrives at 12:01:01
	b.Observe(http.StatusOK, header("X-Ratelimit-Total", "100", "X-Ratelimit-Remaining", "0"))
	if err := b.Take(ctx, false); err != nil {
		t.Fatalf("the new minute is closed by an answer about the last one: %v", err)
	}
	// Answers to calls of this minute count.
	b.Observe(http.StatusOK, header("X-Ratelimit-Total", "100", "X-Ratelimit-Remaining", "0"))
	if got := refusal(t, b.Take(ctx, false)); got != 59*time.Second {
		t.Fatalf("RetryAfter = %v, want the 59s left of the minute", got)
	}
}

func TestLocal429HoldsEveryoneBack(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"as long as Retry-After says", header("Retry-After", "7"), 7 * time.Second},
		{"without Retry-After, to the end of the minute", header(), 50 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk, b := localAt(10*time.Second, 500, 0, 2*time.Second)
			b.Observe(http.StatusTooManyRequests, tt.header)
			for _, list := range []bool{false, true} {
				if got := refusal(t, b.Take(context.Background(), list)); got != tt.want {
					t.Errorf("list=%v: RetryAfter = %v, want %v", list, got, tt.want)
				}
			}
			if got := b.Remaining(); got != 0 {
				t.Errorf("Remaining = %d, want 0", got)
			}
			clk.Add(tt.want - time.Second)
			// One second left fits in the two-second wait.
			if err := b.Take(context.Background(), false); err != nil || !slices.Equal(clk.Slept(), []time.Duration{time.Second}) {
				t.Fatalf("Take = %v after waits %v; want one wait of 1s", err, clk.Slept())
			}
		})
	}
}

func TestLocalListLimit(t *testing.T) {
	_, b := localAt(30*time.Second, 100, 2, 0)
	ctx := context.Background()
	mustTake(t, b, 2, true)
	if got := refusal(t, b.Take(ctx, true)); got != 30*time.Second {
		t.Errorf("RetryAfter = %v, want the 30s left of the minute", got)
	}
	if err := b.Take(ctx, false); err != nil {
		t.Errorf("a call that lists nothing must still pass: %v", err)
	}
	if got := b.Remaining(); got != 97 {
		t.Errorf("Remaining = %d, want 97: list calls count towards the overall limit", got)
	}
}

// TestLocalSetLimits: a lowered limit holds at once, for the rest of the minute too; a raised one
// and a return to the account's own limit as well.
func TestLocalSetLimits(t *testing.T) {
	clk, b := localAt(20*time.Second, 100, 0, 0)
	ctx := context.Background()
	mustTake(t, b, 50, false)
	b.SetLimits(30, 0)
	if got := refusal(t, b.Take(ctx, false)); got != 40*time.Second {
		t.Fatalf("after lowering to 30 with 50 spent: RetryAfter %v, want the 40s left of the minute", got)
	}
	if got, lim := b.Remaining(), b.Limit(); got != 0 || lim != 30 {
		t.Fatalf("Remaining %d, Limit %d; want 0 and 30", got, lim)
	}
	clk.Add(40 * time.Second)
	granted := 0
	for b.Take(ctx, false) == nil {
		granted++
	}
	if granted != 30 {
		t.Fatalf("the next minute granted %d calls, want 30", granted)
	}
	b.SetLimits(35, 1)
	if err := b.Take(ctx, true); err != nil {
		t.Fatalf("after raising to 35: %v", err)
	}
	if got := refusal(t, b.Take(ctx, true)); got <= 0 {
		t.Fatal("the new list limit of 1 does not hold")
	}
	b.SetLimits(0, 0)        // back to the account's limit, not known yet: nothing holds back
	mustTake(t, b, 10, true) // the limit is still to learn
	b.Observe(http.StatusOK, header("X-Ratelimit-Total", "40", "X-Ratelimit-Remaining", "29"))
	if got := b.Limit(); got != 40 {
		t.Fatalf("Limit = %d, want the account's 40", got)
	}
}

func TestLocalWaitIsBounded(t *testing.T) {
	clk, b := localAt(0, 1, 0, time.Hour)
	mustTake(t, b, 1, false)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if got := refusal(t, b.Take(ctx, false)); got != time.Minute {
		t.Errorf("RetryAfter = %v, want 1m: the context's deadline is sooner than the wait", got)
	}
	cancelled, stop := context.WithCancel(context.Background())
	stop()
	if err := b.Take(cancelled, false); !errors.Is(err, context.Canceled) {
		t.Errorf("Take with a cancelled context = %v", err)
	}
	if len(clk.Slept()) != 0 {
		t.Errorf("waited %v", clk.Slept())
	}
}

// TestClientRefusedByTheBudgetSendsNothing: past its budget a client answers a local 429 naming the
// call, and the account never sees the call.
func TestClientRefusedByTheBudgetSendsNothing(t *testing.T) {
	clk := newClock(30 * time.Second)
	acct := newAccount(t, clk, 0)
	c := acct.client(newLocal(clk, 4, 2, 0))
	ctx := context.Background()
	for i := range 2 {
		if _, err := c.FindUsersByEmail(ctx, "ada@example.com"); err != nil {
			t.Fatalf("lookup %d: %v", i, err)
		}
	}
	_, err := c.FindUsersByEmail(ctx, "ada@example.com")
	var fe *freshservice.Error
	if !errors.As(err, &fe) || !fe.Local || !freshservice.IsRateLimited(err) || fe.RetryAfter != 30*time.Second {
		t.Fatalf("third lookup = %v, want a local 429 asking to wait 30s", err)
	}
	if fe.Method != http.MethodGet || fe.Endpoint != "/requesters" {
		t.Errorf("the refusal names %s %s", fe.Method, fe.Endpoint)
	}
	for i := range 2 {
		if _, err := c.GetRequester(ctx, acct.user); err != nil {
			t.Fatalf("get %d: %v", i, err)
		}
	}
	if _, err := c.GetRequester(ctx, acct.user); !freshservice.IsRateLimited(err) {
		t.Fatalf("fifth call = %v, want a local 429", err)
	}
	if n := len(acct.emu.Calls()); n != 4 {
		t.Errorf("the account received %d calls, want the 4 the budget allowed", n)
	}
}

// TestClientHeldBackByA429: Freshservice's 429 holds back every client of the budget, unsent.
func TestClientHeldBackByA429(t *testing.T) {
	clk := newClock(0)
	acct := newAccount(t, clk, 2)
	b := newLocal(clk, 0, 0, 0)
	c1, c2 := acct.client(b), acct.client(b)
	ctx := context.Background()
	if _, err := c1.GetRequester(ctx, acct.user); err != nil {
		t.Fatal(err)
	}
	acct.emu.SetRateLimit(1, 0) // another integration spent the account's minute
	if _, err := c1.GetRequester(ctx, acct.user); !freshservice.IsRateLimited(err) {
		t.Fatalf("err = %v, want Freshservice's 429", err)
	}
	_, err := c2.GetRequester(ctx, acct.user)
	var fe *freshservice.Error
	if !errors.As(err, &fe) || !fe.Local || fe.RetryAfter != time.Minute {
		t.Fatalf("the other client: %v, want a local 429 for the minute Freshservice asked", err)
	}
	if n := len(acct.emu.Calls()); n != 2 {
		t.Errorf("the account received %d calls, want 2", n)
	}
}

func BenchmarkLocalTake(b *testing.B) {
	budget := budget.New(budget.Options{PerMinute: 1 << 30})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := budget.Take(ctx, false); err != nil {
			b.Fatal(err)
		}
	}
}
