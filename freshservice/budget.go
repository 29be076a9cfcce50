package freshservice

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Budget is a tenant's rate budget, shared by all its clients. Freshservice limits calls per account
// per minute (and list calls by a smaller sub-limit); spending the budget locally means a burst waits
// or is refused here instead of earning 429s that also starve the account's other integrations.
type Budget interface {
	// Take waits for one call's worth of budget (list=true: also the list budget) until ctx is done or
	// the budget's maximum wait passes; if it cannot be had in time it returns a *Error with Status 429,
	// Local true and RetryAfter, without sending anything.
	Take(ctx context.Context, list bool) error
	// Observe learns from an answer: X-Ratelimit-Total / -Remaining, and Retry-After on 429.
	Observe(status int, h http.Header)
	// Remaining is the best current estimate of calls left this minute, for metrics; -1 if unknown.
	Remaining() int
}

// NewBudget returns an in-process budget. perMinute = 0 learns the account's limit from the
// X-Ratelimit-Total header; listPerMinute = 0 leaves list calls bound by the overall budget only.
// maxWait bounds how long Take waits (the context's deadline may bound it further).
func NewBudget(perMinute, listPerMinute int, maxWait time.Duration) Budget {
	return newLocalBudget(perMinute, listPerMinute, maxWait, time.Now, sleepCtx)
}

// localBudget is a token bucket per limit (capacity = the per-minute limit, refilled evenly over the
// minute), corrected by what Freshservice reports, plus a gate closed after a 429 or an exhausted
// minute.
type localBudget struct {
	maxWait time.Duration
	learn   bool // the overall limit comes from X-Ratelimit-Total
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error

	mu            sync.Mutex
	all           bucket
	list          bucket
	blockedUntil  time.Time
	lastRemaining int // as last reported; -1 before any report
}

func newLocalBudget(perMinute, listPerMinute int, maxWait time.Duration, now func() time.Time,
	sleep func(context.Context, time.Duration) error) *localBudget {
	t := now()
	return &localBudget{
		maxWait:       max(maxWait, 0),
		learn:         perMinute <= 0,
		now:           now,
		sleep:         sleep,
		all:           newBucket(max(perMinute, 0), t),
		list:          newBucket(max(listPerMinute, 0), t),
		lastRemaining: -1,
	}
}

// Take implements Budget.
func (b *localBudget) Take(ctx context.Context, list bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := b.now()
	allowed := b.maxWait
	if dl, ok := ctx.Deadline(); ok {
		allowed = min(allowed, time.Until(dl))
	}

	b.mu.Lock()
	wait := max(b.blockedUntil.Sub(now), b.all.delay(now))
	if list {
		wait = max(wait, b.list.delay(now))
	}
	if wait > allowed {
		b.mu.Unlock()
		return &Error{Status: http.StatusTooManyRequests, Local: true, RetryAfter: wait}
	}
	b.all.take()
	if list {
		b.list.take()
	}
	gate := b.blockedUntil
	b.mu.Unlock()

	giveUpAt := now.Add(allowed)
	for wait > 0 {
		if err := b.sleep(ctx, wait); err != nil {
			b.giveBack(list)
			return err
		}
		// A 429 seen while this call waited closes the gate again, for longer.
		b.mu.Lock()
		extended := b.blockedUntil.After(gate)
		gate = b.blockedUntil
		b.mu.Unlock()
		if !extended {
			return nil
		}
		now = b.now()
		wait = gate.Sub(now)
		if now.Add(wait).After(giveUpAt) {
			b.giveBack(list)
			return &Error{Status: http.StatusTooManyRequests, Local: true, RetryAfter: wait}
		}
	}
	return nil
}

func (b *localBudget) giveBack(list bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.all.put()
	if list {
		b.list.put()
	}
}

// Observe implements Budget.
func (b *localBudget) Observe(status int, h http.Header) {
	now := b.now()
	total, hasTotal := headerInt(h, "X-Ratelimit-Total")
	remaining, hasRemaining := headerInt(h, "X-Ratelimit-Remaining")

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.learn && hasTotal && total > 0 && total != b.all.limit {
		b.all.setLimit(total, now)
	}
	if hasRemaining && remaining >= 0 {
		b.lastRemaining = remaining
		b.all.refill(now)
		switch {
		case remaining < int(b.all.tokens):
			b.all.tokens = float64(remaining)
		case b.learn && b.all.tokens >= 0:
			// The server's count also sees its window reset, which an even refill lags behind. A
			// configured limit is the tenant's share of the account and is never raised this way.
			b.all.tokens = min(float64(remaining), float64(b.all.limit))
		}
		if remaining == 0 {
			b.block(endOfMinute(now))
		}
	}
	if status == http.StatusTooManyRequests {
		wait := parseRetryAfter(h, now)
		if wait <= 0 {
			wait = max(endOfMinute(now).Sub(now), time.Second)
		}
		b.block(now.Add(wait))
		b.all.refill(now)
		b.all.tokens = min(b.all.tokens, 0)
		b.lastRemaining = 0
	}
}

func (b *localBudget) block(until time.Time) {
	if until.After(b.blockedUntil) {
		b.blockedUntil = until
	}
}

// Limit is the overall per-minute limit, configured or learnt from Freshservice; 0 while unknown.
func (b *localBudget) Limit() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.all.limit
}

// Remaining implements Budget.
func (b *localBudget) Remaining() int {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Before(b.blockedUntil) {
		return 0
	}
	if b.all.limit == 0 {
		return b.lastRemaining
	}
	b.all.refill(now)
	return max(int(b.all.tokens), 0)
}

// bucket holds up to limit tokens, refilled at limit per minute. Tokens go negative while callers
// wait for slots they have already reserved.
type bucket struct {
	limit  int // per minute; 0 = no limit
	tokens float64
	last   time.Time
}

func newBucket(limit int, now time.Time) bucket {
	return bucket{limit: limit, tokens: float64(limit), last: now}
}

func (k *bucket) setLimit(limit int, now time.Time) {
	if k.limit == 0 {
		*k = newBucket(limit, now)
		return
	}
	k.refill(now)
	k.limit = limit
	k.tokens = min(k.tokens, float64(limit))
}

func (k *bucket) refill(now time.Time) {
	if k.limit == 0 {
		return
	}
	if el := now.Sub(k.last); el > 0 {
		k.tokens = min(k.tokens+el.Minutes()*float64(k.limit), float64(k.limit))
		k.last = now
	}
}

// delay is how long until one more token is available.
func (k *bucket) delay(now time.Time) time.Duration {
	if k.limit == 0 {
		return 0
	}
	k.refill(now)
	if k.tokens >= 1 {
		return 0
	}
	missing := 1 - k.tokens
	return time.Duration(missing / float64(k.limit) * float64(time.Minute))
}

func (k *bucket) take() {
	if k.limit > 0 {
		k.tokens--
	}
}

func (k *bucket) put() {
	if k.limit > 0 {
		k.tokens = min(k.tokens+1, float64(k.limit))
	}
}

func endOfMinute(now time.Time) time.Time {
	return now.Truncate(time.Minute).Add(time.Minute)
}

func headerInt(h http.Header, name string) (int, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, false
	}
	return n, true
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
