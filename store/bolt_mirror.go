package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/fsscim/fsscim/store/record"
	"go.etcd.io/bbolt"
)

// What the bbolt store keeps for a Shared store, beside the records themselves: a mark per record this
// process wrote, with the time of the write, whether it was a removal, and whether Redis has not taken
// it yet (written while Redis was unusable). Marks make the local copy mergeable with Redis by time,
// and tell which records this process knows while it cannot ask Redis.

var (
	// bucketMirror has one nested bucket per tenant; keys are 'u' and a big-endian user id, or 'g',
	// the kind, a zero byte and a big-endian group id.
	bucketMirror = []byte("mirror")
	keyJoined    = []byte("joined_generation")
)

// ErrIncomplete says the records this call needs are not at hand: Redis is unusable or is being
// refilled after it lost its data, and this process's own copy does not hold them. Nothing was read or
// written; the call can be tried again once Redis is back.
var ErrIncomplete = errors.New("the records shared through Redis are not at hand")

// mirrorMark is what the local copy knows of one record it wrote.
type mirrorMark struct {
	At      int64 `json:"at"` // Unix milliseconds of the write
	Removed bool  `json:"removed,omitempty"`
	Pending bool  `json:"pending,omitempty"` // not yet in Redis
}

func userMarkKey(id int64) []byte {
	k := make([]byte, 9)
	k[0] = 'u'
	binary.BigEndian.PutUint64(k[1:], uint64(id))
	return k
}

func groupMarkKey(kind string, id int64) []byte {
	k := append([]byte{'g'}, kind...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, uint64(id))
}

func putMark(tx *bbolt.Tx, tenant, key []byte, m mirrorMark) error {
	// A mark is kept even when it says nothing: it tells that the record is known.
	return putRecord(tx.Bucket(bucketMirror), tenant, key, m, false)
}

func getMark(tx *bbolt.Tx, tenant, key []byte) (mirrorMark, bool, error) {
	var m mirrorMark
	found, err := readRecord(tx.Bucket(bucketMirror), tenant, key, &m)
	if err != nil {
		return mirrorMark{}, false, err
	}
	return m, found, nil
}

func readUserTx(tx *bbolt.Tx, tenant, key []byte) (record.UserRecord, bool, error) {
	var rec record.UserRecord
	found, err := readRecord(tx.Bucket(bucketUsers), tenant, key, &rec)
	return rec, found, err
}

// mirrorUsers writes records as of the time at (a zero record removes one) with their marks, in one
// transaction; pending marks them as not yet in Redis. A record whose mark is newer than at is left
// alone: a later write of this process got there first.
func (b *Bolt) mirrorUsers(ctx context.Context, tenant string, recs map[int64]record.UserRecord, at int64, pending bool) error {
	_, tb, err := recordKey(ctx, tenant, 1)
	if err != nil {
		return fmt.Errorf("copy %d users of %s: %w", len(recs), tenant, err)
	}
	err = b.update(func(tx *bbolt.Tx) error {
		for id, r := range recs {
			key, _, err := recordKey(ctx, tenant, id)
			if err != nil {
				return err
			}
			if m, ok, err := getMark(tx, tb, userMarkKey(id)); err != nil || ok && m.At > at {
				if err != nil {
					return err
				}
				continue
			}
			if err := write(tx, tb, key, r); err != nil {
				return err
			}
			if err := putMark(tx, tb, userMarkKey(id), mirrorMark{At: at, Removed: r.IsZero(), Pending: pending}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("copy %d users of %s: %w", len(recs), tenant, err)
	}
	return nil
}

// knownUser returns the user's record, whether there is one, and whether this copy knows the user at
// all (it wrote the record, or its removal).
func (b *Bolt) knownUser(ctx context.Context, tenant string, id int64) (rec record.UserRecord, found, known bool, err error) {
	key, tb, err := recordKey(ctx, tenant, id)
	if err != nil {
		return record.UserRecord{}, false, false, err
	}
	err = b.view(func(tx *bbolt.Tx) error {
		if _, known, err = getMark(tx, tb, userMarkKey(id)); err != nil || !known {
			return err
		}
		rec, found, err = readUserTx(tx, tb, key)
		return err
	})
	if err != nil {
		return record.UserRecord{}, false, false, fmt.Errorf("get user %d of %s from the local copy: %w", id, tenant, err)
	}
	return rec, found, known, nil
}

// updateKnownUsers is UpdateUsers on the local copy while Redis is unusable: every user must be known
// to it (else ErrIncomplete, and nothing changes), and the records are written as of at, pending.
func (b *Bolt) updateKnownUsers(ctx context.Context, tenant string, ids []int64, at int64, fn func(id int64, r *record.UserRecord) error) error {
	_, tb, err := recordKey(ctx, tenant, 1)
	if err != nil {
		return fmt.Errorf("update %d users of %s: %w", len(ids), tenant, err)
	}
	return b.update(func(tx *bbolt.Tx) error {
		for _, id := range ids {
			key, _, err := recordKey(ctx, tenant, id)
			if err != nil {
				return err
			}
			if _, known, err := getMark(tx, tb, userMarkKey(id)); err != nil || !known {
				if err != nil {
					return err
				}
				return fmt.Errorf("user %d of %s: %w", id, tenant, ErrIncomplete)
			}
			rec, _, err := readUserTx(tx, tb, key)
			if err != nil {
				return err
			}
			if err := fn(id, &rec); err != nil {
				return err
			}
			if err := write(tx, tb, key, rec); err != nil {
				return err
			}
			if err := putMark(tx, tb, userMarkKey(id), mirrorMark{At: at, Removed: rec.IsZero(), Pending: true}); err != nil {
				return err
			}
		}
		return nil
	})
}

// mirrorGroup writes a group record as of at with its mark, unless a newer write of this process is
// already there.
func (b *Bolt) mirrorGroup(ctx context.Context, tenant, kind string, id int64, r record.GroupRecord, at int64, pending bool) error {
	key, tb, err := groupKey(ctx, tenant, kind, id)
	if err == nil {
		err = b.update(func(tx *bbolt.Tx) error {
			mk := groupMarkKey(kind, id)
			if m, ok, err := getMark(tx, tb, mk); err != nil || ok && m.At > at {
				return err
			}
			if err := writeGroup(tx, tb, key, r); err != nil {
				return err
			}
			return putMark(tx, tb, mk, mirrorMark{At: at, Removed: r.IsZero(), Pending: pending})
		})
	}
	if err != nil {
		return fmt.Errorf("copy group %s %d of %s: %w", kind, id, tenant, err)
	}
	return nil
}

// knownGroup is knownUser for a group.
func (b *Bolt) knownGroup(ctx context.Context, tenant, kind string, id int64) (rec record.GroupRecord, found, known bool, err error) {
	key, tb, err := groupKey(ctx, tenant, kind, id)
	if err != nil {
		return record.GroupRecord{}, false, false, err
	}
	err = b.view(func(tx *bbolt.Tx) error {
		if _, known, err = getMark(tx, tb, groupMarkKey(kind, id)); err != nil || !known {
			return err
		}
		found, err = readRecord(tx.Bucket(bucketGroups), tb, key, &rec)
		return err
	})
	if err != nil {
		return record.GroupRecord{}, false, false, fmt.Errorf("get group %s %d of %s from the local copy: %w", kind, id, tenant, err)
	}
	return rec, found, known, nil
}

// localEntry is one record of the local copy, for copying to Redis: kind is "" for a user.
type localEntry struct {
	tenant string
	kind   string
	id     int64
	user   record.UserRecord
	group  record.GroupRecord
	mark   mirrorMark // At 0 for a record kept before it had a mark
}

// localEntries lists the records of the local copy (removals included): every one, or only those
// Redis has not taken yet.
func (b *Bolt) localEntries(pendingOnly bool) ([]localEntry, error) {
	var out []localEntry
	err := b.view(func(tx *bbolt.Tx) error {
		marks := tx.Bucket(bucketMirror)
		users, groups := tx.Bucket(bucketUsers), tx.Bucket(bucketGroups)
		seen := map[string]bool{}
		// Records with a mark, and removals.
		err := marks.ForEachBucket(func(tenant []byte) error {
			return marks.Bucket(tenant).ForEach(func(k, v []byte) error {
				var m mirrorMark
				if err := decodeRecord(v, &m); err != nil {
					return err
				}
				seen[string(tenant)+"\x00"+string(k)] = true
				if pendingOnly && !m.Pending {
					return nil
				}
				e, ok, err := entryOf(tx, tenant, k, m)
				if ok {
					out = append(out, e)
				}
				return err
			})
		})
		if err != nil || pendingOnly {
			return err
		}
		// Records kept before the process shared through Redis have no mark: time 0, so that any
		// copy with a time wins over them.
		if err := users.ForEachBucket(func(tenant []byte) error {
			return users.Bucket(tenant).ForEach(func(k, v []byte) error {
				if len(k) != 8 || seen[string(tenant)+"\x00"+string(userMarkKey(int64(binary.BigEndian.Uint64(k))))] {
					return nil
				}
				e := localEntry{tenant: string(tenant), id: int64(binary.BigEndian.Uint64(k))}
				out = append(out, e)
				return decodeRecord(v, &out[len(out)-1].user)
			})
		}); err != nil {
			return err
		}
		return groups.ForEachBucket(func(tenant []byte) error {
			return groups.Bucket(tenant).ForEach(func(k, v []byte) error {
				kind, idb, ok := bytes.Cut(k, []byte{0})
				if !ok || len(idb) != 8 || seen[string(tenant)+"\x00g"+string(k)] {
					return nil
				}
				e := localEntry{tenant: string(tenant), kind: string(kind), id: int64(binary.BigEndian.Uint64(idb))}
				out = append(out, e)
				return decodeRecord(v, &out[len(out)-1].group)
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list the local copy: %w", err)
	}
	return out, nil
}

// entryOf reads the record a mark key names; ok is false for a key of no known form.
func entryOf(tx *bbolt.Tx, tenant, k []byte, m mirrorMark) (localEntry, bool, error) {
	e := localEntry{tenant: string(tenant), mark: m}
	switch {
	case len(k) == 9 && k[0] == 'u':
		e.id = int64(binary.BigEndian.Uint64(k[1:]))
		if m.Removed {
			return e, true, nil
		}
		rec, _, err := readUserTx(tx, tenant, k[1:])
		e.user = rec
		return e, true, err
	case len(k) > 10 && k[0] == 'g':
		kind, idb, ok := bytes.Cut(k[1:], []byte{0})
		if !ok || len(idb) != 8 {
			return e, false, nil
		}
		e.kind, e.id = string(kind), int64(binary.BigEndian.Uint64(idb))
		if m.Removed {
			return e, true, nil
		}
		_, err := readRecord(tx.Bucket(bucketGroups), tenant, k[1:], &e.group)
		return e, true, err
	}
	return e, false, nil
}

// clearPending marks the entries as taken by Redis, each only if no write of this process changed it
// since it was listed (its mark still has the time listed): a record written again meanwhile stays
// pending, for the next copy.
func (b *Bolt) clearPending(entries []localEntry) error {
	return b.update(func(tx *bbolt.Tx) error {
		for _, e := range entries {
			if !e.mark.Pending {
				continue
			}
			key := userMarkKey(e.id)
			if e.kind != "" {
				key = groupMarkKey(e.kind, e.id)
			}
			tb := []byte(e.tenant)
			m, ok, err := getMark(tx, tb, key)
			if err != nil {
				return err
			}
			if !ok || m.At != e.mark.At || !m.Pending {
				continue
			}
			m.Pending = false
			if err := putMark(tx, tb, key, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// localCreates lists the pending creates of the local copy by tenant: every one, or only those kept
// while Redis was unusable.
func (b *Bolt) localCreates(unsharedOnly bool) (map[string][]storedCreate, error) {
	out := map[string][]storedCreate{}
	err := b.view(func(tx *bbolt.Tx) error {
		top := tx.Bucket(bucketCreates)
		return top.ForEachBucket(func(tenant []byte) error {
			return top.Bucket(tenant).ForEach(func(k, v []byte) error {
				var sc storedCreate
				if err := decodeRecord(v, &sc); err != nil {
					return err
				}
				if !unsharedOnly || sc.Unshared {
					out[string(tenant)] = append(out[string(tenant)], sc)
				}
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list the local copy's pending creates: %w", err)
	}
	return out, nil
}

// joinedGeneration is the Redis generation this copy was last merged into ("" when none).
func (b *Bolt) joinedGeneration() (string, error) {
	var gen string
	err := b.view(func(tx *bbolt.Tx) error {
		gen = string(tx.Bucket(bucketMeta).Get(keyJoined))
		return nil
	})
	return gen, err
}

func (b *Bolt) setJoinedGeneration(gen string) error {
	return b.update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyJoined, []byte(gen)) })
}
