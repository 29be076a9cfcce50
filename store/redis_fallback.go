package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/fsscim/fsscim/store/fallback"
	"github.com/fsscim/fsscim/store/record"
)

// DefaultSharedRetryInterval is how often a Shared store that fell back to its local store tries
// Redis again.
const DefaultSharedRetryInterval = fallback.DefaultRetryInterval

// maxPending bounds how many records written during an outage are remembered for copying to Redis
// when it returns; past it, the oldest are no longer copied (they stay in the local store).
const maxPending = 100000

// SharedOptions configures a Shared store.
type SharedOptions struct {
	Remote        *Redis
	Local         Store         // the process's own bbolt store
	RetryInterval time.Duration // while Redis is gone; default DefaultSharedRetryInterval
	Now           func() time.Time
	// OnStateChange is told when the store stops using Redis (err says why) and when it uses Redis
	// again (err nil). It is called once per change, never concurrently with itself.
	OnStateChange func(shared bool, err error)
	// OnMirrorFailure is told when a record Redis took could not be copied to the local store.
	OnMirrorFailure func(err error)
}

// Shared is the Store of an fsscim process that shares its records with other processes through
// Redis and keeps serving when Redis is gone:
//
//   - while Redis answers, every read and write goes to Redis, and every write is copied to the
//     local store as well, so the local store knows what this process recorded;
//   - when Redis fails, reads and writes use the local store, which knows what this process
//     recorded before and during the outage but not what other processes recorded meanwhile;
//   - when Redis answers again, the records this process wrote during the outage are copied to
//     Redis (the last writer of a record wins) and Redis is used again.
//
// A Redis failure never fails a call; only a failure of the local store does.
type Shared struct {
	opts  SharedOptions
	state *fallback.State

	mu      sync.Mutex
	pending map[pendingKey]struct{} // written locally while Redis was gone
	order   []pendingKey
}

type pendingKey struct {
	tenant string
	kind   string // "" for a user
	id     int64
}

var _ Store = (*Shared)(nil)

// NewShared returns a store over Redis that falls back to local.
func NewShared(opts SharedOptions) (*Shared, error) {
	if opts.Remote == nil || opts.Local == nil {
		return nil, errors.New("shared store: Remote and Local are required")
	}
	s := &Shared{opts: opts, pending: map[pendingKey]struct{}{}}
	state, err := fallback.New(fallback.Options{
		RetryInterval: opts.RetryInterval,
		Now:           opts.Now,
		Rejoin:        s.copyBackAll,
		OnChange:      opts.OnStateChange,
	})
	if err != nil {
		return nil, fmt.Errorf("shared store: %w", err)
	}
	s.state = state
	return s, nil
}

// IsShared reports whether the store currently uses Redis.
func (s *Shared) IsShared() bool { return s.state.Shared() }

// useRemote reports whether to use Redis now: always while it works, once per RetryInterval after
// it failed, once the outage's writes are copied back.
func (s *Shared) useRemote(ctx context.Context) bool { return s.state.Use(ctx) }

// copyBackAll copies the records written during the outage to Redis, before Redis is used again.
func (s *Shared) copyBackAll(ctx context.Context) error {
	s.mu.Lock()
	todo := append([]pendingKey(nil), s.order...)
	s.mu.Unlock()

	if err := s.opts.Remote.Ping(ctx); err != nil {
		return err
	}
	for i, k := range todo {
		if err := s.copyBack(ctx, k); err != nil {
			s.mu.Lock()
			s.forgetPending(todo[:i])
			s.mu.Unlock()
			return err
		}
	}
	s.mu.Lock()
	s.forgetPending(todo)
	s.mu.Unlock()
	return nil
}

func (s *Shared) forgetPending(done []pendingKey) {
	for _, k := range done {
		delete(s.pending, k)
	}
	kept := s.order[:0]
	for _, k := range s.order {
		if _, ok := s.pending[k]; ok {
			kept = append(kept, k)
		}
	}
	s.order = kept
}

func (s *Shared) copyBack(ctx context.Context, k pendingKey) error {
	if k.kind == "" {
		rec, _, err := s.opts.Local.GetUser(ctx, k.tenant, k.id)
		if err != nil {
			return err
		}
		return s.opts.Remote.PutUser(ctx, k.tenant, k.id, rec)
	}
	rec, _, err := s.opts.Local.GetGroup(ctx, k.tenant, k.kind, k.id)
	if err != nil {
		return err
	}
	return s.opts.Remote.PutGroup(ctx, k.tenant, k.kind, k.id, rec)
}

// remoteFailed decides what a Redis error means: the caller's own cancellation is returned as it is;
// anything else switches to the local store, and the caller goes on with it.
func (s *Shared) remoteFailed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	s.state.Failed(err)
	return nil
}

func (s *Shared) notePending(tenant, kind string, ids ...int64) {
	if s.state.Shared() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		k := pendingKey{tenant: normTenant(tenant), kind: kind, id: id}
		if _, ok := s.pending[k]; ok {
			continue
		}
		if len(s.order) >= maxPending {
			delete(s.pending, s.order[0])
			s.order = s.order[1:]
		}
		s.pending[k] = struct{}{}
		s.order = append(s.order, k)
	}
}

func normTenant(t string) string {
	n, err := checkArgs(context.Background(), t, 1)
	if err != nil {
		return t
	}
	return n
}

// GetUser implements Store.
func (s *Shared) GetUser(ctx context.Context, tenant string, id int64) (record.UserRecord, bool, error) {
	if s.useRemote(ctx) {
		rec, found, err := s.opts.Remote.GetUser(ctx, tenant, id)
		if err == nil || s.remoteFailed(ctx, err) != nil {
			return rec, found, err
		}
	}
	return s.opts.Local.GetUser(ctx, tenant, id)
}

// PutUser implements Store.
func (s *Shared) PutUser(ctx context.Context, tenant string, id int64, r record.UserRecord) error {
	if s.useRemote(ctx) {
		err := s.opts.Remote.PutUser(ctx, tenant, id, r)
		if err == nil {
			s.mirror(s.opts.Local.PutUser(ctx, tenant, id, r))
			return nil
		}
		if s.remoteFailed(ctx, err) != nil {
			return err
		}
	}
	if err := s.opts.Local.PutUser(ctx, tenant, id, r); err != nil {
		return err
	}
	s.notePending(tenant, "", id)
	return nil
}

// UpdateUser implements Store.
func (s *Shared) UpdateUser(ctx context.Context, tenant string, id int64, fn func(r *record.UserRecord) error) error {
	return s.UpdateUsers(ctx, tenant, []int64{id}, func(_ int64, r *record.UserRecord) error { return fn(r) })
}

// DeleteUser implements Store.
func (s *Shared) DeleteUser(ctx context.Context, tenant string, id int64) error {
	return s.PutUser(ctx, tenant, id, record.UserRecord{})
}

// UpdateUsers implements Store. The local copy receives the records exactly as Redis took them.
func (s *Shared) UpdateUsers(ctx context.Context, tenant string, ids []int64, fn func(id int64, r *record.UserRecord) error) error {
	if s.useRemote(ctx) {
		final := make(map[int64]record.UserRecord, len(ids))
		var fnErr error
		err := s.opts.Remote.UpdateUsers(ctx, tenant, ids, func(id int64, r *record.UserRecord) error {
			if err := fn(id, r); err != nil {
				fnErr = err
				return err
			}
			final[id] = *r
			return nil
		})
		if err == nil {
			s.mirror(s.opts.Local.UpdateUsers(ctx, tenant, ids, func(id int64, r *record.UserRecord) error {
				*r = final[id]
				return nil
			}))
			return nil
		}
		if fnErr != nil || s.remoteFailed(ctx, err) != nil {
			return err
		}
	}
	if err := s.opts.Local.UpdateUsers(ctx, tenant, ids, fn); err != nil {
		return err
	}
	s.notePending(tenant, "", ids...)
	return nil
}

// ForEachUser implements Store.
func (s *Shared) ForEachUser(ctx context.Context, tenant string, fn func(id int64, r record.UserRecord) error) error {
	if s.useRemote(ctx) {
		// fn's own error must not count as a Redis failure, and fn must not run twice for a record.
		var fnErr error
		calls := 0
		err := s.opts.Remote.ForEachUser(ctx, tenant, func(id int64, r record.UserRecord) error {
			calls++
			if err := fn(id, r); err != nil {
				fnErr = err
				return err
			}
			return nil
		})
		if err == nil || fnErr != nil || calls > 0 || s.remoteFailed(ctx, err) != nil {
			return err
		}
	}
	return s.opts.Local.ForEachUser(ctx, tenant, fn)
}

// GetGroup implements Store.
func (s *Shared) GetGroup(ctx context.Context, tenant, kind string, id int64) (record.GroupRecord, bool, error) {
	if s.useRemote(ctx) {
		rec, found, err := s.opts.Remote.GetGroup(ctx, tenant, kind, id)
		if err == nil || s.remoteFailed(ctx, err) != nil {
			return rec, found, err
		}
	}
	return s.opts.Local.GetGroup(ctx, tenant, kind, id)
}

// PutGroup implements Store.
func (s *Shared) PutGroup(ctx context.Context, tenant, kind string, id int64, r record.GroupRecord) error {
	if s.useRemote(ctx) {
		err := s.opts.Remote.PutGroup(ctx, tenant, kind, id, r)
		if err == nil {
			s.mirror(s.opts.Local.PutGroup(ctx, tenant, kind, id, r))
			return nil
		}
		if s.remoteFailed(ctx, err) != nil {
			return err
		}
	}
	if err := s.opts.Local.PutGroup(ctx, tenant, kind, id, r); err != nil {
		return err
	}
	s.notePending(tenant, kind, id)
	return nil
}

// DeleteGroup implements Store.
func (s *Shared) DeleteGroup(ctx context.Context, tenant, kind string, id int64) error {
	return s.PutGroup(ctx, tenant, kind, id, record.GroupRecord{})
}

// Ping implements Store with the local store only: a Redis outage degrades sharing but leaves the
// process able to serve, so it must not make it unready.
func (s *Shared) Ping(ctx context.Context) error { return s.opts.Local.Ping(ctx) }

// Close implements Store: it closes the local store (the Redis client belongs to the caller).
func (s *Shared) Close() error { return s.opts.Local.Close() }

// mirror reports a failure to update the local copy. Redis holds the record, so the request stands;
// the copy only matters during a later outage.
func (s *Shared) mirror(err error) {
	if err != nil && s.opts.OnMirrorFailure != nil {
		s.opts.OnMirrorFailure(err)
	}
}
