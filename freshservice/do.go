package freshservice

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// call is one logical Freshservice call; do turns it into one or more HTTP attempts.
type call struct {
	method   string
	endpoint string // template for errors, metrics and logs, e.g. "/requesters/{id}"
	path     string // the concrete path under the base URL
	query    url.Values
	body     any // marshalled as JSON; nil sends no body
	list     bool
}

// answer is a 2xx response.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// listLimitEndpoints are the collections Freshservice meters with its smaller list limit ("List
// All Requesters", "List All Agents"); other collections count only towards the overall limit.
var listLimitEndpoints = map[string]bool{"/requesters": true, "/agents": true}

// do runs c through the limiter and the retry policy: GETs are retried on 5xx (not 501) and
// connection errors, and once after a 429 whose Retry-After fits the context; writes are never
// retried, since a lost answer does not mean the write did not happen.
func (c *Client) do(ctx context.Context, cl call) (answer, error) {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return answer{}, fmt.Errorf("freshservice: %s %s: encode body: %w", cl.method, cl.endpoint, err)
		}
	}
	listLimited := cl.list && listLimitEndpoints[cl.endpoint]
	retries, waited429 := 0, false
	for attempt := 1; ; attempt++ {
		if err := c.limiter.Take(ctx, listLimited); err != nil {
			return answer{}, c.limiterError(cl, err)
		}
		ans, e := c.attempt(ctx, cl, payload, attempt)
		if e == nil {
			return ans, nil
		}
		if cl.method != http.MethodGet || ctx.Err() != nil {
			return answer{}, e
		}
		var wait time.Duration
		switch {
		case e.Status == http.StatusTooManyRequests:
			if waited429 {
				return answer{}, e
			}
			waited429 = true
			wait = e.RetryAfter
		case retryable(e) && retries < c.maxRetries:
			retries++
			wait = max(c.backoff(retries), e.RetryAfter)
		default:
			return answer{}, e
		}
		if !c.fits(ctx, wait) {
			return answer{}, e
		}
		if err := Sleep(ctx, wait); err != nil {
			return answer{}, e
		}
	}
}

// attempt makes one HTTP request and reports it. A non-nil *Error means no 2xx answer.
func (c *Client) attempt(ctx context.Context, cl call, payload []byte, n int) (answer, *Error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	req := c.http.R().SetContext(actx)
	if len(cl.query) > 0 {
		req.SetQueryParamsFromValues(cl.query)
	}
	if payload != nil {
		// A reader is sent as it is; resty copies a []byte body twice before sending it.
		req.SetBody(bytes.NewReader(payload))
	}
	start := time.Now()
	resp, err := req.Execute(cl.method, cl.path)
	elapsed := time.Since(start)

	status := 0
	if err == nil && resp != nil {
		status = resp.StatusCode()
	}
	if t := tallyFrom(ctx); t != nil {
		t.add(cl.list, cl.method != http.MethodGet)
	}
	if r, ok := ctx.Value(statusKey{}).(*StatusRecorder); ok {
		r.status.Store(int64(status))
	}
	if c.observer != nil {
		c.observer(CallInfo{Method: cl.method, Endpoint: cl.endpoint, Status: status, Duration: elapsed, List: cl.list, Attempt: n})
	}
	if err != nil {
		return answer{}, &Error{Method: cl.method, Endpoint: cl.endpoint, Err: redactTransportError(sanitizeTransportError(err, c.safeURL(cl.endpoint)), c.secrets)}
	}

	header := resp.Header()
	c.limiter.Observe(status, header)
	if status >= 200 && status < 300 {
		return answer{status: status, header: header, body: resp.Body()}, nil
	}
	e := &Error{Status: status, Method: cl.method, Endpoint: cl.endpoint}
	e.fillFromBody(resp.Body(), c.secrets)
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(header, time.Now())
	}
	return answer{}, e
}

// limiterError turns the limiter's refusal into a local 429 naming the call; any other error (a
// cancelled context) becomes a Status 0 *Error.
func (c *Client) limiterError(cl call, err error) error {
	var le *LimitError
	if errors.As(err, &le) {
		return &Error{Status: http.StatusTooManyRequests, Method: cl.method, Endpoint: cl.endpoint, RetryAfter: le.RetryAfter, Local: true}
	}
	return &Error{Method: cl.method, Endpoint: cl.endpoint, Err: err}
}

// Sleep waits d, or less when ctx ends first (then it returns ctx's error). The client waits with it
// between tries, and a Limiter may wait with it for room.
func Sleep(ctx context.Context, d time.Duration) error {
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

// fits reports whether waiting d still leaves the context alive and stays within MaxRetryWait.
func (c *Client) fits(ctx context.Context, d time.Duration) bool {
	if d > c.maxRetryWait {
		return false
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
		return false
	}
	return true
}

func retryable(e *Error) bool {
	switch {
	case e.Local:
		return false
	case e.Status == 0:
		// A timed-out attempt is worth another try; a cancelled one is not (do has already checked
		// that the caller's own context is alive).
		return !errors.Is(e.Err, context.Canceled)
	case e.Status == http.StatusNotImplemented:
		return false
	default:
		return e.Status >= 500
	}
}

// safeURL is what a transport error may show: scheme, host, base path and endpoint template.
func (c *Client) safeURL(endpoint string) string {
	return c.base.Scheme + "://" + c.base.Host + c.base.Path + endpoint
}

// fetch runs cl and unmarshals its 2xx body into dst, naming the call when the body does not parse.
func (c *Client) fetch(ctx context.Context, cl call, dst any) (answer, error) {
	ans, err := c.do(ctx, cl)
	if err != nil {
		return answer{}, err
	}
	if err := json.Unmarshal(ans.body, dst); err != nil {
		return answer{}, fmt.Errorf("freshservice: %s %s: decode answer: %w", cl.method, cl.endpoint, err)
	}
	return ans, nil
}

// single runs a call answered by one wrapped object ({"requester": {...}}) and unwraps it.
func single[T any](ctx context.Context, c *Client, cl call, kind string, pick func(*envelope) *T) (T, error) {
	var zero T
	var env envelope
	if _, err := c.fetch(ctx, cl, &env); err != nil {
		return zero, err
	}
	v := pick(&env)
	if v == nil {
		return zero, fmt.Errorf("freshservice: %s %s: answer holds no %s", cl.method, cl.endpoint, kind)
	}
	return *v, nil
}
