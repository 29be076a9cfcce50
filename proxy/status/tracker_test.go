package status

import (
	"strconv"
	"testing"
	"time"
)

// TestTrackerKeepsTheLatestFailures: of 25 failures the status shows the latest 20, newest first,
// while the hour and the cycle count all of them.
func TestTrackerKeepsTheLatestFailures(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var tr Tracker
	for i := range 25 {
		at := start.Add(time.Duration(i) * time.Second)
		tr.Request(Request{At: at, Failure: &Failure{At: at, Path: strconv.Itoa(i), Status: 503}})
	}
	var st Tenant
	tr.Fill(&st, start.Add(time.Minute))
	if len(st.Errors) != MaxFailures || st.Errors[0].Path != "24" || st.Errors[MaxFailures-1].Path != "5" {
		t.Fatalf("failures: %d, first %q, last %q; want 20 from 24 down to 5", len(st.Errors), st.Errors[0].Path, st.Errors[len(st.Errors)-1].Path)
	}
	if got := st.Activity[len(st.Activity)-1].Errors; got != 25 || st.Cycle.Errors != 25 {
		t.Errorf("errors this hour %d, in the cycle %d; want 25", got, st.Cycle.Errors)
	}
}

// TestTrackerHoursAndCycles: the activity covers the 24 hours up to now, oldest first, forgetting an
// hour a day old whose bucket is used again; a pause of CycleGap starts a new cycle.
func TestTrackerHoursAndCycles(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC)
	var tr Tracker
	tests := []struct {
		at     time.Duration
		change Change
	}{
		{0, ChangeCreate},
		{time.Minute, ChangeUpdate},
		{2 * time.Minute, ChangeNone},
		{2*time.Minute + CycleGap, ChangeDisable}, // a new cycle
		{3 * time.Hour, ChangeDelete},
		{24 * time.Hour, ChangeCreate}, // the first hour's bucket again, a day on
	}
	for _, tt := range tests {
		tr.Request(Request{At: start.Add(tt.at), Change: tt.change})
	}
	var st Tenant
	now := start.Add(24 * time.Hour)
	tr.Fill(&st, now)
	if len(st.Activity) != 24 || !st.Activity[23].Start.Equal(now.Truncate(time.Hour)) || !st.Activity[0].Start.Equal(now.Truncate(time.Hour).Add(-23*time.Hour)) {
		t.Fatalf("activity from %v to %v", st.Activity[0].Start, st.Activity[len(st.Activity)-1].Start)
	}
	if h := st.Activity[23]; h.Creates != 1 || h.Updates != 0 || h.Disables != 0 {
		t.Errorf("this hour %+v: want only the day-later create", h)
	}
	if h := st.Activity[2]; h.Deletes != 1 {
		t.Errorf("three hours after the start %+v: want the delete", h)
	}
	if st.Cycle.Requests != 1 || !st.Cycle.Started.Equal(now) || !st.Cycle.Active {
		t.Errorf("cycle %+v: want the last request's own", st.Cycle)
	}
	var early Tenant
	tr2 := Tracker{}
	for _, tt := range tests[:4] {
		tr2.Request(Request{At: start.Add(tt.at), Change: tt.change})
	}
	tr2.Fill(&early, start.Add(3*time.Minute+CycleGap))
	if early.Cycle.Requests != 1 || early.Cycle.Writes != 1 || !early.Cycle.Started.Equal(start.Add(2*time.Minute+CycleGap)) {
		t.Errorf("cycle after a pause of %s: %+v", CycleGap, early.Cycle)
	}
	if h := early.Activity[23]; h.Creates != 1 || h.Updates != 1 || h.Disables != 1 {
		t.Errorf("the hour %+v: want a create, an update and a disable", h)
	}
}
