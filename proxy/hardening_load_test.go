package proxy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/proxy/proxytest"
	"github.com/fsscim/fsscim/store"
)

// The load run: 20 Entra workers each make a fixed number of operations (FSSCIM_LOAD_STEPS, 100 by
// default; skipped under -short), provisioning, changing, disabling, enabling and deleting users over
// loopback while 1 % of Freshservice calls fail in one of the ways the fault matrix covers. The
// amount of work is fixed, not the time it takes, so a slow machine runs the same test. Every worker retries a failed request as
// Entra does. At the end every user must be in the state its worker last confirmed, with no
// duplicate, and fsscim must hold no more goroutines or memory than before.

const (
	loadWorkers        = 20
	loadUsersPerWorker = 4
	loadFaultEvery     = 100 // one Freshservice call in this many fails
)

// loadFaults are the failures injected, in turn.
var loadFaults = []freshservicetest.Fault{
	{Status: http.StatusServiceUnavailable},
	{Status: http.StatusInternalServerError},
	{Drop: true},
	{Drop: true, AfterWrite: true},
	{Status: http.StatusBadGateway, AfterWrite: true},
	{Status: http.StatusTooManyRequests, RetryAfter: time.Second},
	{Latency: 3 * time.Second},
}

// loadInjector arms a fault in the emulator for every loadFaultEvery-th call fsscim makes, aimed at
// that call's method and path.
type loadInjector struct {
	next     http.RoundTripper
	emu      *freshservicetest.Emulator
	calls    atomic.Int64
	injected atomic.Int64
}

func (l *loadInjector) RoundTrip(r *http.Request) (*http.Response, error) {
	if n := l.calls.Add(1); n%loadFaultEvery == 0 {
		f := loadFaults[int(l.injected.Add(1))%len(loadFaults)]
		f.Method, f.PathPrefix = r.Method, r.URL.Path
		l.emu.InjectFault(f, 1)
	}
	return l.next.RoundTrip(r)
}

// loadUser is what a worker last had confirmed for one user.
type loadUser struct {
	email   string
	id      string
	created bool
	active  bool
	deleted bool
	title   string
}

type loadServer struct {
	emu      *freshservicetest.Emulator
	emuSrv   *httptest.Server
	srv      *proxy.Server
	http     *httptest.Server
	db       store.Store
	token    string
	inject   *loadInjector
	client   *http.Client
	requests atomic.Int64
}

func startLoadServer(t *testing.T) *loadServer {
	t.Helper()
	ls := &loadServer{}
	ls.emu, ls.emuSrv = freshservicetest.NewServer(freshservicetest.Options{})
	ls.emu.AddAPIKey("load-key-0001", true)
	dir := t.TempDir()
	set := oneTenant(t, dir, "load", "domain: load.freshservice.com\napi_url: "+ls.emuSrv.URL+"/api/v2\n")
	_, keys := proxytest.NewKeys(t)
	ls.token = proxytest.Seal(t, keys, "load.freshservice.com", "load-key-0001")
	var err error
	if ls.db, err = store.OpenBolt(filepath.Join(dir, "fsscim.db")); err != nil {
		t.Fatal(err)
	}
	ls.inject = &loadInjector{next: hdTransport(t), emu: ls.emu}
	// The production logger, writing nowhere: its cost is part of the run, its output is not.
	ls.srv, err = proxy.New(proxy.Options{
		Tenants:         func() *config.TenantSet { return set },
		Keys:            keys,
		Store:           ls.db,
		Logger:          redactingLogger(io.Discard, zap.InfoLevel),
		Transport:       ls.inject,
		UpstreamTimeout: 2 * time.Second,
		RequestTimeout:  10 * time.Second,
		Backoff:         func(int) time.Duration { return 10 * time.Millisecond },
	})
	if err != nil {
		t.Fatal(err)
	}
	ls.http = httptest.NewServer(ls.srv.Handler())
	ls.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadWorkers * 2}, Timeout: 30 * time.Second}
	return ls
}

// close stops everything the run started, in the order `fsscim serve` does.
func (ls *loadServer) close() {
	ls.http.Close()
	ls.srv.Close()
	ls.client.CloseIdleConnections()
	ls.emuSrv.Close()
	ls.inject.next.(*http.Transport).CloseIdleConnections()
	_ = ls.db.Close()
}

func (ls *loadServer) do(method, path string, body any) (int, map[string]any, error) {
	ls.requests.Add(1)
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, ls.http.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+ls.token)
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := ls.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, nil
}

// retry sends a request until fsscim answers something other than 429 or 5xx, as Entra retries
// failed operations; it returns that answer.
func (ls *loadServer) retry(method, path string, body any) (int, map[string]any, int, error) {
	for attempt := 1; ; attempt++ {
		status, m, err := ls.do(method, path, body)
		if err == nil && status != http.StatusTooManyRequests && status < 500 {
			return status, m, attempt, nil
		}
		if attempt == 60 {
			return status, m, attempt, fmt.Errorf("%s %s still failing after %d attempts: %d %v %v", method, path, attempt, status, m, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func loadSteps(t *testing.T) int {
	steps := 100
	if v := os.Getenv("FSSCIM_LOAD_STEPS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("FSSCIM_LOAD_STEPS=%q is not a positive number of operations", v)
		}
		steps = n
	}
	return steps
}

func TestLoadWithUpstreamFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("the load run makes FSSCIM_LOAD_STEPS operations per worker; skipped under -short")
	}
	steps := loadSteps(t)
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	baseGoroutines := runtime.NumGoroutine()
	baseHeap := proxytest.LiveHeap()

	ls := startLoadServer(t)
	users := make([][]*loadUser, loadWorkers)
	for w := range users {
		for k := 0; k < loadUsersPerWorker; k++ {
			users[w] = append(users[w], &loadUser{email: fmt.Sprintf("w%02d.u%d@load.example", w, k)})
		}
	}

	// The emulator's call log would grow for ever; the run does not look at it.
	stopTrim := make(chan struct{})
	trimmed := make(chan struct{})
	go func() {
		defer close(trimmed)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopTrim:
				return
			case <-tick.C:
				ls.emu.ResetCalls()
			}
		}
	}()

	var midHeap atomic.Uint64
	var midRequests atomic.Int64
	var errs sync.Map
	var wg sync.WaitGroup
	// Memory in the steady state is taken once every worker has made a third of its operations: the
	// users exist and the caches are warm.
	var warm sync.WaitGroup
	warm.Add(loadWorkers)
	for w := 0; w < loadWorkers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for seq := 1; seq <= steps; seq++ {
				if seq == steps/3+1 {
					warm.Done()
				}
				u := users[w][rng.IntN(loadUsersPerWorker)]
				if err := loadStep(ls, u, rng, fmt.Sprintf("w%d-%d", w, seq)); err != nil {
					errs.Store(u.email, err)
					if seq <= steps/3 {
						warm.Done()
					}
					return
				}
			}
		}(w)
	}
	go func() {
		warm.Wait()
		midHeap.Store(proxytest.LiveHeap())
		midRequests.Store(ls.requests.Load())
	}()
	wg.Wait()
	close(stopTrim)
	<-trimmed
	errs.Range(func(k, v any) bool {
		t.Errorf("worker of %s: %v", k, v)
		return true
	})
	endHeap := proxytest.LiveHeap()
	requests := ls.requests.Load()
	t.Logf("%d SCIM requests, %d Freshservice calls, %d faults injected", requests, ls.inject.calls.Load(), ls.inject.injected.Load())
	if ls.inject.injected.Load() == 0 {
		t.Fatal("no fault was injected: the run was too short to mean anything")
	}

	// Every user is as its worker last had it confirmed, in Freshservice and in fsscim's answers.
	ls.emu.ClearFaults()
	for _, list := range users {
		for _, u := range list {
			checkLoadUser(t, ls, u)
		}
	}

	if mid := midHeap.Load(); mid > 0 && endHeap > mid {
		growth := endHeap - mid
		perRequest := float64(growth) / float64(max(requests-midRequests.Load(), 1))
		if growth > 32<<20 {
			t.Errorf("the heap grew by %d bytes (%.0f per request) in the steady state", growth, perRequest)
		}
	}
	closed := make(chan struct{})
	go func() {
		ls.close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("fsscim did not stop within 30 s of being closed")
	}
	// Everything fsscim started must end with it.
	var now int
	for i := 0; i < 200; i++ {
		if now = runtime.NumGoroutine(); now <= baseGoroutines+2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if now > baseGoroutines+2 {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("%d goroutines after the run, %d before:\n%s", now, baseGoroutines, buf[:n])
	}
	if after := proxytest.LiveHeap(); after > baseHeap+16<<20 {
		t.Errorf("the heap holds %d bytes after the run, %d before", after, baseHeap)
	}
}

// loadStep makes one Entra operation on u, chosen from its state, and records what was confirmed.
func loadStep(ls *loadServer, u *loadUser, rng *rand.Rand, tag string) error {
	path := "/scim/v2/Users/" + u.id
	switch {
	case !u.created || u.deleted:
		// Entra looks the user up, then creates it (a deleted one is adopted again).
		status, m, _, err := ls.retry(http.MethodGet, "/scim/v2/Users?filter="+hdFilter(`userName eq "`+u.email+`"`), nil)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("lookup: %d %v", status, m)
		}
		if res, _ := m["Resources"].([]any); len(res) != 0 {
			return fmt.Errorf("lookup of a user Entra has not made (or deleted) finds %v", res)
		}
		status, m, _, err = ls.retry(http.MethodPost, "/scim/v2/Users", entraUserBody(u.email))
		if err != nil {
			return err
		}
		if status != http.StatusCreated {
			return fmt.Errorf("create: %d %v", status, m)
		}
		id, _ := m["id"].(string)
		if u.created && id != u.id {
			return fmt.Errorf("re-create made a new user %s instead of adopting %s", id, u.id)
		}
		u.id, u.created, u.deleted, u.active = id, true, false, true
	default:
		r := rng.IntN(10)
		switch {
		case r < 2:
			status, m, _, err := ls.retry(http.MethodGet, path, nil)
			if err != nil {
				return err
			}
			if status != http.StatusOK || m["active"] != u.active {
				return fmt.Errorf("read: %d %v, want active %t", status, m, u.active)
			}
		case r < 6 && u.active:
			title := "T " + tag
			status, m, _, err := ls.retry(http.MethodPatch, path, userPatchBody(patchOp("Replace", "title", title)))
			if err != nil {
				return err
			}
			if status != http.StatusOK || m["title"] != title {
				return fmt.Errorf("patch: %d %v", status, m)
			}
			u.title = title
		case r < 9:
			status, m, _, err := ls.retry(http.MethodPatch, path, userPatchBody(patchOp("Replace", "active", strings.ToUpper(strconv.FormatBool(!u.active)[:1])+strconv.FormatBool(!u.active)[1:])))
			if err != nil {
				return err
			}
			if status != http.StatusOK || m["active"] != !u.active {
				return fmt.Errorf("set active %t: %d %v", !u.active, status, m)
			}
			u.active = !u.active
		default:
			status, m, attempts, err := ls.retry(http.MethodDelete, path, nil)
			if err != nil {
				return err
			}
			// A retried delete may find the first attempt's work done.
			if status != http.StatusNoContent && (status != http.StatusNotFound || attempts == 1) {
				return fmt.Errorf("delete: %d %v", status, m)
			}
			u.deleted, u.active = true, false
		}
	}
	return nil
}

func checkLoadUser(t *testing.T, ls *loadServer, u *loadUser) {
	t.Helper()
	var holders []string
	for _, fu := range ls.emu.Users() {
		if strings.EqualFold(fu.Mail(), u.email) {
			holders = append(holders, strconv.FormatInt(fu.ID, 10))
			if !u.created {
				continue
			}
			if fu.Active != u.active {
				t.Errorf("%s: Freshservice active %t, want %t", u.email, fu.Active, u.active)
			}
			if u.title != "" && fu.JobTitle != u.title {
				t.Errorf("%s: Freshservice title %q, want %q", u.email, fu.JobTitle, u.title)
			}
		}
	}
	switch {
	case !u.created && len(holders) > 0:
		t.Errorf("%s: never confirmed, yet Freshservice holds %v", u.email, holders)
		return
	case !u.created:
		return
	case len(holders) != 1 || holders[0] != u.id:
		t.Errorf("%s: Freshservice users %v, want exactly [%s]", u.email, holders, u.id)
		return
	}
	status, m, err := ls.do(http.MethodGet, "/scim/v2/Users/"+u.id, nil)
	switch {
	case err != nil:
		t.Errorf("%s: %v", u.email, err)
	case u.deleted && status != http.StatusNotFound:
		t.Errorf("%s: deleted, but GET answers %d %v", u.email, status, m)
	case !u.deleted && (status != http.StatusOK || m["active"] != u.active):
		t.Errorf("%s: GET answers %d %v, want active %t", u.email, status, m, u.active)
	}
}
