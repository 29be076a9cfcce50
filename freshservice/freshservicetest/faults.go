package freshservicetest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a failure injected into matching requests.
type Fault struct {
	Status     int           // answer this status (500, 502, 503, 429 ...) instead of handling
	RetryAfter time.Duration // Retry-After header with Status 429/503
	Latency    time.Duration // wait this long before handling (respects the request context)
	Drop       bool          // close the connection without an answer
	// AfterWrite applies the request to the state first, then answers Status or drops the connection
	// (with neither set it drops): the change is made and the answer is lost.
	AfterWrite bool
	// Hold makes a matching request wait, before it is handled, until Hold is closed (or the request
	// ends); Arrived, when set, is closed when the first such request arrives. A test sees a call
	// arrive and chooses when it goes on.
	Hold       <-chan struct{}
	Arrived    chan struct{}
	Method     string // "" = any
	PathPrefix string // "" = any, e.g. "/api/v2/requesters"
}

// armedFault is an injected fault with the number of requests it still applies to (<0: unlimited).
type armedFault struct {
	f       Fault
	left    int
	arrived bool // Arrived is closed
}

// InjectFault makes the next n matching requests get f (n < 0: every matching request until
// ClearFaults). Faults apply in the order injected; a request gets at most one.
func (e *Emulator) InjectFault(f Fault, n int) {
	if n == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = append(e.faults, &armedFault{f: f, left: n})
}

// ClearFaults removes every injected fault (SetLatency stays).
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = nil
}

// SetLatency delays every request by d (0 = none), on top of any fault latency.
func (e *Emulator) SetLatency(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.latency = d
}

// takeFault consumes one use of the first fault matching r. Called with e.mu held.
func (e *Emulator) takeFault(r *http.Request) (Fault, bool) {
	for i, a := range e.faults {
		if a.f.Method != "" && !strings.EqualFold(a.f.Method, r.Method) {
			continue
		}
		if !strings.HasPrefix(r.URL.Path, a.f.PathPrefix) {
			continue
		}
		if a.f.Hold != nil && a.f.Arrived != nil && !a.arrived {
			a.arrived = true
			close(a.f.Arrived)
		}
		if a.left > 0 {
			a.left--
			if a.left == 0 {
				e.faults = append(e.faults[:i:i], e.faults[i+1:]...)
			}
		}
		return a.f, true
	}
	return Fault{}, false
}

// faultResponse is the answer a status fault gives.
func faultResponse(f Fault) response {
	resp := codeMessage(f.Status, "injected_fault", http.StatusText(f.Status))
	if f.RetryAfter > 0 && (f.Status == http.StatusTooManyRequests || f.Status == http.StatusServiceUnavailable) {
		secs := max(int((f.RetryAfter+time.Second-1)/time.Second), 1)
		resp.header.Set("Retry-After", strconv.Itoa(secs))
	}
	return resp
}
