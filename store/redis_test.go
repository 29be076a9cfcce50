package store

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsscim/fsscim/store/record"
	"github.com/fsscim/fsscim/store/redistest"
)

func newRedisStore(t *testing.T, srv *redistest.Server) *Redis {
	t.Helper()
	// A generous timeout: a loaded test machine must not pass for a Redis outage.
	s, err := NewRedis(srv.Client(), RedisOptions{OpTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRedisStoreRecords(t *testing.T) {
	srv := redistest.Start(t)
	// Two stores over one Redis stand for two fsscim processes.
	a, b := newRedisStore(t, srv), newRedisStore(t, srv)
	ctx := context.Background()
	want := fullRecord()
	if err := a.PutUser(ctx, "Acme.Freshservice.com", 42, want); err != nil {
		t.Fatal(err)
	}
	got, found, err := b.GetUser(ctx, "acme.freshservice.com", 42)
	if err != nil || !found || !reflect.DeepEqual(got, want) {
		t.Fatalf("the other process reads found=%v err=%v\n got %+v\nwant %+v", found, err, got, want)
	}
	if _, found, _ := b.GetUser(ctx, "beta.freshservice.com", 42); found {
		t.Fatal("a record leaked into another tenant")
	}
	if err := b.PutUser(ctx, "acme.freshservice.com", 42, record.UserRecord{}); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := a.GetUser(ctx, "acme.freshservice.com", 42); found {
		t.Fatal("an empty record is kept")
	}
	if n, _ := srv.Client().Exists(ctx, "fsscim:{acme.freshservice.com}:users").Result(); n != 0 {
		t.Fatal("the tenant's id set outlives its last record")
	}

	g := record.GroupRecord{ExternalID: "0b7c-entra-object-id"}
	if err := a.PutGroup(ctx, "acme.freshservice.com", "requester_groups", 7, g); err != nil {
		t.Fatal(err)
	}
	if got, found, err := b.GetGroup(ctx, "ACME.freshservice.com", "requester_groups", 7); err != nil || !found || got != g {
		t.Fatalf("group: %+v %v %v", got, found, err)
	}
	if _, found, _ := b.GetGroup(ctx, "acme.freshservice.com", "agent_groups", 7); found {
		t.Fatal("group kinds are not kept apart")
	}
	if err := b.DeleteGroup(ctx, "acme.freshservice.com", "requester_groups", 7); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := a.GetGroup(ctx, "acme.freshservice.com", "requester_groups", 7); found {
		t.Fatal("deleted group still found")
	}
}

func TestRedisStoreUpdatesAreAtomicAcrossProcesses(t *testing.T) {
	srv := redistest.Start(t)
	checkConcurrentUpdates(t, []Store{newRedisStore(t, srv), newRedisStore(t, srv)}, 40)
}

func TestRedisStoreUpdateUsers(t *testing.T) {
	srv := redistest.Start(t)
	s := newRedisStore(t, srv)
	ctx := context.Background()
	if err := s.PutUser(ctx, "acme.freshservice.com", 1, record.UserRecord{ManagerID: 5}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := s.UpdateUsers(ctx, "acme.freshservice.com", []int64{1, 2}, func(id int64, r *record.UserRecord) error {
		if id == 2 {
			return boom
		}
		r.ManagerID = 6
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateUsers = %v, want fn's error", err)
	}
	if got, _, _ := s.GetUser(ctx, "acme.freshservice.com", 1); got.ManagerID != 5 {
		t.Fatal("a failed UpdateUsers changed a record")
	}
	err = s.UpdateUsers(ctx, "acme.freshservice.com", []int64{3, 1, 2}, func(id int64, r *record.UserRecord) error {
		r.RequesterGroups = append(r.RequesterGroups, 77)
		if id == 1 {
			*r = record.UserRecord{} // forgetting a record is a write too
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	err = s.ForEachUser(ctx, "ACME.freshservice.com", func(id int64, r record.UserRecord) error {
		if !slices.Equal(r.RequesterGroups, []int64{77}) {
			t.Errorf("user %d: %+v", id, r)
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []int64{2, 3}) {
		t.Fatalf("walked %v, want [2 3] in id order", ids)
	}
	stop := errors.New("stop")
	if err := s.ForEachUser(ctx, "acme.freshservice.com", func(int64, record.UserRecord) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("ForEachUser = %v, want fn's error", err)
	}
}

func TestRedisStoreBadArguments(t *testing.T) {
	srv := redistest.Start(t)
	s := newRedisStore(t, srv)
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"empty tenant", s.PutUser(ctx, " ", 1, fullRecord()), "tenant is empty"},
		{"zero id", s.PutUser(ctx, "a.freshservice.com", 0, fullRecord()), "not a Freshservice id"},
		{"brace in tenant", s.PutUser(ctx, "a{b}", 1, fullRecord()), "brace"},
		{"empty kind", s.PutGroup(ctx, "a.freshservice.com", "", 1, record.GroupRecord{ExternalID: "x"}), "kind is empty"},
		{"cancelled", s.PutUser(cancelled, "a.freshservice.com", 1, fullRecord()), "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", tt.err, tt.want)
			}
		})
	}
}

// sharedPair is one Redis and two processes' Shared stores, each with its own bbolt file.
func sharedPair(t *testing.T) (*redistest.Server, [2]*Shared, *[]string) {
	t.Helper()
	srv := redistest.Start(t)
	var mu sync.Mutex
	changes := &[]string{}
	var out [2]*Shared
	for i := range out {
		local, _ := openTemp(t)
		remote := newRedisStore(t, srv)
		s, err := NewShared(SharedOptions{Remote: remote, Local: local, RetryInterval: 1, // try Redis on every call
			OnStateChange: func(shared bool, err error) {
				mu.Lock()
				defer mu.Unlock()
				if shared {
					*changes = append(*changes, "shared")
				} else {
					*changes = append(*changes, "local: "+err.Error())
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = s
	}
	return srv, out, changes
}

func TestSharedStoreSharesAndSurvivesAnOutage(t *testing.T) {
	srv, p, changes := sharedPair(t)
	ctx := context.Background()
	const tenant = "acme.freshservice.com"

	// Process 0 records a disable; process 1 serves the re-enable and finds it.
	if err := p[0].UpdateUser(ctx, tenant, 5, func(r *record.UserRecord) error {
		r.RequesterGroups = []int64{11, 12}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, found, err := p[1].GetUser(ctx, tenant, 5); err != nil || !found || !slices.Equal(got.RequesterGroups, []int64{11, 12}) {
		t.Fatalf("process 1 reads %+v found=%v err=%v", got, found, err)
	}

	srv.Stop()
	// Nothing fails: process 0 falls back to its own store, which holds what it wrote before.
	if got, found, err := p[0].GetUser(ctx, tenant, 5); err != nil || !found || !slices.Equal(got.RequesterGroups, []int64{11, 12}) {
		t.Fatalf("during the outage process 0 reads %+v found=%v err=%v", got, found, err)
	}
	if err := p[0].PutUser(ctx, tenant, 6, record.UserRecord{ManagerID: 3}); err != nil {
		t.Fatalf("a write during the outage failed: %v", err)
	}
	if err := p[0].PutGroup(ctx, tenant, "requester_groups", 8, record.GroupRecord{ExternalID: "g8"}); err != nil {
		t.Fatalf("a group write during the outage failed: %v", err)
	}
	if p[0].IsShared() {
		t.Fatal("IsShared with Redis gone")
	}
	if err := p[0].Ping(ctx); err != nil {
		t.Fatalf("Ping fails because of Redis: %v", err)
	}

	// Redis comes back empty; process 0 copies what it wrote during the outage, then shares again.
	srv.Restart()
	if _, _, err := p[0].GetUser(ctx, tenant, 6); err != nil {
		t.Fatal(err)
	}
	if !p[0].IsShared() {
		t.Fatal("process 0 did not go back to Redis")
	}
	if got, found, _ := p[1].GetUser(ctx, tenant, 6); !found || got.ManagerID != 3 {
		t.Fatalf("process 1 does not see the record written during the outage: %+v %v", got, found)
	}
	if got, found, _ := p[1].GetGroup(ctx, tenant, "requester_groups", 8); !found || got.ExternalID != "g8" {
		t.Fatalf("process 1 does not see the group written during the outage: %+v %v", got, found)
	}
	got := strings.Join(*changes, "\n")
	if !strings.HasPrefix(got, "local: ") || !strings.HasSuffix(got, "\nshared") || strings.Count(got, "local: ") != 1 {
		t.Fatalf("state changes:\n%s\nwant one fall-back of process 0, then its return", got)
	}
}

func TestSharedStoreKeepsFnErrors(t *testing.T) {
	_, p, changes := sharedPair(t)
	ctx := context.Background()
	boom := errors.New("boom")
	if err := p[0].UpdateUser(ctx, "acme.freshservice.com", 1, func(*record.UserRecord) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("UpdateUser = %v, want fn's error", err)
	}
	if err := p[0].ForEachUser(ctx, "acme.freshservice.com", func(int64, record.UserRecord) error { return boom }); err != nil {
		t.Fatalf("ForEachUser over no records = %v", err)
	}
	if len(*changes) != 0 || !p[0].IsShared() {
		t.Fatalf("an error of fn was taken for a Redis failure: %v", *changes)
	}
}
