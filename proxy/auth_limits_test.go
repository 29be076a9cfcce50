package proxy_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/proxy"
)

// Limits on failed authentication count failures only, per client as fsscim names it: the peer of the
// connection, or the client a trusted proxy names; IPv6 clients per /64.

// accessLogRemote is the remote field of the access log line of the request answered by rec.
func accessLogRemote(t *testing.T, h *harness, rec *httptest.ResponseRecorder) string {
	t.Helper()
	id := rec.Header().Get("X-Request-Id")
	for _, line := range strings.Split(h.logs.String(), "\n") {
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) == nil && entry["msg"] == "request" && entry["request_id"] == id {
			remote, _ := entry["remote"].(string)
			return remote
		}
	}
	t.Fatalf("no access log line for request %s", id)
	return ""
}

func trustProxies(cidrs ...string) harnessOption {
	return withServer(func(o *proxy.Options) {
		for _, c := range cidrs {
			o.TrustedProxies = append(o.TrustedProxies, netip.MustParsePrefix(c))
		}
	})
}

// TestValidTokenPassesAfterItsAddressFailed: Entra's egress addresses are shared by every Entra
// tenant, so anyone failing from one of them must not lock out the valid tokens coming from it. After
// 250 failures from one address a valid token from that address is answered; further failures from it
// are still slowed down.
func TestValidTokenPassesAfterItsAddressFailed(t *testing.T) {
	h := newHarness(t)
	const shared = "203.0.113.7:40000"
	for i := range 250 {
		rec := hdFrom(h, shared, fmt.Sprintf("Bearer fss1.guess%d", i), nil)
		want := http.StatusUnauthorized
		if i >= 200 {
			want = http.StatusTooManyRequests
		}
		if rec.Code != want {
			t.Fatalf("failure %d: status %d, want %d", i+1, rec.Code, want)
		}
	}
	for i := range 3 {
		if rec := hdFrom(h, shared, "Bearer "+h.token, nil); rec.Code != http.StatusOK {
			t.Fatalf("valid token %d from the address that failed: status %d: %s", i+1, rec.Code, rec.Body)
		}
	}
	rec := hdFrom(h, shared, "Bearer fss1.guess-after", nil)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("a failure beyond the limit: status %d, Retry-After %q; want 429 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	// A valid token that was itself presented wrongly many times (per-token limit) also still passes.
	for range 11 {
		hdFrom(h, "198.51.100.1:1", "Bearer "+h.token+"x", nil)
	}
	if rec := hdFrom(h, "198.51.100.1:1", "Bearer "+h.token, nil); rec.Code != http.StatusOK {
		t.Fatalf("valid token after a damaged copy failed: status %d", rec.Code)
	}
}

// TestForwardingHeadersNeedATrustedProxy: a peer that is not a trusted proxy — even on a private or
// loopback address, as an attacker inside the network or a sidecar would be — cannot dodge the limit
// (or aim it at someone else) with a new X-Forwarded-For each time; the access log names the peer.
func TestForwardingHeadersNeedATrustedProxy(t *testing.T) {
	for _, peer := range []string{"10.1.2.3:5000", "127.0.0.1:5000", "192.168.7.7:5000"} {
		t.Run(peer, func(t *testing.T) {
			h := newHarness(t)
			xff := func(i int) map[string]string {
				return map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i%250+1)}
			}
			for i := range 10 {
				if rec := hdFrom(h, peer, "Bearer fss1.guess", xff(i)); rec.Code != http.StatusUnauthorized {
					t.Fatalf("attempt %d: status %d", i+1, rec.Code)
				}
			}
			rec := hdFrom(h, peer, "Bearer fss1.guess", xff(10))
			if rec.Code != http.StatusTooManyRequests {
				t.Fatalf("after 10 failures with rotating X-Forwarded-For: status %d, want 429", rec.Code)
			}
			if got, want := accessLogRemote(t, h, rec), strings.Split(peer, ":")[0]; got != want {
				t.Errorf("access log remote %q, want the peer %q", got, want)
			}
		})
	}
}

// TestTrustedProxyNamesTheClient: from a trusted proxy, the client its X-Forwarded-For names is the one
// limited and logged, and other clients behind the same proxy are not held up.
func TestTrustedProxyNamesTheClient(t *testing.T) {
	h := newHarness(t, trustProxies("10.0.0.0/8"))
	const lb = "10.1.2.3:8443"
	guesser := map[string]string{"X-Forwarded-For": "198.51.100.9, 203.0.113.50"} // the first hop is the guesser's own claim
	for i := range 10 {
		if rec := hdFrom(h, lb, "Bearer fss1.guess", guesser); rec.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i+1, rec.Code)
		}
	}
	rec := hdFrom(h, lb, "Bearer fss1.guess", guesser)
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("guesser after 10 failures: status %d, want 429", rec.Code)
	}
	if got := accessLogRemote(t, h, rec); got != "203.0.113.50" {
		t.Errorf("access log remote %q, want the client the proxy named, 203.0.113.50", got)
	}
	other := map[string]string{"X-Forwarded-For": "203.0.113.51"}
	if rec := hdFrom(h, lb, "Bearer fss1.guess", other); rec.Code != http.StatusUnauthorized {
		t.Fatalf("another client behind the proxy with the same bad token: status %d, want 401", rec.Code)
	}
}

// TestIPv6ClientsAreCountedPerSlash64: a client given a /64 cannot rotate through its addresses to
// escape the address limit; a client in another /64 is not affected.
func TestIPv6ClientsAreCountedPerSlash64(t *testing.T) {
	h := newHarness(t)
	for i := range 200 {
		peer := fmt.Sprintf("[2001:db8:1:2::%x]:4000", i+1)
		if rec := hdFrom(h, peer, fmt.Sprintf("Bearer fss1.guess%d", i), nil); rec.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i+1, rec.Code)
		}
	}
	if rec := hdFrom(h, "[2001:db8:1:2:ffff::1]:4000", "Bearer fss1.guess-more", nil); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("another address in the same /64 after 200 failures: status %d, want 429", rec.Code)
	}
	if rec := hdFrom(h, "[2001:db8:1:3::1]:4000", "Bearer fss1.guess-more", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("an address in another /64: status %d, want 401", rec.Code)
	}
}
