package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/fsscim/fsscim/store/record"
	"go.etcd.io/bbolt"
)

// GetGroup implements Store.
func (b *Bolt) GetGroup(ctx context.Context, tenant, kind string, id int64) (record.GroupRecord, bool, error) {
	key, tb, err := groupKey(ctx, tenant, kind, id)
	if err != nil {
		return record.GroupRecord{}, false, fmt.Errorf("get group %s %d of %s: %w", kind, id, tenant, err)
	}
	rec, found, err := getRecord[record.GroupRecord](b, bucketGroups, tb, key)
	if err != nil {
		return record.GroupRecord{}, false, fmt.Errorf("get group %s %d of %s: %w", kind, id, tenant, err)
	}
	return rec, found, nil
}

// PutGroup implements Store.
func (b *Bolt) PutGroup(ctx context.Context, tenant, kind string, id int64, r record.GroupRecord) error {
	key, tb, err := groupKey(ctx, tenant, kind, id)
	if err == nil {
		err = b.update(func(tx *bbolt.Tx) error { return writeGroup(tx, tb, key, r) })
	}
	if err != nil {
		return fmt.Errorf("put group %s %d of %s: %w", kind, id, tenant, err)
	}
	return nil
}

// DeleteGroup implements Store.
func (b *Bolt) DeleteGroup(ctx context.Context, tenant, kind string, id int64) error {
	key, tb, err := groupKey(ctx, tenant, kind, id)
	if err == nil {
		err = b.update(func(tx *bbolt.Tx) error { return writeGroup(tx, tb, key, record.GroupRecord{}) })
	}
	if err != nil {
		return fmt.Errorf("delete group %s %d of %s: %w", kind, id, tenant, err)
	}
	return nil
}

// writeGroup stores a group record, or removes it (and an emptied tenant bucket) when it remembers
// nothing.
func writeGroup(tx *bbolt.Tx, tenant, key []byte, r record.GroupRecord) error {
	return putRecord(tx.Bucket(bucketGroups), tenant, key, r, r.IsZero())
}

// groupKey checks the arguments and returns the record's key (kind, a zero byte, the id) and its
// tenant bucket's name.
func groupKey(ctx context.Context, tenant, kind string, id int64) (key, bucket []byte, err error) {
	idKey, tb, err := recordKey(ctx, tenant, id)
	if err != nil {
		return nil, nil, err
	}
	if kind == "" {
		return nil, nil, errors.New("the group kind is empty")
	}
	key = append(append([]byte(kind), 0), idKey...)
	return key, tb, nil
}
