package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsscim/fsscim/store/record"
	"go.etcd.io/bbolt"
)

func openTemp(t *testing.T) (*Bolt, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", DefaultFileName)
	b, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b, path
}

// openUnsynced opens a new store that skips fsync on commit, for tests that commit many times and
// never look at the file after a crash; it is closed when the test ends.
func openUnsynced(t *testing.T) *Bolt {
	t.Helper()
	b, err := OpenBolt(filepath.Join(t.TempDir(), DefaultFileName), func(o *boltOptions) { o.noSync = true })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func fullRecord() record.UserRecord {
	return record.UserRecord{
		DepartmentIDs:   []int64{554, 555},
		ManagerID:       656,
		LocationID:      34,
		RequesterGroups: []int64{4, 5, 9},
		Deleted:         true,
		DeletedAt:       time.Date(2025, 2, 3, 4, 5, 6, 7, time.UTC),
		Echo: map[string]record.EchoValue{
			"locale":   {Sent: "en-US", Stored: "en"},
			"timezone": {Sent: "America/New_York", Stored: "Eastern Time (US & Canada)"},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	b, _ := openTemp(t)
	if _, found, err := b.GetUser(ctx, "acme.freshservice.com", 42); err != nil || found {
		t.Fatalf("GetUser of an unknown user = found %v, %v", found, err)
	}
	want := fullRecord()
	if err := b.PutUser(ctx, "acme.freshservice.com", 42, want); err != nil {
		t.Fatal(err)
	}
	got, found, err := b.GetUser(ctx, "ACME.Freshservice.com", 42)
	if err != nil || !found {
		t.Fatalf("GetUser = found %v, %v (the tenant must match ignoring case)", found, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	if err := b.DeleteUser(ctx, "acme.freshservice.com", 42); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := b.GetUser(ctx, "acme.freshservice.com", 42); found {
		t.Error("the record survived DeleteUser")
	}
	if err := b.DeleteUser(ctx, "acme.freshservice.com", 42); err != nil {
		t.Errorf("deleting an absent record: %v", err)
	}
}

func TestEmptyRecordsAreNotKept(t *testing.T) {
	ctx := context.Background()
	b, _ := openTemp(t)
	if err := b.PutUser(ctx, "acme.freshservice.com", 1, record.UserRecord{ManagerID: 7, Deleted: true}); err != nil {
		t.Fatal(err)
	}
	err := b.UpdateUser(ctx, "acme.freshservice.com", 1, func(r *record.UserRecord) error {
		r.ManagerID, r.Deleted = 0, false
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, found, _ := b.GetUser(ctx, "acme.freshservice.com", 1); found {
		t.Error("a record emptied by UpdateUser is still reported")
	}
	if err := b.PutUser(ctx, "acme.freshservice.com", 2, record.UserRecord{Echo: map[string]record.EchoValue{}}); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := b.GetUser(ctx, "acme.freshservice.com", 2); found {
		t.Error("an empty record was kept by PutUser")
	}
}

func TestUpdateUserCreatesAndKeepsOnError(t *testing.T) {
	ctx := context.Background()
	b, _ := openTemp(t)
	err := b.UpdateUser(ctx, "acme.freshservice.com", 3, func(r *record.UserRecord) error {
		if !r.IsZero() {
			t.Errorf("UpdateUser of an absent user starts from %+v, want the zero record", r)
		}
		r.LocationID = 34
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = b.UpdateUser(ctx, "acme.freshservice.com", 3, func(r *record.UserRecord) error {
		r.LocationID = 99
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateUser error = %v, want fn's error", err)
	}
	got, _, _ := b.GetUser(ctx, "acme.freshservice.com", 3)
	if got.LocationID != 34 {
		t.Errorf("a failed update was written: LocationID = %d", got.LocationID)
	}
}

func TestUpdateUserIsAtomic(t *testing.T) {
	b := openUnsynced(t)
	const writers = 8
	stores := make([]Store, writers)
	for w := range stores {
		stores[w] = b
	}
	checkConcurrentUpdates(t, stores, 25)
}

// checkConcurrentUpdates runs each concurrent UpdateUser calls through every one of stores (writers
// of one store, or processes sharing one), each adding its own group to user 7, and checks that every
// group was kept once: no update was lost to another.
func checkConcurrentUpdates(t *testing.T, stores []Store, each int) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, len(stores)*each)
	for w, s := range stores {
		for i := range each {
			wg.Add(1)
			go func() {
				defer wg.Done()
				group := int64(w*1000 + i + 1)
				errs <- s.UpdateUser(ctx, "acme.freshservice.com", 7, func(r *record.UserRecord) error {
					r.RequesterGroups = append(r.RequesterGroups, group)
					return nil
				})
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := stores[0].GetUser(ctx, "acme.freshservice.com", 7)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(stores) * each; len(got.RequesterGroups) != want {
		t.Fatalf("%d group ids stored, want %d: updates were lost", len(got.RequesterGroups), want)
	}
	sort.Slice(got.RequesterGroups, func(i, j int) bool { return got.RequesterGroups[i] < got.RequesterGroups[j] })
	for i := 1; i < len(got.RequesterGroups); i++ {
		if got.RequesterGroups[i] == got.RequesterGroups[i-1] {
			t.Fatalf("group %d stored twice", got.RequesterGroups[i])
		}
	}
}

func TestPersistsAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "dir", DefaultFileName)
	b, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.PutUser(ctx, "acme.freshservice.com", 42, fullRecord()); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("store file mode %04o, want 0600", perm)
	}
	if dir, _ := os.Stat(filepath.Dir(path)); dir.Mode().Perm() != 0o700 {
		t.Errorf("store folder mode %04o, want 0700", dir.Mode().Perm())
	}

	b, err = OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, found, err := b.GetUser(ctx, "acme.freshservice.com", 42)
	if err != nil || !found || !reflect.DeepEqual(got, fullRecord()) {
		t.Errorf("after reopening: %+v, found %v, %v", got, found, err)
	}
}

func TestTenantsAreIsolated(t *testing.T) {
	ctx := context.Background()
	b, _ := openTemp(t)
	if err := b.PutUser(ctx, "acme.freshservice.com", 42, record.UserRecord{ManagerID: 1}); err != nil {
		t.Fatal(err)
	}
	if err := b.PutUser(ctx, "globex.freshservice.com", 42, record.UserRecord{ManagerID: 2}); err != nil {
		t.Fatal(err)
	}
	a, _, _ := b.GetUser(ctx, "acme.freshservice.com", 42)
	g, _, _ := b.GetUser(ctx, "globex.freshservice.com", 42)
	if a.ManagerID != 1 || g.ManagerID != 2 {
		t.Fatalf("same id in two tenants: acme %+v, globex %+v", a, g)
	}
	if err := b.DeleteUser(ctx, "acme.freshservice.com", 42); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := b.GetUser(ctx, "globex.freshservice.com", 42); !found {
		t.Error("deleting acme's user removed globex's")
	}
	if _, found, _ := b.GetUser(ctx, "initech.freshservice.com", 42); found {
		t.Error("a tenant never written has a record")
	}
}

func TestBadArguments(t *testing.T) {
	b, _ := openTemp(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		tenant string
		id     int64
		want   string
	}{
		{"empty tenant", context.Background(), " ", 1, "tenant is empty"},
		{"zero id", context.Background(), "acme.freshservice.com", 0, "not a Freshservice id"},
		{"negative id", context.Background(), "acme.freshservice.com", -4, "not a Freshservice id"},
		{"cancelled", cancelled, "acme.freshservice.com", 1, context.Canceled.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := map[string]error{
				"PutUser":    b.PutUser(tt.ctx, tt.tenant, tt.id, record.UserRecord{ManagerID: 1}),
				"UpdateUser": b.UpdateUser(tt.ctx, tt.tenant, tt.id, func(*record.UserRecord) error { return nil }),
				"DeleteUser": b.DeleteUser(tt.ctx, tt.tenant, tt.id),
			}
			_, _, calls["GetUser"] = b.GetUser(tt.ctx, tt.tenant, tt.id)
			for name, err := range calls {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: error %v, want one saying %q", name, err, tt.want)
				}
			}
		})
	}
}

func TestPing(t *testing.T) {
	b, _ := openTemp(t)
	if err := b.Ping(context.Background()); err != nil {
		t.Fatalf("Ping of an open store: %v", err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Ping(cancelled); err == nil {
		t.Error("Ping with a cancelled context succeeded")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Ping(context.Background()); err == nil {
		t.Error("Ping of a closed store succeeded")
	}
}

func TestSecondOpenTimesOut(t *testing.T) {
	_, path := openTemp(t)
	second, err := OpenBolt(path, WithLockTimeout(50*time.Millisecond))
	if err == nil {
		second.Close()
		t.Fatal("a second open of a held store succeeded")
	}
	if !strings.Contains(err.Error(), "another process holds it") || !strings.Contains(err.Error(), "--data-dir") {
		t.Errorf("error does not explain the lock: %v", err)
	}
}

func TestOpenRefusesAForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	if err := os.WriteFile(path, []byte("not a bbolt file, just text that is long enough to be read"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := OpenBolt(path, WithLockTimeout(50*time.Millisecond)); err == nil {
		b.Close()
		t.Fatal("a file that is not a store opened")
	}
}

func TestOpenRefusesAnotherLayout(t *testing.T) {
	b, path := openTemp(t)
	err := b.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, []byte("99")) })
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	reopened, err := OpenBolt(path)
	if err == nil {
		reopened.Close()
		t.Fatal("a store of another layout version opened")
	}
	if !strings.Contains(err.Error(), `layout version "99"`) {
		t.Errorf("error does not name the layout: %v", err)
	}
}

// TestCompleteCreate: the new user's record and the forgetting of the create's pending records land
// together; pending creates of other requests and other emails stay.
func TestCompleteCreate(t *testing.T) {
	b, _ := openTemp(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	mine := PendingCreate{UserName: "ada@contoso.com", Email: "ada@contoso.com", RequestID: "req-1", Started: now}
	retry := mine
	retry.RequestID = "req-2"
	other := PendingCreate{UserName: "ada@contoso.com", Email: "ada@contoso.com", ExternalID: "another", RequestID: "req-3", Started: now}
	elsewhere := PendingCreate{UserName: "bob@contoso.com", Email: "bob@contoso.com", RequestID: "req-4", Started: now}
	for _, c := range []PendingCreate{mine, retry, other, elsewhere} {
		if err := b.PutPendingCreate(ctx, "acme", c); err != nil {
			t.Fatal(err)
		}
	}
	rec := record.UserRecord{Provisioned: true, Echo: map[string]record.EchoValue{"userName": {Sent: "ada@contoso.com"}}}
	if err := b.CompleteCreate(ctx, "acme", 42, rec, []PendingCreate{mine, retry}); err != nil {
		t.Fatal(err)
	}
	got, found, err := b.GetUser(ctx, "acme", 42)
	if err != nil || !found || !reflect.DeepEqual(got, rec) {
		t.Errorf("record after CompleteCreate: %+v found=%v err=%v, want %+v", got, found, err, rec)
	}
	left, err := b.PendingCreates(ctx, "acme", "ada@contoso.com", now)
	if err != nil || len(left) != 1 || left[0].RequestID != "req-3" {
		t.Errorf("pending creates of ada left: %+v (%v), want only req-3", left, err)
	}
	if left, err := b.PendingCreates(ctx, "acme", "bob@contoso.com", now); err != nil || len(left) != 1 {
		t.Errorf("pending creates of bob: %+v (%v), want req-4 kept", left, err)
	}
	if err := b.CompleteCreate(ctx, "acme", 0, rec, nil); err == nil {
		t.Error("CompleteCreate of id 0 succeeded")
	}
}
