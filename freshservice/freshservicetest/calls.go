package freshservicetest

import (
	"bytes"
	"net/http"
	"slices"
	"time"
)

// Call is one request the emulator received, including rejected, faulted and dropped ones.
type Call struct {
	Method, Path, RawQuery string
	Body                   []byte
	Status                 int // what the client was answered; 0 = no answer (dropped or gave up)
	At                     time.Time
}

// Calls returns the call log, oldest first.
func (e *Emulator) Calls() []Call {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Call, len(e.calls))
	for i, c := range e.calls {
		c.Body = bytes.Clone(c.Body)
		out[i] = c
	}
	return out
}

// ResetCalls empties the call log.
func (e *Emulator) ResetCalls() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = nil
}

func (e *Emulator) record(r *http.Request, raw []byte, status int, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, Call{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Body:     slices.Clip(bytes.Clone(raw)),
		Status:   status,
		At:       at,
	})
}
