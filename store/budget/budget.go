// Package budget paces a tenant's calls to Freshservice to what its account allows. Freshservice
// counts an account's calls per clock minute, and the calls listing requesters or agents by a smaller
// limit too; a budget counts the same way, in fixed one-minute windows aligned to the clock's
// minutes, so that no minute spends more than the limit. What Freshservice reports on every answer
// (X-Ratelimit-Total, X-Ratelimit-Remaining; Retry-After on a 429) corrects the count.
//
// New gives an in-process budget; NewRedis one shared by every fsscim replica through Redis.
package budget

import (
	"context"
	"time"

	"github.com/fsscim/fsscim/freshservice"
)

// Budget is a tenant's rate budget, the Limiter of all the tenant's Freshservice clients.
type Budget interface {
	freshservice.Limiter
	// Remaining is the best current estimate of the calls left this minute, for metrics; -1 while
	// unknown.
	Remaining() int
	// Limit is the overall per-minute limit in force, configured or learnt; 0 while unknown.
	Limit() int
	// SetLimits replaces the configured limits (a reloaded tenant file), with the meaning of
	// Options.PerMinute and ListPerMinute. Calls already counted this minute still count.
	SetLimits(perMinute, listPerMinute int)
}

// Options configures an in-process budget.
type Options struct {
	// PerMinute is the tenant's share of its account's calls per minute; 0 takes the account's
	// limit as Freshservice reports it (X-Ratelimit-Total). ListPerMinute bounds the calls that list
	// requesters or agents; 0 leaves them bound by the overall limit only.
	PerMinute, ListPerMinute int
	// MaxWait bounds how long Take waits for room (the context's deadline may bound it further);
	// past it, Take refuses at once.
	MaxWait time.Duration
	// Now is the clock (default time.Now); windows start at its whole minutes.
	Now func() time.Time
	// Sleep waits (default: a timer, cut short by the context). Tests pass one that moves a fake
	// clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (o *Options) defaults() {
	o.PerMinute, o.ListPerMinute = max(o.PerMinute, 0), max(o.ListPerMinute, 0)
	o.MaxWait = max(o.MaxWait, 0)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = freshservice.Sleep
	}
}

// windowOf is the one-minute window holding t, as Freshservice counts.
func windowOf(t time.Time) (start, end time.Time) {
	start = t.Truncate(time.Minute)
	return start, start.Add(time.Minute)
}

// allowance is how long Take may wait: MaxWait, or less when the context ends sooner.
func allowance(ctx context.Context, maxWait time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return min(maxWait, time.Until(dl))
	}
	return maxWait
}
