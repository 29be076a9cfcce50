package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A tenant's replica in Redis:
//
//	<base>replica:rec   hash  "u:<id>" / "g:<id>" -> record ("" once removed)
//	<base>replica:ver   hash  same fields -> version
//	<base>replica:seq   counter, one step per record written
//	<base>replica:chg   sorted set of fields by the sequence number of their last write
//	<base>replica:meta  the replica's meta
//
// Every write goes through one script, so the record, its version and its place in the change
// order move together; a process catching up reads the fields changed after the sequence number it
// last saw.

// replicaBatch is how many records one script call writes or reads.
const replicaBatch = 500

var saveReplicaScript = redis.NewScript(`
for i = 3, #ARGV, 3 do
  local f, v = ARGV[i], tonumber(ARGV[i+1])
  local old = redis.call('HGET', KEYS[2], f)
  if (not old) or tonumber(old) <= v then
    redis.call('HSET', KEYS[1], f, ARGV[i+2])
    redis.call('HSET', KEYS[2], f, ARGV[i+1])
    local s = redis.call('INCR', KEYS[3])
    redis.call('ZADD', KEYS[4], s, f)
  end
end
if ARGV[1] == '1' then redis.call('SET', KEYS[5], ARGV[2]) end
return tonumber(redis.call('GET', KEYS[3]) or '0')
`)

var replicaChangesScript = redis.NewScript(`
local s = tonumber(redis.call('GET', KEYS[2]) or '0')
local since = tonumber(ARGV[1])
if s == since then return {s, 'same'} end
if s < since then return {s, 'reset'} end
local fields = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[1], '+inf', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {s, 'changes'}
for i = 1, #fields do
  out[#out+1] = fields[i]
  out[#out+1] = redis.call('HGET', KEYS[1], fields[i]) or ''
  out[#out+1] = redis.call('ZSCORE', KEYS[3], fields[i])
end
return out
`)

func (s *Redis) replicaKeys(tenant string) []string {
	base := s.tenantBase(tenant) + "replica:"
	return []string{base + "rec", base + "ver", base + "seq", base + "chg", base + "meta"}
}

func replicaField(kind ReplicaKind, id int64) string {
	return string(kind) + ":" + strconv.FormatInt(id, 10)
}

func parseReplicaField(f string) (ReplicaKind, int64, bool) {
	if len(f) < 3 || f[1] != ':' {
		return 0, 0, false
	}
	id, err := strconv.ParseInt(f[2:], 10, 64)
	if err != nil || id <= 0 {
		return 0, 0, false
	}
	return ReplicaKind(f[0]), id, true
}

// replicaTimeout bounds one script call: a batch writes or reads up to replicaBatch records.
func (s *Redis) replicaTimeout() time.Duration { return 10 * s.opts.OpTimeout }

var _ ReplicaStore = (*Redis)(nil)

// LoadReplica implements ReplicaStore. The sequence number is read first, so that a record written
// while the hash is scanned is read again by the next ReplicaChanges.
func (s *Redis) LoadReplica(ctx context.Context, tenant string, fn func(ReplicaRecord) error) ([]byte, uint64, error) {
	t, err := checkArgs(ctx, tenant, 1)
	if err != nil {
		return nil, 0, fmt.Errorf("load replica of %s: %w", tenant, err)
	}
	keys := s.replicaKeys(t)
	rctx, cancel := context.WithTimeout(ctx, s.replicaTimeout())
	seq, err := s.c.Get(rctx, keys[2]).Uint64()
	cancel()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, fmt.Errorf("load replica of %s from redis: %w", tenant, err)
	}
	var cursor uint64
	for {
		rctx, cancel := context.WithTimeout(ctx, s.replicaTimeout())
		kvs, next, err := s.c.HScan(rctx, keys[0], cursor, "", replicaBatch).Result()
		cancel()
		if err != nil {
			return nil, 0, fmt.Errorf("load replica of %s from redis: %w", tenant, err)
		}
		for i := 0; i+1 < len(kvs); i += 2 {
			kind, id, ok := parseReplicaField(kvs[i])
			if !ok || kvs[i+1] == "" {
				continue
			}
			if err := fn(ReplicaRecord{Kind: kind, ID: id, Data: []byte(kvs[i+1])}); err != nil {
				return nil, 0, err
			}
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	rctx, cancel = context.WithTimeout(ctx, s.replicaTimeout())
	defer cancel()
	meta, err := s.c.Get(rctx, keys[4]).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, seq, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load replica meta of %s from redis: %w", tenant, err)
	}
	return meta, seq, nil
}

// SaveReplica implements ReplicaStore, replicaBatch records per script call.
func (s *Redis) SaveReplica(ctx context.Context, tenant string, recs []ReplicaRecord, meta []byte) (uint64, error) {
	t, err := checkArgs(ctx, tenant, 1)
	if err != nil {
		return 0, fmt.Errorf("save replica of %s: %w", tenant, err)
	}
	keys := s.replicaKeys(t)
	var seq uint64
	for first := true; first || len(recs) > 0; first = false {
		batch := recs[:min(len(recs), replicaBatch)]
		recs = recs[len(batch):]
		args := make([]any, 0, 2+3*len(batch))
		if meta != nil && len(recs) == 0 {
			args = append(args, "1", meta)
		} else {
			args = append(args, "0", "")
		}
		for _, r := range batch {
			if r.ID <= 0 {
				return 0, fmt.Errorf("save replica of %s: id %d is not a Freshservice id", tenant, r.ID)
			}
			args = append(args, replicaField(r.Kind, r.ID), r.Version, r.Data)
		}
		rctx, cancel := context.WithTimeout(ctx, s.replicaTimeout())
		n, err := saveReplicaScript.Run(rctx, s.c, keys, args...).Int64()
		cancel()
		if err != nil {
			return 0, fmt.Errorf("save %d replica records of %s in redis: %w", len(batch), tenant, err)
		}
		seq = uint64(n)
	}
	return seq, nil
}

// ReplicaChanges implements ReplicaStore.
func (s *Redis) ReplicaChanges(ctx context.Context, tenant string, since uint64) ([]ReplicaRecord, uint64, bool, error) {
	t, err := checkArgs(ctx, tenant, 1)
	if err != nil {
		return nil, 0, false, fmt.Errorf("read replica changes of %s: %w", tenant, err)
	}
	keys := s.replicaKeys(t)
	var out []ReplicaRecord
	for {
		rctx, cancel := context.WithTimeout(ctx, s.replicaTimeout())
		vals, err := replicaChangesScript.Run(rctx, s.c, []string{keys[0], keys[2], keys[3]}, since, replicaBatch).Slice()
		cancel()
		if err != nil {
			return nil, 0, false, fmt.Errorf("read replica changes of %s from redis: %w", tenant, err)
		}
		if len(vals) < 2 {
			return nil, 0, false, fmt.Errorf("read replica changes of %s from redis: short answer", tenant)
		}
		now, _ := vals[0].(int64)
		switch vals[1] {
		case "same":
			return out, uint64(now), false, nil
		case "reset":
			return nil, uint64(now), true, nil
		}
		last := since
		for i := 2; i+2 < len(vals); i += 3 {
			f, _ := vals[i].(string)
			data, _ := vals[i+1].(string)
			score, _ := vals[i+2].(string)
			kind, id, ok := parseReplicaField(f)
			if !ok {
				continue
			}
			out = append(out, ReplicaRecord{Kind: kind, ID: id, Data: []byte(data)})
			if n, err := strconv.ParseUint(score, 10, 64); err == nil && n > last {
				last = n
			}
		}
		if (len(vals)-2)/3 < replicaBatch || last == since {
			return out, uint64(now), false, nil
		}
		since = last
	}
}

// SharesReplica implements ReplicaStore.
func (s *Redis) SharesReplica() bool { return true }
