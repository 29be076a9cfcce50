package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// DefaultFileName is the trail's file in the data dir. It is a file of its own, apart from the
// store's records: it grows with the traffic, and the store's file is read through at every start.
const DefaultFileName = "fsscim-audit.db"

// pruneEvery spaces the drops of a tenant's expired entries: each walks the oldest entries, so one a
// minute keeps appends cheap while the trail stays within its retention give or take a minute.
const pruneEvery = time.Minute

// prunePerTx bounds the entries one append drops, so that an append after a long quiet spell does not
// hold the file's one writer for long; the next append drops more.
const prunePerTx = 5000

// Bucket names inside a tenant's bucket. Entry keys are the entry's time (big-endian Unix
// nanoseconds) and a sequence number; index keys end with the entry key they point at.
var (
	bucketEntries = []byte("e")
	bucketBySubj  = []byte("u") // lower-cased email or group name, a zero byte, the entry key
	bucketByID    = []byte("i") // big-endian id, the entry key
)

const entryKeyLen = 16

// Bolt is the trail of a single fsscim, in a bbolt file of its own in the data dir. Each tenant has a
// bucket of entries in time order and two indexes, so that a search by user or id reads only that
// user's entries however long the trail is.
type Bolt struct {
	db   *bbolt.DB
	path string
	opts Options

	mu     sync.Mutex
	pruned map[string]time.Time // when each tenant's expired entries were last dropped
}

var _ Log = (*Bolt)(nil)

// OpenBolt opens (creating it 0600) the trail's file at path; another process holding it makes it fail
// after two seconds rather than wait.
func OpenBolt(path string, opts Options) (*Bolt, error) {
	opts.defaults()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open audit trail: create its folder: %w", err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open audit trail %s: another process holds it; stop the other fsscim or give this one its own --data-dir", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open audit trail %s (move it aside if it is damaged: only the trail is lost): %w", path, err)
	}
	// Appends come from concurrent requests; a short batch delay lets them share a commit.
	db.MaxBatchDelay = 2 * time.Millisecond
	return &Bolt{db: db, path: path, opts: opts, pruned: map[string]time.Time{}}, nil
}

// Close releases the file.
func (b *Bolt) Close() error {
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("close audit trail %s: %w", b.path, err)
	}
	return nil
}

// Append implements Log.
func (b *Bolt) Append(ctx context.Context, e Entry) error { return b.AppendAll(ctx, []Entry{e}) }

// AppendAll implements Batcher: the entries go in one transaction.
func (b *Bolt) AppendAll(ctx context.Context, entries []Entry) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("append audit entries: %w", err)
	}
	type prepared struct {
		e    Entry
		data []byte
	}
	list := make([]prepared, 0, len(entries))
	prune := map[string]time.Time{} // tenant -> cutoff, for the tenants whose drop is due
	for _, e := range entries {
		e, err := b.opts.prepare(e)
		if err != nil {
			return err
		}
		data, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("append audit entry: %w", err)
		}
		list = append(list, prepared{e, data})
		if _, seen := prune[e.Tenant]; !seen && b.pruneDue(e.Tenant) {
			prune[e.Tenant] = b.opts.cutoff(e.Tenant)
		}
	}
	var unfinished []string // tenants with more expired entries than one append drops
	err := b.db.Batch(func(tx *bbolt.Tx) error {
		for _, p := range list {
			tb, err := tx.CreateBucketIfNotExists([]byte(p.e.Tenant))
			if err != nil {
				return err
			}
			buckets, err := tenantBuckets(tb)
			if err != nil {
				return err
			}
			seq, err := buckets[0].NextSequence()
			if err != nil {
				return err
			}
			key := entryKey(p.e.At, seq)
			if err := buckets[0].Put(key, p.data); err != nil {
				return err
			}
			if err := index(buckets, p.e, key, true); err != nil {
				return err
			}
		}
		unfinished = unfinished[:0] // the batch may run this more than once
		for tenant, cutoff := range prune {
			buckets, err := tenantBuckets(tx.Bucket([]byte(tenant)))
			if err != nil {
				return err
			}
			done, err := dropBefore(buckets, cutoff)
			if err != nil {
				return err
			}
			if !done {
				unfinished = append(unfinished, tenant)
			}
		}
		return nil
	})
	for _, tenant := range unfinished {
		b.pruneAgain(tenant)
	}
	if err != nil {
		return fmt.Errorf("append %d audit entries to %s: %w", len(list), b.path, err)
	}
	return nil
}

// pruneDue reports whether this append is to drop the tenant's expired entries.
func (b *Bolt) pruneDue(tenant string) bool {
	now := b.opts.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if last, ok := b.pruned[tenant]; ok && now.Sub(last) < pruneEvery && !now.Before(last) {
		return false
	}
	b.pruned[tenant] = now
	return true
}

// pruneAgain makes the tenant's next append drop expired entries again: this one left some.
func (b *Bolt) pruneAgain(tenant string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.pruned, tenant)
}

// tenantBuckets returns the entries bucket and the two indexes, made on first use.
func tenantBuckets(tb *bbolt.Bucket) ([3]*bbolt.Bucket, error) {
	var out [3]*bbolt.Bucket
	for i, name := range [][]byte{bucketEntries, bucketBySubj, bucketByID} {
		bk, err := tb.CreateBucketIfNotExists(name)
		if err != nil {
			return out, err
		}
		out[i] = bk
	}
	return out, nil
}

func entryKey(at time.Time, seq uint64) []byte {
	key := make([]byte, entryKeyLen)
	binary.BigEndian.PutUint64(key, uint64(at.UnixNano()))
	binary.BigEndian.PutUint64(key[8:], seq)
	return key
}

func entryTime(key []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(key[:8])))
}

func subjectPrefix(s string) []byte { return append([]byte(s), 0) }

func idPrefix(id int64) []byte {
	p := make([]byte, 8)
	binary.BigEndian.PutUint64(p, uint64(id))
	return p
}

// index adds (or, with add false, removes) the entry's index keys.
func index(buckets [3]*bbolt.Bucket, e Entry, key []byte, add bool) error {
	type indexKey struct {
		bucket *bbolt.Bucket
		key    []byte
	}
	var keys []indexKey
	for _, s := range subjects(e) {
		keys = append(keys, indexKey{buckets[1], append(subjectPrefix(s), key...)})
	}
	for _, id := range ids(e) {
		keys = append(keys, indexKey{buckets[2], append(idPrefix(id), key...)})
	}
	for _, k := range keys {
		var err error
		if add {
			err = k.bucket.Put(k.key, []byte{})
		} else {
			err = k.bucket.Delete(k.key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// dropBefore removes the entries older than cutoff, oldest first, with their index keys, at most
// prunePerTx of them; done is false when it left some.
func dropBefore(buckets [3]*bbolt.Bucket, cutoff time.Time) (done bool, err error) {
	c := buckets[0].Cursor()
	var old [][]byte
	var entries []Entry
	done = true
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != entryKeyLen || !entryTime(k).Before(cutoff) {
			break
		}
		if len(old) == prunePerTx {
			done = false
			break
		}
		var e Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return false, fmt.Errorf("an audit entry does not decode: %w", err)
		}
		old = append(old, append([]byte(nil), k...))
		entries = append(entries, e)
	}
	for i, k := range old {
		if err := index(buckets, entries[i], k, false); err != nil {
			return false, err
		}
		if err := buckets[0].Delete(k); err != nil {
			return false, err
		}
	}
	return done, nil
}

// Find implements Log.
func (b *Bolt) Find(ctx context.Context, q Query) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("find audit entries: %w", err)
	}
	p, err := b.opts.plan(q)
	if err != nil {
		return nil, err
	}
	var out []Entry
	err = b.db.View(func(tx *bbolt.Tx) error {
		tb := tx.Bucket([]byte(p.tenant))
		if tb == nil {
			return nil
		}
		entries := tb.Bucket(bucketEntries)
		if entries == nil {
			return nil
		}
		keep := func(key, data []byte) (bool, error) {
			if entryTime(key).Before(p.oldest) {
				return false, nil
			}
			if data == nil {
				if data = entries.Get(key); data == nil {
					return true, nil // an index key left by a crash between writes: skip it
				}
			}
			var e Entry
			if err := json.Unmarshal(data, &e); err != nil {
				return false, fmt.Errorf("an audit entry does not decode: %w", err)
			}
			if p.matches(e) {
				out = append(out, e)
			}
			return len(out) < p.limit, nil
		}
		switch {
		case p.user != "":
			return walkIndex(tb.Bucket(bucketBySubj), subjectPrefix(p.user), keep)
		case p.id != 0:
			return walkIndex(tb.Bucket(bucketByID), idPrefix(p.id), keep)
		}
		c := entries.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if len(k) != entryKeyLen {
				continue
			}
			more, err := keep(k, v)
			if err != nil || !more {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find audit entries of %s in %s: %w", p.tenant, b.path, err)
	}
	return out, nil
}

// walkIndex calls keep with the entry key of every index key under prefix, newest first, until keep
// says to stop.
func walkIndex(bk *bbolt.Bucket, prefix []byte, keep func(key, data []byte) (bool, error)) error {
	if bk == nil {
		return nil
	}
	c := bk.Cursor()
	// Seek lands on the first key after every key of the prefix (or nothing); step back from there.
	end := append(append([]byte(nil), prefix...), bytes.Repeat([]byte{0xff}, entryKeyLen+1)...)
	k, _ := c.Seek(end)
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
		if len(k) != len(prefix)+entryKeyLen {
			continue
		}
		more, err := keep(k[len(prefix):], nil)
		if err != nil || !more {
			return err
		}
	}
	return nil
}
