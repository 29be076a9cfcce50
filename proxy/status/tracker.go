package status

import (
	"sync"
	"time"
)

const (
	// CycleGap is the longest pause between two requests of one provisioning cycle: Entra's
	// incremental cycles come every 40 minutes and send their requests back to back.
	CycleGap = 10 * time.Minute
	// MaxFailures is how many of the latest failed requests a tenant's status keeps.
	MaxFailures = 20
	// activityHours is how far back the hourly activity reaches.
	activityHours = 24
)

// Change is the change a request made in Freshservice, as the hourly activity counts it.
type Change uint8

const (
	ChangeNone Change = iota
	ChangeCreate
	ChangeUpdate
	ChangeDisable
	ChangeDelete
)

// Request is what one SCIM request tells its tenant's status.
type Request struct {
	At     time.Time
	Change Change
	// Failure describes the request when it failed; nil when it succeeded.
	Failure *Failure
}

// Tracker keeps what a tenant's requests and Freshservice's answers tell of it since start. A tenant
// gets one on its first request (see Trackers), so a tenant that never calls costs nothing; one costs
// about a kilobyte, and its failures at most twenty more entries.
type Tracker struct {
	mu          sync.Mutex
	lastRequest time.Time
	upOK, upErr time.Time
	upReason    string
	refused     int64
	cycle       Cycle
	hours       [activityHours]hourCount // by hour since the epoch, modulo activityHours
	failures    []Failure                // a ring of at most MaxFailures; next is the oldest once full
	next        int
}

// hourCount is one hour's activity; hour is its number since the epoch, telling a bucket in use from
// one left from a day before.
type hourCount struct {
	hour                                       int64
	creates, updates, disables, deletes, fails int32
}

// Request takes in one answered SCIM request.
func (t *Tracker) Request(r Request) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r.At.After(t.lastRequest) {
		t.lastRequest = r.At
	}
	if t.cycle.Last.IsZero() || r.At.Sub(t.cycle.Last) >= CycleGap {
		t.cycle = Cycle{Started: r.At}
	}
	t.cycle.Last = r.At
	t.cycle.Requests++
	if r.Change != ChangeNone {
		t.cycle.Writes++
	}
	b := t.bucket(r.At)
	switch r.Change {
	case ChangeCreate:
		b.creates++
	case ChangeUpdate:
		b.updates++
	case ChangeDisable:
		b.disables++
	case ChangeDelete:
		b.deletes++
	}
	if r.Failure == nil {
		return
	}
	t.cycle.Errors++
	b.fails++
	if len(t.failures) < MaxFailures {
		t.failures = append(t.failures, *r.Failure)
		return
	}
	t.failures[t.next] = *r.Failure
	t.next = (t.next + 1) % MaxFailures
}

// bucket is the hour holding at, emptied when it last held another hour.
func (t *Tracker) bucket(at time.Time) *hourCount {
	h := hourOf(at)
	b := &t.hours[h%activityHours]
	if b.hour != h {
		*b = hourCount{hour: h}
	}
	return b
}

func hourOf(at time.Time) int64 { return at.Truncate(time.Hour).Unix() / 3600 }

// Upstream takes in one answer of Freshservice (or its silence): ok for a success, else an error
// with its reason, which must name no key.
func (t *Tracker) Upstream(at time.Time, ok bool, reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ok {
		if at.After(t.upOK) {
			t.upOK = at
		}
		return
	}
	if at.After(t.upErr) {
		t.upErr, t.upReason = at, reason
	}
}

// Refused counts a Freshservice call the tenant's rate budget did not allow.
func (t *Tracker) Refused() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.refused++
}

// LastRequest is when the tenant's latest request was answered; zero: none since start.
func (t *Tracker) LastRequest() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastRequest
}

// Fill writes what the tracker knows into st, as of now: the times, the refusals, the cycle, the
// activity of the last 24 hours (oldest first) and the failures (newest first).
func (t *Tracker) Fill(st *Tenant, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st.LastRequest = t.lastRequest
	st.LastUpstreamSuccess, st.LastUpstreamError, st.LastUpstreamReason = t.upOK, t.upErr, t.upReason
	st.Budget.Refused = t.refused
	st.Cycle = t.cycle
	st.Cycle.Active = !t.cycle.Last.IsZero() && now.Sub(t.cycle.Last) < CycleGap
	st.Activity = activity(&t.hours, now)
	st.Errors = make([]Failure, 0, len(t.failures))
	for i := range t.failures {
		// Newest first: the one before next, going back round the ring.
		j := (t.next - 1 - i + 2*len(t.failures)) % len(t.failures)
		st.Errors = append(st.Errors, t.failures[j])
	}
}

// Idle fills the parts of st that a tenant without a tracker shows: an empty day of activity.
func Idle(st *Tenant, now time.Time) {
	var none [activityHours]hourCount
	st.Activity = activity(&none, now)
	st.Errors = []Failure{}
}

func activity(hours *[activityHours]hourCount, now time.Time) []Hour {
	out := make([]Hour, 0, activityHours)
	last := hourOf(now)
	for h := last - activityHours + 1; h <= last; h++ {
		one := Hour{Start: time.Unix(h*3600, 0).UTC()}
		if b := hours[h%activityHours]; b.hour == h {
			one.Creates, one.Updates, one.Disables, one.Deletes, one.Errors =
				int(b.creates), int(b.updates), int(b.disables), int(b.deletes), int(b.fails)
		}
		out = append(out, one)
	}
	return out
}

// Trackers holds the tracker of every tenant that has called since start.
type Trackers struct {
	mu sync.RWMutex
	m  map[string]*Tracker
}

// NewTrackers returns an empty set.
func NewTrackers() *Trackers { return &Trackers{m: map[string]*Tracker{}} }

// Of returns domain's tracker, making it on first use.
func (ts *Trackers) Of(domain string) *Tracker {
	ts.mu.RLock()
	t, ok := ts.m[domain]
	ts.mu.RUnlock()
	if ok {
		return t
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t, ok = ts.m[domain]; !ok {
		t = &Tracker{}
		ts.m[domain] = t
	}
	return t
}

// Lookup returns domain's tracker when it has one, without making one.
func (ts *Trackers) Lookup(domain string) (*Tracker, bool) {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	t, ok := ts.m[domain]
	return t, ok
}
