package freshservicetest

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestRateHeadersOnEveryResponse(t *testing.T) {
	f := newFixture(t, Options{PerMinute: 50})
	uid := f.createRequester(map[string]any{"first_name": "Ann", "primary_email": "ann@x.com"})
	tests := []struct {
		name   string
		call   apiCall
		status int
	}{
		{"get", apiCall{http.MethodGet, path("/api/v2/requesters/{id}", uid), nil, nil}, http.StatusOK},
		{"list", apiCall{http.MethodGet, "/api/v2/requesters", nil, nil}, http.StatusOK},
		{"create", apiCall{http.MethodPost, "/api/v2/requesters", map[string]any{"first_name": "B", "primary_email": "b@x.com"}, nil}, http.StatusCreated},
		{"delete", apiCall{http.MethodDelete, path("/api/v2/requesters/{id}", uid), nil, nil}, http.StatusNoContent},
		{"validation", apiCall{http.MethodPost, "/api/v2/requesters", map[string]any{}, nil}, http.StatusBadRequest},
		{"not found", apiCall{http.MethodGet, "/api/v2/requesters/1", nil, nil}, http.StatusNotFound},
		{"unauthorized", apiCall{http.MethodGet, "/api/v2/requesters", nil, []reqOpt{withKey("nope")}}, http.StatusUnauthorized},
		{"forbidden", apiCall{http.MethodGet, "/api/v2/agents", nil, []reqOpt{withKey(plainKey)}}, http.StatusForbidden},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.doCall(tt.call).must(t, tt.status)
			if r.Header.Get("X-Ratelimit-Total") != "50" {
				t.Errorf("X-Ratelimit-Total = %q", r.Header.Get("X-Ratelimit-Total"))
			}
			// One call went to the setup create, then one per case so far.
			if want := strconv.Itoa(50 - 2 - i); r.Header.Get("X-Ratelimit-Remaining") != want {
				t.Errorf("X-Ratelimit-Remaining = %q, want %s", r.Header.Get("X-Ratelimit-Remaining"), want)
			}
			if r.Header.Get("X-Ratelimit-Used-CurrentRequest") != "1" {
				t.Errorf("X-Ratelimit-Used-CurrentRequest = %q", r.Header.Get("X-Ratelimit-Used-CurrentRequest"))
			}
		})
	}
}

func TestRateHeadersWithoutLimit(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.do(http.MethodGet, "/api/v2/requesters", nil).must(t, http.StatusOK)
	for _, h := range []string{"X-Ratelimit-Total", "X-Ratelimit-Remaining", "X-Ratelimit-Used-CurrentRequest"} {
		if r.Header.Get(h) == "" {
			t.Errorf("%s missing", h)
		}
	}
}

func TestBudgetExhaustionAnswers429AndAppliesNothing(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		spend     func(f *fixture)
		blocked   func(f *fixture) result
		unblocked func(f *fixture) result // a call still allowed while blocked (nil: none)
		applied   func(f *fixture) bool   // whether the blocked call's change was made (nil: it makes none)
	}{
		{
			name: "overall budget",
			opts: Options{PerMinute: 3},
			spend: func(f *fixture) {
				for range 3 {
					f.do(http.MethodGet, "/api/v2/departments", nil).must(f.t, http.StatusOK)
				}
			},
			blocked: func(f *fixture) result {
				return f.do(http.MethodPost, "/api/v2/requesters", map[string]any{"first_name": "A", "primary_email": "late@x.com"})
			},
			applied: func(f *fixture) bool { _, ok := f.e.UserByEmail("late@x.com"); return ok },
		},
		{
			name: "list budget",
			opts: Options{PerMinute: 100, ListPerMinute: 2},
			spend: func(f *fixture) {
				f.do(http.MethodGet, "/api/v2/requesters", nil).must(f.t, http.StatusOK)
				f.do(http.MethodGet, "/api/v2/agents", nil).must(f.t, http.StatusOK)
			},
			blocked: func(f *fixture) result { return f.do(http.MethodGet, "/api/v2/requesters?per_page=1", nil) },
			unblocked: func(f *fixture) result {
				return f.do(http.MethodPost, "/api/v2/requesters", map[string]any{"first_name": "A", "primary_email": "allowed@x.com"})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts)
			f.clock.Add(15 * time.Second) // 10:15:15, 45 s before the window ends
			tt.spend(f)
			r := tt.blocked(f).must(t, http.StatusTooManyRequests)
			if got := r.Header.Get("Retry-After"); got != "45" {
				t.Errorf("Retry-After = %q, want 45", got)
			}
			if r.Header.Get("X-Ratelimit-Total") == "" {
				t.Error("429 without rate headers")
			}
			if tt.applied != nil && tt.applied(f) {
				t.Error("rejected request was applied")
			}
			if tt.unblocked != nil {
				tt.unblocked(f).must(t, http.StatusCreated)
			}
			f.clock.Add(44*time.Second + 500*time.Millisecond)
			if got := tt.blocked(f).must(t, http.StatusTooManyRequests).Header.Get("Retry-After"); got != "1" {
				t.Errorf("Retry-After half a second before the window ends = %q, want 1", got)
			}
			f.clock.Add(time.Second)
			if got := tt.blocked(f).Status; got == http.StatusTooManyRequests {
				t.Error("new window still limited")
			}
			if tt.applied != nil && !tt.applied(f) {
				t.Error("request in the new window not applied")
			}
		})
	}
}

func TestInvalidRequestsCountAgainstBudget(t *testing.T) {
	f := newFixture(t, Options{PerMinute: 2})
	f.do(http.MethodGet, "/api/v2/requesters/1", nil).must(t, http.StatusNotFound)
	f.do(http.MethodGet, "/api/v2/requesters", nil, withKey("bad")).must(t, http.StatusUnauthorized)
	f.do(http.MethodGet, "/api/v2/departments", nil).must(t, http.StatusTooManyRequests)
}

func TestSetRateLimitAppliesLive(t *testing.T) {
	f := newFixture(t, Options{})
	f.do(http.MethodGet, "/api/v2/departments", nil).must(t, http.StatusOK)
	f.e.SetRateLimit(1, 0)
	f.do(http.MethodGet, "/api/v2/departments", nil).must(t, http.StatusTooManyRequests)
	f.e.SetRateLimit(0, 0)
	f.do(http.MethodGet, "/api/v2/departments", nil).must(t, http.StatusOK)
}
