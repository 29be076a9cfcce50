package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// createsKey is the hash of a tenant's pending creates for one email, by request id. Every write
// renews its expiry: creates older than PendingCreateLifetime are of no use.
func (s *Redis) createsKey(tenant, email string) string {
	return s.tenantBase(tenant) + "create:" + email
}

// PutPendingCreate implements CreateLog.
func (s *Redis) PutPendingCreate(ctx context.Context, tenant string, c PendingCreate) error {
	c.Email = normEmail(c.Email)
	t, err := checkArgs(ctx, tenant, 1)
	if err == nil {
		_, _, err = createKey(ctx, t, c.Email, c.RequestID)
	}
	if err == nil {
		var data []byte
		if data, err = json.Marshal(c); err == nil {
			ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
			defer cancel()
			key := s.createsKey(t, c.Email)
			_, err = s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, key, c.RequestID, data)
				p.Expire(ctx, key, PendingCreateLifetime)
				return nil
			})
		}
	}
	if err != nil {
		return fmt.Errorf("record pending create of %s for %s in redis: %w", c.Email, tenant, err)
	}
	return nil
}

// PendingCreates implements CreateLog.
func (s *Redis) PendingCreates(ctx context.Context, tenant, email string, now time.Time) ([]PendingCreate, error) {
	stored, err := s.pendingCreates(ctx, tenant, email)
	if err != nil {
		return nil, err
	}
	return liveCreates(stored, now), nil
}

func (s *Redis) pendingCreates(ctx context.Context, tenant, email string) ([]storedCreate, error) {
	email = normEmail(email)
	t, err := checkArgs(ctx, tenant, 1)
	if err == nil {
		_, _, err = createKey(ctx, t, email, "-")
	}
	if err != nil {
		return nil, fmt.Errorf("read pending creates of %s for %s: %w", email, tenant, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
	defer cancel()
	vals, err := s.c.HGetAll(ctx, s.createsKey(t, email)).Result()
	if err != nil {
		return nil, fmt.Errorf("read pending creates of %s for %s from redis: %w", email, tenant, err)
	}
	out := make([]storedCreate, 0, len(vals))
	for id, v := range vals {
		var c PendingCreate
		if err := json.Unmarshal([]byte(v), &c); err != nil {
			return nil, fmt.Errorf("read pending create %s of %s for %s: %w", id, email, tenant, err)
		}
		out = append(out, storedCreate{PendingCreate: c})
	}
	return out, nil
}

// DeletePendingCreate implements CreateLog.
func (s *Redis) DeletePendingCreate(ctx context.Context, tenant, email, requestID string) error {
	email = normEmail(email)
	t, err := checkArgs(ctx, tenant, 1)
	if err == nil {
		_, _, err = createKey(ctx, t, email, requestID)
	}
	if err == nil {
		ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
		defer cancel()
		err = s.c.HDel(ctx, s.createsKey(t, email), requestID).Err()
	}
	if err != nil {
		return fmt.Errorf("forget pending create of %s for %s in redis: %w", email, tenant, err)
	}
	return nil
}
