package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of the Redis trail.
const (
	DefaultRedisKeyPrefix = "fsscim"
	// DefaultRedisAppendTimeout bounds an append, which runs after Freshservice answered and must
	// not hold the SCIM answer long.
	DefaultRedisAppendTimeout = 200 * time.Millisecond
	// DefaultRedisFindTimeout bounds a search, which may read a few thousand entries.
	DefaultRedisFindTimeout = 2 * time.Second
	// redisPage is how many entries one read of a search takes.
	redisPage = 500
)

// RedisOptions configure the Redis trail.
type RedisOptions struct {
	Options
	KeyPrefix     string        // default DefaultRedisKeyPrefix
	AppendTimeout time.Duration // default DefaultRedisAppendTimeout
	FindTimeout   time.Duration // default DefaultRedisFindTimeout
}

// Redis is the trail shared by replicas through Redis. Each tenant has a sorted set of its entries
// scored by time (Unix microseconds, which a float64 score holds exactly) (<prefix>:{<tenant>}:audit) and one per user or group name
// (...:audit:u:<lower-cased email or name>) and per id (...:audit:i:<id>), so that a search by user
// reads only that user's entries. Every append drops what is past the retention from the sets it
// writes, and sets each set to expire a retention after its last append, so a set nobody writes to
// any more goes away whole. The tenant is a hash tag: on a Redis Cluster a tenant's keys share a slot.
type Redis struct {
	c    redis.UniversalClient
	opts RedisOptions
}

var _ Log = (*Redis)(nil)

// NewRedis returns the trail kept through c; the caller keeps c and closes it.
func NewRedis(c redis.UniversalClient, opts RedisOptions) (*Redis, error) {
	if c == nil {
		return nil, errors.New("redis audit trail: no client")
	}
	opts.defaults()
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = DefaultRedisKeyPrefix
	}
	if opts.AppendTimeout <= 0 {
		opts.AppendTimeout = DefaultRedisAppendTimeout
	}
	if opts.FindTimeout <= 0 {
		opts.FindTimeout = DefaultRedisFindTimeout
	}
	return &Redis{c: c, opts: opts}, nil
}

func (r *Redis) base(tenant string) string {
	return r.opts.KeyPrefix + ":{" + tenant + "}:audit"
}

func (r *Redis) subjectKey(tenant, subject string) string { return r.base(tenant) + ":u:" + subject }

func (r *Redis) idKey(tenant string, id int64) string {
	return r.base(tenant) + ":i:" + strconv.FormatInt(id, 10)
}

// member is an entry as a sorted set holds it: a random tag first, so that two entries alike in every
// field (a retried write in the same millisecond) stay two members.
func member(e Entry) (string, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	var tag [8]byte
	_, _ = rand.Read(tag[:])
	return hex.EncodeToString(tag[:]) + string(data), nil
}

func decodeMember(m string) (Entry, error) {
	var e Entry
	if len(m) < 16 {
		return e, errors.New("an audit entry in Redis is too short")
	}
	if err := json.Unmarshal([]byte(m[16:]), &e); err != nil {
		return e, fmt.Errorf("an audit entry in Redis does not decode: %w", err)
	}
	return e, nil
}

// Append implements Log.
func (r *Redis) Append(ctx context.Context, e Entry) error { return r.AppendAll(ctx, []Entry{e}) }

// AppendAll implements Batcher: the entries of a tenant go in one transaction (a tenant's keys share
// a cluster slot; different tenants' do not).
func (r *Redis) AppendAll(ctx context.Context, entries []Entry) error {
	byTenant := map[string][]Entry{}
	var order []string
	for _, e := range entries {
		e, err := r.opts.prepare(e)
		if err != nil {
			return err
		}
		if _, ok := byTenant[e.Tenant]; !ok {
			order = append(order, e.Tenant)
		}
		byTenant[e.Tenant] = append(byTenant[e.Tenant], e)
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.AppendTimeout)
	defer cancel()
	for _, tenant := range order {
		if err := r.appendTenant(ctx, tenant, byTenant[tenant]); err != nil {
			return fmt.Errorf("append audit entries of %s to Redis: %w", tenant, err)
		}
	}
	return nil
}

func (r *Redis) appendTenant(ctx context.Context, tenant string, entries []Entry) error {
	keep := r.opts.retention(tenant)
	oldest := "(" + strconv.FormatInt(r.opts.Now().Add(-keep).UnixMicro(), 10)
	written := map[string]bool{}
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, e := range entries {
			m, err := member(e)
			if err != nil {
				return err
			}
			keys := []string{r.base(tenant)}
			for _, s := range subjects(e) {
				keys = append(keys, r.subjectKey(tenant, s))
			}
			for _, id := range ids(e) {
				keys = append(keys, r.idKey(tenant, id))
			}
			for _, k := range keys {
				p.ZAdd(ctx, k, redis.Z{Score: float64(e.At.UnixMicro()), Member: m})
				written[k] = true
			}
		}
		for k := range written {
			p.ZRemRangeByScore(ctx, k, "-inf", oldest)
			p.PExpire(ctx, k, keep)
		}
		return nil
	})
	return err
}

// Find implements Log.
func (r *Redis) Find(ctx context.Context, q Query) ([]Entry, error) {
	p, err := r.opts.plan(q)
	if err != nil {
		return nil, err
	}
	key := r.base(p.tenant)
	switch {
	case p.user != "":
		key = r.subjectKey(p.tenant, p.user)
	case p.id != 0:
		key = r.idKey(p.tenant, p.id)
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.FindTimeout)
	defer cancel()
	// A user's or id's set is pruned only by appends about that user, so what it holds past the
	// retention is dropped here before it is read.
	expired := "(" + strconv.FormatInt(r.opts.cutoff(p.tenant).UnixMicro(), 10)
	if err := r.c.ZRemRangeByScore(ctx, key, "-inf", expired).Err(); err != nil {
		return nil, fmt.Errorf("find audit entries of %s in Redis: %w", p.tenant, err)
	}
	oldest := strconv.FormatInt(p.oldest.UnixMicro(), 10)
	var out []Entry
	for offset := int64(0); len(out) < p.limit; offset += redisPage {
		page, err := r.c.ZRevRangeByScore(ctx, key, &redis.ZRangeBy{Min: oldest, Max: "+inf", Offset: offset, Count: redisPage}).Result()
		if err != nil {
			return nil, fmt.Errorf("find audit entries of %s in Redis: %w", p.tenant, err)
		}
		for _, m := range page {
			e, err := decodeMember(m)
			if err != nil {
				return nil, fmt.Errorf("find audit entries of %s in Redis: %w", p.tenant, err)
			}
			if p.matches(e) {
				out = append(out, e)
				if len(out) == p.limit {
					break
				}
			}
		}
		if len(page) < redisPage {
			break
		}
	}
	return out, nil
}
