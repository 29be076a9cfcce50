package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fsscim/fsscim/store/record"
	"github.com/redis/go-redis/v9"
)

// What a Shared store needs of Redis beyond the Store methods: the generation that tells a Redis that
// lost its data from the one the replicas filled, reads that carry it, and merges of local copies.
//
// <prefix>:generation holds "<Unix milliseconds>-<random>", set by the first replica that finds it
// missing, with "-fresh" after it when that replica had no records to copy (a first start). A Redis
// that restarts empty, or is replaced, has none (or another): every replica then copies its own
// records back. <prefix>:restoring is a sorted set of the replicas copying back, by the time they
// began.

func (s *Redis) generationKey() string { return s.opts.KeyPrefix + ":generation" }
func (s *Redis) restoringKey() string  { return s.opts.KeyPrefix + ":restoring" }

// generationStart is when a generation began, from its value.
func generationStart(gen string) (time.Time, bool) {
	ms, _, ok := strings.Cut(gen, "-")
	if !ok {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(n), true
}

// freshGeneration reports whether a generation was begun by a replica that had no records: then
// nothing was lost unless a replica with records says so by copying them back.
func freshGeneration(gen string) bool { return strings.HasSuffix(gen, "-fresh") }

// claimGeneration returns Redis's generation, starting a new one (begun now; fresh when the caller
// has no records) when there is none.
func (s *Redis) claimGeneration(ctx context.Context, now time.Time, fresh bool) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	candidate := strconv.FormatInt(now.UnixMilli(), 10) + "-" + hex.EncodeToString(b[:])
	if fresh {
		candidate += "-fresh"
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
	defer cancel()
	var get *redis.StringCmd
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SetNX(ctx, s.generationKey(), candidate, 0)
		get = p.Get(ctx, s.generationKey())
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("claim the redis generation: %w", err)
	}
	return get.Val(), nil
}

// generation reads Redis's generation ("" when it has none).
func (s *Redis) generation(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
	defer cancel()
	gen, err := s.c.Get(ctx, s.generationKey()).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the redis generation: %w", err)
	}
	return gen, nil
}

// readUserEntry reads a user's record with the generation, in one round trip.
func (s *Redis) readUserEntry(ctx context.Context, tenant string, id int64) (userEntry, bool, string, error) {
	t, err := checkArgs(ctx, tenant, id)
	if err != nil {
		return userEntry{}, false, "", err
	}
	e, exists, gen, err := readWithGeneration(ctx, s, s.userKey(t, id), decodeEntry[userEntry])
	if err != nil {
		return userEntry{}, false, "", fmt.Errorf("get user %d of %s from redis: %w", id, tenant, err)
	}
	return e, exists, gen, nil
}

// readGroupEntry reads a group's record with the generation, in one round trip.
func (s *Redis) readGroupEntry(ctx context.Context, tenant, kind string, id int64) (groupEntry, bool, string, error) {
	t, err := checkGroupArgs(ctx, tenant, kind, id)
	if err != nil {
		return groupEntry{}, false, "", err
	}
	e, exists, gen, err := readWithGeneration(ctx, s, s.groupKey(t, kind, id), decodeEntry[groupEntry])
	if err != nil {
		return groupEntry{}, false, "", fmt.Errorf("get group %s %d of %s from redis: %w", kind, id, tenant, err)
	}
	return e, exists, gen, nil
}

// readWithGeneration reads the record under key, decoded by decode, and the generation in one
// pipeline, so that the record and the generation it belongs to are read together.
func readWithGeneration[E any](ctx context.Context, s *Redis, key string, decode func(*redis.StringCmd) (E, bool, error)) (E, bool, string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
	defer cancel()
	var gen, rec *redis.StringCmd
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		gen = p.Get(ctx, s.generationKey())
		rec = p.Get(ctx, key)
		return nil
	})
	var none E
	if err != nil && !errors.Is(err, redis.Nil) {
		return none, false, "", err
	}
	e, exists, err := decode(rec)
	if err != nil {
		return none, false, "", err
	}
	return e, exists, gen.Val(), nil
}

// putUserAt writes a user's record as of the time at, like PutUser.
func (s *Redis) putUserAt(ctx context.Context, tenant string, id int64, r record.UserRecord, at int64) error {
	t, err := checkArgs(ctx, tenant, id)
	if err == nil {
		ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
		defer cancel()
		var encErr error
		_, err = s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			encErr = s.writeUser(ctx, p, t, id, r, at)
			return encErr
		})
		if encErr != nil {
			err = encErr
		}
	}
	if err != nil {
		return fmt.Errorf("put user %d of %s in redis: %w", id, tenant, err)
	}
	return nil
}

// putGroupAt writes a group's record as of the time at, like PutGroup.
func (s *Redis) putGroupAt(ctx context.Context, tenant, kind string, id int64, r record.GroupRecord, at int64) error {
	t, err := checkGroupArgs(ctx, tenant, kind, id)
	if err == nil {
		ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
		defer cancel()
		data, ttl, encErr := groupValue(r, at)
		err = encErr
		if err == nil {
			err = s.c.Set(ctx, s.groupKey(t, kind, id), data, ttl).Err()
		}
	}
	if err != nil {
		return fmt.Errorf("put group %s %d of %s in redis: %w", kind, id, tenant, err)
	}
	return nil
}

// merge writes each of a tenant's local entries that is newer than what Redis holds for it, or that
// Redis holds nothing for, in one optimistic transaction: a write by another replica meanwhile makes
// it start again, so the newest copy of each record wins whatever the order of the writers.
func (s *Redis) merge(ctx context.Context, tenant string, entries []localEntry) error {
	if len(entries) == 0 {
		return nil
	}
	keys := make([]string, len(entries))
	for i, e := range entries {
		if e.kind == "" {
			keys[i] = s.userKey(tenant, e.id)
		} else {
			keys[i] = s.groupKey(tenant, e.kind, e.id)
		}
	}
	tx := func(rtx *redis.Tx) error {
		vals, err := rtx.MGet(ctx, keys...).Result()
		if err != nil {
			return err
		}
		_, err = rtx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for i, e := range entries {
				at, exists, err := stampOf(vals[i])
				if err != nil {
					return fmt.Errorf("%s: %w", keys[i], err)
				}
				if exists && at >= e.mark.At {
					continue
				}
				if e.kind == "" {
					if err := s.writeUser(ctx, p, tenant, e.id, e.user, e.mark.At); err != nil {
						return err
					}
					continue
				}
				data, ttl, err := groupValue(e.group, e.mark.At)
				if err != nil {
					return err
				}
				p.Set(ctx, keys[i], data, ttl)
			}
			return nil
		})
		return err
	}
	if err := s.watch(ctx, tx, keys); err != nil {
		return fmt.Errorf("copy %d records of %s to redis: %w", len(entries), tenant, err)
	}
	return nil
}

// stampOf is the time of a record as an MGET returned it; exists is false for a missing key.
func stampOf(v any) (int64, bool, error) {
	if v == nil {
		return 0, false, nil
	}
	str, ok := v.(string)
	if !ok {
		return 0, false, fmt.Errorf("unexpected value type %T", v)
	}
	var e struct {
		At int64 `json:"at"`
	}
	if err := json.Unmarshal([]byte(str), &e); err != nil {
		return 0, false, fmt.Errorf("decode record: %w", err)
	}
	return e.At, true, nil
}

// mergeCreates adds pending creates to a tenant's, keeping those Redis has.
func (s *Redis) mergeCreates(ctx context.Context, tenant string, creates []storedCreate) error {
	if len(creates) == 0 {
		return nil
	}
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range creates {
			data, err := json.Marshal(c.PendingCreate)
			if err != nil {
				return err
			}
			key := s.createsKey(tenant, c.Email)
			p.HSetNX(ctx, key, c.RequestID, data)
			p.Expire(ctx, key, PendingCreateLifetime)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("copy %d pending creates of %s to redis: %w", len(creates), tenant, err)
	}
	return nil
}

// restoringSince adds (begin) or removes this replica from the replicas copying their records back.
func (s *Redis) restoring(ctx context.Context, replica string, begin bool, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
	defer cancel()
	if begin {
		return s.c.ZAdd(ctx, s.restoringKey(), redis.Z{Score: float64(now.UnixMilli()), Member: replica}).Err()
	}
	return s.c.ZRem(ctx, s.restoringKey(), replica).Err()
}

// othersRestoring counts the replicas that began copying back since the time given and have not
// finished.
func (s *Redis) othersRestoring(ctx context.Context, since time.Time) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
	defer cancel()
	return s.c.ZCount(ctx, s.restoringKey(), strconv.FormatInt(since.UnixMilli(), 10), "+inf").Result()
}
