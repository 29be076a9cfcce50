package store

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/fsscim/fsscim/store/record"
	"go.etcd.io/bbolt"
)

// UpdateUsers implements Store: one write transaction for every id, so a group change that touches
// hundreds of members costs one disk sync instead of hundreds.
func (b *Bolt) UpdateUsers(ctx context.Context, tenant string, ids []int64, fn func(id int64, r *record.UserRecord) error) error {
	keys := make([][]byte, len(ids))
	var tb []byte
	for i, id := range ids {
		key, bucket, err := recordKey(ctx, tenant, id)
		if err != nil {
			return fmt.Errorf("update %d users of %s: %w", len(ids), tenant, err)
		}
		keys[i], tb = key, bucket
	}
	if len(ids) == 0 {
		return nil
	}
	err := b.update(func(tx *bbolt.Tx) error {
		for i, id := range ids {
			var rec record.UserRecord
			if _, err := readRecord(tx.Bucket(bucketUsers), tb, keys[i], &rec); err != nil {
				return fmt.Errorf("user %d: %w", id, err)
			}
			if err := fn(id, &rec); err != nil {
				return err
			}
			if err := write(tx, tb, keys[i], rec); err != nil {
				return fmt.Errorf("user %d: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update %d users of %s: %w", len(ids), tenant, err)
	}
	return nil
}

// ForEachUser implements Store.
func (b *Bolt) ForEachUser(ctx context.Context, tenant string, fn func(id int64, r record.UserRecord) error) error {
	// Any valid id gives the tenant's bucket name.
	_, tb, err := recordKey(ctx, tenant, 1)
	if err != nil {
		return fmt.Errorf("walk users of %s: %w", tenant, err)
	}
	err = b.view(func(tx *bbolt.Tx) error {
		bucket := tx.Bucket(bucketUsers).Bucket(tb)
		if bucket == nil {
			return nil
		}
		return bucket.ForEach(func(k, v []byte) error {
			if len(k) != 8 || v == nil {
				return nil
			}
			id := int64(binary.BigEndian.Uint64(k))
			var rec record.UserRecord
			if err := decodeRecord(v, &rec); err != nil {
				return fmt.Errorf("user %d: %w", id, err)
			}
			return fn(id, rec)
		})
	})
	if err != nil {
		return fmt.Errorf("walk users of %s: %w", tenant, err)
	}
	return nil
}
