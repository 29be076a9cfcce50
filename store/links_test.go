package store_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsscim/fsscim/store"
	"github.com/fsscim/fsscim/store/redistest"
)

func TestLinkClaimsAreSingleUse(t *testing.T) {
	stores := map[string]func(t *testing.T) store.LinkClaims{
		"bolt": func(t *testing.T) store.LinkClaims {
			b, err := store.OpenBolt(filepath.Join(t.TempDir(), store.DefaultFileName))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = b.Close() })
			return b
		},
		"redis": func(t *testing.T) store.LinkClaims {
			return store.NewRedisLinks(redistest.Start(t).Client(), "")
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			links := open(t)
			expires := time.Now().Add(time.Hour)
			if used, err := links.LinkUsed(ctx, "link-a"); err != nil || used {
				t.Fatalf("fresh link: used=%v err=%v", used, err)
			}
			// Of many concurrent claims of one link, exactly one wins.
			var wins atomic.Int32
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					ok, err := links.ClaimLink(ctx, "link-a", expires)
					if err != nil {
						t.Error(err)
					}
					if ok {
						wins.Add(1)
					}
				})
			}
			wg.Wait()
			if wins.Load() != 1 {
				t.Fatalf("%d claims of one link succeeded, want 1", wins.Load())
			}
			if used, err := links.LinkUsed(ctx, "link-a"); err != nil || !used {
				t.Fatalf("claimed link: used=%v err=%v", used, err)
			}
			if ok, err := links.ClaimLink(ctx, "link-b", expires); err != nil || !ok {
				t.Fatalf("another link: ok=%v err=%v", ok, err)
			}
		})
	}
}
