package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fsscim/fsscim/store/record"
)

// TestConcurrentWritesFailAlone checks that writes sharing a transaction answer each for itself: a
// failing or panicking fn gets its own error and leaves no trace, the others are all kept.
func TestConcurrentWritesFailAlone(t *testing.T) {
	ctx := context.Background()
	b := openUnsynced(t)
	const writers = 60
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = b.UpdateUser(ctx, "acme.freshservice.com", 7, func(r *record.UserRecord) error {
				r.RequesterGroups = append(r.RequesterGroups, int64(w))
				switch w % 3 {
				case 1:
					return fmt.Errorf("writer %d refuses", w)
				case 2:
					if w%2 == 0 {
						panic("writer panics")
					}
				}
				return nil
			})
		}()
	}
	wg.Wait()

	var want []int64
	for w, err := range errs {
		switch {
		case w%3 == 1:
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("writer %d refuses", w)) {
				t.Errorf("writer %d: err = %v, want its own refusal", w, err)
			}
		case w%3 == 2 && w%2 == 0:
			if err == nil || !strings.Contains(err.Error(), "panicked") {
				t.Errorf("writer %d: err = %v, want the panic as an error", w, err)
			}
		default:
			if err != nil {
				t.Errorf("writer %d: %v", w, err)
			}
			want = append(want, int64(w))
		}
	}
	rec, _, err := b.GetUser(ctx, "acme.freshservice.com", 7)
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Clone(rec.RequesterGroups)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("stored %v, want %v", got, want)
	}
}
