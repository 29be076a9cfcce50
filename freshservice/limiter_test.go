package freshservice_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
)

// stubLimiter grants or refuses as told and records what the client asks of it.
type stubLimiter struct {
	mu       sync.Mutex
	refuse   error
	takes    []bool // the list flag of each Take
	observed []string
}

func (l *stubLimiter) Take(_ context.Context, list bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.takes = append(l.takes, list)
	return l.refuse
}

func (l *stubLimiter) Observe(status int, h http.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	total, remaining := freshservice.RateLimitHeaders(h)
	l.observed = append(l.observed, http.StatusText(status)+" "+itoa(int64(total))+"/"+itoa(int64(remaining)))
}

func TestLimiterRefusalIsALocal429(t *testing.T) {
	f := newFake(t, map[string][]reply{"GET /requesters/1": {{status: 200, body: `{"requester":{"id":1}}`}}})
	lim := &stubLimiter{refuse: &freshservice.LimitError{RetryAfter: 42 * time.Second}}
	c := newTestClient(t, f.srv.URL, func(o *freshservice.Options) { o.Limiter = lim })

	_, err := c.GetRequester(context.Background(), 1)
	var fe *freshservice.Error
	if !asErr(err, &fe) || fe.Status != http.StatusTooManyRequests || !fe.Local || fe.RetryAfter != 42*time.Second {
		t.Fatalf("err = %#v, want a local 429 asking to wait 42s", err)
	}
	if !freshservice.IsRateLimited(err) || freshservice.IsUnavailable(err) {
		t.Errorf("a local refusal must read as rate limited, not unavailable: %v", err)
	}
	if fe.Method != http.MethodGet || fe.Endpoint != "/requesters/{id}" {
		t.Errorf("the refusal names %s %s", fe.Method, fe.Endpoint)
	}
	if f.count() != 0 {
		t.Errorf("a refused call reached Freshservice")
	}

	lim.refuse = context.Canceled
	_, err = c.GetRequester(context.Background(), 1)
	if !errors.Is(err, context.Canceled) || freshservice.IsRateLimited(err) {
		t.Fatalf("err = %v, want the limiter's context error as it is", err)
	}
}

func TestLimiterSeesEveryAttempt(t *testing.T) {
	rate := map[string]string{"X-Ratelimit-Total": "100", "X-Ratelimit-Remaining": "97"}
	f := newFake(t, map[string][]reply{
		"GET /requesters":  {{status: 200, body: `{"requesters":[]}`, header: rate}},
		"GET /departments": {{status: 200, body: `{"departments":[]}`, header: rate}},
		"GET /agents/9": {
			{status: 429, header: map[string]string{"Retry-After": "1", "X-Ratelimit-Total": "100", "X-Ratelimit-Remaining": "0"}},
			{status: 200, body: `{"agent":{"id":9}}`},
		},
	})
	lim := &stubLimiter{}
	c := newTestClient(t, f.srv.URL, func(o *freshservice.Options) { o.Limiter = lim })
	ctx := context.Background()
	if _, _, err := c.ListRequesters(ctx, 1, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListDepartments(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetAgent(ctx, 9); err != nil {
		t.Fatal(err)
	}
	// Only the requester and agent lists count towards Freshservice's list limit; the retry after
	// the 429 takes from the limiter again.
	if want := []bool{true, false, false, false}; !slices.Equal(lim.takes, want) {
		t.Errorf("Take list flags %v, want %v", lim.takes, want)
	}
	want := []string{"OK 100/97", "OK 100/97", "Too Many Requests 100/0", "OK -1/-1"}
	if !slices.Equal(lim.observed, want) {
		t.Errorf("observed %q, want %q", lim.observed, want)
	}
}

func TestClientWithoutLimiterSends(t *testing.T) {
	f := newFake(t, map[string][]reply{"GET /requesters/1": {{status: 200, body: `{"requester":{"id":1}}`}}})
	c := newTestClient(t, f.srv.URL, nil)
	for range 3 {
		if _, err := c.GetRequester(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	if f.count() != 3 {
		t.Fatalf("sent %d calls, want 3", f.count())
	}
}

func TestRateLimitHeaders(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name                     string
		header                   http.Header
		wantTotal, wantRemaining int
		wantRetryAfter           time.Duration
	}{
		{"both", http.Header{"X-Ratelimit-Total": {"200"}, "X-Ratelimit-Remaining": {"198"}}, 200, 198, 0},
		{"other spelling", http.Header{"X-RateLimit-Total": {" 400 "}, "X-RateLimit-Remaining": {"0"}}, 400, 0, 0},
		{"absent", http.Header{}, -1, -1, 0},
		{"not numbers", http.Header{"X-Ratelimit-Total": {"lots"}, "X-Ratelimit-Remaining": {"-3"}}, -1, -1, 0},
		{"retry after seconds", http.Header{"Retry-After": {"30"}}, -1, -1, 30 * time.Second},
		{"retry after date", http.Header{"Retry-After": {now.Add(time.Minute).Format(http.TimeFormat)}}, -1, -1, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v[0]) // canonical names, as an answer's header holds them
			}
			total, remaining := freshservice.RateLimitHeaders(h)
			if total != tt.wantTotal || remaining != tt.wantRemaining {
				t.Errorf("RateLimitHeaders = %d, %d; want %d, %d", total, remaining, tt.wantTotal, tt.wantRemaining)
			}
			if got := freshservice.RetryAfterHeader(h, now); got != tt.wantRetryAfter {
				t.Errorf("RetryAfterHeader = %v, want %v", got, tt.wantRetryAfter)
			}
		})
	}
}
