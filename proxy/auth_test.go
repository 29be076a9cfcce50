package proxy_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
)

func TestAuthRejectsWithSCIMError(t *testing.T) {
	h := newHarness(t)
	otherKey, _ := config.NewKey()
	otherRing, _ := config.ParseKeys(otherKey)
	foreign, _ := otherRing.Seal(testDomain, h.apiKey, time.Now())
	unknownDomain, _ := h.keys.Seal("other.freshservice.com", h.apiKey, time.Now())

	tests := []struct {
		name string
		auth string
	}{
		{"no header", ""},
		{"basic scheme", "Basic dXNlcjpwYXNz"},
		{"empty bearer", "Bearer "},
		{"garbage", "Bearer not-a-token"},
		{"truncated", "Bearer " + h.token[:len(h.token)-4]},
		{"sealed with another server key", "Bearer " + foreign},
		{"domain without tenant file", "Bearer " + unknownDomain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.doAuth(http.MethodGet, "/scim/v2/Users?filter=userName+eq+%22x%22", nil, tt.auth)
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", r.Status, r.Body)
			}
			body := r.JSON(t)
			if body["status"] != "401" || body["detail"] == "" {
				t.Fatalf("not a SCIM error: %s", r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/scim+json" {
				t.Fatalf("content type %q", ct)
			}
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("no WWW-Authenticate challenge")
			}
		})
	}
	if n := len(h.emu.Calls()); n != 0 {
		t.Fatalf("rejected requests made %d Freshservice calls", n)
	}
	for _, secret := range []string{foreign, unknownDomain, "dXNlcjpwYXNz"} {
		if strings.Contains(h.logs.String(), secret) {
			t.Fatalf("log carries a presented credential")
		}
	}
}

func TestTokensNotBeforeRevokesOlderTokens(t *testing.T) {
	cut := time.Now().UTC().Truncate(time.Second)
	h := newHarness(t, withTenant("tokens_not_before: "+cut.Format(time.RFC3339)))
	// The harness's token was issued a minute before the cut.
	r := h.do(http.MethodGet, "/scim/v2/Users?filter=userName+eq+%22x%22", nil)
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("old token: status %d, want 401", r.Status)
	}
	fresh, err := h.keys.Seal(testDomain, h.apiKey, cut.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	r = h.doAuth(http.MethodGet, "/scim/v2/Users?filter=userName+eq+%22x%22", nil, "Bearer "+fresh)
	if r.Status != http.StatusOK {
		t.Fatalf("new token: status %d: %s", r.Status, r.Body)
	}
}

func TestRepeatedAuthFailuresAreSlowedDown(t *testing.T) {
	h := newHarness(t)
	bad := "Bearer fss1.badbadbadbadbad"
	for i := 0; i < 10; i++ {
		if r := h.doAuth(http.MethodGet, "/scim/v2/Users", nil, bad); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i+1, r.Status)
		}
	}
	r := h.doAuth(http.MethodGet, "/scim/v2/Users", nil, bad)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("after 10 failures: status %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
	// Another tenant's good token from the same address is not locked out by this one's failures.
	r = h.do(http.MethodGet, "/scim/v2/Users?filter=userName+eq+%22x%22", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("good token after another token's failures: status %d", r.Status)
	}
}

func TestRevokedAPIKeyFailsTestConnection(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodGet, "/scim/v2/Users?filter=userName+eq+%22b4fa7c1e%22", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	// A token for a key Freshservice does not know: the index is warm, but the answer must not come
	// from it.
	revoked, _ := h.keys.Seal(testDomain, "revoked-key-000", time.Now())
	r = h.doAuth(http.MethodGet, "/scim/v2/Users?filter=userName+eq+%22b4fa7c1e%22", nil, "Bearer "+revoked)
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("revoked key: status %d, want 401: %s", r.Status, r.Body)
	}
	if strings.Contains(string(r.Body), "revoked-key-000") {
		t.Fatal("the API key is in the answer")
	}
}
