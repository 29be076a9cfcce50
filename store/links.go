package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"go.etcd.io/bbolt"
)

// LinkClaims remembers which one-time enrollment links were used, each until its own expiry (after
// which the link is refused for its age anyway).
type LinkClaims interface {
	// LinkUsed reports whether the link id was claimed.
	LinkUsed(ctx context.Context, id string) (bool, error)
	// ClaimLink marks id used until expires; it reports false when it was used already, so that of
	// two concurrent claims exactly one succeeds.
	ClaimLink(ctx context.Context, id string, expires time.Time) (bool, error)
}

// bucketLinks holds the used enrollment link ids, each with its expiry (big-endian Unix seconds).
var bucketLinks = []byte("enroll_links")

var _ LinkClaims = (*Bolt)(nil)

// LinkUsed implements LinkClaims.
func (b *Bolt) LinkUsed(ctx context.Context, id string) (bool, error) {
	if err := linkArgs(ctx, id); err != nil {
		return false, err
	}
	var used bool
	err := b.view(func(tx *bbolt.Tx) error {
		if bucket := tx.Bucket(bucketLinks); bucket != nil {
			used = bucket.Get([]byte(id)) != nil
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("read enrollment link: %w", err)
	}
	return used, nil
}

// ClaimLink implements LinkClaims. Ids whose links have expired are dropped as it goes: links are
// few, so the walk is short.
func (b *Bolt) ClaimLink(ctx context.Context, id string, expires time.Time) (bool, error) {
	if err := linkArgs(ctx, id); err != nil {
		return false, err
	}
	now := time.Now().Unix()
	var claimed bool
	err := b.update(func(tx *bbolt.Tx) error {
		claimed = false // update may run fn again
		bucket, err := tx.CreateBucketIfNotExists(bucketLinks)
		if err != nil {
			return err
		}
		if bucket.Get([]byte(id)) != nil {
			return nil
		}
		var stale [][]byte
		err = bucket.ForEach(func(k, v []byte) error {
			if len(v) == 8 && int64(binary.BigEndian.Uint64(v)) < now {
				stale = append(stale, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := bucket.Delete(k); err != nil {
				return err
			}
		}
		claimed = true
		return bucket.Put([]byte(id), binary.BigEndian.AppendUint64(nil, uint64(expires.Unix())))
	})
	if err != nil {
		return false, fmt.Errorf("claim enrollment link: %w", err)
	}
	return claimed, nil
}

func linkArgs(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if id == "" || len(id) > 64 {
		return errors.New("enrollment link id: empty or too long")
	}
	return nil
}

// RedisLinks keeps used enrollment links in Redis, so that a link used on one replica is refused on
// every other: one key per link, set only if absent and expiring with the link.
type RedisLinks struct {
	c         redis.UniversalClient
	prefix    string
	opTimeout time.Duration
}

var _ LinkClaims = (*RedisLinks)(nil)

// NewRedisLinks keeps links under keyPrefix (default DefaultRedisKeyPrefix) through c.
func NewRedisLinks(c redis.UniversalClient, keyPrefix string) *RedisLinks {
	if keyPrefix == "" {
		keyPrefix = DefaultRedisKeyPrefix
	}
	return &RedisLinks{c: c, prefix: keyPrefix, opTimeout: DefaultRedisOpTimeout}
}

func (r *RedisLinks) key(id string) string { return r.prefix + ":enroll-link:" + id }

// LinkUsed implements LinkClaims.
func (r *RedisLinks) LinkUsed(ctx context.Context, id string) (bool, error) {
	if err := linkArgs(ctx, id); err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.opTimeout)
	defer cancel()
	n, err := r.c.Exists(ctx, r.key(id)).Result()
	if err != nil {
		return false, fmt.Errorf("read enrollment link in redis: %w", err)
	}
	return n > 0, nil
}

// ClaimLink implements LinkClaims with SET NX and the link's expiry.
func (r *RedisLinks) ClaimLink(ctx context.Context, id string, expires time.Time) (bool, error) {
	if err := linkArgs(ctx, id); err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.opTimeout)
	defer cancel()
	// A link already expired still gets a moment's key: its claim must not succeed twice meanwhile.
	ttl := max(time.Until(expires), time.Minute)
	ok, err := r.c.SetNX(ctx, r.key(id), "used", ttl).Result()
	if err != nil {
		return false, fmt.Errorf("claim enrollment link in redis: %w", err)
	}
	return ok, nil
}
