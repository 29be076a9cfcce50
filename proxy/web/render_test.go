package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/fsscim/fsscim/proxy/status"
	"github.com/fsscim/fsscim/store/audit"
)

// fixedTenants is a test double of Tenants for the rendering tests.
type fixedTenants []status.Tenant

func (f fixedTenants) Status(_ context.Context, domain string) (status.Tenant, bool) {
	for _, t := range f {
		if t.Domain == domain {
			return t, true
		}
	}
	return status.Tenant{}, false
}

func (f fixedTenants) Statuses(context.Context) []status.Tenant { return f }

// memoryAudit is a test double of audit.Log: entries appended in time order, found newest first.
type memoryAudit struct{ entries []audit.Entry }

func (m *memoryAudit) Append(_ context.Context, e audit.Entry) error {
	m.entries = append(m.entries, e)
	return nil
}

func (m *memoryAudit) Find(_ context.Context, q audit.Query) ([]audit.Entry, error) {
	var out []audit.Entry
	for i := len(m.entries) - 1; i >= 0 && len(out) < q.Limit; i-- {
		e := m.entries[i]
		if e.Tenant == q.Tenant && (q.User == "" || strings.EqualFold(e.Email, q.User)) {
			out = append(out, e)
		}
	}
	return out, nil
}

var sampleTenant = status.Tenant{
	Domain: "acme.freshservice.com", File: "acme.yaml", FileState: status.FileCurrent, Up: true,
	Key: status.KeyWorking, KeyOwner: "Ada Admin <ada@acme.example>",
	LastRequest: time.Date(2026, 5, 1, 11, 58, 0, 0, time.UTC),
	Budget:      status.Budget{Limit: 100, Used: 12, Left: 88},
	Directory:   status.Directory{Built: true, Users: 4210, Groups: 31, RefreshedAt: time.Date(2026, 5, 1, 11, 50, 0, 0, time.UTC)},
	Cycle:       status.Cycle{Started: time.Date(2026, 5, 1, 11, 40, 0, 0, time.UTC), Requests: 120, Writes: 14, Errors: 1, Active: true},
	Activity:    []status.Hour{{Creates: 3, Updates: 9}, {Disables: 1, Errors: 1}, {Deletes: 2}},
	Errors: []status.Failure{{At: time.Date(2026, 5, 1, 11, 41, 0, 0, time.UTC), Operation: "create user", User: "x@acme.example",
		Status: 400, Reason: "Validation failed: email is invalid <script>", Fix: "Correct the user's email in Entra."}},
}

func newTestServer(t testing.TB, log audit.Log) *Server {
	t.Helper()
	s, err := New(Deps{
		Tenants: fixedTenants{sampleTenant},
		Audit:   log,
		SignIn: func(_ *http.Request, token string) (Identity, error) {
			if token == "good" {
				return Identity{Domain: sampleTenant.Domain, APIKey: "k"}, nil
			}
			return Identity{}, io.EOF
		},
		AdminSignIn: func(*http.Request, string) error { return nil },
		Log:         zaptest.NewLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signedIn signs in through the form and returns the session's cookies.
func signedIn(t testing.TB, h http.Handler) []*http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/app", nil))
	cookies := rec.Result().Cookies()
	var csrf string
	for _, c := range cookies {
		if c.Name == "fsscim_app_csrf" {
			csrf = c.Value
		}
	}
	form := url.Values{"csrf": {csrf}, "token": {"good"}}
	req := httptest.NewRequest(http.MethodPost, "/app/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d\n%s", rec.Code, rec.Body)
	}
	return rec.Result().Cookies()
}

func get(t testing.TB, h http.Handler, target string, cookies []*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestTenantPageRendersTheStatus(t *testing.T) {
	s := newTestServer(t, &memoryAudit{})
	h := s.App()
	rec := get(t, h, "/app", signedIn(t, h))
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d\n%s", rec.Code, body)
	}
	for _, want := range []string{
		`<html lang="en">`, "acme.freshservice.com", "Ada Admin &lt;ada@acme.example&gt;", "12 of 100",
		"4210 users, 31 groups", "120 requests, 14 writes", "Correct the user&#39;s email in Entra.",
		"email is invalid &lt;script&gt;", `aria-labelledby="chart-title"`,
		"Last 24 hours: 3 creates, 9 updates, 1 disables, 2 deletes, 1 errors", `name="csrf"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; form-action 'self'; frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	} {
		if got := rec.Header().Get(h); !strings.HasPrefix(got, want) {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
}
