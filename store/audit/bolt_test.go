package audit

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// TestBoltDropsALongBacklogOverSeveralAppends: an append drops at most prunePerTx expired entries,
// and the next append goes on with the rest rather than waiting for pruneEvery.
func TestBoltDropsALongBacklogOverSeveralAppends(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	b, err := OpenBolt(filepath.Join(t.TempDir(), DefaultFileName), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	const tenant = "acme.freshservice.com"
	old := make([]Entry, prunePerTx+3)
	for i := range old {
		old[i] = Entry{Tenant: tenant, Operation: Update, Kind: "user", ID: int64(i + 1), Email: "u@x.com"}
	}
	if err := b.AppendAll(ctx, old); err != nil {
		t.Fatal(err)
	}
	stored := func() (entries, subjects, ids int) {
		t.Helper()
		err := b.db.View(func(tx *bbolt.Tx) error {
			tb := tx.Bucket([]byte(tenant))
			entries, subjects, ids = tb.Bucket(bucketEntries).Stats().KeyN, tb.Bucket(bucketBySubj).Stats().KeyN, tb.Bucket(bucketByID).Stats().KeyN
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	now = now.Add(DefaultRetention + time.Hour)
	fresh := Entry{Tenant: tenant, Operation: Create, Kind: "user", ID: 99999, Email: "new@x.com"}
	if err := b.Append(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if e, _, _ := stored(); e != 4 {
		t.Fatalf("after the first append: %d entries, want the 3 left over and the new one", e)
	}
	if err := b.Append(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if e, s, i := stored(); e != 2 || s != 2 || i != 2 {
		t.Fatalf("after the second append: %d entries, %d and %d index keys; want 2 of each", e, s, i)
	}
}
