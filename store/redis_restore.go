package store

import (
	"context"
	"fmt"
	"time"
)

// How a Shared store keeps Redis holding every process's records: it checks Redis's generation with
// each read, copies its whole local store back when Redis lost what it had (join), copies the writes
// of an outage back when Redis returns (rejoin), and does not answer from Redis until every live
// process has had the time to copy its records back (settled).

// checkGeneration reads Redis's generation and checks it as current does.
func (s *Shared) checkGeneration(ctx context.Context) error {
	gen, err := s.opts.Remote.generation(ctx)
	if err != nil {
		return err
	}
	return s.current(ctx, gen)
}

// Join copies the local store into Redis's generation unless it is there already, starting a
// generation when Redis has none. Run does it at once; tests call it to have a process's records in
// Redis before it serves.
func (s *Shared) Join(ctx context.Context) error {
	gen, joined, err := s.generations(ctx)
	if err != nil {
		return err
	}
	if gen != "" && gen == joined {
		return nil
	}
	return s.waitJoin(ctx)
}

// generations reads Redis's generation ("" when it has none) and the one this process last copied
// its local store into.
func (s *Shared) generations(ctx context.Context) (gen, joined string, err error) {
	if gen, err = s.opts.Remote.generation(ctx); err != nil {
		return "", "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return gen, s.joined, nil
}

// current checks the generation an answer from Redis came with. The one the local store was copied
// into, settled, is current. Any other (none, after Redis restarted empty) means Redis lost records:
// the local store is copied back first, and the answer is ErrIncomplete until Redis is settled. An
// error that is not ErrIncomplete is a failure of Redis.
func (s *Shared) current(ctx context.Context, gen string) error {
	s.mu.Lock()
	joined, settled := s.joined, s.settled
	s.mu.Unlock()
	if gen != "" && gen == settled && gen == joined {
		return nil
	}
	if gen == "" || gen != joined {
		if err := s.waitJoin(ctx); err != nil {
			return err
		}
		s.mu.Lock()
		gen = s.joined
		s.mu.Unlock()
	}
	ok, err := s.settle(ctx, gen)
	if err != nil {
		return err
	}
	if !ok {
		return incomplete("Redis is being refilled with the records of every fsscim process after it lost them")
	}
	return nil
}

// settle reports whether Redis holds every live process's records of generation gen: it began
// SettleWindow ago or more, time for every live process to notice it (unless it was begun fresh, at a
// first start: a process with records then says so by copying them), and none is copying back.
func (s *Shared) settle(ctx context.Context, gen string) (bool, error) {
	now := s.opts.Now()
	if start, ok := generationStart(gen); ok && !freshGeneration(gen) && now.Sub(start) < s.opts.SettleWindow {
		return false, nil
	}
	n, err := s.opts.Remote.othersRestoring(ctx, now.Add(-restoreTimeout))
	if err != nil || n > 0 {
		return false, err
	}
	s.mu.Lock()
	if s.joined == gen {
		s.settled = gen
	}
	s.mu.Unlock()
	return true, nil
}

// waitJoin starts a join unless one runs, and waits for it (or for ctx). The join goes on when the
// caller stops waiting: the copy must not be cut short by one request's deadline.
func (s *Shared) waitJoin(ctx context.Context) error {
	s.mu.Lock()
	done := s.joining
	if done == nil {
		done = make(chan struct{})
		s.joining = done
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			jctx, cancel := context.WithTimeout(s.ctx, restoreTimeout)
			err := s.join(jctx)
			cancel()
			s.mu.Lock()
			s.joinErr, s.joining = err, nil
			s.mu.Unlock()
			close(done)
		}()
	}
	s.mu.Unlock()
	select {
	case <-done:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.joinErr
	case <-ctx.Done():
		// Redis answers; it is the refill that takes longer than the caller can wait.
		return incomplete("Redis is being refilled with this process's records")
	}
}

// join copies the whole local store into Redis's generation, starting one when Redis has none, and
// remembers (in the local store too) that it did.
func (s *Shared) join(ctx context.Context) error {
	s.mu.Lock()
	from := s.joined
	s.mu.Unlock()
	empty, err := s.localEmpty()
	if err != nil {
		return err
	}
	gen, err := s.opts.Remote.claimGeneration(ctx, s.opts.Now(), from == "" && empty)
	if err != nil {
		return err
	}
	if gen == from {
		return nil
	}
	if !empty {
		// Counted among the processes copying back, so that no process answers from Redis before
		// this one's records are there; a process with none has nothing to wait for.
		if err := s.opts.Remote.restoring(ctx, s.replica, true, s.opts.Now()); err != nil {
			return err
		}
		defer s.doneRestoring(ctx)
	}
	n, err := s.copyBack(ctx, false)
	if err == nil {
		err = s.opts.Local.setJoinedGeneration(gen)
	}
	if err == nil {
		s.mu.Lock()
		s.joined = gen
		s.mu.Unlock()
	}
	if s.opts.OnRestore != nil && (from != "" || n > 0 || err != nil) {
		s.opts.OnRestore(n, from, gen, err)
	}
	return err
}

// localEmpty reports whether the local store holds no record and no pending create.
func (s *Shared) localEmpty() (bool, error) {
	entries, err := s.opts.Local.localEntries(false)
	if err != nil || len(entries) > 0 {
		return false, err
	}
	creates, err := s.opts.Local.localCreates(false)
	return len(creates) == 0, err
}

// doneRestoring takes this process out of those copying back, also when the copy failed: one that
// gives up must not hold the others back. It tries a few times: left in, it would hold every process
// back until restoreTimeout.
func (s *Shared) doneRestoring(ctx context.Context) {
	for range 3 {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.Remote.opts.OpTimeout)
		err := s.opts.Remote.restoring(dctx, s.replica, false, s.opts.Now())
		cancel()
		if err == nil {
			return
		}
	}
}

// rejoin runs before Redis is used again after an outage: a Redis that lost its records is refilled
// from the whole local store, one that kept them gets the writes of the outage.
func (s *Shared) rejoin(ctx context.Context) error {
	gen, joined, err := s.generations(ctx)
	if err != nil {
		return err
	}
	if gen == "" || gen != joined {
		return s.waitJoin(ctx)
	}
	_, err = s.copyBack(ctx, true)
	return err
}

// copyBack copies the local store's records to Redis, merged by the time of each write: every one,
// or only those Redis has not taken. A record written again while it was being copied stays to copy.
func (s *Shared) copyBack(ctx context.Context, pendingOnly bool) (int, error) {
	s.dirty.Store(false)
	entries, err := s.opts.Local.localEntries(pendingOnly)
	if err == nil {
		var creates map[string][]storedCreate
		if creates, err = s.opts.Local.localCreates(pendingOnly); err == nil {
			err = s.copyCreates(ctx, creates)
		}
	}
	if err != nil {
		s.dirty.Store(true)
		return 0, err
	}
	byTenant := map[string][]localEntry{}
	for _, e := range entries {
		byTenant[e.tenant] = append(byTenant[e.tenant], e)
	}
	n := 0
	for tenant, list := range byTenant {
		for len(list) > 0 {
			batch := list[:min(len(list), redisBatch)]
			list = list[len(batch):]
			if err := s.opts.Remote.merge(ctx, tenant, batch); err != nil {
				s.dirty.Store(true)
				return n, err
			}
			if err := s.opts.Local.clearPending(batch); err != nil {
				s.dirty.Store(true)
				return n, err
			}
			n += len(batch)
		}
	}
	return n, nil
}

func (s *Shared) copyCreates(ctx context.Context, creates map[string][]storedCreate) error {
	for tenant, list := range creates {
		if err := s.opts.Remote.mergeCreates(ctx, tenant, list); err != nil {
			return err
		}
		for _, c := range list {
			if c.Unshared {
				if err := s.opts.Local.putCreate(ctx, tenant, storedCreate{PendingCreate: c.PendingCreate}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Run checks Redis every RetryInterval until ctx ends: a Redis that lost its records is refilled, the
// writes this process could not hand to Redis are copied, and after an outage Redis is tried again.
// It does at once what it would do at its first tick, so a process that starts joins without delay.
func (s *Shared) Run(ctx context.Context) {
	if !s.runStart.CompareAndSwap(false, true) {
		return
	}
	t := time.NewTicker(s.opts.RetryInterval)
	defer t.Stop()
	for {
		s.tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tick is one round of Run.
func (s *Shared) tick(ctx context.Context) {
	if !s.useRemote(ctx) {
		return
	}
	if err := s.checkGeneration(ctx); err != nil {
		_ = s.remoteFailed(ctx, err)
		return
	}
	if s.dirty.Load() {
		if _, err := s.copyBack(ctx, true); err != nil {
			_ = s.remoteFailed(ctx, fmt.Errorf("copy writes to redis: %w", err))
		}
	}
}
