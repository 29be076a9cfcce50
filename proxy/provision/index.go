package provision

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy/provision/directory"
)

// indexBuildWait is how long a lookup waits for a tenant's first index build before it asks
// Freshservice directly; the build goes on in the background.
const indexBuildWait = 10 * time.Second

// indexBuildTimeout bounds one background build: a build that cannot finish in this time is retried
// on a later lookup.
const indexBuildTimeout = 10 * time.Minute

// indexBuild is the state of a tenant's background index builds: at most one runs at a time.
type indexBuild struct {
	mu       sync.Mutex
	building bool
	done     chan struct{}
}

// readyIndex returns the directory index when it can answer, building it on first use (waiting up to
// indexBuildWait, and at most half the time the request has left) and refreshing it in the background
// when it is stale. A nil index means: ask Freshservice directly.
func (s *Session) readyIndex(ctx context.Context) *directory.Index {
	t := s.t
	if t.index.Complete() {
		if t.index.Stale() && !t.budgetLow() {
			// A refresh walks the whole directory in list calls; with little budget left they would
			// delay the writes Entra is waiting for. The index stays current with fsscim's own
			// writes meanwhile, and a miss is never taken as "absent" for a create.
			t.startBuild(s.c)
		}
		return t.index
	}
	done := t.startBuild(s.c)
	wait := indexBuildWait
	if dl, ok := ctx.Deadline(); ok {
		// A build slower than the request must leave it the time to ask Freshservice directly.
		wait = min(wait, time.Until(dl)/2)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
	case <-ctx.Done():
	}
	if t.index.Complete() {
		return t.index
	}
	return nil
}

// budgetLow reports whether the tenant's rate budget is known to be under a quarter of its
// per-minute limit (the configured one, or the one learnt from Freshservice).
func (t *Tenant) budgetLow() bool {
	remaining := t.budget.Remaining()
	if remaining < 0 {
		return false
	}
	limit := t.budget.Limit()
	if limit <= 0 {
		limit = t.Config().RateLimit.PerMinute
	}
	return limit > 0 && remaining < limit/4
}

// startBuild starts one background index build (if none runs) and returns a channel closed when the
// running build ends.
func (t *Tenant) startBuild(c *freshservice.Client) <-chan struct{} {
	b := &t.build
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.building {
		return b.done
	}
	b.building = true
	done := make(chan struct{})
	b.done = done
	reg := t.reg
	reg.wg.Add(1)
	go func() {
		defer reg.wg.Done()
		defer func() {
			b.mu.Lock()
			b.building = false
			b.mu.Unlock()
			close(done)
		}()
		// Detached from the request that triggered it, but bounded.
		ctx, cancel := context.WithTimeout(reg.ctx, indexBuildTimeout)
		defer cancel()
		log := t.deps.Log.With(zap.String("tenant", t.domain))
		if err := t.index.Build(ctx, c); err != nil && !errors.Is(err, context.Canceled) {
			log.Warn("directory index build failed", zap.Error(err))
			return
		}
		log.Info("directory index built", zap.Int("users", t.index.Len()))
	}()
	return done
}
