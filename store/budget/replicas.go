package budget

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultHeartbeatInterval is how often a replica says in Redis that it is alive.
const DefaultHeartbeatInterval = 5 * time.Second

// heartbeatsKept is how many intervals a replica counts as alive after its last heartbeat.
const heartbeatsKept = 3

// ReplicasOptions configures Replicas.
type ReplicasOptions struct {
	Client    redis.UniversalClient // required
	KeyPrefix string                // default DefaultKeyPrefix
	Interval  time.Duration         // between heartbeats; default DefaultHeartbeatInterval
	OpTimeout time.Duration         // per Redis round trip; default DefaultRedisOpTimeout
	Now       func() time.Time      // default time.Now
	ID        string                // this replica's name in Redis; default a random one
}

// Replicas counts the fsscim replicas sharing one Redis: each records a heartbeat in one sorted set
// (<prefix>:replicas, scored by time), and a replica not heard for three intervals is no longer
// counted. While Redis is unusable, each replica's budgets take the share of the limits that the
// last count gives it.
type Replicas struct {
	opts ReplicasOptions
	key  string

	mu    sync.Mutex
	count int
}

// NewReplicas returns the heartbeat of this replica. Beat or Run make it heard.
func NewReplicas(opts ReplicasOptions) (*Replicas, error) {
	if opts.Client == nil {
		return nil, errors.New("replica heartbeat: no Redis client")
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = DefaultKeyPrefix
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultHeartbeatInterval
	}
	if opts.OpTimeout <= 0 {
		opts.OpTimeout = DefaultRedisOpTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ID == "" {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("replica heartbeat: name this replica: %w", err)
		}
		opts.ID = hex.EncodeToString(b[:])
	}
	return &Replicas{opts: opts, key: opts.KeyPrefix + ":replicas"}, nil
}

// Count is the number of replicas heard at the last heartbeat that reached Redis, this one included;
// 1 before any did (a replica that never reached Redis knows of no other).
func (r *Replicas) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return max(r.count, 1)
}

// Beat records this replica's heartbeat, forgets replicas not heard for three intervals and counts
// the others.
func (r *Replicas) Beat(ctx context.Context) error {
	now := r.opts.Now()
	keep := heartbeatsKept * r.opts.Interval
	ctx, cancel := context.WithTimeout(ctx, r.opts.OpTimeout)
	defer cancel()
	var card *redis.IntCmd
	_, err := r.opts.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, r.key, redis.Z{Score: float64(now.UnixMilli()), Member: r.opts.ID})
		p.ZRemRangeByScore(ctx, r.key, "-inf", "("+strconv.FormatInt(now.Add(-keep).UnixMilli(), 10))
		card = p.ZCard(ctx, r.key)
		p.PExpire(ctx, r.key, keep)
		return nil
	})
	if err != nil {
		return fmt.Errorf("replica heartbeat: %w", err)
	}
	r.mu.Lock()
	r.count = int(card.Val())
	r.mu.Unlock()
	return nil
}

// Run beats every Interval until ctx ends, then takes this replica out of the count. A failed
// heartbeat keeps the last count; Redis failures are reported by the budgets and the store.
func (r *Replicas) Run(ctx context.Context) {
	_ = r.Beat(ctx)
	t := time.NewTicker(r.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.OpTimeout)
			defer cancel()
			_ = r.opts.Client.ZRem(lctx, r.key, r.opts.ID).Err()
			return
		case <-t.C:
			_ = r.Beat(ctx)
		}
	}
}
