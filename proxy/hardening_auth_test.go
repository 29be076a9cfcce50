package proxy_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/fsscim/fsscim/proxy"
)

// Failed-authentication slowdown is per client: a caller guessing tokens is slowed down however it
// dresses its requests, and other callers are not.

// hdFrom sends a request as if from the network address remote, with extra headers.
func hdFrom(h *harness, remote, auth string, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/scim/v2/Users?filter="+hdFilter(`userName eq "x@contoso.com"`), nil)
	req.RemoteAddr = remote
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func TestAuthSlowdownIgnoresSpoofedForwardingHeaders(t *testing.T) {
	const attacker = "203.0.113.7:40000"
	tests := []struct {
		name    string
		token   func(i int) string
		headers func(i int) map[string]string
		limit   int // failures after which the attacker must be slowed down
	}{
		{
			name:  "one token, a new X-Forwarded-For each time",
			token: func(int) string { return "Bearer fss1.guess" },
			headers: func(i int) map[string]string {
				return map[string]string{"X-Forwarded-For": fmt.Sprintf("192.0.2.%d", i%250+1)}
			},
			limit: 10,
		},
		{
			name:  "one token, a new X-Real-Ip each time",
			token: func(int) string { return "Bearer fss1.guess" },
			headers: func(i int) map[string]string {
				return map[string]string{"X-Real-Ip": fmt.Sprintf("192.0.2.%d", i%250+1)}
			},
			limit: 10,
		},
		{
			name:  "a new token and a new X-Forwarded-For each time",
			token: func(i int) string { return fmt.Sprintf("Bearer fss1.guess%d", i) },
			headers: func(i int) map[string]string {
				return map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d, 192.0.2.%d", i%250+1, i/250+1)}
			},
			limit: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			for i := 0; i < tt.limit; i++ {
				if rec := hdFrom(h, attacker, tt.token(i), tt.headers(i)); rec.Code != http.StatusUnauthorized {
					t.Fatalf("attempt %d: status %d, want 401", i+1, rec.Code)
				}
			}
			rec := hdFrom(h, attacker, tt.token(tt.limit), tt.headers(tt.limit))
			if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
				t.Fatalf("after %d failures: status %d, Retry-After %q; want 429 with Retry-After", tt.limit, rec.Code, rec.Header().Get("Retry-After"))
			}
			// Another client with the tenant's good token is not held up by the attacker.
			if rec := hdFrom(h, "198.51.100.77:5000", "Bearer "+h.token, nil); rec.Code != http.StatusOK {
				t.Fatalf("another client: status %d: %s", rec.Code, rec.Body)
			}
			// The good client's request checks its key and builds the tenant's replica (a page each of
			// requesters, agents and requester groups); the failures made none.
			if n := len(h.emu.Calls()); n > 4 {
				t.Fatalf("failed authentications made %d Freshservice calls", n-4)
			}
		})
	}
}

// TestAuthSlowdownBehindAProxy: behind a trusted reverse proxy every request comes from the proxy's
// address, and the client is the one the proxy names in X-Forwarded-For. One client guessing must not
// lock out the others that share the proxy.
func TestAuthSlowdownBehindAProxy(t *testing.T) {
	h := newHarness(t, withServer(func(o *proxy.Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} }))
	const proxyAddr = "10.1.2.3:8443"
	guesser := map[string]string{"X-Forwarded-For": "203.0.113.50"}
	for i := 0; i < 10; i++ {
		if rec := hdFrom(h, proxyAddr, "Bearer fss1.guess", guesser); rec.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i+1, rec.Code)
		}
	}
	if rec := hdFrom(h, proxyAddr, "Bearer fss1.guess", guesser); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("guesser after 10 failures: status %d, want 429", rec.Code)
	}
	// The same proxy forwarding the same bad token for another client: that client's own count.
	if rec := hdFrom(h, proxyAddr, "Bearer fss1.guess", map[string]string{"X-Forwarded-For": "203.0.113.51"}); rec.Code != http.StatusUnauthorized {
		t.Fatalf("another client behind the proxy: status %d, want 401", rec.Code)
	}
	if rec := hdFrom(h, proxyAddr, "Bearer "+h.token, map[string]string{"X-Forwarded-For": "203.0.113.52"}); rec.Code != http.StatusOK {
		t.Fatalf("a good client behind the proxy: status %d: %s", rec.Code, rec.Body)
	}
}
