package store

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsscim/fsscim/store/record"
	"github.com/fsscim/fsscim/store/storetest"
	"go.etcd.io/bbolt"
)

const damageUsers = storetest.ManyUsers

// filledStore writes damageUsers records into a new store file and closes it.
func filledStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), DefaultFileName)
	b, err := OpenBolt(path, func(o *boltOptions) { o.noSync = true })
	if err != nil {
		t.Fatal(err)
	}
	storetest.FillUsers(t, b, "acme.freshservice.com", func(r *record.UserRecord) { *r = fullRecord() })
	return path
}

// leafPages lists the pages of the closed store file that hold records.
func leafPages(t *testing.T, path string) []int {
	t.Helper()
	leaves, err := storetest.LeafPages(path)
	return enoughLeaves(t, leaves, err)
}

// leavesOf lists the pages of db that hold records.
func leavesOf(t *testing.T, db *bbolt.DB) []int {
	t.Helper()
	leaves, err := storetest.LeafPagesOf(db)
	return enoughLeaves(t, leaves, err)
}

func enoughLeaves(t *testing.T, leaves []int, err error) []int {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if len(leaves) < 10 {
		t.Fatalf("only %d leaf pages: the fixture is too small to damage", len(leaves))
	}
	return leaves
}

// scribble writes random bytes over the given pages of the file, as a failing disk or a stray write
// would.
func scribble(t *testing.T, path string, pages ...int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	page := make([]byte, os.Getpagesize())
	for _, id := range pages {
		for i := range page {
			page[i] = byte(rng.Uint32())
		}
		if _, err := f.WriteAt(page, int64(id*os.Getpagesize())); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOpenRefusesADamagedFile damages a store file in the ways disks and people do and opens it: the
// store refuses it with the message an operator acts on, instead of a crash or a store that serves
// some users wrong.
func TestOpenRefusesADamagedFile(t *testing.T) {
	damages := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"truncated to half", func(t *testing.T, path string) {
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			// The file's tail is preallocated space; cut where the records are.
			leaves := leafPages(t, path)
			end := int64(leaves[len(leaves)-1]+1) * int64(os.Getpagesize())
			if err := os.Truncate(path, min(info.Size(), end)/2); err != nil {
				t.Fatal(err)
			}
		}},
		{"random bytes over two pages", func(t *testing.T, path string) {
			leaves := leafPages(t, path)
			scribble(t, path, leaves[len(leaves)/2], leaves[len(leaves)/2+1])
		}},
		{"a record that no longer decodes", func(t *testing.T, path string) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			at := bytes.Index(data, []byte("America/New_York"))
			if at < 0 {
				t.Fatal("no record found in the file")
			}
			copy(data[at:], "\x00\x01\x02\"}{")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			path := filledStore(t)
			d.damage(t, path)
			b, err := OpenBolt(path, WithLockTimeout(100*time.Millisecond))
			if err == nil {
				b.Close()
				t.Fatal("a damaged store opened")
			}
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("error %v is not ErrDamaged", err)
			}
			for _, want := range []string{"store damaged: move it aside or restore it", path} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

// TestOpenAcceptsAnIntactFile: the check finds nothing wrong with a store that was closed properly.
func TestOpenAcceptsAnIntactFile(t *testing.T) {
	path := filledStore(t)
	b, err := OpenBolt(path)
	if err != nil {
		t.Fatalf("an intact store was refused: %v", err)
	}
	defer b.Close()
	if got, found, err := b.GetUser(context.Background(), "acme.freshservice.com", damageUsers); err != nil || !found || got.ManagerID != fullRecord().ManagerID {
		t.Fatalf("GetUser = %+v %v %v", got, found, err)
	}
}

// TestStoreDamagedWhileServing overwrites the pages of an open store, as a failing disk would: every
// call fails with ErrDamaged (none hangs, none crashes the process) and Ping fails, so that /readyz
// takes the process out of service.
func TestStoreDamagedWhileServing(t *testing.T) {
	path := filledStore(t)
	b, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	if err := b.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	scribble(t, path, leavesOf(t, b.db)...)

	var wg sync.WaitGroup
	errs := make(chan error, 2*damageUsers)
	for id := int64(1); id <= damageUsers; id += 10 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, _, err := b.GetUser(ctx, "acme.freshservice.com", id)
			errs <- err
		}()
		go func() {
			defer wg.Done()
			errs <- b.UpdateUser(ctx, "acme.freshservice.com", id, func(r *record.UserRecord) error {
				r.ManagerID++
				return nil
			})
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatal("calls on the damaged store did not return")
	}
	close(errs)
	damaged := 0
	for err := range errs {
		if errors.Is(err, ErrDamaged) {
			damaged++
		}
	}
	if damaged == 0 {
		t.Fatal("no call reported the damage")
	}
	if err := b.Ping(ctx); !errors.Is(err, ErrDamaged) {
		t.Fatalf("Ping = %v, want ErrDamaged", err)
	}
	if _, _, err := b.GetUser(ctx, "acme.freshservice.com", 1); !errors.Is(err, ErrDamaged) {
		t.Fatalf("a read after the damage was found = %v, want ErrDamaged", err)
	}
}

// TestPanicInACommitAnswersEveryWriter makes bbolt panic while it commits a transaction shared by
// many writers (a commit handler stands in for a page bbolt cannot make sense of): each writer gets
// an answer, none waits for ever, and the store counts as damaged.
func TestPanicInACommitAnswersEveryWriter(t *testing.T) {
	b, _ := openTemp(t)
	ctx := context.Background()
	held := make(chan struct{})
	release := make(chan struct{})
	leader := make(chan error, 1)
	go func() {
		leader <- b.update(func(tx *bbolt.Tx) error {
			tx.OnCommit(func() { panic("page 7: unexpected page type") })
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	const writers = 20
	answers := make(chan error, writers)
	for i := range writers {
		go func() {
			answers <- b.PutUser(ctx, "acme.freshservice.com", int64(i+1), record.UserRecord{ManagerID: 1})
		}()
	}
	// The writers queue behind the running commit, then it ends.
	for queued := 0; queued < writers; {
		b.commits.mu.Lock()
		queued = len(b.commits.pending)
		b.commits.mu.Unlock()
		runtime.Gosched()
	}
	close(release)
	timeout := time.After(30 * time.Second)
	for range writers + 1 {
		select {
		case err := <-leader:
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("the panicking commit answered %v, want ErrDamaged", err)
			}
		case <-answers:
		case <-timeout:
			t.Fatal("writers were left waiting after a panic in a commit")
		}
	}
	if err := b.Ping(ctx); !errors.Is(err, ErrDamaged) {
		t.Fatalf("Ping after a panic in a commit = %v, want ErrDamaged", err)
	}
}
