package config

import (
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config/configtest"
	"go.uber.org/zap/zapcore"
)

// TestRejectedFileStillRevokes: a tenant file whose new version is rejected keeps serving its last good
// version, but what the new version revokes applies at once: a tokens_not_before that does not parse
// refuses every token (the cut-off meant is unknown), a later one that parses replaces the old one. A
// rejected version that revokes nothing leaves the last good version exactly as it was.
func TestRejectedFileStillRevokes(t *testing.T) {
	const good = "domain: acme.freshservice.com\ntokens_not_before: 2025-01-01T00:00:00Z\n"
	goodCut := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	later := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	const head = "domain: acme.freshservice.com\n"
	tests := []struct {
		name      string
		bad       string
		refused   bool
		cut       time.Time
		untouched bool // the very same last good version stays
	}{
		{"cut-off does not parse", head + "tokens_not_before: 2025-06-31T09:00:00Z\n", true, goodCut, false},
		{"cut-off in words", head + "tokens_not_before: yesterday\n", true, goodCut, false},
		{"cut-off not a time, and another mistake", head + "users: {type: admin}\ntokens_not_before: now\n", true, goodCut, false},
		{"cut-off a list", head + "tokens_not_before: [2025-06-01T09:00:00Z]\n", true, goodCut, false},
		{"cut-off under the wrong key", head + "users:\n  type: requester\n  tokens_not_before: soon\n", true, goodCut, false},
		{"not YAML, cut-off does not parse", head + "users:\n  type: agent\n   on_delete: forget\ntokens_not_before: 2025-06-01 9am\n", true, goodCut, false},
		{"later cut-off, another mistake", head + "users: {type: admin}\ntokens_not_before: 2025-06-01T09:00:00Z\n", false, later, false},
		{"later cut-off with an offset, another mistake", head + "users: {type: admin}\ntokens_not_before: 2025-06-01T14:30:00+05:30\n", false, later, false},
		{"not YAML, later cut-off", head + "tokens_not_before: \"2025-06-01T09:00:00Z\n", false, later, false},
		{"earlier cut-off, another mistake", head + "users: {type: admin}\ntokens_not_before: 2024-01-01T00:00:00Z\n", false, goodCut, true},
		{"no cut-off, another mistake", head + "users: {type: admin}\n", false, goodCut, true},
		{"not YAML, no cut-off", head + "users:\n  type: agent\n   on_delete: forget\n", false, goodCut, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			configtest.WriteTenant(t, dir, "acme.yaml", good)
			d := newTenantDir(dir, LoadOptions{})
			first, err := d.scan()
			if err != nil || first.problems != nil {
				t.Fatalf("good version: %v %v", err, first.problems)
			}
			goodTenant, _ := first.set.Lookup("acme.freshservice.com")

			configtest.WriteTenant(t, dir, "acme.yaml", tt.bad)
			res, err := d.scan()
			if err != nil {
				t.Fatal(err)
			}
			if res.problems == nil {
				t.Fatal("the bad version was not rejected")
			}
			served, ok := res.set.Lookup("acme.freshservice.com")
			if !ok {
				t.Fatal("the last good version is not served")
			}
			if served.TokensRefused != tt.refused || !served.TokensNotBefore.Equal(tt.cut) {
				t.Fatalf("served with tokens refused %v, cut-off %v; want %v, %v", served.TokensRefused, served.TokensNotBefore, tt.refused, tt.cut)
			}
			if tt.untouched != (served == goodTenant) {
				t.Errorf("last good version kept as it was: %v, want %v", served == goodTenant, tt.untouched)
			}
			if served.Users.Type != goodTenant.Users.Type {
				t.Errorf("the rest of the bad version was applied: users %+v", served.Users)
			}
			if tt.refused && served.TokenAllowed(time.Now()) {
				t.Error("a token issued now is allowed")
			}
			// Scanning the unchanged folder again changes nothing.
			again, err := d.scan()
			if err != nil || len(again.changes) != 0 {
				t.Fatalf("a rescan of the same folder reports changes %+v (%v)", again.changes, err)
			}
			if s, _ := again.set.Lookup("acme.freshservice.com"); s != served {
				t.Error("a rescan of the same folder replaced the served tenant")
			}

			// Once the file is fixed, it is served as written.
			configtest.WriteTenant(t, dir, "acme.yaml", head+"tokens_not_before: 2025-03-01T00:00:00Z\n")
			fixed, err := d.scan()
			if err != nil || fixed.problems != nil {
				t.Fatalf("fixed version: %v %v", err, fixed.problems)
			}
			got, _ := fixed.set.Lookup("acme.freshservice.com")
			if got.TokensRefused || !got.TokensNotBefore.Equal(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("fixed file served with tokens refused %v, cut-off %v", got.TokensRefused, got.TokensNotBefore)
			}
		})
	}
}

// TestWatcherSaysTokensAreRefused: the watcher publishes the refusal and logs it as an error.
func TestWatcherSaysTokensAreRefused(t *testing.T) {
	dir, w, _, logs := watchNewFolder(t, map[string]string{"acme.yaml": "domain: acme.freshservice.com\n"})
	configtest.WriteTenant(t, dir, "acme.yaml", "domain: acme.freshservice.com\ntokens_not_before: 2025-02-30T00:00:00Z\n")
	configtest.Eventually(t, "the refusal to be published", func() bool {
		tn, ok := w.Current().Lookup("acme.freshservice.com")
		return ok && tn.TokensRefused
	})
	found := false
	for _, e := range logs.All() {
		if e.Level == zapcore.ErrorLevel && strings.Contains(e.Message, "every token of this tenant is refused") {
			found = true
		}
	}
	if !found {
		t.Errorf("no error logged; log: %v", logs.All())
	}
}
