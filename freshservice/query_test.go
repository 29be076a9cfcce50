package freshservice_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

// TestWalkUsersUpdatedSince reads the users changed since a day through filter queries, requesters and
// agents, a page of 30 at a time; a query that fills its 40 pages reports the walk incomplete.
func TestWalkUsersUpdatedSince(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	m := newEmu(t, freshservicetest.Options{Now: clock}, nil)
	m.e.AddRequester(freshservice.User{FirstName: "Before", PrimaryEmail: "before@x.com"})
	now = now.Add(72 * time.Hour)
	for i := range 31 {
		m.e.AddRequester(freshservice.User{FirstName: "R", PrimaryEmail: fmt.Sprintf("r%d@x.com", i)})
	}
	m.e.AddAgent(freshservice.User{FirstName: "A", Email: "a@x.com"})
	m.e.ResetCalls()
	var got []freshservice.User
	complete, err := m.c.WalkUsersUpdatedSince(context.Background(), now.Add(-24*time.Hour), func(u freshservice.User) error {
		got = append(got, u)
		return nil
	})
	if err != nil || !complete {
		t.Fatalf("walk: complete %v, %v", complete, err)
	}
	agents := 0
	for _, u := range got {
		if u.IsAgent {
			agents++
		}
	}
	if len(got) != 32 || agents != 1 {
		t.Fatalf("%d users (%d agents), want 32 (1)", len(got), agents)
	}
	calls := m.calls()
	if len(calls) != 3 {
		t.Fatalf("calls: %v, want two pages of requesters and one of agents", calls)
	}
	q, _ := url.QueryUnescape(calls[0])
	if want := `GET /requesters?page=1&query="updated_at:>'2026-03-12'"`; q != want {
		t.Errorf("first call %s, want %s", q, want)
	}

	// More than 40 pages: the walk says it is incomplete.
	for i := range 40 * 30 {
		m.e.AddRequester(freshservice.User{FirstName: "M", PrimaryEmail: fmt.Sprintf("m%d@x.com", i)})
	}
	complete, err = m.c.WalkUsersUpdatedSince(context.Background(), now, func(freshservice.User) error { return nil })
	if err != nil || complete {
		t.Fatalf("over 1,200 users: complete %v, %v; want incomplete", complete, err)
	}
}
