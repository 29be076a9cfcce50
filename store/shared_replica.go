package store

import (
	"context"
	"fmt"
)

var _ ReplicaStore = (*Shared)(nil)

// localReplica is the local store's replica keeping, when it has one.
func (s *Shared) localReplica() (ReplicaStore, error) {
	rs, ok := s.opts.Local.(ReplicaStore)
	if !ok {
		return nil, fmt.Errorf("the local store %T keeps no replica", s.opts.Local)
	}
	return rs, nil
}

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
	local, err := s.localReplica()
	if err != nil {
		return nil, 0, err
	}
	meta, _, err := local.LoadReplica(ctx, tenant, fn)
	return meta, 0, err
}

// SaveReplica implements ReplicaStore: to Redis while it answers, and always to the local copy.
func (s *Shared) SaveReplica(ctx context.Context, tenant string, recs []ReplicaRecord, meta []byte) (uint64, error) {
	local, err := s.localReplica()
	if err != nil {
		return 0, err
	}
	var seq uint64
	if s.useRemote(ctx) {
		n, err := s.opts.Remote.SaveReplica(ctx, tenant, recs, meta)
		if err == nil {
			seq = n
		} else if ferr := s.remoteFailed(ctx, err); ferr != nil {
			return 0, ferr
		}
	}
	if _, err := local.SaveReplica(ctx, tenant, recs, meta); err != nil {
		return 0, err
	}
	return seq, nil
}

// ReplicaChanges implements ReplicaStore: what other processes wrote to Redis; nothing while Redis is
// unusable.
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
	return recs, seq, reset, nil
}

// SharesReplica implements ReplicaStore.
func (s *Shared) SharesReplica() bool { return true }
