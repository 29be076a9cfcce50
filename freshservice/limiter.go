package freshservice

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Limiter paces a client's calls to stay within what Freshservice allows the account: every HTTP
// attempt first takes from it, and every answer is reported to it. A client built without one does
// not pace itself (Freshservice's own 429s still hold it back).
type Limiter interface {
	// Take waits until the call may be sent (list: it is a list call, metered by Freshservice's
	// smaller list limit too). A *LimitError refuses the call: nothing is sent and the client
	// returns a local 429 (an *Error with Local set) carrying its RetryAfter. Any other error
	// (the context's) fails the call as it is.
	Take(ctx context.Context, list bool) error
	// Observe learns from an answer's status and headers (see RateLimitHeaders and
	// RetryAfterHeader).
	Observe(status int, h http.Header)
}

// LimitError is a Limiter's refusal of a call.
type LimitError struct {
	RetryAfter time.Duration // how long until the call could be sent
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("rate limit reached locally: retry after %s", e.RetryAfter.Round(time.Second))
}

// noLimit is the Limiter of a client built without one.
type noLimit struct{}

func (noLimit) Take(ctx context.Context, _ bool) error { return ctx.Err() }
func (noLimit) Observe(int, http.Header)               {}

// RateLimitHeaders reads the account's per-minute limit and the calls left in the current minute,
// which Freshservice reports on every answer (X-Ratelimit-Total, X-Ratelimit-Remaining); -1 for a
// header that is absent or not a number.
func RateLimitHeaders(h http.Header) (total, remaining int) {
	return headerInt(h, "X-Ratelimit-Total"), headerInt(h, "X-Ratelimit-Remaining")
}

// RetryAfterHeader is how long a 429 asks to wait, as of now: Retry-After in seconds (what
// Freshservice sends) or, leniently, an HTTP date; 0 when it is absent, invalid or past.
func RetryAfterHeader(h http.Header, now time.Time) time.Duration {
	return parseRetryAfter(h, now)
}

func headerInt(h http.Header, name string) int {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get(name)))
	if err != nil || n < 0 {
		return -1
	}
	return n
}
