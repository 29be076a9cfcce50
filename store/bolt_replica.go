package store

import (
	"context"
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"
)

// bucketReplica has one nested bucket per tenant domain; keys are the kind byte and the big-endian
// id, and replicaMetaKey holds the meta.
var (
	bucketReplica  = []byte("replica")
	replicaMetaKey = []byte("meta")
)

var _ ReplicaStore = (*Bolt)(nil)

func replicaKey(kind ReplicaKind, id int64) []byte {
	key := make([]byte, 9)
	key[0] = byte(kind)
	binary.BigEndian.PutUint64(key[1:], uint64(id))
	return key
}

// LoadReplica implements ReplicaStore.
func (b *Bolt) LoadReplica(ctx context.Context, tenant string, fn func(ReplicaRecord) error) ([]byte, uint64, error) {
	_, tb, err := recordKey(ctx, tenant, 1)
	if err != nil {
		return nil, 0, fmt.Errorf("load replica of %s: %w", tenant, err)
	}
	var meta []byte
	err = b.view(func(tx *bbolt.Tx) error {
		top := tx.Bucket(bucketReplica)
		if top == nil {
			return nil
		}
		bucket := top.Bucket(tb)
		if bucket == nil {
			return nil
		}
		if m := bucket.Get(replicaMetaKey); m != nil {
			meta = append([]byte(nil), m...)
		}
		return bucket.ForEach(func(k, v []byte) error {
			if len(k) != 9 || len(v) == 0 {
				return nil
			}
			// bbolt's values live only as long as the transaction: fn gets its own copy.
			return fn(ReplicaRecord{Kind: ReplicaKind(k[0]), ID: int64(binary.BigEndian.Uint64(k[1:])), Data: append([]byte(nil), v...)})
		})
	})
	if err != nil {
		return nil, 0, fmt.Errorf("load replica of %s: %w", tenant, err)
	}
	return meta, 0, nil
}

// SaveReplica implements ReplicaStore: one transaction for every record.
func (b *Bolt) SaveReplica(ctx context.Context, tenant string, recs []ReplicaRecord, meta []byte) (uint64, error) {
	_, tb, err := recordKey(ctx, tenant, 1)
	if err != nil {
		return 0, fmt.Errorf("save replica of %s: %w", tenant, err)
	}
	err = b.update(func(tx *bbolt.Tx) error {
		top, err := tx.CreateBucketIfNotExists(bucketReplica)
		if err != nil {
			return err
		}
		bucket, err := top.CreateBucketIfNotExists(tb)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if r.ID <= 0 {
				return fmt.Errorf("id %d is not a Freshservice id", r.ID)
			}
			key := replicaKey(r.Kind, r.ID)
			if len(r.Data) == 0 {
				if err := bucket.Delete(key); err != nil {
					return err
				}
				continue
			}
			if err := bucket.Put(key, r.Data); err != nil {
				return err
			}
		}
		if meta != nil {
			return bucket.Put(replicaMetaKey, meta)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("save %d replica records of %s: %w", len(recs), tenant, err)
	}
	return 0, nil
}

// ReplicaChanges implements ReplicaStore: no other process shares a bbolt file.
func (b *Bolt) ReplicaChanges(context.Context, string, uint64) ([]ReplicaRecord, uint64, bool, error) {
	return nil, 0, false, nil
}

// SharesReplica implements ReplicaStore.
func (b *Bolt) SharesReplica() bool { return false }
