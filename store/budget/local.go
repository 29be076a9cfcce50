package budget

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/fsscim/fsscim/freshservice"
)

// Local is a budget counted in this process alone.
type Local struct {
	maxWait time.Duration
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error

	mu            sync.Mutex
	perMinute     int // configured; 0 = the account's limit, learnt
	listPerMinute int // configured; 0 = none of its own
	learnt        int // X-Ratelimit-Total as last reported; 0 before any report
	// share divides the limits among the replicas that count alone while their shared budget is
	// unusable; 1 otherwise.
	share         int
	win           window
	lastGrant     time.Time
	blockedUntil  time.Time // after a 429: nobody calls before this
	lastRemaining int       // X-Ratelimit-Remaining as last reported; -1 before any report
}

// window is what one clock minute has spent.
type window struct {
	start          time.Time
	used, listUsed int // calls counted against the limits
	// granted and listGranted are the calls this budget let through in the window itself, and
	// seeded, listSeeded the count it started the window from (see seed).
	granted, listGranted int
	seeded, listSeeded   int
}

var _ Budget = (*Local)(nil)

// New returns an in-process budget.
func New(opts Options) *Local {
	opts.defaults()
	start, _ := windowOf(opts.Now())
	return &Local{
		maxWait:       opts.MaxWait,
		now:           opts.Now,
		sleep:         opts.Sleep,
		perMinute:     opts.PerMinute,
		listPerMinute: opts.ListPerMinute,
		share:         1,
		win:           window{start: start},
		lastRemaining: -1,
	}
}

// Take implements freshservice.Limiter: it lets the call through while the minute has room, waits
// for the next minute (or the end of a 429's Retry-After) when that fits in MaxWait, and refuses with
// a *freshservice.LimitError otherwise.
func (b *Local) Take(ctx context.Context, list bool) error {
	return b.take(ctx, list, allowance(ctx, b.maxWait))
}

func (b *Local) take(ctx context.Context, list bool, allowed time.Duration) error {
	// waited adds up the waits rather than reading the clock, so that a clock that does not move
	// cannot hold a caller for ever.
	var waited time.Duration
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		wait := b.grant(list)
		if wait <= 0 {
			return nil
		}
		if waited+wait > allowed {
			return &freshservice.LimitError{RetryAfter: wait}
		}
		if err := b.sleep(ctx, wait); err != nil {
			return err
		}
		waited += wait
	}
}

// grant counts one call if the window has room for it, or says how long until it may.
func (b *Local) grant(list bool) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.roll()
	if now.Before(b.blockedUntil) {
		return b.blockedUntil.Sub(now)
	}
	all, listLimit := b.limits()
	end := b.win.start.Add(time.Minute)
	if all > 0 && b.win.used >= all || list && listLimit > 0 && b.win.listUsed >= listLimit {
		return end.Sub(now)
	}
	b.win.used++
	b.win.granted++
	if list {
		b.win.listUsed++
		b.win.listGranted++
	}
	b.lastGrant = now
	return 0
}

// Observe implements freshservice.Limiter.
func (b *Local) Observe(status int, h http.Header) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.roll()
	total, remaining := freshservice.RateLimitHeaders(h)
	if total > 0 {
		b.learnt = total
	}
	if remaining >= 0 {
		b.lastRemaining = remaining
		// Freshservice counts every caller of the account, so what it has left bounds what this
		// budget has left. An answer to a call let through in an earlier minute speaks of that minute.
		if all, _ := b.limits(); all > 0 && !b.lastGrant.Before(b.win.start) {
			b.win.used = max(b.win.used, all-remaining/b.share)
		}
	}
	if status == http.StatusTooManyRequests {
		wait := freshservice.RetryAfterHeader(h, now)
		if wait <= 0 {
			wait = max(b.win.start.Add(time.Minute).Sub(now), time.Second)
		}
		if until := now.Add(wait); until.After(b.blockedUntil) {
			b.blockedUntil = until
		}
		b.lastRemaining = 0
	}
}

// Remaining implements Budget.
func (b *Local) Remaining() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.roll()
	if now.Before(b.blockedUntil) {
		return 0
	}
	all, _ := b.limits()
	if all == 0 {
		return b.lastRemaining
	}
	return max(all-b.win.used, 0)
}

// Limit implements Budget.
func (b *Local) Limit() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	all, _ := b.limits()
	return all
}

// SetLimits implements Budget.
func (b *Local) SetLimits(perMinute, listPerMinute int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.perMinute, b.listPerMinute = max(perMinute, 0), max(listPerMinute, 0)
}

// limits are the overall and list limits of this budget's share; 0 = none.
func (b *Local) limits() (all, list int) {
	all = b.perMinute
	if all == 0 {
		all = b.learnt
	}
	return part(all, b.share), part(b.listPerMinute, b.share)
}

// part is one of share equal parts of limit, at least one call so that 0 still means no limit.
func part(limit, share int) int {
	if limit <= 0 {
		return 0
	}
	return max(limit/share, 1)
}

// roll starts a new window when the clock has passed into the next minute, and returns the time. A
// clock set back keeps the window it has: its count is what Freshservice has seen.
func (b *Local) roll() time.Time {
	now := b.now()
	if start, _ := windowOf(now); start.After(b.win.start) {
		b.win = window{start: start}
	}
	return now
}

// seed starts counting alone, for a replica of a shared budget that is no longer reachable. The
// limits become this replica's share of them, and the window of start begins from the count last
// seen shared (every replica's calls), charged to this share alone: when the replicas saw the count
// as it was, what their shares have left adds up to no more than what the minute has left.
func (b *Local) seed(start time.Time, used, listUsed, share int, lastGrant time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.share = max(share, 1)
	b.roll()
	if !start.Equal(b.win.start) {
		return // seen in an earlier minute: this one starts from nothing
	}
	b.win = window{start: start, used: used, listUsed: listUsed, seeded: used, listSeeded: listUsed}
	if lastGrant.After(b.lastGrant) {
		b.lastGrant = lastGrant
	}
}

// unshare ends counting alone: the limits are whole again.
func (b *Local) unshare() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.share = 1
}

// current is the current window as counted so far, with the limits of this budget's share and the
// number of shares.
func (b *Local) current() (w window, all, list, share int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll()
	all, list = b.limits()
	return b.win, all, list, b.share
}

// learn takes a limit learnt elsewhere (another replica, through Redis) when this budget has not
// learnt one itself.
func (b *Local) learn(total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.learnt == 0 {
		b.learnt = total
	}
}
