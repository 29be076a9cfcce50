package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fsscim/fsscim/store/record"
	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// DefaultFileName is the store's file name inside the data directory.
const DefaultFileName = "fsscim.db"

// DefaultLockTimeout is how long OpenBolt waits for a file another process holds.
const DefaultLockTimeout = 2 * time.Second

// schemaVersion is written into a new store; a later layout change can read it to migrate.
const schemaVersion = "1"

var (
	bucketMeta  = []byte("meta")
	bucketUsers = []byte("users") // one nested bucket per tenant domain; keys are big-endian user ids
	// bucketGroups has one nested bucket per tenant domain; keys are the kind, a zero byte and the
	// big-endian group id.
	bucketGroups = []byte("groups")
	keySchema    = []byte("schema")
)

// Bolt is the embedded Store: one bbolt file, usable by one process at a time.
type Bolt struct {
	db      *bbolt.DB
	path    string
	commits groupCommit
	// damaged is set once the file is found damaged; every later call fails with it.
	damaged atomic.Pointer[damagedError]
}

var _ Store = (*Bolt)(nil)
var _ CreateCompleter = (*Bolt)(nil)

// Option tunes OpenBolt.
type Option func(*boltOptions)

type boltOptions struct {
	lockTimeout time.Duration
	noSync      bool // tests only: skips fsync, which they do not test
}

// WithLockTimeout sets how long OpenBolt waits for another process to release the file.
func WithLockTimeout(d time.Duration) Option {
	return func(o *boltOptions) { o.lockTimeout = d }
}

// OpenBolt opens the store file at path, creating its directory (0700) and the file (0600) when
// missing. When another process holds the file, it fails after the lock timeout instead of waiting for
// ever. An existing file is checked through first: a damaged one is refused with an error that
// errors.Is ErrDamaged.
func OpenBolt(path string, opts ...Option) (*Bolt, error) {
	o := boltOptions{lockTimeout: DefaultLockTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store: create its folder: %w", err)
	}
	db, err := openChecked(path, &bbolt.Options{Timeout: o.lockTimeout, NoSync: o.noSync})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: another process holds it after waiting %s; "+
			"stop the other fsscim or give this one its own --data-dir", path, o.lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if meta.Get(keySchema) == nil {
			if err := meta.Put(keySchema, []byte(schemaVersion)); err != nil {
				return err
			}
		}
		if v := meta.Get(keySchema); !bytes.Equal(v, []byte(schemaVersion)) {
			return fmt.Errorf("layout version %q is not %s; it was written by another fsscim version", v, schemaVersion)
		}
		for _, name := range [][]byte{bucketUsers, bucketGroups, bucketCreates, bucketMirror} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return &Bolt{db: db, path: path}, nil
}

// GetUser implements Store.
func (b *Bolt) GetUser(ctx context.Context, tenant string, id int64) (record.UserRecord, bool, error) {
	key, tb, err := recordKey(ctx, tenant, id)
	if err != nil {
		return record.UserRecord{}, false, fmt.Errorf("get user %d of %s: %w", id, tenant, err)
	}
	rec, found, err := getRecord[record.UserRecord](b, bucketUsers, tb, key)
	if err != nil {
		return record.UserRecord{}, false, fmt.Errorf("get user %d of %s: %w", id, tenant, err)
	}
	return rec, found, nil
}

// PutUser implements Store.
func (b *Bolt) PutUser(ctx context.Context, tenant string, id int64, r record.UserRecord) error {
	key, tb, err := recordKey(ctx, tenant, id)
	if err == nil {
		err = b.update(func(tx *bbolt.Tx) error { return write(tx, tb, key, r) })
	}
	if err != nil {
		return fmt.Errorf("put user %d of %s: %w", id, tenant, err)
	}
	return nil
}

// UpdateUser implements Store. bbolt runs one write transaction at a time, which makes the
// read-modify-write atomic; concurrent writes share a transaction (see update), so fn may run more
// than once, each time on the record as that transaction reads it.
func (b *Bolt) UpdateUser(ctx context.Context, tenant string, id int64, fn func(r *record.UserRecord) error) error {
	key, tb, err := recordKey(ctx, tenant, id)
	if err == nil {
		err = b.update(func(tx *bbolt.Tx) error {
			var rec record.UserRecord
			if _, err := readRecord(tx.Bucket(bucketUsers), tb, key, &rec); err != nil {
				return err
			}
			if err := fn(&rec); err != nil {
				return err
			}
			return write(tx, tb, key, rec)
		})
	}
	if err != nil {
		return fmt.Errorf("update user %d of %s: %w", id, tenant, err)
	}
	return nil
}

// DeleteUser implements Store.
func (b *Bolt) DeleteUser(ctx context.Context, tenant string, id int64) error {
	key, tb, err := recordKey(ctx, tenant, id)
	if err == nil {
		err = b.update(func(tx *bbolt.Tx) error { return write(tx, tb, key, record.UserRecord{}) })
	}
	if err != nil {
		return fmt.Errorf("delete user %d of %s: %w", id, tenant, err)
	}
	return nil
}

// Ping implements Store: it runs a read transaction, which fails once the store is closed or found
// damaged.
func (b *Bolt) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	err := b.view(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return errors.New("meta bucket missing")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ping store %s: %w", b.path, err)
	}
	return nil
}

// Close implements Store.
func (b *Bolt) Close() error {
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", b.path, err)
	}
	return nil
}

// write stores a record, or removes it (and an emptied tenant bucket) when it remembers nothing.
func write(tx *bbolt.Tx, tenant, key []byte, r record.UserRecord) error {
	return putRecord(tx.Bucket(bucketUsers), tenant, key, r, r.IsZero())
}

// putRecord stores a record as JSON under key in the tenant's bucket of top, or removes it when empty
// (dropping the tenant's bucket once nothing is left in it): a record that remembers nothing is not kept.
func putRecord(top *bbolt.Bucket, tenant, key []byte, r any, empty bool) error {
	if empty {
		return deleteRecord(top, tenant, key)
	}
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	bucket, err := top.CreateBucketIfNotExists(tenant)
	if err != nil {
		return err
	}
	return bucket.Put(key, data)
}

// deleteRecord removes key from the tenant's bucket of top, and the bucket once nothing is left in it.
func deleteRecord(top *bbolt.Bucket, tenant, key []byte) error {
	bucket := top.Bucket(tenant)
	if bucket == nil {
		return nil
	}
	if err := bucket.Delete(key); err != nil {
		return err
	}
	if k, _ := bucket.Cursor().First(); k == nil {
		return top.DeleteBucket(tenant)
	}
	return nil
}

// getRecord reads the record under key in the tenant's bucket of top; found is false when there is
// none.
func getRecord[T any](b *Bolt, top, tenant, key []byte) (rec T, found bool, err error) {
	err = b.view(func(tx *bbolt.Tx) error {
		var e error
		found, e = readRecord(tx.Bucket(top), tenant, key, &rec)
		return e
	})
	return rec, found, err
}

// readRecord decodes the record under key in the tenant's bucket of top into into; found is false
// (and into untouched) when there is none.
func readRecord(top *bbolt.Bucket, tenant, key []byte, into any) (found bool, err error) {
	bucket := top.Bucket(tenant)
	if bucket == nil {
		return false, nil
	}
	data := bucket.Get(key)
	if data == nil {
		return false, nil
	}
	return true, decodeRecord(data, into)
}

// decodeRecord decodes a stored record; one that does not decode marks the file damaged.
func decodeRecord(data []byte, into any) error {
	if err := json.Unmarshal(data, into); err != nil {
		return corrupt(fmt.Errorf("a stored record does not decode: %w", err))
	}
	return nil
}

// recordKey checks the arguments and returns the record's key and its tenant bucket's name. The store
// is local and fast, so a context is only checked before starting.
func recordKey(ctx context.Context, tenant string, id int64) (key, bucket []byte, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	tenant = strings.ToLower(strings.TrimSpace(tenant))
	if tenant == "" {
		return nil, nil, errors.New("the tenant is empty")
	}
	if id <= 0 {
		return nil, nil, fmt.Errorf("id %d is not a Freshservice id", id)
	}
	key = make([]byte, 8)
	binary.BigEndian.PutUint64(key, uint64(id))
	return key, []byte(tenant), nil
}
