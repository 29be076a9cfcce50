package fallback_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/store/fallback"
)

// service stands for the shared service: the hooks report what the state machine asked of it.
type service struct {
	*freshservicetest.Clock
	mu      sync.Mutex
	down    bool
	events  []string
	inHook  atomic.Int32
	overlap atomic.Bool
}

func (s *service) setDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

func (s *service) note(e string) {
	if s.inHook.Add(1) > 1 {
		s.overlap.Store(true)
	}
	defer s.inHook.Add(-1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
}

func (s *service) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

func newState(t *testing.T, svc *service) *fallback.State {
	t.Helper()
	st, err := fallback.New(fallback.Options{
		RetryInterval: 10 * time.Second,
		Now:           svc.Now,
		Leave:         func() { svc.note("leave") },
		Rejoin: func(context.Context) error {
			svc.mu.Lock()
			down := svc.down
			svc.mu.Unlock()
			if down {
				svc.note("rejoin failed")
				return errors.New("still down")
			}
			svc.note("copy back")
			return nil
		},
		OnChange: func(shared bool, err error) { svc.note(fmt.Sprintf("shared=%v err=%v", shared, err)) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestFallbackCycle(t *testing.T) {
	svc := &service{Clock: freshservicetest.NewClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))}
	st := newState(t, svc)
	ctx := context.Background()
	if !st.Use(ctx) || !st.Shared() {
		t.Fatal("a new state does not use the shared service")
	}

	svc.setDown(true)
	st.Failed(errors.New("redis: connection refused"))
	st.Failed(errors.New("redis: i/o timeout")) // a second failure is no new change
	if st.Shared() || st.Use(ctx) {
		t.Fatal("still shared after a failure")
	}
	svc.Add(9 * time.Second)
	if st.Use(ctx) {
		t.Fatal("tried again before the retry interval")
	}
	svc.Add(2 * time.Second)
	if st.Use(ctx) {
		t.Fatal("went back while the service is still down")
	}
	if st.Use(ctx) {
		t.Fatal("a failed try did not restart the retry interval")
	}

	svc.setDown(false)
	svc.Add(10 * time.Second)
	if !st.Use(ctx) || !st.Shared() {
		t.Fatal("did not go back once the service answered")
	}
	want := []string{
		"leave", "shared=false err=redis: connection refused",
		"rejoin failed",
		"copy back", "shared=true err=<nil>",
	}
	if got := svc.log(); !slices.Equal(got, want) {
		t.Fatalf("events\n%q\nwant\n%q", got, want)
	}
}

// TestFallbackChangesOnceAtATime fails and rejoins from many goroutines: every change is announced
// once, changes alternate, and no two hooks ever run at once.
func TestFallbackChangesOnceAtATime(t *testing.T) {
	svc := &service{Clock: freshservicetest.NewClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))}
	st := newState(t, svc)
	ctx := context.Background()
	for round := range 20 {
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(2)
			go func() { defer wg.Done(); st.Failed(fmt.Errorf("round %d", round)) }()
			go func() { defer wg.Done(); st.Use(ctx) }()
		}
		wg.Wait()
		svc.Add(time.Minute)
		st.Use(ctx)
	}
	if svc.overlap.Load() {
		t.Fatal("two hooks ran at once")
	}
	var changes []string
	for _, e := range svc.log() {
		if len(e) > 7 && e[:7] == "shared=" {
			changes = append(changes, e[:12])
		}
	}
	for i := 1; i < len(changes); i++ {
		if changes[i] == changes[i-1] {
			t.Fatalf("change %d repeats the one before: %q", i, changes)
		}
	}
	if len(changes) == 0 || changes[len(changes)-1] != "shared=true " {
		t.Fatalf("changes %q; want the last to be the return to shared", changes)
	}
}

func TestFallbackRequiresRejoin(t *testing.T) {
	if _, err := fallback.New(fallback.Options{}); err == nil {
		t.Fatal("no Rejoin: no error")
	}
}

// TestFallbackUseWaitsForARejoinUnderWay: a caller that comes while another caller rejoins the shared
// service waits for the outcome rather than working locally on its own.
func TestFallbackUseWaitsForARejoinUnderWay(t *testing.T) {
	clk := freshservicetest.NewClock(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	started, release := make(chan struct{}), make(chan struct{})
	st, err := fallback.New(fallback.Options{
		RetryInterval: 10 * time.Second,
		Now:           clk.Now,
		Rejoin: func(context.Context) error {
			close(started)
			<-release
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st.Failed(errors.New("redis: connection refused"))
	clk.Add(10 * time.Second)
	first := make(chan bool, 1)
	go func() { first <- st.Use(ctx) }()
	<-started
	second := make(chan bool, 1)
	go func() { second <- st.Use(ctx) }()
	select {
	case got := <-second:
		t.Fatalf("a caller during the rejoin was answered %t before the rejoin ended", got)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if !<-first || !<-second {
		t.Fatal("after the rejoin succeeded, a caller was told to work locally")
	}
}
