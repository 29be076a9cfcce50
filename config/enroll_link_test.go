package config

import (
	"strings"
	"testing"
	"time"
)

func TestEnrollLinkRoundTripAndRefusals(t *testing.T) {
	ring := mustKeys(t, fuzzKey)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	l, err := NewEnrollLink("ACME.freshservice.com", "https://scim.example.com/", now, 72*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := ring.SealLink(l)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, LinkPrefix) || strings.Contains(sealed, "acme") {
		t.Fatalf("sealed link %q: want the prefix and nothing readable", sealed)
	}
	got, err := ring.OpenLink(sealed)
	if err != nil {
		t.Fatal(err)
	}
	want := EnrollLink{ID: l.ID, Domain: "acme.freshservice.com", Expires: now.Add(72 * time.Hour), PublicURL: "https://scim.example.com"}
	if got != want {
		t.Fatalf("opened %+v, want %+v", got, want)
	}

	// A token is not a link, a link is not a token, and a changed character opens nothing.
	token, err := ring.Seal("acme.freshservice.com", "key", now)
	if err != nil {
		t.Fatal(err)
	}
	asLink := LinkPrefix + strings.TrimPrefix(token, TokenPrefix)
	asToken := TokenPrefix + strings.TrimPrefix(sealed, LinkPrefix)
	flipped := []byte(sealed)
	flipped[len(flipped)-3] ^= 1
	other := mustKeys(t, otherKey)
	for name, s := range map[string]string{"token as link": asLink, "tampered": string(flipped), "empty": "", "no prefix": strings.TrimPrefix(sealed, LinkPrefix)} {
		if _, err := ring.OpenLink(s); err != ErrInvalidLink {
			t.Errorf("%s: OpenLink = %v, want ErrInvalidLink", name, err)
		}
	}
	if _, err := other.OpenLink(sealed); err != ErrInvalidLink {
		t.Errorf("another server's keys opened the link: %v", err)
	}
	if _, err := ring.Open(asToken); err != ErrInvalidToken {
		t.Errorf("a link opened as a token: %v", err)
	}
}

func TestNewEnrollLinkRefusesBadInput(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		url string
		ttl time.Duration
	}{
		{"scim.example.com", time.Hour},
		{"ftp://scim.example.com", time.Hour},
		{"https://scim.example.com?x=1", time.Hour},
		{"https://scim.example.com", 0},
	} {
		if _, err := NewEnrollLink("acme.freshservice.com", tc.url, now, tc.ttl); err == nil {
			t.Errorf("NewEnrollLink(%q, %s) = nil error", tc.url, tc.ttl)
		}
	}
}
