package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/store/record"
	"github.com/fsscim/fsscim/store/redistest"
)

// testClock is a clock the test moves; every process of a test reads it.
type testClock = freshservicetest.Clock

const restoreTenant = "acme.freshservice.com"

// sharedProcess is one fsscim process's Shared store over client, with its own bbolt file. It tries
// Redis again on every call after a failure, and gives the others DefaultSettleWindow to refill Redis.
func sharedProcess(t *testing.T, c redis.UniversalClient, clk *testClock) *Shared {
	t.Helper()
	remote, err := NewRedis(c, RedisOptions{OpTimeout: 5 * time.Second, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	local, err := OpenBolt(filepath.Join(t.TempDir(), DefaultFileName), func(o *boltOptions) { o.noSync = true })
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewShared(SharedOptions{Remote: remote, Local: local, Now: clk.Now, RetryInterval: time.Nanosecond, SettleWindow: DefaultSettleWindow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func mustUser(t *testing.T, s *Shared, id int64) (record.UserRecord, bool) {
	t.Helper()
	rec, found, err := s.GetUser(context.Background(), restoreTenant, id)
	if err != nil {
		t.Fatalf("get user %d: %v", id, err)
	}
	return rec, found
}

// TestSharedStoreRefillsRedisThatRestartedEmpty: two processes record users; Redis restarts empty.
// Until both have copied their records back and had the time to, reads are ErrIncomplete rather than
// a silent "no record"; then every record is back, merged by the time of its last write whichever
// process copies first: a deletion mark, a department to restore, and a removal that is newer than
// the other process's copy of the record.
func TestSharedStoreRefillsRedisThatRestartedEmpty(t *testing.T) {
	for _, first := range []int{0, 1} {
		t.Run(fmt.Sprintf("process %d notices first", first), func(t *testing.T) {
			srv := redistest.Start(t)
			clk := freshservicetest.NewClock(time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC))
			p := [2]*Shared{sharedProcess(t, srv.Client(), clk), sharedProcess(t, srv.Client(), clk)}
			ctx := context.Background()
			deletedAt := clk.Now()
			if err := p[0].PutUser(ctx, restoreTenant, 5, record.UserRecord{Deleted: true, DeletedAt: deletedAt, Provisioned: true}); err != nil {
				t.Fatal(err)
			}
			if err := p[0].PutUser(ctx, restoreTenant, 7, record.UserRecord{ManagerID: 70, RestorePending: true}); err != nil {
				t.Fatal(err)
			}
			clk.Add(time.Second)
			if err := p[1].UpdateUser(ctx, restoreTenant, 6, func(r *record.UserRecord) error {
				r.DepartmentIDs, r.RestorePending = []int64{42}, true
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			// Process 1 finishes the restore of user 7 that process 0 recorded: the record goes.
			if err := p[1].UpdateUser(ctx, restoreTenant, 7, func(r *record.UserRecord) error {
				*r = record.UserRecord{}
				return nil
			}); err != nil {
				t.Fatal(err)
			}

			srv.Restart()
			clk.Add(time.Second)
			second := 1 - first
			for _, i := range []int{first, second} {
				if _, _, err := p[i].GetUser(ctx, restoreTenant, 5); !errors.Is(err, ErrIncomplete) {
					t.Fatalf("process %d reads a user while Redis is refilled: %v, want ErrIncomplete", i, err)
				}
			}
			clk.Add(DefaultSettleWindow)
			for i := range p {
				if rec, found := mustUser(t, p[i], 5); !found || !rec.Deleted || !rec.DeletedAt.Equal(deletedAt) {
					t.Errorf("process %d: user 5 is %+v (found %v), want its deletion mark back", i, rec, found)
				}
				if rec, found := mustUser(t, p[i], 6); !found || !slices.Equal(rec.DepartmentIDs, []int64{42}) {
					t.Errorf("process %d: user 6 is %+v (found %v), want its department to restore back", i, rec, found)
				}
				if rec, found := mustUser(t, p[i], 7); found {
					t.Errorf("process %d: user 7 came back as %+v; its removal is newer than the other copy", i, rec)
				}
			}
		})
	}
}

// TestSharedStoreOutageAnswersOnlyWhatItHolds: Redis stops answering (its data kept). A process
// answers from what it recorded itself; a record it never wrote may have been written by the other
// process, so reading or changing it is ErrIncomplete, never a silent "no record". Its own writes
// reach Redis when Redis answers again.
func TestSharedStoreOutageAnswersOnlyWhatItHolds(t *testing.T) {
	srv := redistest.Start(t)
	gate := srv.Gate()
	clk := freshservicetest.NewClock(time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC))
	p := [2]*Shared{sharedProcess(t, gate.Client(), clk), sharedProcess(t, gate.Client(), clk)}
	ctx := context.Background()
	if err := p[0].PutUser(ctx, restoreTenant, 10, record.UserRecord{Deleted: true, Provisioned: true}); err != nil {
		t.Fatal(err)
	}
	if rec, _ := mustUser(t, p[1], 10); !rec.Deleted {
		t.Fatalf("process 1 reads %+v with Redis up", rec)
	}

	gate.Shut()
	if rec, _ := mustUser(t, p[0], 10); !rec.Deleted {
		t.Fatalf("process 0 reads its own record as %+v during the outage", rec)
	}
	if _, _, err := p[1].GetUser(ctx, restoreTenant, 10); !errors.Is(err, ErrIncomplete) {
		t.Fatalf("process 1 reads a record it never wrote during the outage: %v, want ErrIncomplete", err)
	}
	err := p[1].UpdateUser(ctx, restoreTenant, 10, func(r *record.UserRecord) error {
		r.Deleted = false
		return nil
	})
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("process 1 changes a record it never wrote during the outage: %v, want ErrIncomplete", err)
	}
	if err := p[1].ForEachUser(ctx, restoreTenant, func(int64, record.UserRecord) error { return nil }); !errors.Is(err, ErrIncomplete) {
		t.Fatalf("process 1 lists records during the outage: %v, want ErrIncomplete", err)
	}
	if err := p[1].PutUser(ctx, restoreTenant, 11, record.UserRecord{ManagerID: 3}); err != nil {
		t.Fatalf("a write of a whole record during the outage: %v", err)
	}
	if p[1].IsShared() {
		t.Fatal("IsShared with Redis gone")
	}

	gate.Open()
	clk.Add(time.Second)
	// Process 1 copies its writes when it next uses Redis (Run does within RetryInterval).
	for _, i := range []int{1, 0} {
		if rec, found := mustUser(t, p[i], 11); !found || rec.ManagerID != 3 {
			t.Errorf("process %d reads user 11 as %+v (found %v) after the outage, want what process 1 wrote meanwhile", i, rec, found)
		}
		if rec, _ := mustUser(t, p[i], 10); !rec.Deleted {
			t.Errorf("process %d reads user 10 as %+v after the outage, want it deleted", i, rec)
		}
	}
}

// TestSharedStoreKeepsAWriteMadeDuringItsCopyBack: after an outage, a record written again while the
// copy of the outage's writes to Redis runs stays to copy, and Redis ends with the later value.
func TestSharedStoreKeepsAWriteMadeDuringItsCopyBack(t *testing.T) {
	srv := redistest.Start(t)
	gate := srv.Gate()
	clk := freshservicetest.NewClock(time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC))
	p := sharedProcess(t, gate.Client(), clk)
	ctx := context.Background()
	gate.Shut()
	if err := p.PutUser(ctx, restoreTenant, 12, record.UserRecord{ManagerID: 1}); err != nil {
		t.Fatal(err)
	}
	// The copy back lists what Redis has not taken ...
	listed, err := p.opts.Local.localEntries(true)
	if err != nil || len(listed) != 1 {
		t.Fatalf("pending records %+v, %v; want user 12", listed, err)
	}
	// ... the record is written again meanwhile ...
	clk.Add(time.Millisecond)
	if err := p.PutUser(ctx, restoreTenant, 12, record.UserRecord{ManagerID: 2}); err != nil {
		t.Fatal(err)
	}
	// ... and the copy of what it listed ends.
	gate.Open()
	if err := p.opts.Remote.merge(ctx, restoreTenant, listed); err != nil {
		t.Fatal(err)
	}
	if err := p.opts.Local.clearPending(listed); err != nil {
		t.Fatal(err)
	}
	if still, _ := p.opts.Local.localEntries(true); len(still) != 1 || still[0].user.ManagerID != 2 {
		t.Fatalf("after the copy, records left to copy: %+v; want the later write of user 12", still)
	}
	clk.Add(time.Second)
	if rec, _ := mustUser(t, p, 12); rec.ManagerID != 2 {
		t.Fatalf("Redis ends with %+v, want the later write (manager 2)", rec)
	}
}

// TestSharedStorePendingCreatesSurviveARestart: a pending create recorded by one process is seen by
// the other, and comes back to Redis from the process's copy after Redis restarts empty.
func TestSharedStorePendingCreatesSurviveARestart(t *testing.T) {
	srv := redistest.Start(t)
	clk := freshservicetest.NewClock(time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC))
	p := [2]*Shared{sharedProcess(t, srv.Client(), clk), sharedProcess(t, srv.Client(), clk)}
	ctx := context.Background()
	pc := PendingCreate{UserName: "jdoe", Email: "JDoe@Contoso.com", ExternalID: "e-1", RequestID: "req-1", Started: clk.Now()}
	if err := p[0].PutPendingCreate(ctx, restoreTenant, pc); err != nil {
		t.Fatal(err)
	}
	pending := func(i int) []PendingCreate {
		t.Helper()
		got, err := p[i].PendingCreates(ctx, restoreTenant, "jdoe@contoso.com", clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := pending(1); len(got) != 1 || got[0].RequestID != "req-1" || got[0].Email != "jdoe@contoso.com" {
		t.Fatalf("process 1 sees %+v", got)
	}
	srv.Restart()
	if err := p[0].Join(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := srv.Client().HGetAll(ctx, "fsscim:{"+restoreTenant+"}:create:jdoe@contoso.com").Result(); len(got) != 1 {
		t.Fatalf("Redis holds %v after process 0 copied its records back, want the pending create", got)
	}
	if err := p[1].DeletePendingCreate(ctx, restoreTenant, "jdoe@contoso.com", "req-1"); err != nil {
		t.Fatal(err)
	}
	if got := pending(1); len(got) != 0 {
		t.Fatalf("a forgotten pending create is still seen: %+v", got)
	}
}
