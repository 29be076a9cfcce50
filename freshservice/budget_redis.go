package freshservice

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
)

// Defaults of a RedisBudget.
const (
	// DefaultRedisOpTimeout bounds one Redis round trip of the shared budget: a call to Freshservice
	// must not wait long on bookkeeping, and a Redis that does not answer this fast counts as gone.
	DefaultRedisOpTimeout = 200 * time.Millisecond
	// DefaultRedisRetryInterval is how often a budget that fell back to its local one tries Redis again.
	DefaultRedisRetryInterval = 5 * time.Second
	// DefaultRedisKeyPrefix starts every key fsscim writes to Redis.
	DefaultRedisKeyPrefix = "fsscim"
)

// RedisBudgetOptions configures a Budget shared by several fsscim processes through Redis.
type RedisBudgetOptions struct {
	Client redis.UniversalClient // required
	Tenant string                // required: the tenant's domain, part of every key
	// PerMinute and ListPerMinute are as for NewBudget: 0 learns the overall limit from
	// X-Ratelimit-Total (the learnt value is shared too) and leaves list calls unbound by their own.
	PerMinute, ListPerMinute int
	MaxWait                  time.Duration // how long Take waits for the next window before refusing
	OpTimeout                time.Duration // per Redis round trip; default DefaultRedisOpTimeout
	RetryInterval            time.Duration // while Redis is gone; default DefaultRedisRetryInterval
	KeyPrefix                string        // default DefaultRedisKeyPrefix
	// Window is the length of one counting window; default one minute, as Freshservice counts.
	Window time.Duration
	Now    func() time.Time // clock; default time.Now. Windows start at multiples of Window.
	// OnStateChange is told when the budget stops being shared (Redis failed; err says how) and when
	// it is shared again (err nil). It is called once per change, never concurrently with itself.
	OnStateChange func(shared bool, err error)
}

// RedisBudget counts a tenant's calls per window in Redis, so that every fsscim process serving the
// tenant draws from one budget. Windows are fixed and aligned like Freshservice's own minute; what
// Freshservice reports (X-Ratelimit-Remaining, 429 with Retry-After) is shared as well, so one
// process's 429 holds back all of them.
//
// When Redis does not answer within OpTimeout the budget falls back to a local one of the same
// limits (each process then counts alone) and tries Redis again every RetryInterval. A Redis
// failure never fails a call.
type RedisBudget struct {
	opts     RedisBudgetOptions
	local    *localBudget
	keyState string
	keyAll   string
	keyList  string

	stateMu sync.Mutex // serialises OnStateChange calls with the state they report
	mu      sync.Mutex
	shared  bool
	lastTry time.Time
	seen    remainingSeen
}

// remainingSeen is the last shared count this process saw, for Remaining without a Redis trip.
type remainingSeen struct {
	window time.Time
	used   int
	limit  int
	block  time.Time
}

var _ Budget = (*RedisBudget)(nil)

// NewRedisBudget returns a budget shared through Redis. It makes no Redis call until the first Take.
func NewRedisBudget(opts RedisBudgetOptions) (*RedisBudget, error) {
	if opts.Client == nil {
		return nil, errors.New("shared rate budget: no Redis client")
	}
	tenant := strings.ToLower(strings.TrimSpace(opts.Tenant))
	if tenant == "" {
		return nil, errors.New("shared rate budget: no tenant")
	}
	if opts.OpTimeout <= 0 {
		opts.OpTimeout = DefaultRedisOpTimeout
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = DefaultRedisRetryInterval
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = DefaultRedisKeyPrefix
	}
	if opts.Window <= 0 {
		opts.Window = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.MaxWait = max(opts.MaxWait, 0)
	// The braces make the tenant a hash tag: on a Redis Cluster all of a tenant's keys share a slot,
	// which the scripts below need.
	base := fmt.Sprintf("%s:{%s}:budget", opts.KeyPrefix, tenant)
	return &RedisBudget{
		opts:     opts,
		local:    newLocalBudget(opts.PerMinute, opts.ListPerMinute, opts.MaxWait, opts.Now, sleepCtx),
		keyState: base,
		keyAll:   base + ":all:",
		keyList:  base + ":list:",
		shared:   true,
	}, nil
}

// Shared reports whether the budget currently counts in Redis (false: fell back to local counting).
func (b *RedisBudget) Shared() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.shared
}

// takeScript grants one call in the current window unless the window is spent or Freshservice asked
// everyone to wait. It answers {wait ms (0 = granted), calls counted in the window, limit}.
var takeScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local winEnd = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local listLimit = tonumber(ARGV[4])
local ttl = tonumber(ARGV[6])
if limit <= 0 then limit = tonumber(redis.call('HGET', KEYS[3], 'limit') or '0') end
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local blocked = tonumber(redis.call('HGET', KEYS[3], 'blocked_until') or '0')
if blocked > now then return {blocked - now, used, limit} end
if limit > 0 and used >= limit then return {winEnd - now, used, limit} end
if ARGV[5] == '1' and listLimit > 0 then
  local listUsed = tonumber(redis.call('GET', KEYS[2]) or '0')
  if listUsed >= listLimit then return {winEnd - now, used, limit} end
  redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], ttl)
end
used = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ttl)
return {0, used, limit}
`)

// observeScript shares what Freshservice said: the learnt limit, the calls it has counted (never
// lowering the shared count) and how long everyone must wait.
var observeScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local winEnd = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local total = tonumber(ARGV[4])
local remaining = tonumber(ARGV[5])
local ttl = tonumber(ARGV[8])
local function block(untilMs)
  local cur = tonumber(redis.call('HGET', KEYS[3], 'blocked_until') or '0')
  if untilMs > cur then redis.call('HSET', KEYS[3], 'blocked_until', untilMs) end
end
if limit <= 0 then
  if total > 0 then redis.call('HSET', KEYS[3], 'limit', total) end
  limit = tonumber(redis.call('HGET', KEYS[3], 'limit') or '0')
end
if remaining >= 0 then
  if limit > 0 then
    local floor = limit - remaining
    local used = tonumber(redis.call('GET', KEYS[1]) or '0')
    if floor > used then redis.call('SET', KEYS[1], floor, 'PX', ttl) end
  end
  if remaining == 0 then block(winEnd) end
end
if ARGV[6] == '1' then
  local wait = tonumber(ARGV[7])
  if wait <= 0 then wait = math.max(winEnd - now, 1000) end
  block(now + wait)
end
redis.call('PEXPIRE', KEYS[3], 86400000)
return 0
`)

// Take implements Budget.
func (b *RedisBudget) Take(ctx context.Context, list bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	allowed := b.opts.MaxWait
	if dl, ok := ctx.Deadline(); ok {
		allowed = min(allowed, time.Until(dl))
	}
	// waited adds up the waits rather than reading the clock, so a stopped test clock cannot make a
	// caller wait for ever.
	var waited time.Duration
	for {
		if !b.tryShared() {
			return b.local.Take(ctx, list)
		}
		wait, err := b.takeShared(ctx, list)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			b.fallBack(err)
			return b.local.Take(ctx, list)
		}
		b.recovered()
		if wait <= 0 {
			return nil
		}
		if waited+wait > allowed {
			return &Error{Status: http.StatusTooManyRequests, Local: true, RetryAfter: wait}
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return err
		}
		waited += wait
	}
}

func (b *RedisBudget) takeShared(ctx context.Context, list bool) (time.Duration, error) {
	now := b.opts.Now()
	start, end := b.window(now)
	listFlag := "0"
	if list {
		listFlag = "1"
	}
	octx, cancel := context.WithTimeout(ctx, b.opts.OpTimeout)
	defer cancel()
	suffix := strconv.FormatInt(start.UnixMilli(), 10)
	res, err := takeScript.Run(octx, b.opts.Client,
		[]string{b.keyAll + suffix, b.keyList + suffix, b.keyState},
		now.UnixMilli(), end.UnixMilli(), b.opts.PerMinute, b.opts.ListPerMinute, listFlag, b.ttl()).Int64Slice()
	if err != nil {
		return 0, fmt.Errorf("shared rate budget of %s: take: %w", b.opts.Tenant, err)
	}
	if len(res) != 3 {
		return 0, fmt.Errorf("shared rate budget of %s: take: unexpected answer %v", b.opts.Tenant, res)
	}
	wait := time.Duration(res[0]) * time.Millisecond
	b.mu.Lock()
	b.seen = remainingSeen{window: start, used: int(res[1]), limit: int(res[2])}
	if wait > 0 && res[2] > 0 && res[1] < res[2] {
		// Refused with calls left in the window: Freshservice asked everyone to wait.
		b.seen.block = now.Add(wait)
	}
	b.mu.Unlock()
	return wait, nil
}

// Observe implements Budget. The local budget always learns too, so it is warm if Redis goes away.
func (b *RedisBudget) Observe(status int, h http.Header) {
	b.local.Observe(status, h)
	if !b.tryShared() {
		return
	}
	total, hasTotal := headerInt(h, "X-Ratelimit-Total")
	remaining, hasRemaining := headerInt(h, "X-Ratelimit-Remaining")
	is429 := status == http.StatusTooManyRequests
	if !hasTotal && !hasRemaining && !is429 {
		return
	}
	if !hasTotal {
		total = -1
	}
	if !hasRemaining || remaining < 0 {
		remaining = -1
	}
	now := b.opts.Now()
	start, end := b.window(now)
	var retryAfter time.Duration
	flag429 := "0"
	if is429 {
		flag429 = "1"
		retryAfter = parseRetryAfter(h, now)
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.opts.OpTimeout)
	defer cancel()
	suffix := strconv.FormatInt(start.UnixMilli(), 10)
	err := observeScript.Run(ctx, b.opts.Client,
		[]string{b.keyAll + suffix, b.keyList + suffix, b.keyState},
		now.UnixMilli(), end.UnixMilli(), b.opts.PerMinute, total, remaining, flag429, retryAfter.Milliseconds(), b.ttl()).Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		b.fallBack(fmt.Errorf("shared rate budget of %s: observe: %w", b.opts.Tenant, err))
		return
	}
	b.recovered()
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

// Remaining implements Budget from the last shared count this process saw (no Redis trip: it is read
// by metrics scrapes), or from the local budget while Redis is gone.
func (b *RedisBudget) Remaining() int {
	now := b.opts.Now()
	start, _ := b.window(now)
	b.mu.Lock()
	shared, seen := b.shared, b.seen
	b.mu.Unlock()
	if !shared {
		return b.local.Remaining()
	}
	switch {
	case now.Before(seen.block):
		return 0
	case seen.limit <= 0:
		return b.local.Remaining()
	case !seen.window.Equal(start):
		return seen.limit // a new window has begun since
	default:
		return max(seen.limit-seen.used, 0)
	}
}

// window returns the counting window holding now.
func (b *RedisBudget) window(now time.Time) (start, end time.Time) {
	start = now.Truncate(b.opts.Window)
	return start, start.Add(b.opts.Window)
}

// ttl keeps a window's counters a little past their window, for a late Observe.
func (b *RedisBudget) ttl() int64 { return (2 * b.opts.Window).Milliseconds() }

// tryShared reports whether to use Redis now: always while it works, and once per RetryInterval
// after it failed.
func (b *RedisBudget) tryShared() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.shared {
		return true
	}
	now := b.opts.Now()
	if now.Sub(b.lastTry) < b.opts.RetryInterval {
		return false
	}
	b.lastTry = now
	return true
}

func (b *RedisBudget) fallBack(err error) {
	b.stateMu.Lock()
	defer b.stateMu.Unlock()
	b.mu.Lock()
	changed := b.shared
	b.shared = false
	b.lastTry = b.opts.Now()
	b.mu.Unlock()
	if changed && b.opts.OnStateChange != nil {
		b.opts.OnStateChange(false, err)
	}
}

func (b *RedisBudget) recovered() {
	b.mu.Lock()
	shared := b.shared
	b.mu.Unlock()
	if shared {
		return
	}
	b.stateMu.Lock()
	defer b.stateMu.Unlock()
	b.mu.Lock()
	changed := !b.shared
	b.shared = true
	b.mu.Unlock()
	if changed && b.opts.OnStateChange != nil {
		b.opts.OnStateChange(true, nil)
	}
}
