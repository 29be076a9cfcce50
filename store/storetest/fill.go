package storetest

import (
	"context"
	"testing"

	"github.com/fsscim/fsscim/store/record"
)

// ManyUsers is how many user records FillUsers writes: enough for a store file of many record pages,
// so that a test can damage some and leave the others.
const ManyUsers = 1500

// UserStore is the part of a store FillUsers writes through.
type UserStore interface {
	UpdateUsers(ctx context.Context, tenant string, ids []int64, fn func(id int64, r *record.UserRecord) error) error
	Close() error
}

// FillUsers writes the tenant's users 1 to ManyUsers into st in one update, each record as fill makes
// it, and closes st.
func FillUsers(t testing.TB, st UserStore, tenant string, fill func(r *record.UserRecord)) {
	t.Helper()
	ids := make([]int64, ManyUsers)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	err := st.UpdateUsers(context.Background(), tenant, ids, func(_ int64, r *record.UserRecord) error {
		fill(r)
		return nil
	})
	if err != nil {
		t.Fatalf("fill the store with %d users: %v", ManyUsers, err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("close the filled store: %v", err)
	}
}
