package freshservice_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
)

// testKey is the API key every test client uses; no error text may contain it.
const testKey = "k3y-SECRET-0123456789"

// reply is one canned answer of the fake Freshservice.
type reply struct {
	status int
	body   string
	header map[string]string
	drop   bool // close the connection without answering
}

// seen is one request the fake received.
type seen struct {
	method, path, rawQuery string
	header                 http.Header
	body                   string
}

// fake is a Freshservice stand-in answering canned replies by "METHOD /path" (path without
// /api/v2), in order; the last reply of a route repeats. Unknown routes answer 404.
type fake struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	routes map[string][]reply
	reqs   []seen
}

func newFake(t *testing.T, routes map[string][]reply) *fake {
	t.Helper()
	f := &fake{t: t, routes: routes}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := r.URL.Path[len("/api/v2"):]
	key := r.Method + " " + path
	f.mu.Lock()
	f.reqs = append(f.reqs, seen{method: r.Method, path: path, rawQuery: r.URL.RawQuery, header: r.Header.Clone(), body: string(body)})
	replies, ok := f.routes[key]
	var rep reply
	switch {
	case !ok || len(replies) == 0:
		rep = reply{status: http.StatusNotFound}
	case len(replies) == 1:
		rep = replies[0]
	default:
		rep = replies[0]
		f.routes[key] = replies[1:]
	}
	f.mu.Unlock()

	if rep.drop {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	if rep.body != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(rep.status)
	io.WriteString(w, rep.body)
}

func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// oneCall is a client call against one route of a fake, for tests that it sends exactly one request.
type oneCall struct {
	name  string
	route string // "METHOD /path" the fake answers with reply
	reply reply
	run   func(*freshservice.Client) error
}

// send runs the call against a fake that answers its route with the reply and then with a success a
// second request would get, and returns the call's error. The test fails unless exactly one request
// was sent.
func (oc oneCall) send(t *testing.T) error {
	t.Helper()
	f := newFake(t, map[string][]reply{oc.route: {oc.reply, {status: 200, body: `{}`}}})
	err := oc.run(newTestClient(t, f.srv.URL, nil))
	if n := f.count(); n != 1 {
		t.Errorf("sent %d requests, want exactly 1", n)
	}
	return err
}

// errOf keeps only the error of a call that also answers a value.
func errOf[T any](_ T, err error) error { return err }

func noBackoff(int) time.Duration { return 0 }

// newTestClient builds a client on baseURL+"/api/v2" with no backoff; edit tweaks the options.
func newTestClient(t testing.TB, baseURL string, edit func(*freshservice.Options)) *freshservice.Client {
	t.Helper()
	opts := freshservice.Options{
		BaseURL: baseURL + "/api/v2",
		APIKey:  testKey,
		Timeout: 5 * time.Second,
		Backoff: noBackoff,
	}
	if edit != nil {
		edit(&opts)
	}
	c, err := freshservice.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// callLog collects what the Observer reports.
type callLog struct {
	mu    sync.Mutex
	calls []freshservice.CallInfo
}

func (l *callLog) observe(ci freshservice.CallInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, ci)
}

func (l *callLog) all() []freshservice.CallInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]freshservice.CallInfo(nil), l.calls...)
}

func asErr(err error, target **freshservice.Error) bool { return errors.As(err, target) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
