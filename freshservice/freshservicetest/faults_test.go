package freshservicetest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// freshConnections makes every request use its own connection, so net/http never replays a request
// whose connection was dropped and each dropped request is seen exactly once.
func freshConnections(f *fixture) {
	f.srv.Client().Transport.(*http.Transport).DisableKeepAlives = true
}

func TestStatusFaults(t *testing.T) {
	tests := []struct {
		name           string
		fault          Fault
		n              int
		wantStatus     int
		wantRetryAfter string
	}{
		{"500", Fault{Status: http.StatusInternalServerError}, 1, http.StatusInternalServerError, ""},
		{"502 twice", Fault{Status: http.StatusBadGateway}, 2, http.StatusBadGateway, ""},
		{"429 with Retry-After", Fault{Status: http.StatusTooManyRequests, RetryAfter: 2500 * time.Millisecond}, 1, http.StatusTooManyRequests, "3"},
		{"503 with Retry-After", Fault{Status: http.StatusServiceUnavailable, RetryAfter: 10 * time.Second}, 1, http.StatusServiceUnavailable, "10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			f.e.InjectFault(tt.fault, tt.n)
			for i := range tt.n {
				r := f.do(http.MethodPost, "/api/v2/departments", map[string]any{"name": "Sales"}).must(t, tt.wantStatus)
				if got := r.Header.Get("Retry-After"); got != tt.wantRetryAfter {
					t.Errorf("attempt %d: Retry-After = %q, want %q", i, got, tt.wantRetryAfter)
				}
				if len(f.e.Departments()) != 0 {
					t.Fatalf("attempt %d: a faulted request was applied", i)
				}
			}
			f.do(http.MethodPost, "/api/v2/departments", map[string]any{"name": "Sales"}).must(t, http.StatusCreated)
		})
	}
}

func TestFaultMatching(t *testing.T) {
	tests := []struct {
		name      string
		fault     Fault
		call      apiCall
		wantFault bool
	}{
		{"any request", Fault{Status: 500}, apiCall{http.MethodGet, "/api/v2/departments", nil, nil}, true},
		{"method matches", Fault{Status: 500, Method: http.MethodPost}, apiCall{http.MethodPost, "/api/v2/departments", map[string]any{"name": "D"}, nil}, true},
		{"method differs", Fault{Status: 500, Method: http.MethodPost}, apiCall{http.MethodGet, "/api/v2/departments", nil, nil}, false},
		{"prefix matches", Fault{Status: 500, PathPrefix: "/api/v2/requesters"}, apiCall{http.MethodGet, "/api/v2/requesters/5", nil, nil}, true},
		{"prefix differs", Fault{Status: 500, PathPrefix: "/api/v2/requesters"}, apiCall{http.MethodGet, "/api/v2/departments", nil, nil}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			f.e.InjectFault(tt.fault, 1)
			got := f.doCall(tt.call).Status == 500
			if got != tt.wantFault {
				t.Errorf("faulted = %v, want %v", got, tt.wantFault)
			}
		})
	}
}

func TestUnlimitedFaultUntilCleared(t *testing.T) {
	f := newFixture(t, Options{})
	f.e.InjectFault(Fault{Status: http.StatusServiceUnavailable}, -1)
	for range 5 {
		f.do(http.MethodGet, "/api/v2/departments", nil).must(t, http.StatusServiceUnavailable)
	}
	f.e.ClearFaults()
	f.do(http.MethodGet, "/api/v2/departments", nil).must(t, http.StatusOK)
}

func TestDropFaultClosesConnectionWithoutApplying(t *testing.T) {
	f := newFixture(t, Options{})
	freshConnections(f)
	f.e.InjectFault(Fault{Drop: true, Method: http.MethodPost}, 1)
	if _, err := f.send(context.Background(), http.MethodPost, "/api/v2/requesters", map[string]any{"first_name": "A", "primary_email": "a@x.com"}); err == nil {
		t.Fatal("dropped request got an answer")
	}
	if _, ok := f.e.UserByEmail("a@x.com"); ok {
		t.Error("dropped request was applied")
	}
	f.do(http.MethodPost, "/api/v2/requesters", map[string]any{"first_name": "A", "primary_email": "a@x.com"}).must(t, http.StatusCreated)
}

func TestAfterWriteFaultAppliesThenLosesAnswer(t *testing.T) {
	tests := []struct {
		name       string
		fault      Fault
		wantStatus int // 0: no answer
	}{
		{"answer replaced by 502", Fault{AfterWrite: true, Status: http.StatusBadGateway}, http.StatusBadGateway},
		{"answer dropped", Fault{AfterWrite: true, Drop: true}, 0},
		{"neither set drops", Fault{AfterWrite: true}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			freshConnections(f)
			f.e.InjectFault(tt.fault, 1)
			r, err := f.send(context.Background(), http.MethodPost, "/api/v2/requesters", map[string]any{"first_name": "A", "primary_email": "a@x.com"})
			switch {
			case tt.wantStatus == 0 && err == nil:
				t.Errorf("got an answer %d, want none", r.Status)
			case tt.wantStatus != 0 && (err != nil || r.Status != tt.wantStatus):
				t.Errorf("answer %d %v, want %d", r.Status, err, tt.wantStatus)
			}
			if _, ok := f.e.UserByEmail("a@x.com"); !ok {
				t.Error("the write was not applied")
			}
			// The retry a client would make now meets the user it created.
			f.do(http.MethodPost, "/api/v2/requesters", map[string]any{"first_name": "A", "primary_email": "a@x.com"}).must(t, http.StatusConflict)
			calls := f.e.Calls()
			if got := calls[len(calls)-2].Status; got != tt.wantStatus {
				t.Errorf("logged status %d, want %d", got, tt.wantStatus)
			}
		})
	}
}

func TestLatencyHonoursRequestContext(t *testing.T) {
	tests := []struct {
		name  string
		setup func(e *Emulator)
	}{
		{"fault latency", func(e *Emulator) { e.InjectFault(Fault{Latency: time.Hour}, 1) }},
		{"SetLatency", func(e *Emulator) { e.SetLatency(time.Hour) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(Options{})
			e.AddAPIKey(adminKey, true)
			tt.setup(e)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/api/v2/departments", strings.NewReader(`{"name":"Sales"}`))
			req.SetBasicAuth(adminKey, "X")
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req) // returns at once: the hour of latency gives way to the cancelled context
			if rec.Body.Len() != 0 || len(e.Departments()) != 0 {
				t.Errorf("answered %q / applied %d departments after the caller gave up", rec.Body.String(), len(e.Departments()))
			}
			if calls := e.Calls(); len(calls) != 1 || calls[0].Status != 0 {
				t.Errorf("calls = %+v, want one with status 0", calls)
			}
		})
	}
}

func TestLatencyDelaysAnswerPastClientTimeout(t *testing.T) {
	f := newFixture(t, Options{})
	f.e.InjectFault(Fault{Latency: time.Minute, PathPrefix: "/api/v2/departments"}, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := f.send(ctx, http.MethodGet, "/api/v2/departments", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the client's deadline", err)
	}
	f.do(http.MethodGet, "/api/v2/departments", nil).must(t, http.StatusOK)
}
