package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/store/record"
	"github.com/fsscim/fsscim/store/redistest"
)

// loadAll reads a tenant's replica as "kind:id=data" lines, sorted.
func loadAll(t *testing.T, rs ReplicaStore, tenant string) ([]string, []byte, uint64) {
	t.Helper()
	var out []string
	meta, seq, err := rs.LoadReplica(context.Background(), tenant, func(r ReplicaRecord) error {
		out = append(out, fmt.Sprintf("%c:%d=%s", r.Kind, r.ID, r.Data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out, meta, seq
}

func equalLines(a, b []string) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// TestBoltReplica saves, removes and reloads a tenant's replica; tenants stay apart, and a reopened
// file still holds it.
func TestBoltReplica(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	db, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if lines, meta, _ := loadAll(t, db, "acme.freshservice.com"); len(lines) != 0 || meta != nil {
		t.Fatalf("a new store holds a replica: %v %q", lines, meta)
	}
	recs := []ReplicaRecord{
		{Kind: ReplicaUser, ID: 1, Data: []byte("one")},
		{Kind: ReplicaUser, ID: 2, Data: []byte("two")},
		{Kind: ReplicaGroup, ID: 1, Data: []byte("group one")},
	}
	if _, err := db.SaveReplica(ctx, "Acme.Freshservice.com", recs, []byte(`{"built":1}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveReplica(ctx, "beta.freshservice.com", recs[:1], nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveReplica(ctx, "acme.freshservice.com", []ReplicaRecord{{Kind: ReplicaUser, ID: 2}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lines, meta, _ := loadAll(t, db, "acme.freshservice.com")
	if want := []string{"g:1=group one", "u:1=one"}; !equalLines(lines, want) || string(meta) != `{"built":1}` {
		t.Fatalf("after reopening: %v %q, want %v and the meta", lines, meta, want)
	}
	if lines, meta, _ := loadAll(t, db, "beta.freshservice.com"); !equalLines(lines, []string{"u:1=one"}) || meta != nil {
		t.Fatalf("the other tenant: %v %q", lines, meta)
	}
	if recs, _, _, err := db.ReplicaChanges(ctx, "acme.freshservice.com", 0); err != nil || len(recs) != 0 || db.SharesReplica() {
		t.Fatalf("a bbolt store reports changes from other processes: %v %v", recs, err)
	}
}

// TestRedisReplicaSharedBetweenProcesses runs two stores over one Redis, standing for two fsscim
// processes: each sees the other's writes through ReplicaChanges, a write with an older version does
// not undo a newer one, removals are seen, and a Redis that lost its data is reported as a reset.
func TestRedisReplicaSharedBetweenProcesses(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newRedisStore(t, srv), newRedisStore(t, srv)
	ctx := context.Background()
	const tenant = "acme.freshservice.com"

	seqA, err := a.SaveReplica(ctx, tenant, []ReplicaRecord{
		{Kind: ReplicaUser, ID: 1, Version: 100, Data: []byte("ada v100")},
		{Kind: ReplicaUser, ID: 2, Version: 100, Data: []byte("bob v100")},
	}, []byte("meta-a"))
	if err != nil || seqA != 2 {
		t.Fatalf("save: seq %d, %v; want 2", seqA, err)
	}
	lines, meta, seq := loadAll(t, b, tenant)
	if !equalLines(lines, []string{"u:1=ada v100", "u:2=bob v100"}) || string(meta) != "meta-a" || seq != 2 {
		t.Fatalf("the other process loads %v %q seq %d", lines, meta, seq)
	}

	// b changes Ada; a stale write of Ada (a list walk that read her earlier) does not undo it.
	if _, err := b.SaveReplica(ctx, tenant, []ReplicaRecord{{Kind: ReplicaUser, ID: 1, Version: 105, Data: []byte("ada v105")}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SaveReplica(ctx, tenant, []ReplicaRecord{{Kind: ReplicaUser, ID: 1, Version: 101, Data: []byte("ada v101")}}, nil); err != nil {
		t.Fatal(err)
	}
	// Bob is removed.
	if _, err := b.SaveReplica(ctx, tenant, []ReplicaRecord{{Kind: ReplicaUser, ID: 2, Version: 110}}, nil); err != nil {
		t.Fatal(err)
	}
	changes, now, reset, err := a.ReplicaChanges(ctx, tenant, seqA)
	if err != nil || reset {
		t.Fatalf("changes: %v reset %v", err, reset)
	}
	var got []string
	for _, r := range changes {
		got = append(got, fmt.Sprintf("%c:%d=%s", r.Kind, r.ID, r.Data))
	}
	sort.Strings(got)
	if want := []string{"u:1=ada v105", "u:2="}; !equalLines(got, want) {
		t.Fatalf("changes after %d: %v, want %v", seqA, got, want)
	}
	if again, same, _, _ := a.ReplicaChanges(ctx, tenant, now); len(again) != 0 || same != now {
		t.Fatalf("changes after the latest: %v at %d, want none at %d", again, same, now)
	}
	if lines, _, _ := loadAll(t, a, tenant); !equalLines(lines, []string{"u:1=ada v105"}) {
		t.Fatalf("load after the removal: %v", lines)
	}

	// More changes than one batch come in full.
	var many []ReplicaRecord
	for i := range replicaBatch + 20 {
		many = append(many, ReplicaRecord{Kind: ReplicaGroup, ID: int64(i + 1), Version: 1, Data: []byte("g")})
	}
	if _, err := b.SaveReplica(ctx, tenant, many, nil); err != nil {
		t.Fatal(err)
	}
	changes, now2, _, err := a.ReplicaChanges(ctx, tenant, now)
	if err != nil || len(changes) != len(many) || now2 != now+uint64(len(many)) {
		t.Fatalf("a large catch-up: %d changes to seq %d (%v), want %d to %d", len(changes), now2, err, len(many), now+uint64(len(many)))
	}

	// Redis restarts empty: the sequence went back.
	srv.Restart()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, _, reset, err = a.ReplicaChanges(ctx, tenant, now2)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || !reset {
		t.Fatalf("after Redis lost its data: reset %v, %v; want a reset", reset, err)
	}
}

// TestSharedReplicaFallsBack keeps a replica through a Redis outage: saves land in the local copy,
// loads come from it, and changes are simply none while Redis is gone.
func TestSharedReplicaFallsBack(t *testing.T) {
	srv := redistest.Start(t)
	local, err := OpenBolt(filepath.Join(t.TempDir(), DefaultFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	sh, err := NewShared(SharedOptions{Remote: newRedisStore(t, srv), Local: local, RetryInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const tenant = "acme.freshservice.com"
	if seq, err := sh.SaveReplica(ctx, tenant, []ReplicaRecord{{Kind: ReplicaUser, ID: 1, Version: 1, Data: []byte("ada")}}, []byte("m1")); err != nil || seq != 1 {
		t.Fatalf("save with Redis up: seq %d %v", seq, err)
	}
	if lines, _, _ := loadAll(t, local, tenant); !equalLines(lines, []string{"u:1=ada"}) {
		t.Fatalf("the local copy: %v", lines)
	}
	srv.Stop()
	seq, err := sh.SaveReplica(ctx, tenant, []ReplicaRecord{{Kind: ReplicaUser, ID: 2, Version: 1, Data: []byte("bob")}}, []byte("m2"))
	if err != nil || seq != 0 {
		t.Fatalf("save with Redis gone: seq %d %v; want 0 (not shared) and no error", seq, err)
	}
	lines, meta, _ := loadAll(t, sh, tenant)
	if !equalLines(lines, []string{"u:1=ada", "u:2=bob"}) || string(meta) != "m2" {
		t.Fatalf("load with Redis gone: %v %q", lines, meta)
	}
	if recs, _, reset, err := sh.ReplicaChanges(ctx, tenant, 1); err != nil || reset || len(recs) != 0 {
		t.Fatalf("changes with Redis gone: %v %v %v", recs, reset, err)
	}
}

// TestSharedRecordsCompleteFollowsRedis: a Shared store says its records are all within reach only
// while Redis is in use, holds the generation the process copied its records into, and is settled. A
// Redis that lost its data while up is noticed by the replica's changes (their sequence went back),
// which start the copy of the process's records back at once: from then until the others have had
// the time to copy theirs, records are not complete. An outage makes them incomplete too.
func TestSharedRecordsCompleteFollowsRedis(t *testing.T) {
	srv := redistest.Start(t)
	clk := freshservicetest.NewClock(time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC))
	s := sharedProcess(t, srv.Client(), clk)
	ctx := context.Background()
	if err := s.PutUser(ctx, restoreTenant, 5, record.UserRecord{Deleted: true, Provisioned: true}); err != nil {
		t.Fatal(err)
	}
	mustUser(t, s, 5)
	if !s.RecordsComplete() {
		t.Fatal("records are incomplete with Redis up and settled")
	}
	seq, err := s.SaveReplica(ctx, restoreTenant, []ReplicaRecord{{Kind: ReplicaUser, ID: 5, Version: 1, Data: []byte("ada")}}, []byte("m"))
	if err != nil || seq == 0 {
		t.Fatalf("save the replica: seq %d %v", seq, err)
	}

	if err := srv.Client().FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if _, _, reset, err := s.ReplicaChanges(ctx, restoreTenant, seq); err != nil || !reset {
		t.Fatalf("replica changes after Redis lost its data: reset %v, %v", reset, err)
	}
	if s.RecordsComplete() {
		t.Fatal("records are complete right after Redis was found to have lost them")
	}
	if _, _, err := s.GetUser(ctx, restoreTenant, 5); !errors.Is(err, ErrIncomplete) {
		t.Fatalf("a read while Redis is refilled: %v, want ErrIncomplete", err)
	}
	clk.Add(DefaultSettleWindow)
	if rec, found := mustUser(t, s, 5); !found || !rec.Deleted {
		t.Fatalf("after the refill: %+v %v, want the deletion mark back", rec, found)
	}
	if !s.RecordsComplete() {
		t.Fatal("records are incomplete after the refill settled")
	}

	srv.Stop()
	if _, _, err := s.GetUser(ctx, restoreTenant, 5); err != nil {
		t.Fatalf("a record this process wrote, with Redis gone: %v", err)
	}
	if s.RecordsComplete() {
		t.Fatal("records are complete with Redis gone")
	}
}
