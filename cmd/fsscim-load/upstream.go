package main

import (
	"bytes"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

// directHeader marks the load tool's own calls straight to the emulator, which are timed but not
// counted as fsscim's calls.
const directHeader = "X-Fsscim-Load-Direct"

// callLogLimit is how many calls the emulator's own call log may hold before it is emptied: the tool
// counts calls itself, and a log of every body of a long run would weigh on the memory figures.
const callLogLimit = 2000

// idleWait is how long a list call that found the list budget spent waits for other calls to move
// the virtual clock before it moves the clock itself: nothing else is running then.
const idleWait = 20 * time.Millisecond

// upstream stands in front of the emulator. It counts every Freshservice call by endpoint, and in a
// simulated run it turns the emulator's 429s into waits on the virtual clock:
//   - the overall budget of the minute is spent: every caller would wait for the next window, so the
//     clock jumps to it and the call is sent again;
//   - only the list budget is spent: this caller waits for the next window while the others go on
//     spending the overall budget, and moves the clock itself only when nothing else does.
//
// fsscim then never sees a 429; the rate headers are removed so that its own budget, which would learn
// its limit from them, stays out of the simulation (see BENCHMARKS.md, "simulated time").
type upstream struct {
	emu   *freshservicetest.Emulator
	clock *virtualClock // nil: real time, answers pass through unchanged

	served atomic.Int64 // answers other than 429, for the idle check

	mu      sync.Mutex
	counts  map[string]int // "GET /requesters/{id}" -> calls
	lists   int
	limited int // 429s answered (real time) or waited out (simulated)
	logged  int
	// The rate window (virtual minute) of fsscim's latest call, and how many of its calls fell in it.
	window   time.Time
	inWindow int
}

func newUpstream(emu *freshservicetest.Emulator, clock *virtualClock) *upstream {
	return &upstream{emu: emu, clock: clock, counts: map[string]int{}}
}

// callCounts is a snapshot of the counters.
type callCounts struct {
	ByEndpoint map[string]int
	Lists      int
	Limited    int
}

func (c callCounts) total() int {
	n := 0
	for _, v := range c.ByEndpoint {
		n += v
	}
	return n
}

// minus is what happened between an earlier snapshot and this one.
func (c callCounts) minus(earlier callCounts) callCounts {
	out := callCounts{ByEndpoint: map[string]int{}, Lists: c.Lists - earlier.Lists, Limited: c.Limited - earlier.Limited}
	for k, v := range c.ByEndpoint {
		if d := v - earlier.ByEndpoint[k]; d > 0 {
			out.ByEndpoint[k] = d
		}
	}
	return out
}

func (u *upstream) snapshot() callCounts {
	u.mu.Lock()
	defer u.mu.Unlock()
	return callCounts{ByEndpoint: maps.Clone(u.counts), Lists: u.lists, Limited: u.limited}
}

// lastWindow returns the start of the rate window of fsscim's latest call and how many calls fell in
// that window.
func (u *upstream) lastWindow() (time.Time, int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.window, u.inWindow
}

// ServeHTTP implements http.Handler.
func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	direct := r.Header.Get(directHeader) != ""
	endpoint, list := endpointOf(r.Method, r.URL.Path)
	for {
		var before time.Time
		if u.clock != nil {
			before = u.clock.Now()
		}
		rec := newBufferedWriter()
		attempt := r.Clone(r.Context())
		attempt.Body = io.NopCloser(bytes.NewReader(body))
		u.emu.ServeHTTP(rec, attempt)

		if rec.status == http.StatusTooManyRequests {
			u.note(func() { u.limited++ })
			if u.clock != nil && r.Context().Err() == nil {
				u.waitForWindow(before, list && rec.header.Get("X-Ratelimit-Remaining") != "0")
				continue
			}
		} else {
			u.served.Add(1)
		}
		var window time.Time
		if u.clock != nil {
			window = u.clock.Now().Truncate(time.Minute)
		}
		u.note(func() {
			if direct {
				return
			}
			u.counts[endpoint]++
			if list {
				u.lists++
			}
			if window.After(u.window) {
				u.window, u.inWindow = window, 0
			}
			u.inWindow++
		})
		if u.clock != nil {
			for _, h := range []string{"X-Ratelimit-Total", "X-Ratelimit-Remaining", "X-Ratelimit-Used-Currentrequest", "Retry-After"} {
				rec.header.Del(h)
			}
		}
		rec.copyTo(w)
		return
	}
}

// waitForWindow lets simulated time pass until the rate window that began before the refused call
// has ended.
func (u *upstream) waitForWindow(before time.Time, listOnly bool) {
	next := before.Truncate(time.Minute).Add(time.Minute)
	if !listOnly {
		u.clock.advanceTo(next)
		return
	}
	for u.clock.Now().Before(next) {
		seen := u.served.Load()
		moved := u.clock.changed()
		t := time.NewTimer(idleWait)
		select {
		case <-moved:
		case <-t.C:
			if u.served.Load() == seen {
				u.clock.advanceTo(next)
			}
		}
		t.Stop()
	}
}

func (u *upstream) note(f func()) {
	u.mu.Lock()
	f()
	u.logged++
	reset := u.logged >= callLogLimit
	if reset {
		u.logged = 0
	}
	u.mu.Unlock()
	if reset {
		u.emu.ResetCalls()
	}
}

// endpointOf names a Freshservice call by method and path template, and says whether it draws on
// Freshservice's list budget (GET of the requester or agent list).
func endpointOf(method, path string) (string, bool) {
	rest := strings.TrimPrefix(path, "/api/v2")
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	for i, s := range segs {
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			segs[i] = "{id}"
		}
	}
	tmpl := "/" + strings.Join(segs, "/")
	list := method == http.MethodGet && (tmpl == "/requesters" || tmpl == "/agents")
	return method + " " + tmpl, list
}

// bufferedWriter holds an answer so that a refused call can be sent again.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferedWriter() *bufferedWriter {
	return &bufferedWriter{header: http.Header{}}
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedWriter) copyTo(w http.ResponseWriter) {
	maps.Copy(w.Header(), b.header)
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}
