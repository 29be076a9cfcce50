package proxytest

import (
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
)

// NewKeys is a fresh server token key (what FSSCIM_TOKEN_KEYS holds) and the keyring it makes.
func NewKeys(t testing.TB) (string, *config.Keyring) {
	t.Helper()
	key, err := config.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := config.ParseKeys(key)
	if err != nil {
		t.Fatal(err)
	}
	return key, keys
}

// Seal is the bearer token keys seal for domain's apiKey, issued a minute ago.
func Seal(t testing.TB, keys *config.Keyring, domain, apiKey string) string {
	t.Helper()
	token, err := keys.Seal(domain, apiKey, time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return token
}
