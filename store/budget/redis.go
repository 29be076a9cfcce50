package budget

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/store/fallback"
)

// Defaults of a Redis budget.
const (
	// DefaultRedisOpTimeout bounds one Redis round trip of a shared budget: a call to Freshservice
	// must not wait long on bookkeeping, and a Redis that does not answer this fast counts as gone.
	DefaultRedisOpTimeout = 200 * time.Millisecond
	// DefaultKeyPrefix starts every key a budget writes to Redis.
	DefaultKeyPrefix = "fsscim"
)

// ReplicaCounter tells how many fsscim replicas share the budgets (see Replicas).
type ReplicaCounter interface{ Count() int }

// RedisOptions configures a budget shared by several fsscim replicas through Redis.
type RedisOptions struct {
	Client redis.UniversalClient // required
	Tenant string                // required: the tenant's domain, part of every key
	// PerMinute, ListPerMinute and MaxWait are as for Options. A limit learnt from
	// X-Ratelimit-Total is shared too.
	PerMinute, ListPerMinute int
	MaxWait                  time.Duration
	OpTimeout                time.Duration // per Redis round trip; default DefaultRedisOpTimeout
	RetryInterval            time.Duration // while Redis is unusable; default fallback.DefaultRetryInterval
	KeyPrefix                string        // default DefaultKeyPrefix
	Now                      func() time.Time
	Sleep                    func(ctx context.Context, d time.Duration) error
	// Replicas counts the replicas sharing the budget: while Redis is unusable each counts alone
	// and takes an equal share of the limits. nil: this replica takes them whole.
	Replicas ReplicaCounter
	// OnStateChange is told when the budget stops being shared (Redis failed; err says how) and when
	// it is shared again (err nil). It is called once per change, never concurrently with itself.
	OnStateChange func(shared bool, err error)
}

// Redis is a budget counted in Redis, so that every fsscim replica serving the tenant draws from
// one: the calls of each minute are counted in one key per minute, and what Freshservice reports
// (X-Ratelimit-Remaining, a 429 with Retry-After) is shared as well, so one replica's 429 holds back
// all of them.
//
// When Redis does not answer within OpTimeout the replica counts alone (a Local budget that has
// learnt from every answer all along): the minute Redis was lost in starts from the last shared
// count the replica saw, and the limits become its share (the limits divided by the replicas
// counted by Replicas). Every RetryInterval it tries Redis again; when Redis answers, the calls it
// let through alone in the current minute are added to the shared count (see copyBack) before it is
// used again. A Redis failure never fails a call.
type Redis struct {
	opts     RedisOptions
	local    *Local
	state    *fallback.State
	keyState string
	keyAll   string
	keyList  string

	mu            sync.Mutex
	perMinute     int
	listPerMinute int
	seen          seen
}

// seen is the shared count as this replica last saw it, for Remaining without a Redis round trip and
// for the start of counting alone.
type seen struct {
	window         time.Time
	used, listUsed int
	limit          int
	block          time.Time
	lastGrant      time.Time // when this replica last let a call through
}

var _ Budget = (*Redis)(nil)

// NewRedis returns a budget shared through Redis. It makes no Redis call until the first Take.
func NewRedis(opts RedisOptions) (*Redis, error) {
	if opts.Client == nil {
		return nil, errors.New("shared rate budget: no Redis client")
	}
	tenant := strings.ToLower(strings.TrimSpace(opts.Tenant))
	if tenant == "" {
		return nil, errors.New("shared rate budget: no tenant")
	}
	opts.Tenant = tenant
	if opts.OpTimeout <= 0 {
		opts.OpTimeout = DefaultRedisOpTimeout
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = DefaultKeyPrefix
	}
	local := Options{PerMinute: opts.PerMinute, ListPerMinute: opts.ListPerMinute, MaxWait: opts.MaxWait, Now: opts.Now, Sleep: opts.Sleep}
	local.defaults()
	opts.PerMinute, opts.ListPerMinute, opts.MaxWait, opts.Now, opts.Sleep = local.PerMinute, local.ListPerMinute, local.MaxWait, local.Now, local.Sleep
	// The braces make the tenant a hash tag: on a Redis Cluster all of a tenant's keys share a slot,
	// which the scripts need.
	base := fmt.Sprintf("%s:{%s}:budget", opts.KeyPrefix, tenant)
	b := &Redis{
		opts:          opts,
		local:         New(local),
		keyState:      base,
		keyAll:        base + ":all:",
		keyList:       base + ":list:",
		perMinute:     opts.PerMinute,
		listPerMinute: opts.ListPerMinute,
	}
	state, err := fallback.New(fallback.Options{
		RetryInterval: opts.RetryInterval,
		Now:           opts.Now,
		Leave:         b.countAlone,
		Rejoin:        b.copyBack,
		OnChange:      opts.OnStateChange,
	})
	if err != nil {
		return nil, fmt.Errorf("shared rate budget: %w", err)
	}
	b.state = state
	return b, nil
}

// Shared reports whether the budget currently counts in Redis (false: this replica counts alone).
func (b *Redis) Shared() bool { return b.state.Shared() }

// windowScript is a script over a window's keys (see keys) that starts from the arguments
// runWindowScript passes first: now and the window's end (Unix milliseconds), the configured limit
// (0: the learnt one) and how long the window's counters live (milliseconds). The script's own
// arguments follow from ARGV[5]; stateNumber reads a field of the tenant's state hash.
func windowScript(body string) *redis.Script {
	return redis.NewScript(`
local now = tonumber(ARGV[1])
local winEnd = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local function stateNumber(field) return tonumber(redis.call('HGET', KEYS[3], field) or '0') end
` + body)
}

// runWindowScript runs a windowScript on the keys of now's window, with args after the common ones.
func (b *Redis) runWindowScript(ctx context.Context, script *redis.Script, now time.Time, limit int, args ...any) *redis.Cmd {
	start, end := windowOf(now)
	common := []any{now.UnixMilli(), end.UnixMilli(), limit, ttl}
	return script.Run(ctx, b.opts.Client, b.keys(start), append(common, args...)...)
}

// takeScript grants one call in the current window unless the window is spent or Freshservice asked
// everyone to wait. It answers {wait ms (0 = granted), calls counted, limit, list calls counted}.
var takeScript = windowScript(`
local listLimit = tonumber(ARGV[5])
if limit <= 0 then limit = stateNumber('limit') end
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local listUsed = tonumber(redis.call('GET', KEYS[2]) or '0')
local blocked = stateNumber('blocked_until')
if blocked > now then return {blocked - now, used, limit, listUsed} end
if limit > 0 and used >= limit then return {winEnd - now, used, limit, listUsed} end
if ARGV[6] == '1' then
  if listLimit > 0 and listUsed >= listLimit then return {winEnd - now, used, limit, listUsed} end
  listUsed = redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], ttl)
end
used = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ttl)
return {0, used, limit, listUsed}
`)

// observeScript shares what Freshservice said: the learnt limit, the calls it has counted (never
// lowering the shared count) and how long everyone must wait.
var observeScript = windowScript(`
local total = tonumber(ARGV[5])
local remaining = tonumber(ARGV[6])
local function block(untilMs)
  if untilMs > stateNumber('blocked_until') then redis.call('HSET', KEYS[3], 'blocked_until', untilMs) end
end
if limit <= 0 then
  if total > 0 then redis.call('HSET', KEYS[3], 'limit', total) end
  limit = stateNumber('limit')
end
if remaining >= 0 then
  if limit > 0 then
    local floor = limit - remaining
    local used = tonumber(redis.call('GET', KEYS[1]) or '0')
    if floor > used then redis.call('SET', KEYS[1], floor, 'PX', ttl) end
  end
  if remaining == 0 then block(winEnd) end
end
if ARGV[7] == '1' then
  local wait = tonumber(ARGV[8])
  if wait <= 0 then wait = math.max(winEnd - now, 1000) end
  block(now + wait)
end
redis.call('PEXPIRE', KEYS[3], 86400000)
return 0
`)

// copyBackScript adds the calls a replica let through alone to the window's shared count, and raises
// the count to a floor (a Redis that restarted empty lost the count). It answers {calls counted,
// list calls counted}.
var copyBackScript = redis.NewScript(`
local ttl = tonumber(ARGV[5])
local function add(key, n, floor)
  local v = redis.call('INCRBY', key, n)
  if v < floor then
    redis.call('SET', key, floor)
    v = floor
  end
  redis.call('PEXPIRE', key, ttl)
  return v
end
return {add(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[3])), add(KEYS[2], tonumber(ARGV[2]), tonumber(ARGV[4]))}
`)

// Take implements freshservice.Limiter.
func (b *Redis) Take(ctx context.Context, list bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	allowed := allowance(ctx, b.opts.MaxWait)
	var waited time.Duration // added up, as in Local.take
	for {
		if !b.state.Use(ctx) {
			return b.local.take(ctx, list, allowed-waited)
		}
		wait, err := b.takeShared(ctx, list)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			b.state.Failed(err)
			continue
		}
		if wait <= 0 {
			return nil
		}
		if waited+wait > allowed {
			return &freshservice.LimitError{RetryAfter: wait}
		}
		if err := b.opts.Sleep(ctx, wait); err != nil {
			return err
		}
		waited += wait
	}
}

func (b *Redis) takeShared(ctx context.Context, list bool) (time.Duration, error) {
	now := b.opts.Now()
	start, _ := windowOf(now)
	listFlag := "0"
	if list {
		listFlag = "1"
	}
	b.mu.Lock()
	perMinute, listPerMinute := b.perMinute, b.listPerMinute
	b.mu.Unlock()
	octx, cancel := context.WithTimeout(ctx, b.opts.OpTimeout)
	defer cancel()
	res, err := b.runWindowScript(octx, takeScript, now, perMinute, listPerMinute, listFlag).Int64Slice()
	if err != nil {
		return 0, fmt.Errorf("shared rate budget of %s: take: %w", b.opts.Tenant, err)
	}
	if len(res) != 4 {
		return 0, fmt.Errorf("shared rate budget of %s: take: unexpected answer %v", b.opts.Tenant, res)
	}
	wait := time.Duration(res[0]) * time.Millisecond
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seen.window, b.seen.used, b.seen.limit, b.seen.listUsed = start, int(res[1]), int(res[2]), int(res[3])
	switch {
	case wait <= 0:
		b.seen.lastGrant = now
	case res[2] > 0 && res[1] < res[2]:
		// Refused with calls left in the window: Freshservice asked everyone to wait.
		b.seen.block = now.Add(wait)
	}
	return wait, nil
}

// Observe implements freshservice.Limiter. The local budget learns from every answer too, so that it
// is ready when Redis goes away.
func (b *Redis) Observe(status int, h http.Header) {
	b.local.Observe(status, h)
	if !b.state.Shared() {
		return
	}
	now := b.opts.Now()
	start, end := windowOf(now)
	total, remaining := freshservice.RateLimitHeaders(h)
	b.mu.Lock()
	if b.seen.lastGrant.Before(start) {
		remaining = -1 // an answer to a call let through in an earlier minute speaks of that minute
	}
	perMinute := b.perMinute
	b.mu.Unlock()
	is429 := status == http.StatusTooManyRequests
	if total < 0 && remaining < 0 && !is429 {
		return
	}
	var retryAfter time.Duration
	flag429 := "0"
	if is429 {
		flag429 = "1"
		retryAfter = freshservice.RetryAfterHeader(h, now)
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.opts.OpTimeout)
	defer cancel()
	err := b.runWindowScript(ctx, observeScript, now, perMinute, total, remaining, flag429, retryAfter.Milliseconds()).Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		b.state.Failed(fmt.Errorf("shared rate budget of %s: observe: %w", b.opts.Tenant, err))
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen.window.Equal(start) && remaining >= 0 && b.seen.limit > 0 {
		b.seen.used = max(b.seen.used, b.seen.limit-remaining)
	}
	if remaining == 0 {
		b.seen.block = end
	}
	if is429 {
		b.seen.block = now.Add(max(retryAfter, time.Second))
	}
}

// Remaining implements Budget from the last shared count this replica saw (no Redis round trip: it
// is read by metrics scrapes), or from the local budget while Redis is unusable.
func (b *Redis) Remaining() int {
	if !b.state.Shared() {
		return b.local.Remaining()
	}
	now := b.opts.Now()
	start, _ := windowOf(now)
	b.mu.Lock()
	s, limit := b.seen, b.perMinute
	b.mu.Unlock()
	if limit == 0 {
		limit = s.limit
	}
	switch {
	case now.Before(s.block):
		return 0
	case limit <= 0:
		return b.local.Remaining()
	case !s.window.Equal(start):
		return limit // a new window has begun since
	default:
		return max(limit-s.used, 0)
	}
}

// Limit implements Budget.
func (b *Redis) Limit() int {
	if !b.state.Shared() {
		return b.local.Limit()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.perMinute > 0:
		return b.perMinute
	case b.seen.limit > 0:
		return b.seen.limit
	default:
		return b.local.Limit()
	}
}

// SetLimits implements Budget. Each replica applies the limits of its own copy of the tenant file.
func (b *Redis) SetLimits(perMinute, listPerMinute int) {
	b.mu.Lock()
	b.perMinute, b.listPerMinute = max(perMinute, 0), max(listPerMinute, 0)
	b.mu.Unlock()
	b.local.SetLimits(perMinute, listPerMinute)
}

// countAlone prepares the local budget when Redis is lost: it starts from the last shared count
// and this replica's share.
func (b *Redis) countAlone() {
	replicas := 1
	if b.opts.Replicas != nil {
		replicas = max(b.opts.Replicas.Count(), 1)
	}
	b.mu.Lock()
	s, learning := b.seen, b.perMinute == 0
	b.mu.Unlock()
	b.local.seed(s.window, s.used, s.listUsed, replicas, s.lastGrant)
	if learning && s.limit > 0 {
		b.local.learn(s.limit)
	}
}

// copyBack adds the calls this replica let through alone in the current minute to the shared count,
// and raises the count to what the minute may have spent: the count it started from, its own calls,
// and the other replicas' shares, which they may still be spending alone. Redis is used again only
// once that worked.
func (b *Redis) copyBack(ctx context.Context) error {
	w, all, list, share := b.local.current()
	others := share - 1
	ctx, cancel := context.WithTimeout(ctx, b.opts.OpTimeout)
	defer cancel()
	keys := b.keys(w.start)
	res, err := copyBackScript.Run(ctx, b.opts.Client, keys[:2], w.granted, w.listGranted,
		w.seeded+w.granted+others*all, w.listSeeded+w.listGranted+others*list, ttl).Int64Slice()
	if err != nil {
		return fmt.Errorf("shared rate budget of %s: copy back: %w", b.opts.Tenant, err)
	}
	if len(res) != 2 {
		return fmt.Errorf("shared rate budget of %s: copy back: unexpected answer %v", b.opts.Tenant, res)
	}
	b.mu.Lock()
	b.seen.window, b.seen.used, b.seen.listUsed = w.start, int(res[0]), int(res[1])
	b.mu.Unlock()
	b.local.unshare()
	return nil
}

// keys are the overall and list counters of the window starting at start, and the tenant's state.
func (b *Redis) keys(start time.Time) []string {
	suffix := strconv.FormatInt(start.UnixMilli(), 10)
	return []string{b.keyAll + suffix, b.keyList + suffix, b.keyState}
}

// ttl keeps a window's counters a little past their minute, for a late answer (milliseconds).
const ttl = int64(2 * time.Minute / time.Millisecond)
