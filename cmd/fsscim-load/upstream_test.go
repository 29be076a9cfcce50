package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

// upstreamFixture is an emulated account behind the upstream front, on a virtual clock.
type upstreamFixture struct {
	emu   *freshservicetest.Emulator
	up    *upstream
	clock *virtualClock
	url   string
	key   string
	start time.Time
}

func newUpstreamFixture(t *testing.T, perMinute, listPerMinute int) *upstreamFixture {
	t.Helper()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := newVirtualClock(start)
	emu := freshservicetest.New(freshservicetest.Options{PerMinute: perMinute, ListPerMinute: listPerMinute, Now: clock.Now})
	key := "upstream-test-key"
	emu.AddAPIKey(key, true)
	up := newUpstream(emu, clock)
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	return &upstreamFixture{emu: emu, up: up, clock: clock, url: srv.URL, key: key, start: start}
}

func (f *upstreamFixture) get(t *testing.T, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(f.key, "X")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp
}

func TestUpstreamWaitsOutSpentWindowsOnTheVirtualClock(t *testing.T) {
	f := newUpstreamFixture(t, 5, 0)
	u := f.emu.AddRequester(freshservice.User{FirstName: "Ada", PrimaryEmail: "ada@example.com"})
	path := "/api/v2/requesters/" + strconv.FormatInt(u.ID, 10)
	for i := range 12 {
		resp := f.get(t, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("call %d: status %d, want 200 (the front waits out 429s)", i, resp.StatusCode)
		}
		for _, h := range []string{"X-Ratelimit-Total", "X-Ratelimit-Remaining", "Retry-After"} {
			if resp.Header.Get(h) != "" {
				t.Fatalf("call %d: %s reached the client; fsscim's own budget would pace on real time", i, h)
			}
		}
	}
	// 12 calls at 5 a minute need three windows: two jumps.
	if got := f.clock.jumpCount(); got != 2 {
		t.Errorf("clock jumped %d times, want 2", got)
	}
	if now := f.clock.Now(); now.Before(f.start.Add(2*time.Minute)) || now.After(f.start.Add(3*time.Minute)) {
		t.Errorf("virtual time %s, want in the third minute after %s", now, f.start)
	}
	c := f.up.snapshot()
	if c.ByEndpoint["GET /requesters/{id}"] != 12 || c.Limited != 2 || c.Lists != 0 {
		t.Errorf("counts = %+v, want 12 reads, 2 waited-out 429s, no list calls", c)
	}
	window, in := f.up.lastWindow()
	if !window.Equal(f.start.Add(2*time.Minute)) || in != 2 {
		t.Errorf("last window %s with %d calls, want %s with 2", window, in, f.start.Add(2*time.Minute))
	}
}

func TestUpstreamListBudgetWaitsForTheNextWindow(t *testing.T) {
	f := newUpstreamFixture(t, 100, 2)
	for i := range 3 {
		if resp := f.get(t, "/api/v2/requesters?per_page=100"); resp.StatusCode != http.StatusOK {
			t.Fatalf("list call %d: status %d", i, resp.StatusCode)
		}
	}
	// The third list call found the list budget spent; with nothing else running it moved the clock
	// to the next window itself.
	if got := f.clock.jumpCount(); got != 1 {
		t.Errorf("clock jumped %d times, want 1", got)
	}
	c := f.up.snapshot()
	if c.Lists != 3 || c.ByEndpoint["GET /requesters"] != 3 || c.Limited != 1 {
		t.Errorf("counts = %+v, want 3 list calls and one waited-out 429", c)
	}
}

func TestUpstreamDoesNotCountDirectCalls(t *testing.T) {
	emu := freshservicetest.New(freshservicetest.Options{})
	emu.AddAPIKey("k", true)
	up := newUpstream(emu, nil)
	srv := httptest.NewServer(up)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v2/agents/me", nil)
	req.SetBasicAuth("k", "X")
	req.Header.Set(directHeader, "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Ratelimit-Total") == "" {
		t.Errorf("status %d, rate headers %q: in real time the answer passes unchanged", resp.StatusCode, resp.Header.Get("X-Ratelimit-Total"))
	}
	if got := up.snapshot().total(); got != 0 {
		t.Errorf("direct call counted as fsscim's: %d", got)
	}
}

func TestEndpointOf(t *testing.T) {
	tests := []struct {
		method, path string
		want         string
		list         bool
	}{
		{"GET", "/api/v2/requesters", "GET /requesters", true},
		{"GET", "/api/v2/agents", "GET /agents", true},
		{"GET", "/api/v2/agents/me", "GET /agents/me", false},
		{"GET", "/api/v2/requesters/21000000004", "GET /requesters/{id}", false},
		{"POST", "/api/v2/requesters", "POST /requesters", false},
		{"POST", "/api/v2/requester_groups/21000000009/members/21000000004", "POST /requester_groups/{id}/members/{id}", false},
		{"GET", "/api/v2/departments", "GET /departments", false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			got, list := endpointOf(tt.method, tt.path)
			if got != tt.want || list != tt.list {
				t.Errorf("endpointOf = %q, %v; want %q, %v", got, list, tt.want, tt.list)
			}
		})
	}
}

func TestSimulatedDuration(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	starter := plans[0]
	tests := []struct {
		name   string
		last   time.Time
		inLast int
		want   time.Duration
	}{
		{"one partial window", start, 50, 30 * time.Second},
		{"three full windows and a half", start.Add(3 * time.Minute), 50, 3*time.Minute + 30*time.Second},
		{"exactly full", start.Add(time.Minute), 100, 2 * time.Minute},
		{"no call", start.Add(-time.Minute), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := simulatedDuration(start, tt.last, tt.inLast, starter); got != tt.want {
				t.Errorf("simulatedDuration = %s, want %s", got, tt.want)
			}
		})
	}
}
