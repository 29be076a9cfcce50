package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fsscim/fsscim/freshservice"
)

// maxThrottleRetries bounds how often one request is sent again after a 429 or 503.
const maxThrottleRetries = 20

// maxRetryAfter bounds one wait for Retry-After.
const maxRetryAfter = 2 * time.Minute

// requestTimeout is what Entra gives a SCIM request.
const requestTimeout = 60 * time.Second

// target is a SCIM endpoint and its bearer token.
type target struct {
	url   string // Tenant URL, e.g. https://fsscim.example.com/scim/v2
	token string
}

// scimClient sends requests the way Entra's provisioning service does: a bearer token, SCIM JSON
// bodies, a 60-second limit per request. A 429 or 503 is waited out (Retry-After) and sent again, so
// that a rate-limited run still finishes; each such answer is counted.
type scimClient struct {
	base  string
	token string
	http  *http.Client
}

func newSCIMClient(t target, concurrency int) *scimClient {
	return &scimClient{
		base:  strings.TrimRight(t.url, "/"),
		token: t.token,
		http:  newSCIMHTTPClient(concurrency),
	}
}

// newSCIMClients returns a client per token for one Tenant URL, all sending over one connection pool
// of concurrency connections: many tenants' jobs, none of which keeps connections of its own open.
func newSCIMClients(url string, tokens []string, concurrency int) []*scimClient {
	hc := newSCIMHTTPClient(concurrency)
	out := make([]*scimClient, len(tokens))
	for i, tok := range tokens {
		out[i] = &scimClient{base: strings.TrimRight(url, "/"), token: tok, http: hc}
	}
	return out
}

func newSCIMHTTPClient(concurrency int) *http.Client {
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        concurrency * 2,
		MaxIdleConnsPerHost: concurrency * 2,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: requestTimeout}
}

// answer is a SCIM response.
type answer struct {
	status int
	body   []byte
}

// send makes one request, recorded in rec under op. A transport error is returned; any HTTP status
// is an answer for the caller to judge.
func (c *scimClient) send(ctx context.Context, rec *recorder, op, method, path string, body []byte) (answer, error) {
	for attempt := 0; ; attempt++ {
		resp, raw, took, err := roundTrip(ctx, c.http, op, method, c.base+path, body, func(req *http.Request) {
			req.Header.Set("Authorization", "Bearer "+c.token)
			req.Header.Set("Accept", "application/scim+json")
			if body != nil {
				req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
			}
		})
		if err != nil {
			return answer{}, err
		}
		if (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) && attempt < maxThrottleRetries {
			rec.throttle(op)
			if err := freshservice.Sleep(ctx, retryAfter(resp.Header)); err != nil {
				return answer{}, err
			}
			continue
		}
		rec.observe(op, took, resp.StatusCode)
		return answer{status: resp.StatusCode, body: raw}, nil
	}
}

// directCall sends a call that does not go through fsscim's SCIM path (straight to the emulator, or
// fsscim's health check), for the latency comparison.
func directCall(ctx context.Context, hc *http.Client, rec *recorder, op, method, url, apiKey string, body []byte) (answer, error) {
	resp, raw, took, err := roundTrip(ctx, hc, op, method, url, body, func(req *http.Request) {
		if apiKey != "" {
			req.SetBasicAuth(apiKey, "X")
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set(directHeader, "1")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
	})
	if err != nil {
		return answer{}, err
	}
	rec.observe(op, took, resp.StatusCode)
	return answer{status: resp.StatusCode, body: raw}, nil
}

// roundTrip sends one request, its headers set by set, and reads the whole answer; took runs from
// sending to the answer read. Errors name the method and op, never the headers (they hold the
// credentials).
func roundTrip(ctx context.Context, hc *http.Client, op, method, url string, body []byte, set func(*http.Request)) (resp *http.Response, raw []byte, took time.Duration, err error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s %s: %w", method, op, err)
	}
	set(req)
	start := time.Now()
	resp, err = hc.Do(req)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s %s: %w", method, op, err)
	}
	raw, err = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	took = time.Since(start)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s %s: read answer: %w", method, op, err)
	}
	return resp, raw, took, nil
}

// retryAfter reads Retry-After in seconds; without one, a second.
func retryAfter(h http.Header) time.Duration {
	secs, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || secs <= 0 {
		return time.Second
	}
	return min(time.Duration(secs)*time.Second, maxRetryAfter)
}
