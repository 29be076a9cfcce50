package store

import (
	"context"
)

// The directory replica (see ReplicaStore) is kept apart from the records a Shared store guards: it
// is a copy of Freshservice's state, which any process can read again from Freshservice, under keys
// of its own in Redis, with its own order of changes and its own way of noticing a Redis that lost it
// (its sequence number goes back). The local store keeps a copy of it, so that a restart answers
// without walking Freshservice again.

var _ ReplicaStore = (*Shared)(nil)

// LoadReplica implements ReplicaStore: from Redis while it answers and holds the tenant's replica,
// else from the local copy (which the caller then saves again, bringing Redis back up to date).
func (s *Shared) LoadReplica(ctx context.Context, tenant string, fn func(ReplicaRecord) error) ([]byte, uint64, error) {
	if s.useRemote(ctx) {
		// Records are collected first: a load that fails half-way must not have handed fn half
		// of Redis's records and then all of the local copy's.
		var recs []ReplicaRecord
		meta, seq, err := s.opts.Remote.LoadReplica(ctx, tenant, func(r ReplicaRecord) error {
			recs = append(recs, r)
			return nil
		})
		if err == nil && meta != nil {
			for _, r := range recs {
				if err := fn(r); err != nil {
					return nil, 0, err
				}
			}
			return meta, seq, nil
		}
		if err != nil {
			if ferr := s.remoteFailed(ctx, err); ferr != nil {
				return nil, 0, ferr
			}
		}
	}
	meta, _, err := s.opts.Local.LoadReplica(ctx, tenant, fn)
	return meta, 0, err
}

// SaveReplica implements ReplicaStore: to Redis while it answers, and always to the local copy.
func (s *Shared) SaveReplica(ctx context.Context, tenant string, recs []ReplicaRecord, meta []byte) (uint64, error) {
	var seq uint64
	if s.useRemote(ctx) {
		n, err := s.opts.Remote.SaveReplica(ctx, tenant, recs, meta)
		if err == nil {
			seq = n
		} else if ferr := s.remoteFailed(ctx, err); ferr != nil {
			return 0, ferr
		}
	}
	if _, err := s.opts.Local.SaveReplica(ctx, tenant, recs, meta); err != nil {
		return 0, err
	}
	return seq, nil
}

// ReplicaChanges implements ReplicaStore: what other processes wrote to Redis; nothing while Redis is
// unusable. A Redis whose replica sequence went back lost what it held, records included: the copy of
// this process's records back into it starts at once, rather than at the next check of its generation.
func (s *Shared) ReplicaChanges(ctx context.Context, tenant string, since uint64) ([]ReplicaRecord, uint64, bool, error) {
	if !s.useRemote(ctx) {
		return nil, since, false, nil
	}
	recs, seq, reset, err := s.opts.Remote.ReplicaChanges(ctx, tenant, since)
	if err != nil {
		if ferr := s.remoteFailed(ctx, err); ferr != nil {
			return nil, 0, false, ferr
		}
		return nil, since, false, nil
	}
	if reset {
		s.noticeLoss(ctx)
	}
	return recs, seq, reset, nil
}

// SharesReplica implements ReplicaStore.
func (s *Shared) SharesReplica() bool { return true }

// noticeLoss starts copying this process's records back into Redis when Redis's generation is not the
// one they were copied into, without waiting for the copy to end.
func (s *Shared) noticeLoss(ctx context.Context) {
	gen, joined, err := s.generations(ctx)
	if err != nil {
		_ = s.remoteFailed(ctx, err)
		return
	}
	if gen != "" && gen == joined {
		return
	}
	// waitJoin starts the join and returns as soon as its context has ended; the join goes on.
	started, cancel := context.WithCancel(ctx)
	cancel()
	_ = s.waitJoin(started)
}

// RecordsComplete reports, without asking Redis, whether the records of every process are within
// reach: Redis is in use, holds the generation this process copied its records into, every live
// process has had the time to copy its own back (settled), and no copy runs. While it is false, an
// answer from a copy of Freshservice's state kept apart from the records (the directory replica)
// reads the record of what it answers, which is ErrIncomplete for one this process does not hold: the
// copy may lack what other processes recorded meanwhile (a deletion, a disable).
func (s *Shared) RecordsComplete() bool {
	if !s.state.Shared() {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.joining == nil && s.joined != "" && s.joined == s.settled
}
