package budget_test

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

// t0 is a whole minute of the fake clock.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is the clock of the budgets and of the emulated account. Waiting on it moves it.
type fakeClock = freshservicetest.Clock

func newClock(at time.Duration) *fakeClock { return freshservicetest.NewClock(t0.Add(at)) }

// refusal asserts err is a budget's refusal and returns how long it asks to wait.
func refusal(t *testing.T, err error) time.Duration {
	t.Helper()
	var le *freshservice.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("Take = %v, want a refusal", err)
	}
	return le.RetryAfter
}

// mustTake takes n calls (list calls when list is set), each of which must be granted.
func mustTake(t *testing.T, lim freshservice.Limiter, n int, list bool) {
	t.Helper()
	for i := range n {
		if err := lim.Take(context.Background(), list); err != nil {
			t.Fatalf("take %d of %d: %v", i+1, n, err)
		}
	}
}

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// account is an emulated Freshservice account on the fake clock.
type account struct {
	t    *testing.T
	emu  *freshservicetest.Emulator
	url  string
	user int64
}

const accountKey = "budget-test-key-4d1c"

func newAccount(t *testing.T, clk *fakeClock, perMinute int) *account {
	t.Helper()
	emu, srv := freshservicetest.NewServer(freshservicetest.Options{PerMinute: perMinute, Now: clk.Now})
	t.Cleanup(srv.Close)
	emu.AddAPIKey(accountKey, true)
	u := emu.AddRequester(freshservice.User{FirstName: "Ada", PrimaryEmail: "ada@example.com"})
	return &account{t: t, emu: emu, url: srv.URL, user: u.ID}
}

// client is a Freshservice client of the account drawing from lim.
func (a *account) client(lim freshservice.Limiter) *freshservice.Client {
	a.t.Helper()
	c, err := freshservice.New(freshservice.Options{BaseURL: a.url + "/api/v2", APIKey: accountKey, Limiter: lim,
		MaxGetRetries: -1, Backoff: func(int) time.Duration { return 0 }})
	if err != nil {
		a.t.Fatal(err)
	}
	return c
}

// perMinute counts the calls the account received in each minute of its clock, 429s included, and
// how many it answered with 429.
func (a *account) perMinute() (counts []minuteCount, refused int) {
	byMinute := map[time.Time]int{}
	for _, c := range a.emu.Calls() {
		byMinute[c.At.Truncate(time.Minute)]++
		if c.Status == http.StatusTooManyRequests {
			refused++
		}
	}
	for m, n := range byMinute {
		counts = append(counts, minuteCount{m, n})
	}
	sort.Slice(counts, func(i, j int) bool { return counts[i].minute.Before(counts[j].minute) })
	return counts, refused
}

type minuteCount struct {
	minute time.Time
	calls  int
}

// demand is steady traffic: every step of the clock, each client tries calls reads of one user (a
// refused read is what Entra gets as a 429 and retries later). Before each step, at runs what is due.
func (a *account) demand(clk *fakeClock, clients []*freshservice.Client, until time.Duration, step time.Duration,
	calls int, at map[time.Duration]func()) {
	a.t.Helper()
	ctx := context.Background()
	for elapsed := clk.Now().Sub(t0); elapsed < until; elapsed = clk.Now().Sub(t0) {
		if f := at[elapsed]; f != nil {
			f()
		}
		for _, c := range clients {
			for range calls {
				if _, err := c.GetRequester(ctx, a.user); err != nil && !freshservice.IsRateLimited(err) {
					a.t.Fatalf("read at %s: %v", clk.Now().Format("15:04:05"), err)
				}
			}
		}
		clk.Add(step)
	}
}

// checkMinutes fails when any clock minute received more than limit calls, and reports the worst.
func checkMinutes(t *testing.T, a *account, limit int) {
	t.Helper()
	counts, refused := a.perMinute()
	worst := 0
	for _, m := range counts {
		worst = max(worst, m.calls)
		if m.calls > limit {
			t.Errorf("minute %s: the account received %d calls, over the limit of %d", m.minute.Format("15:04"), m.calls, limit)
		}
	}
	if refused > 0 {
		t.Errorf("the account answered 429 %d times", refused)
	}
	t.Logf("calls per clock minute %v; worst %d of %d", counts, worst, limit)
}

func (m minuteCount) String() string { return m.minute.Format("15:04") + "=" + strconv.Itoa(m.calls) }
