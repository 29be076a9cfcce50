package freshservicetest

import (
	"net/http"
	"strconv"
	"time"
)

// unlimitedTotal is what the rate headers report when no budget is set: large enough that no client
// throttles itself, present so that clients reading the headers always find them.
const unlimitedTotal = 1000000

// rateWindow counts calls in the current fixed one-minute window of the Options clock.
type rateWindow struct {
	start    time.Time
	used     int
	listUsed int
}

// SetRateLimit changes the overall and list per-minute budgets (0 = unlimited); calls already made
// in the current window still count.
func (e *Emulator) SetRateLimit(perMinute, listPerMinute int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.opts.PerMinute = perMinute
	e.opts.ListPerMinute = listPerMinute
}

// roll starts a new window when the clock has passed into another minute.
func (e *Emulator) roll() time.Time {
	now := e.opts.Now()
	if start := now.Truncate(time.Minute); !start.Equal(e.rate.start) {
		e.rate = rateWindow{start: start}
	}
	return now
}

// spend takes one call from the budgets. When the overall budget (or, for a list call, the list
// budget) is already spent it returns the 429 to send, and nothing is counted or applied.
func (e *Emulator) spend(list bool) (response, bool) {
	now := e.roll()
	overall := e.opts.PerMinute > 0 && e.rate.used >= e.opts.PerMinute
	listSpent := list && e.opts.ListPerMinute > 0 && e.rate.listUsed >= e.opts.ListPerMinute
	if overall || listSpent {
		resp := codeMessage(http.StatusTooManyRequests, "rate_limit_exceeded", "You have exceeded the limit of requests per minute.")
		wait := e.rate.start.Add(time.Minute).Sub(now)
		secs := max(int((wait+time.Second-1)/time.Second), 1)
		resp.header.Set("Retry-After", strconv.Itoa(secs))
		e.rateHeaders(resp.header, 0)
		return resp, true
	}
	e.rate.used++
	if list {
		e.rate.listUsed++
	}
	return response{}, false
}

// rateHeaders reports the overall budget as Freshservice does on every response.
func (e *Emulator) rateHeaders(h http.Header, usedNow int) {
	e.roll()
	total, remaining := unlimitedTotal, unlimitedTotal
	if e.opts.PerMinute > 0 {
		total = e.opts.PerMinute
		remaining = max(total-e.rate.used, 0)
	}
	h.Set("X-Ratelimit-Total", strconv.Itoa(total))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Ratelimit-Used-CurrentRequest", strconv.Itoa(usedNow))
}
