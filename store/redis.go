package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fsscim/fsscim/store/record"
	"github.com/redis/go-redis/v9"
)

// Defaults of a Redis store.
const (
	// DefaultRedisOpTimeout bounds one Redis round trip; a SCIM request must not hang on its store.
	DefaultRedisOpTimeout = 200 * time.Millisecond
	// DefaultRedisKeyPrefix starts every key the store writes.
	DefaultRedisKeyPrefix = "fsscim"
	// redisTxRetries is how often an optimistic update is tried again when another process wrote the
	// same record meanwhile.
	redisTxRetries = 50
	// redisBatch is how many records one MGET reads while walking a tenant.
	redisBatch = 500
)

// RedisOptions configures a Redis store.
type RedisOptions struct {
	OpTimeout time.Duration    // per operation; default DefaultRedisOpTimeout
	KeyPrefix string           // default DefaultRedisKeyPrefix
	Now       func() time.Time // stamps each record with the time of its write; default time.Now
}

// Redis is a Store kept in Redis, so that every fsscim process serving a tenant sees what any of them
// recorded (a re-enable served by one process restores what another recorded at the disable).
//
// Keys: <prefix>:{<tenant>}:user:<id> and <prefix>:{<tenant>}:group:<kind>:<id> hold JSON records;
// <prefix>:{<tenant>}:users is the set of user ids with a record; <prefix>:{<tenant>}:create:<email>
// holds pending creates. The braces make the tenant a hash tag, so on a Redis Cluster a tenant's keys
// share a slot and multi-key transactions work. Each record carries the time of the write that made it,
// and a removed record stays a while as a tombstone with its time (see Shared, which merges copies by
// those times).
type Redis struct {
	c    redis.UniversalClient
	opts RedisOptions
}

var _ Store = (*Redis)(nil)

// NewRedis returns a store using c. The caller keeps c and closes it after the store.
func NewRedis(c redis.UniversalClient, opts RedisOptions) (*Redis, error) {
	if c == nil {
		return nil, errors.New("redis store: no client")
	}
	if opts.OpTimeout <= 0 {
		opts.OpTimeout = DefaultRedisOpTimeout
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = DefaultRedisKeyPrefix
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Redis{c: c, opts: opts}, nil
}

func (s *Redis) tenantBase(tenant string) string {
	return s.opts.KeyPrefix + ":{" + tenant + "}:"
}

func (s *Redis) userKey(tenant string, id int64) string {
	return s.tenantBase(tenant) + "user:" + strconv.FormatInt(id, 10)
}

func (s *Redis) usersKey(tenant string) string { return s.tenantBase(tenant) + "users" }

func (s *Redis) groupKey(tenant, kind string, id int64) string {
	return s.tenantBase(tenant) + "group:" + kind + ":" + strconv.FormatInt(id, 10)
}

// checkArgs validates and normalises a tenant and id as the bbolt store does.
func checkArgs(ctx context.Context, tenant string, id int64) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	tenant = strings.ToLower(strings.TrimSpace(tenant))
	if tenant == "" {
		return "", errors.New("the tenant is empty")
	}
	if strings.ContainsAny(tenant, "{}") {
		return "", fmt.Errorf("tenant %q holds a brace", tenant)
	}
	if id <= 0 {
		return "", fmt.Errorf("id %d is not a Freshservice id", id)
	}
	return tenant, nil
}

// GetUser implements Store.
func (s *Redis) GetUser(ctx context.Context, tenant string, id int64) (record.UserRecord, bool, error) {
	t, err := checkArgs(ctx, tenant, id)
	if err != nil {
		return record.UserRecord{}, false, fmt.Errorf("get user %d of %s: %w", id, tenant, err)
	}
	e, exists, err := getEntry[userEntry](ctx, s, s.userKey(t, id))
	if err != nil {
		return record.UserRecord{}, false, fmt.Errorf("get user %d of %s from redis: %w", id, tenant, err)
	}
	return e.UserRecord, exists && !e.Removed, nil
}

// entryMark is what Redis keeps beside each record: when it was written (Unix milliseconds; 0 for
// records written before records had times), and whether it is a tombstone.
type entryMark struct {
	At      int64 `json:"at,omitempty"`
	Removed bool  `json:"removed,omitempty"`
}

func (m *entryMark) mark() *entryMark { return m }

// userEntry is a user record as Redis holds it.
type userEntry struct {
	record.UserRecord
	entryMark
}

// storedEntry is a record as Redis holds it (userEntry, groupEntry), for the readers below.
type storedEntry[E any] interface {
	*E
	mark() *entryMark
}

// getEntry reads the record under key, within the store's operation timeout.
func getEntry[E any, P storedEntry[E]](ctx context.Context, s *Redis, key string) (E, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
	defer cancel()
	return decodeEntry[E, P](s.c.Get(ctx, key))
}

// decodeEntry reads the answer to a GET of a record key; exists is false when there is no key.
func decodeEntry[E any, P storedEntry[E]](cmd *redis.StringCmd) (e E, exists bool, err error) {
	data, err := cmd.Result()
	if errors.Is(err, redis.Nil) {
		return e, false, nil
	}
	if err != nil {
		return e, false, err
	}
	return unmarshalEntry[E, P](data)
}

// unmarshalEntry decodes a record's JSON.
func unmarshalEntry[E any, P storedEntry[E]](data string) (E, bool, error) {
	var e E
	if err := json.Unmarshal([]byte(data), &e); err != nil {
		var none E
		return none, false, fmt.Errorf("decode record: %w", err)
	}
	if m := *P(&e).mark(); m.Removed {
		// A tombstone reads as the zero record with its mark.
		e = *new(E)
		*P(&e).mark() = m
	}
	return e, true, nil
}

// tombstoneLifetime is how long a removed record is remembered as removed. A copy of it a replica
// brings back after a Redis reset loses to the tombstone when it is older.
const tombstoneLifetime = 7 * 24 * time.Hour

// writeUser queues the write of a record made at the time at (Unix milliseconds), or of its tombstone
// when it remembers nothing.
func (s *Redis) writeUser(ctx context.Context, p redis.Pipeliner, tenant string, id int64, r record.UserRecord, at int64) error {
	key := s.userKey(tenant, id)
	e := userEntry{UserRecord: r, entryMark: entryMark{At: at}}
	var ttl time.Duration
	if r.IsZero() {
		e, ttl = userEntry{entryMark: entryMark{At: at, Removed: true}}, tombstoneLifetime
		p.SRem(ctx, s.usersKey(tenant), id)
	} else {
		p.SAdd(ctx, s.usersKey(tenant), id)
	}
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	p.Set(ctx, key, data, ttl)
	return nil
}

// stamp is the time of a write as records carry it.
func (s *Redis) stamp() int64 { return s.opts.Now().UnixMilli() }

// PutUser implements Store.
func (s *Redis) PutUser(ctx context.Context, tenant string, id int64, r record.UserRecord) error {
	return s.putUserAt(ctx, tenant, id, r, s.stamp())
}

// UpdateUser implements Store with an optimistic transaction: the record is watched while fn runs,
// and the write is tried again (fn with it, on a fresh read) when another process changed it.
func (s *Redis) UpdateUser(ctx context.Context, tenant string, id int64, fn func(r *record.UserRecord) error) error {
	err := s.UpdateUsers(ctx, tenant, []int64{id}, func(_ int64, r *record.UserRecord) error { return fn(r) })
	if err != nil {
		return fmt.Errorf("update user %d of %s: %w", id, tenant, err)
	}
	return nil
}

// DeleteUser implements Store.
func (s *Redis) DeleteUser(ctx context.Context, tenant string, id int64) error {
	if err := s.PutUser(ctx, tenant, id, record.UserRecord{}); err != nil {
		return fmt.Errorf("delete user %d of %s: %w", id, tenant, err)
	}
	return nil
}

// errFnFailed carries fn's own error out of a transaction untouched.
type errFnFailed struct{ err error }

func (e errFnFailed) Error() string { return e.err.Error() }

// UpdateUsers implements Store: every record is watched, read, changed by fn and written back in one
// MULTI; a concurrent write to any of them makes the whole update start again.
func (s *Redis) UpdateUsers(ctx context.Context, tenant string, ids []int64, fn func(id int64, r *record.UserRecord) error) error {
	return s.updateUsers(ctx, tenant, ids, fn, 0, nil)
}

// updateUsers is UpdateUsers writing the records as of at (0: now); check, when given, runs first and
// its error stops the update.
func (s *Redis) updateUsers(ctx context.Context, tenant string, ids []int64, fn func(id int64, r *record.UserRecord) error,
	at int64, check func(ctx context.Context) error) error {
	t := ""
	for _, id := range ids {
		var err error
		if t, err = checkArgs(ctx, tenant, id); err != nil {
			return fmt.Errorf("update %d users of %s: %w", len(ids), tenant, err)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.userKey(t, id)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout*time.Duration(min(len(ids), 50)))
	defer cancel()
	if check != nil {
		if err := check(ctx); err != nil {
			return err
		}
	}
	tx := func(rtx *redis.Tx) error {
		vals, err := rtx.MGet(ctx, keys...).Result()
		if err != nil {
			return err
		}
		recs := make([]record.UserRecord, len(ids))
		for i, v := range vals {
			e, _, err := decodeUserValue(v)
			if err != nil {
				return fmt.Errorf("user %d: %w", ids[i], err)
			}
			recs[i] = e.UserRecord
		}
		for i, id := range ids {
			if err := fn(id, &recs[i]); err != nil {
				return errFnFailed{err}
			}
		}
		if at == 0 {
			at = s.stamp()
		}
		_, err = rtx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range ids {
				if err := s.writeUser(ctx, p, t, id, recs[i], at); err != nil {
					return fmt.Errorf("user %d: %w", id, err)
				}
			}
			return nil
		})
		return err
	}
	err := s.watch(ctx, tx, keys)
	var fnErr errFnFailed
	if errors.As(err, &fnErr) {
		return fnErr.err
	}
	if err != nil {
		return fmt.Errorf("update %d users of %s in redis: %w", len(ids), tenant, err)
	}
	return nil
}

// errContended is watch's answer when every try found a key changed by another writer.
var errContended = fmt.Errorf("other writers kept changing them (%d tries)", redisTxRetries)

// watch runs tx as an optimistic transaction over keys, and runs it again, up to redisTxRetries
// times, while another writer changes one of them before it commits.
func (s *Redis) watch(ctx context.Context, tx func(*redis.Tx) error, keys []string) error {
	for range redisTxRetries {
		if err := s.c.Watch(ctx, tx, keys...); !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return errContended
}

// ForEachUser implements Store, in id order.
func (s *Redis) ForEachUser(ctx context.Context, tenant string, fn func(id int64, r record.UserRecord) error) error {
	t, err := checkArgs(ctx, tenant, 1)
	if err != nil {
		return fmt.Errorf("walk users of %s: %w", tenant, err)
	}
	members, err := s.withTimeout(ctx, func(ctx context.Context) ([]string, error) {
		return s.c.SMembers(ctx, s.usersKey(t)).Result()
	})
	if err != nil {
		return fmt.Errorf("walk users of %s in redis: %w", tenant, err)
	}
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		if id, err := strconv.ParseInt(m, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for len(ids) > 0 {
		batch := ids[:min(len(ids), redisBatch)]
		ids = ids[len(batch):]
		keys := make([]string, len(batch))
		for i, id := range batch {
			keys[i] = s.userKey(t, id)
		}
		vals, err := s.withTimeoutVals(ctx, keys)
		if err != nil {
			return fmt.Errorf("walk users of %s in redis: %w", tenant, err)
		}
		for i, v := range vals {
			e, exists, err := decodeUserValue(v)
			if err != nil {
				return fmt.Errorf("walk users of %s: user %d: %w", tenant, batch[i], err)
			}
			if !exists || e.Removed {
				continue // removed since the set was read
			}
			if err := fn(batch[i], e.UserRecord); err != nil {
				return fmt.Errorf("walk users of %s: %w", tenant, err)
			}
		}
	}
	return nil
}

// decodeUserValue reads one value of an MGET of user keys; exists is false for a missing key.
func decodeUserValue(v any) (userEntry, bool, error) {
	if v == nil {
		return userEntry{}, false, nil
	}
	str, ok := v.(string)
	if !ok {
		return userEntry{}, false, fmt.Errorf("unexpected value type %T", v)
	}
	return unmarshalEntry[userEntry](str)
}

func (s *Redis) withTimeout(ctx context.Context, f func(context.Context) ([]string, error)) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
	defer cancel()
	return f(ctx)
}

func (s *Redis) withTimeoutVals(ctx context.Context, keys []string) ([]any, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
	defer cancel()
	return s.c.MGet(ctx, keys...).Result()
}

// GetGroup implements Store.
func (s *Redis) GetGroup(ctx context.Context, tenant, kind string, id int64) (record.GroupRecord, bool, error) {
	t, err := checkGroupArgs(ctx, tenant, kind, id)
	if err != nil {
		return record.GroupRecord{}, false, fmt.Errorf("get group %s %d of %s: %w", kind, id, tenant, err)
	}
	e, exists, err := getEntry[groupEntry](ctx, s, s.groupKey(t, kind, id))
	if err != nil {
		return record.GroupRecord{}, false, fmt.Errorf("get group %s %d of %s from redis: %w", kind, id, tenant, err)
	}
	return e.GroupRecord, exists && !e.Removed, nil
}

// groupEntry is a group record as Redis holds it.
type groupEntry struct {
	record.GroupRecord
	entryMark
}

// groupValue is the value and expiry a group record made at the time at is kept under.
func groupValue(r record.GroupRecord, at int64) ([]byte, time.Duration, error) {
	e, ttl := groupEntry{GroupRecord: r, entryMark: entryMark{At: at}}, time.Duration(0)
	if r.IsZero() {
		e, ttl = groupEntry{entryMark: entryMark{At: at, Removed: true}}, tombstoneLifetime
	}
	data, err := json.Marshal(e)
	return data, ttl, err
}

// PutGroup implements Store.
func (s *Redis) PutGroup(ctx context.Context, tenant, kind string, id int64, r record.GroupRecord) error {
	return s.putGroupAt(ctx, tenant, kind, id, r, s.stamp())
}

// DeleteGroup implements Store.
func (s *Redis) DeleteGroup(ctx context.Context, tenant, kind string, id int64) error {
	if err := s.PutGroup(ctx, tenant, kind, id, record.GroupRecord{}); err != nil {
		return fmt.Errorf("delete group %s %d of %s: %w", kind, id, tenant, err)
	}
	return nil
}

func checkGroupArgs(ctx context.Context, tenant, kind string, id int64) (string, error) {
	t, err := checkArgs(ctx, tenant, id)
	if err != nil {
		return "", err
	}
	if kind == "" {
		return "", errors.New("the group kind is empty")
	}
	if strings.ContainsAny(kind, ":{}") {
		return "", fmt.Errorf("group kind %q holds a reserved character", kind)
	}
	return t, nil
}

// Ping implements Store.
func (s *Redis) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.OpTimeout)
	defer cancel()
	if err := s.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis store: %w", err)
	}
	return nil
}

// Close implements Store. The client belongs to the caller, who closes it.
func (s *Redis) Close() error { return nil }
