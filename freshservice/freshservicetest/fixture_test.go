package freshservicetest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/proxy/proxytest"
)

const (
	adminKey = "admin-key"
	plainKey = "plain-key"
)

func newFakeClock() *Clock {
	return NewClock(time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC))
}

// fixture is a running emulator with an admin and a non-admin key.
type fixture struct {
	t     *testing.T
	e     *Emulator
	srv   *httptest.Server
	clock *Clock
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	clock := newFakeClock()
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	e, srv := NewServer(opts)
	t.Cleanup(srv.Close)
	e.AddAPIKey(adminKey, true)
	e.AddAPIKey(plainKey, false)
	return &fixture{t: t, e: e, srv: srv, clock: clock}
}

// result is an answer as a client sees it, with the emulator's ways of reading its body.
type result struct{ proxytest.Response }

// inner decodes a wrapped single object, e.g. {"requester":{...}}.
func (r result) inner(t *testing.T, wrapper string) map[string]any {
	t.Helper()
	v, ok := r.JSON(t)[wrapper].(map[string]any)
	if !ok {
		t.Fatalf("body %s has no %q object", r.Body, wrapper)
	}
	return v
}

// list decodes a wrapped list, e.g. {"requesters":[...]}.
func (r result) list(t *testing.T, wrapper string) []map[string]any {
	t.Helper()
	raw, ok := r.JSON(t)[wrapper].([]any)
	if !ok {
		t.Fatalf("body %s has no %q list", r.Body, wrapper)
	}
	out := make([]map[string]any, 0, len(raw))
	for _, it := range raw {
		out = append(out, it.(map[string]any))
	}
	return out
}

// ids are the ids of a wrapped list's objects, in the answer's order (nil for an empty list).
func (r result) ids(t *testing.T, wrapper string) []int64 {
	t.Helper()
	var out []int64
	for _, m := range r.list(t, wrapper) {
		out = append(out, id(t, m))
	}
	return out
}

// fieldErrors decodes a "Validation failed" body.
func (r result) fieldErrors(t *testing.T) []fieldError {
	t.Helper()
	var b struct {
		Description string       `json:"description"`
		Errors      []fieldError `json:"errors"`
	}
	if err := json.Unmarshal(r.Body, &b); err != nil || b.Description != "Validation failed" {
		t.Fatalf("body %q is not a validation failure (%v)", r.Body, err)
	}
	return b.Errors
}

// reqOpt adjusts a request before it is sent.
type reqOpt func(*http.Request)

func withKey(key string) reqOpt {
	return func(r *http.Request) {
		if key == "" {
			r.Header.Del("Authorization")
			return
		}
		r.SetBasicAuth(key, "X")
	}
}

func withHeader(k, v string) reqOpt {
	return func(r *http.Request) {
		if v == "" {
			r.Header.Del(k)
			return
		}
		r.Header.Set(k, v)
	}
}

// do sends a request with the admin key. body may be nil, a string (sent as is) or a value to marshal.
func (f *fixture) do(method, path string, body any, opts ...reqOpt) result {
	f.t.Helper()
	r, err := f.send(context.Background(), method, path, body, opts...)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// send is do without failing on a transport error, for requests that may get no answer.
func (f *fixture) send(ctx context.Context, method, path string, body any, opts ...reqOpt) (result, error) {
	f.t.Helper()
	req := f.newRequest(method, path, body).WithContext(ctx)
	for _, o := range opts {
		o(req)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		return result{}, err
	}
	r, err := proxytest.ReadResponse(resp)
	return result{r}, err
}

// apiCall is the request of one row of a table-driven test.
type apiCall struct {
	method string
	path   string
	body   any
	opts   []reqOpt
}

// doCall sends c like do, with extra options applied after the call's own.
func (f *fixture) doCall(c apiCall, extra ...reqOpt) result {
	f.t.Helper()
	return f.do(c.method, c.path, c.body, append(slices.Clone(c.opts), extra...)...)
}

func (f *fixture) newRequest(method, path string, body any) *http.Request {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			f.t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		f.t.Fatalf("new request: %v", err)
	}
	req.SetBasicAuth(adminKey, "X")
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// must fails the test unless the answer has the wanted status.
func (r result) must(t *testing.T, status int) result {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	return r
}

// id reads a JSON number id.
func id(t *testing.T, m map[string]any) int64 {
	t.Helper()
	v, ok := m["id"].(float64)
	if !ok {
		t.Fatalf("object %v has no numeric id", m)
	}
	return int64(v)
}

// createRequester posts a requester and returns its id.
func (f *fixture) createRequester(body map[string]any) int64 {
	f.t.Helper()
	r := f.do(http.MethodPost, "/api/v2/requesters", body).must(f.t, http.StatusCreated)
	return id(f.t, r.inner(f.t, "requester"))
}

// requesterAndAgent creates the requester Ann and the agent Bea and returns their ids.
func (f *fixture) requesterAndAgent() (requester, agent int64) {
	f.t.Helper()
	requester = f.createRequester(map[string]any{"first_name": "Ann", "primary_email": "ann@x.com"})
	return requester, f.createAgent("Bea", "bea@x.com")
}

// listCase is a query on a list and the ids it should answer, in order.
type listCase struct {
	name  string
	query string
	want  []int64
}

// checkListIDs runs each case as a subtest against /api/v2/<list>.
func (f *fixture) checkListIDs(t *testing.T, list string, cases []listCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := f.do(http.MethodGet, "/api/v2/"+list+c.query, nil).must(t, http.StatusOK).ids(t, list)
			if !slices.Equal(got, c.want) {
				t.Errorf("ids = %v, want %v", got, c.want)
			}
		})
	}
}

func agentBody(first, email string) map[string]any {
	return map[string]any{
		"first_name": first,
		"email":      email,
		"roles":      []any{map[string]any{"role_id": 7, "assignment_scope": "entire_helpdesk"}},
	}
}

// createAgent posts an agent and returns its id.
func (f *fixture) createAgent(first, email string) int64 {
	f.t.Helper()
	r := f.do(http.MethodPost, "/api/v2/agents", agentBody(first, email)).must(f.t, http.StatusCreated)
	return id(f.t, r.inner(f.t, "agent"))
}

func path(format string, ids ...int64) string {
	out := format
	for _, id := range ids {
		out = strings.Replace(out, "{id}", itoa(id), 1)
	}
	return out
}

func itoa(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
