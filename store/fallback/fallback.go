// Package fallback is the state of a part of fsscim that prefers a service shared by its replicas
// (Redis) and works on its own while that service is unusable: switch to local on a failure, try the
// shared service again every so often, and say so once per change.
package fallback

import (
	"context"
	"errors"
	"sync"
	"time"
)

// DefaultRetryInterval is how often a State that fell back tries the shared service again.
const DefaultRetryInterval = 5 * time.Second

// Options configures a State.
type Options struct {
	// RetryInterval is how often to try the shared service again while it is unusable; default
	// DefaultRetryInterval.
	RetryInterval time.Duration
	Now           func() time.Time // clock; default time.Now
	// Leave, when set, runs at each switch to local before any caller is told to work locally, so
	// the local state can be prepared from what was last seen shared.
	Leave func()
	// Rejoin runs before each return to the shared service: it checks that the service answers and
	// copies back what was done locally meanwhile. An error keeps the state local until the next
	// try. Required.
	Rejoin func(ctx context.Context) error
	// OnChange, when set, is told of every change: shared false with the error that caused it,
	// shared true with nil. It is called once per change, never concurrently with itself.
	//
	// The hooks run one at a time and must not call Use or Failed.
	OnChange func(shared bool, err error)
}

// State says whether to use the shared service now. It starts shared. It is safe for concurrent use.
type State struct {
	opts Options

	changeMu  sync.Mutex // serialises changes with their hooks and notifications
	mu        sync.Mutex
	shared    bool
	rejoining bool // a caller runs Rejoin (under changeMu)
	lastTry   time.Time
}

// New returns a State that starts shared.
func New(opts Options) (*State, error) {
	if opts.Rejoin == nil {
		return nil, errors.New("fallback: Rejoin is required")
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = DefaultRetryInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &State{opts: opts, shared: true}, nil
}

// Shared reports whether the shared service is in use.
func (s *State) Shared() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shared
}

// Use reports whether to use the shared service now: always while it is in use; after a failure,
// once per RetryInterval, and then only when Rejoin succeeds. The caller that runs Rejoin waits for
// it, and so does any caller meanwhile: an answer made locally while the shared service is being
// rejoined would depend on which caller came first.
func (s *State) Use(ctx context.Context) bool {
	s.mu.Lock()
	if s.shared {
		s.mu.Unlock()
		return true
	}
	if !s.rejoining && s.opts.Now().Sub(s.lastTry) < s.opts.RetryInterval {
		s.mu.Unlock()
		return false
	}
	s.mu.Unlock()

	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	s.mu.Lock()
	if s.shared || s.opts.Now().Sub(s.lastTry) < s.opts.RetryInterval {
		// Another caller's Rejoin decided meanwhile.
		shared := s.shared
		s.mu.Unlock()
		return shared
	}
	s.lastTry, s.rejoining = s.opts.Now(), true
	s.mu.Unlock()
	err := s.opts.Rejoin(ctx)
	s.mu.Lock()
	s.rejoining, s.shared = false, err == nil
	s.mu.Unlock()
	if err != nil {
		return false
	}
	if s.opts.OnChange != nil {
		s.opts.OnChange(true, nil)
	}
	return true
}

// Failed switches to local after the shared service failed with err. The caller decides what counts
// as a failure: its own cancelled context does not.
func (s *State) Failed(err error) {
	s.changeMu.Lock()
	defer s.changeMu.Unlock()
	s.mu.Lock()
	s.lastTry = s.opts.Now()
	changed := s.shared
	s.mu.Unlock()
	if !changed {
		return
	}
	if s.opts.Leave != nil {
		s.opts.Leave()
	}
	s.mu.Lock()
	s.shared = false
	s.mu.Unlock()
	if s.opts.OnChange != nil {
		s.opts.OnChange(false, err)
	}
}
