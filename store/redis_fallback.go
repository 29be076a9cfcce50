package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsscim/fsscim/store/fallback"
	"github.com/fsscim/fsscim/store/record"
)

// DefaultSharedRetryInterval is how often a Shared store that fell back to its local store tries
// Redis again.
const DefaultSharedRetryInterval = fallback.DefaultRetryInterval

// DefaultSettleWindow is how long after Redis was found without the replicas' records (a new
// generation) records are not answered from it: twice the interval at which Run checks Redis, so that
// every live replica notices and copies its own back first.
const DefaultSettleWindow = 2 * DefaultSharedRetryInterval

// restoreTimeout bounds one copy of the local store to Redis (a hundred thousand records take
// seconds); a replica that began one longer ago than this no longer holds the others back.
const restoreTimeout = time.Minute

// SharedOptions configures a Shared store.
type SharedOptions struct {
	Remote        *Redis
	Local         *Bolt         // the process's own bbolt store
	RetryInterval time.Duration // while Redis is gone, and between checks of it; default DefaultSharedRetryInterval
	// SettleWindow is how long after Redis was found without the replicas' records (a new
	// generation) records are not answered from it, so that every live replica notices and copies its
	// own back first; default twice RetryInterval (DefaultSettleWindow), the time Run takes to notice.
	SettleWindow time.Duration
	Now          func() time.Time
	// OnStateChange is told when the store stops using Redis (err says why) and when it uses Redis
	// again (err nil). It is called once per change, never concurrently with itself.
	OnStateChange func(shared bool, err error)
	// OnMirrorFailure is told when a record Redis took could not be copied to the local store.
	OnMirrorFailure func(err error)
	// OnRestore is told when this process found Redis without the records it had merged there
	// (restarted empty, flushed or replaced: another generation) and copied its own records back:
	// how many, and the generations from and to.
	OnRestore func(records int, from, to string, err error)
}

// Shared is the Store of an fsscim process that shares its records with other processes through
// Redis:
//
//   - while Redis answers, every read and write goes to Redis, and every write is copied to the
//     local store as well, with the time of the write, so that the local store holds what this
//     process recorded;
//   - when Redis fails, reads and writes use the local store, for the records this process wrote.
//     A record it never wrote may have been written by another process meanwhile: asking for one
//     is ErrIncomplete rather than an answer that may be wrong;
//   - when Redis answers again, the records written during the outage are copied to Redis (the
//     newer copy of each record wins) and Redis is used again;
//   - Redis carries a generation. When it has none, or another than the one this process copied its
//     records into, Redis lost them (it restarted empty, or was flushed or replaced): every process
//     copies its whole local store back, merged by the time of each write, removals included. Until
//     every live process has had the time to do so (SettleWindow) and none is still copying, reads
//     are ErrIncomplete.
//
// Run checks Redis in the background, so that a process without requests notices too.
type Shared struct {
	opts    SharedOptions
	state   *fallback.State
	replica string // this process's name among those copying back

	ctx    context.Context // ends with Close; bounds joins
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	joined   string        // the generation the local store was copied into
	settled  string        // the generation known to hold every live process's records
	joining  chan struct{} // closed when the running join ends; nil when none runs
	joinErr  error         // the last join's outcome
	dirty    atomic.Bool   // the local store holds writes Redis has not taken
	runStart atomic.Bool
}

var _ Store = (*Shared)(nil)

// NewShared returns a store over Redis that falls back to local.
func NewShared(opts SharedOptions) (*Shared, error) {
	if opts.Remote == nil || opts.Local == nil {
		return nil, errors.New("shared store: Remote and Local are required")
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = DefaultSharedRetryInterval
	}
	if opts.SettleWindow <= 0 {
		opts.SettleWindow = 2 * opts.RetryInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	joined, err := opts.Local.joinedGeneration()
	if err != nil {
		return nil, fmt.Errorf("shared store: %w", err)
	}
	var name [8]byte
	if _, err := rand.Read(name[:]); err != nil {
		return nil, fmt.Errorf("shared store: name this process: %w", err)
	}
	s := &Shared{opts: opts, replica: hex.EncodeToString(name[:]), joined: joined}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.dirty.Store(true) // writes of an earlier run may wait in the local store
	state, err := fallback.New(fallback.Options{
		RetryInterval: opts.RetryInterval,
		Now:           opts.Now,
		Rejoin:        s.rejoin,
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

func (s *Shared) now() int64 { return s.opts.Now().UnixMilli() }

// remoteFailed decides what a Redis error means: the caller's own cancellation and ErrIncomplete are
// returned as they are; anything else switches to the local store, and the caller goes on with it.
func (s *Shared) remoteFailed(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, ErrIncomplete) {
		return err
	}
	s.state.Failed(err)
	return nil
}

// mirror reports a failure to update the local copy. Redis holds the record, so the request stands;
// the copy only matters during a later outage or reset.
func (s *Shared) mirror(err error) {
	if err != nil && s.opts.OnMirrorFailure != nil {
		s.opts.OnMirrorFailure(err)
	}
}

// incomplete says what a call could not be answered for.
func incomplete(what string) error { return fmt.Errorf("%s: %w", what, ErrIncomplete) }

// GetUser implements Store.
func (s *Shared) GetUser(ctx context.Context, tenant string, id int64) (record.UserRecord, bool, error) {
	if s.useRemote(ctx) {
		e, exists, gen, err := s.opts.Remote.readUserEntry(ctx, tenant, id)
		if err == nil {
			err = s.current(ctx, gen)
		}
		if err == nil {
			return e.UserRecord, exists && !e.Removed, nil
		}
		if err := s.remoteFailed(ctx, err); err != nil {
			return record.UserRecord{}, false, fmt.Errorf("get user %d of %s: %w", id, tenant, err)
		}
	}
	rec, found, known, err := s.opts.Local.knownUser(ctx, tenant, id)
	if err == nil && !known {
		err = incomplete(fmt.Sprintf("get user %d of %s: Redis does not answer and this process holds no record of it", id, tenant))
	}
	return rec, found, err
}

// PutUser implements Store.
func (s *Shared) PutUser(ctx context.Context, tenant string, id int64, r record.UserRecord) error {
	at := s.now()
	if s.useRemote(ctx) {
		err := s.opts.Remote.putUserAt(ctx, tenant, id, r, at)
		if err == nil {
			s.mirror(s.opts.Local.mirrorUsers(ctx, tenant, map[int64]record.UserRecord{id: r}, at, false))
			return nil
		}
		if s.remoteFailed(ctx, err) != nil {
			return err
		}
	}
	s.dirty.Store(true)
	return s.opts.Local.mirrorUsers(ctx, tenant, map[int64]record.UserRecord{id: r}, at, true)
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
	at := s.now()
	if s.useRemote(ctx) {
		final := make(map[int64]record.UserRecord, len(ids))
		var fnErr error
		err := s.opts.Remote.updateUsers(ctx, tenant, ids, func(id int64, r *record.UserRecord) error {
			if err := fn(id, r); err != nil {
				fnErr = err
				return err
			}
			final[id] = *r
			return nil
		}, at, s.checkGeneration)
		if err == nil {
			s.mirror(s.opts.Local.mirrorUsers(ctx, tenant, final, at, false))
			return nil
		}
		if fnErr != nil {
			return err
		}
		if err := s.remoteFailed(ctx, err); err != nil {
			return fmt.Errorf("update %d users of %s: %w", len(ids), tenant, err)
		}
	}
	s.dirty.Store(true)
	return s.opts.Local.updateKnownUsers(ctx, tenant, ids, at, fn)
}

// ForEachUser implements Store. Without Redis it cannot list what other processes recorded.
func (s *Shared) ForEachUser(ctx context.Context, tenant string, fn func(id int64, r record.UserRecord) error) error {
	if s.useRemote(ctx) {
		// fn's own error must not count as a Redis failure, and fn must not run twice for a record.
		var fnErr error
		calls := 0
		err := s.checkGeneration(ctx)
		if err == nil {
			err = s.opts.Remote.ForEachUser(ctx, tenant, func(id int64, r record.UserRecord) error {
				calls++
				if err := fn(id, r); err != nil {
					fnErr = err
					return err
				}
				return nil
			})
		}
		if err == nil || fnErr != nil || calls > 0 {
			return err
		}
		if err := s.remoteFailed(ctx, err); err != nil {
			return fmt.Errorf("walk users of %s: %w", tenant, err)
		}
	}
	return incomplete(fmt.Sprintf("walk users of %s: Redis does not answer", tenant))
}

// GetGroup implements Store.
func (s *Shared) GetGroup(ctx context.Context, tenant, kind string, id int64) (record.GroupRecord, bool, error) {
	if s.useRemote(ctx) {
		e, exists, gen, err := s.opts.Remote.readGroupEntry(ctx, tenant, kind, id)
		if err == nil {
			err = s.current(ctx, gen)
		}
		if err == nil {
			return e.GroupRecord, exists && !e.Removed, nil
		}
		if err := s.remoteFailed(ctx, err); err != nil {
			return record.GroupRecord{}, false, fmt.Errorf("get group %s %d of %s: %w", kind, id, tenant, err)
		}
	}
	rec, found, known, err := s.opts.Local.knownGroup(ctx, tenant, kind, id)
	if err == nil && !known {
		err = incomplete(fmt.Sprintf("get group %s %d of %s: Redis does not answer and this process holds no record of it", kind, id, tenant))
	}
	return rec, found, err
}

// PutGroup implements Store.
func (s *Shared) PutGroup(ctx context.Context, tenant, kind string, id int64, r record.GroupRecord) error {
	at := s.now()
	if s.useRemote(ctx) {
		err := s.opts.Remote.putGroupAt(ctx, tenant, kind, id, r, at)
		if err == nil {
			s.mirror(s.opts.Local.mirrorGroup(ctx, tenant, kind, id, r, at, false))
			return nil
		}
		if s.remoteFailed(ctx, err) != nil {
			return err
		}
	}
	s.dirty.Store(true)
	return s.opts.Local.mirrorGroup(ctx, tenant, kind, id, r, at, true)
}

// DeleteGroup implements Store.
func (s *Shared) DeleteGroup(ctx context.Context, tenant, kind string, id int64) error {
	return s.PutGroup(ctx, tenant, kind, id, record.GroupRecord{})
}

// PutPendingCreate implements CreateLog.
func (s *Shared) PutPendingCreate(ctx context.Context, tenant string, c PendingCreate) error {
	if s.useRemote(ctx) {
		err := s.opts.Remote.PutPendingCreate(ctx, tenant, c)
		if err == nil {
			s.mirror(s.opts.Local.putCreate(ctx, tenant, storedCreate{PendingCreate: c}))
			return nil
		}
		if s.remoteFailed(ctx, err) != nil {
			return err
		}
	}
	s.dirty.Store(true)
	return s.opts.Local.putCreate(ctx, tenant, storedCreate{PendingCreate: c, Unshared: true})
}

// PendingCreates implements CreateLog: those in Redis and those of the local store (which has the ones
// recorded while Redis was unusable, or before it lost them).
func (s *Shared) PendingCreates(ctx context.Context, tenant, email string, now time.Time) ([]PendingCreate, error) {
	all, err := s.opts.Local.pendingCreates(ctx, tenant, email)
	if err != nil {
		return nil, err
	}
	if s.useRemote(ctx) {
		remote, err := s.opts.Remote.pendingCreates(ctx, tenant, email)
		if err != nil {
			if err := s.remoteFailed(ctx, err); err != nil {
				return nil, err
			}
		}
		seen := map[string]bool{}
		for _, c := range all {
			seen[c.RequestID] = true
		}
		for _, c := range remote {
			if !seen[c.RequestID] {
				all = append(all, c)
			}
		}
	}
	return liveCreates(all, now), nil
}

// DeletePendingCreate implements CreateLog.
func (s *Shared) DeletePendingCreate(ctx context.Context, tenant, email, requestID string) error {
	if s.useRemote(ctx) {
		if err := s.opts.Remote.DeletePendingCreate(ctx, tenant, email, requestID); err != nil {
			if err := s.remoteFailed(ctx, err); err != nil {
				return err
			}
		}
	}
	return s.opts.Local.DeletePendingCreate(ctx, tenant, email, requestID)
}

// Ping implements Store with the local store only: a Redis outage degrades sharing but leaves the
// process able to serve what it wrote, so it must not make it unready.
func (s *Shared) Ping(ctx context.Context) error { return s.opts.Local.Ping(ctx) }

// Close implements Store: it stops Run and any copy to Redis, and closes the local store (the Redis
// client belongs to the caller).
func (s *Shared) Close() error {
	s.cancel()
	s.wg.Wait()
	return s.opts.Local.Close()
}
