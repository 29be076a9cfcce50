package store

import "context"

// ReplicaKind says whether a replica record is a user or a group.
type ReplicaKind byte

// Replica record kinds.
const (
	ReplicaUser  ReplicaKind = 'u'
	ReplicaGroup ReplicaKind = 'g'
)

// ReplicaRecord is one user or group of a tenant's directory replica, in the replica's own encoding.
// Empty Data marks one that no longer exists in Freshservice.
type ReplicaRecord struct {
	Kind ReplicaKind
	ID   int64
	// Version orders the writes of one record (Freshservice's updated_at, in Unix seconds): a store
	// shared by several processes does not replace a record by one with a lower version, so a list
	// walk that read a user before another process changed it cannot undo the change.
	Version int64
	Data    []byte
}

// ReplicaStore keeps tenants' directory replicas, so that a restarted process (and, through Redis,
// every process serving a tenant) answers from the replica without walking Freshservice again.
// Stores that implement Store implement it too.
type ReplicaStore interface {
	// LoadReplica hands fn every record of the tenant's replica (removed ones left out) and returns
	// its meta (nil when none was saved) and the sequence number ReplicaChanges continues from.
	LoadReplica(ctx context.Context, tenant string, fn func(ReplicaRecord) error) (meta []byte, seq uint64, err error)
	// SaveReplica writes records (empty Data removes one) and, when meta is not nil, the meta. It
	// returns the sequence number after the write (0 for a store no other process shares).
	SaveReplica(ctx context.Context, tenant string, recs []ReplicaRecord, meta []byte) (seq uint64, err error)
	// ReplicaChanges returns the records any process saved after sequence number since, removed ones
	// included, and the sequence number now. reset says the shared store lost what it held (its
	// sequence went back): the caller saves its whole replica again. A store no other process shares
	// returns nothing.
	ReplicaChanges(ctx context.Context, tenant string, since uint64) (recs []ReplicaRecord, seq uint64, reset bool, err error)
	// SharesReplica reports whether what SaveReplica writes reaches other processes; then a write
	// is saved at once rather than in the background.
	SharesReplica() bool
}
