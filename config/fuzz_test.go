package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzOpen feeds Open arbitrary tokens: it must never panic, and whatever it accepts must be complete
// claims that survive another seal and open unchanged. Seeds are in testdata/fuzz/FuzzOpen, sealed
// with fuzzKey.
func FuzzOpen(f *testing.F) {
	kr := mustKeys(f, fuzzKey)
	f.Add("fss1.")
	f.Add(mustSeal(f, kr, "acme.freshservice.com", apiKey, time.Unix(1700000000, 0)))
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := kr.Open(token)
		if err != nil {
			if err != ErrInvalidToken {
				t.Fatalf("Open returned %v, not ErrInvalidToken", err)
			}
			if claims != (Claims{}) {
				t.Fatalf("a refused token returned claims %v", claims)
			}
			return
		}
		if claims.Domain == "" || claims.APIKey == "" || claims.IssuedAt.Unix() <= 0 {
			t.Fatalf("Open accepted incomplete claims %v", claims)
		}
		again, err := kr.Seal(claims.Domain, claims.APIKey, claims.IssuedAt)
		if err != nil {
			t.Fatalf("re-seal of opened claims %v: %v", claims, err)
		}
		reopened, err := kr.Open(again)
		if err != nil {
			t.Fatalf("re-sealed token does not open: %v", err)
		}
		if reopened != claims {
			t.Fatalf("re-seal changed the claims: %v became %v", claims, reopened)
		}
	})
}

// TestFuzzSeedsOpen keeps the seed corpus honest: the valid_* seeds must open with fuzzKey, the others
// must not, so the fuzzer starts from both sides of the line.
func TestFuzzSeedsOpen(t *testing.T) {
	kr := mustKeys(t, fuzzKey)
	dir := filepath.Join("testdata", "fuzz", "FuzzOpen")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var valid int
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "string(") {
			t.Fatalf("%s is not a one-string corpus file", e.Name())
		}
		token, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		_, err = kr.Open(token)
		if wantValid := strings.HasPrefix(e.Name(), "valid_"); wantValid != (err == nil) {
			t.Errorf("%s: Open error %v", e.Name(), err)
		}
		if err == nil {
			valid++
		}
	}
	if valid < 2 || valid == len(entries) {
		t.Errorf("%d of %d seeds open; want a few valid and a few broken", valid, len(entries))
	}
}
