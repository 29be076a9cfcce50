package proxy_test

import (
	"fmt"
	"net/http"
	"testing"
)

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
