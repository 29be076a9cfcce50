package freshservice

import (
	"context"
	"sync/atomic"
	"time"
)

// CallInfo describes one HTTP attempt, for metrics and tests. It never carries a URL with a query,
// a body or a credential.
type CallInfo struct {
	Method   string
	Endpoint string // template, e.g. "/requesters/{id}"
	Status   int    // 0 = no answer (timeout, connection error)
	Duration time.Duration
	List     bool // a GET on a collection
	Attempt  int  // 1 for the first try of a call, 2 for its first retry ...
}

// Tally counts the Freshservice calls made under one context, so the proxy can log how many calls
// one SCIM request cost. It is safe for concurrent use; the zero value is ready.
type Tally struct {
	calls  atomic.Int64
	lists  atomic.Int64
	writes atomic.Int64
}

type tallyKey struct{}

// WithTally returns a context under which every HTTP attempt is counted in t.
func WithTally(ctx context.Context, t *Tally) context.Context {
	return context.WithValue(ctx, tallyKey{}, t)
}

// Calls is the number of HTTP attempts made under the tally's context, retries included.
func (t *Tally) Calls() int { return int(t.calls.Load()) }

// ListCalls is how many of those attempts were GETs on a collection.
func (t *Tally) ListCalls() int { return int(t.lists.Load()) }

// Writes is how many of those attempts were not GETs: writes that may have changed Freshservice,
// whatever they were answered.
func (t *Tally) Writes() int { return int(t.writes.Load()) }

func (t *Tally) add(list, write bool) {
	t.calls.Add(1)
	if list {
		t.lists.Add(1)
	}
	if write {
		t.writes.Add(1)
	}
}

func tallyFrom(ctx context.Context) *Tally {
	t, _ := ctx.Value(tallyKey{}).(*Tally)
	return t
}

// StatusRecorder keeps the HTTP status of the last attempt made under a context (0: none answered),
// so that a caller can say what Freshservice answered a write that succeeded. Safe for concurrent use.
type StatusRecorder struct{ status atomic.Int64 }

type statusKey struct{}

// WithStatusRecorder returns a context under which every attempt's status is kept in r.
func WithStatusRecorder(ctx context.Context, r *StatusRecorder) context.Context {
	return context.WithValue(ctx, statusKey{}, r)
}

// Status is the status of the last attempt.
func (r *StatusRecorder) Status() int { return int(r.status.Load()) }
