package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bolt is the Store in one bbolt file: one bucket per tenant, records keyed by Freshservice id.
type Bolt struct {
	db *bolt.DB
}

var _ Store = (*Bolt)(nil)

// OpenBolt opens (creating) the store file at path. A second process holding the file makes it fail
// after a few seconds instead of hanging.
func OpenBolt(path string) (*Bolt, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create store folder: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return &Bolt{db: db}, nil
}

func userKey(id int64) []byte { return []byte("u:" + strconv.FormatInt(id, 10)) }

func tenantBucket(tenant string) []byte { return []byte("tenant:" + tenant) }

// GetUser returns the record of a user, found=false when fsscim knows nothing about it.
func (b *Bolt) GetUser(ctx context.Context, tenant string, id int64) (UserRecord, bool, error) {
	var rec UserRecord
	found := false
	err := b.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(tenantBucket(tenant))
		if bk == nil {
			return nil
		}
		raw := bk.Get(userKey(id))
		if raw == nil {
			return nil
		}
		found = true
		return json.Unmarshal(raw, &rec)
	})
	if err != nil {
		return UserRecord{}, false, fmt.Errorf("read user %d of %s: %w", id, tenant, err)
	}
	return rec, found, nil
}

// PutUser replaces a user's record.
func (b *Bolt) PutUser(ctx context.Context, tenant string, id int64, r UserRecord) error {
	return b.UpdateUser(ctx, tenant, id, func(rec *UserRecord) error {
		*rec = r
		return nil
	})
}

// UpdateUser changes a record inside one write transaction, so concurrent updates never lose each
// other's changes.
func (b *Bolt) UpdateUser(ctx context.Context, tenant string, id int64, fn func(r *UserRecord) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(tenantBucket(tenant))
		if err != nil {
			return err
		}
		var rec UserRecord
		if raw := bk.Get(userKey(id)); raw != nil {
			if err := json.Unmarshal(raw, &rec); err != nil {
				return err
			}
		}
		if err := fn(&rec); err != nil {
			return err
		}
		raw, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return bk.Put(userKey(id), raw)
	})
	if err != nil {
		return fmt.Errorf("update user %d of %s: %w", id, tenant, err)
	}
	return nil
}

// DeleteUser forgets a user.
func (b *Bolt) DeleteUser(ctx context.Context, tenant string, id int64) error {
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(tenantBucket(tenant))
		if bk == nil {
			return nil
		}
		return bk.Delete(userKey(id))
	})
	if err != nil {
		return fmt.Errorf("delete user %d of %s: %w", id, tenant, err)
	}
	return nil
}

// Ping checks that the file still takes writes.
func (b *Bolt) Ping(ctx context.Context) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte("health"))
		if err != nil {
			return err
		}
		return bk.Put([]byte("ping"), []byte(time.Now().UTC().Format(time.RFC3339)))
	})
}

// Close closes the file.
func (b *Bolt) Close() error {
	if b.db == nil {
		return errors.New("store already closed")
	}
	return b.db.Close()
}
