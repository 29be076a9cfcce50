package config

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// Fixed test keys (never used outside tests). fuzzKey also seals the seed corpus of FuzzOpen.
const (
	fuzzKey  = "ZnNzY2ltLXRlc3Qta2V5LTAwMDAwMDAwMDAwMDAwMDA="
	otherKey = "ZnNzY2ltLXRlc3Qta2V5LTExMTExMTExMTExMTExMTE="
	apiKey   = "sEcReT-ApI-kEy-123"
)

func mustKeys(t testing.TB, s string) *Keyring {
	t.Helper()
	kr, err := ParseKeys(s)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func mustSeal(t testing.TB, kr *Keyring, domain, key string, at time.Time) string {
	t.Helper()
	tok, err := kr.Seal(domain, key, at)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// sealRaw seals any plaintext the way Seal does, to test what Open makes of bodies Seal never writes.
func sealRaw(t *testing.T, b64Key string, plain []byte) string {
	t.Helper()
	key, _ := base64.StdEncoding.DecodeString(b64Key)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, nonceSize)
	_, _ = rand.Read(nonce)
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, []byte(TokenPrefix)))
}

func TestTokenRoundTrip(t *testing.T) {
	kr := mustKeys(t, fuzzKey)
	at := time.Date(2025, 3, 1, 12, 30, 45, 999, time.FixedZone("CET", 3600))
	tok := mustSeal(t, kr, " ACME.freshservice.com ", apiKey, at)
	if len(tok) > maxTokenLen/4 {
		t.Errorf("a token is %d bytes long; the %d-byte bound must leave room for long API keys", len(tok), maxTokenLen)
	}
	if !strings.HasPrefix(tok, "fss1.") {
		t.Fatalf("token %q lacks the fss1. prefix", tok)
	}
	if strings.Contains(tok, apiKey) || strings.Contains(tok, "acme") {
		t.Fatalf("token %q shows its content", tok)
	}
	got, err := kr.Open(tok)
	if err != nil {
		t.Fatal(err)
	}
	want := Claims{Domain: "acme.freshservice.com", APIKey: apiKey, IssuedAt: time.Unix(at.Unix(), 0).UTC()}
	if got != want {
		t.Errorf("Open = %v (key equal: %v), want %v", got, got.APIKey == want.APIKey, want)
	}
	if again := mustSeal(t, kr, "acme.freshservice.com", apiKey, at); again == tok {
		t.Error("two seals of the same claims gave the same token; the nonce must be fresh")
	}
}

func TestTokenKeyRotation(t *testing.T) {
	oldRing := mustKeys(t, otherKey)
	oldTok := mustSeal(t, oldRing, "acme.freshservice.com", apiKey, time.Unix(1700000000, 0))

	rotating := mustKeys(t, fuzzKey+", "+otherKey)
	if c, err := rotating.Open(oldTok); err != nil || c.APIKey != apiKey {
		t.Fatalf("a token of a listed old key must open: %v, %v", c, err)
	}
	newTok := mustSeal(t, rotating, "acme.freshservice.com", apiKey, time.Unix(1700000000, 0))
	newOnly := mustKeys(t, fuzzKey)
	if _, err := newOnly.Open(newTok); err != nil {
		t.Fatalf("Seal must use the first key: %v", err)
	}
	if _, err := newOnly.Open(oldTok); err != ErrInvalidToken {
		t.Fatalf("a token of a removed key opened: %v", err)
	}
	if _, err := oldRing.Open(newTok); err != ErrInvalidToken {
		t.Fatalf("a token opened with a key that did not seal it: %v", err)
	}
}

func TestTokenEveryByteChangeFails(t *testing.T) {
	kr := mustKeys(t, fuzzKey)
	tok := mustSeal(t, kr, "acme.freshservice.com", apiKey, time.Unix(1700000000, 0))
	for i := 0; i < len(tok); i++ {
		for v := 0; v < 256; v++ {
			if byte(v) == tok[i] {
				continue
			}
			changed := tok[:i] + string([]byte{byte(v)}) + tok[i+1:]
			if c, err := kr.Open(changed); err != ErrInvalidToken {
				t.Fatalf("byte %d set to %#x: Open = %v, %v; want ErrInvalidToken", i, v, c, err)
			}
		}
	}
}

func TestTokenTruncatedOrExtendedFails(t *testing.T) {
	kr := mustKeys(t, fuzzKey)
	tok := mustSeal(t, kr, "acme.freshservice.com", apiKey, time.Unix(1700000000, 0))
	for n := 0; n < len(tok); n++ {
		if _, err := kr.Open(tok[:n]); err != ErrInvalidToken {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
	for _, tail := range []string{"A", "AA", "AAAA", "=", "\n", " ", ".x"} {
		if _, err := kr.Open(tok + tail); err != ErrInvalidToken {
			t.Errorf("with %q appended: %v", tail, err)
		}
	}
}

func TestTokenForeignFormsFail(t *testing.T) {
	kr := mustKeys(t, fuzzKey)
	tok := mustSeal(t, kr, "acme.freshservice.com", apiKey, time.Unix(1700000000, 0))
	body := strings.TrimPrefix(tok, TokenPrefix)
	std := base64.StdEncoding.EncodeToString(mustDecode(t, body))
	tests := []struct{ name, token string }{
		{"empty", ""},
		{"prefix only", "fss1."},
		{"other version", "fss2." + body},
		{"upper-case prefix", "FSS1." + body},
		{"no prefix", body},
		{"bearer scheme left in", "Bearer " + tok},
		{"padded", tok + "=="},
		{"standard alphabet with padding", TokenPrefix + std},
		{"line break inside", tok[:20] + "\n" + tok[20:]},
		{"a JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"},
		{"oversized", TokenPrefix + strings.Repeat("A", 4096)},
		{"nonce only", TokenPrefix + base64.RawURLEncoding.EncodeToString(make([]byte, nonceSize))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.token == tok {
				// A token whose bytes encode without '+', '/' or padding reads the same in the standard
				// alphabet (about one seal in two hundred): then it is not a foreign form at all.
				t.Skip("this seal has no foreign spelling in the standard alphabet")
			}
			if c, err := kr.Open(tt.token); err != ErrInvalidToken {
				t.Errorf("Open = %v, %v; want ErrInvalidToken", c, err)
			}
		})
	}
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTokenBadBodiesFail(t *testing.T) {
	kr := mustKeys(t, fuzzKey)
	tests := []struct {
		name string
		body string
		ok   bool
	}{
		{"control: a good body", `{"d":"acme.freshservice.com","k":"x","iat":1700000000}`, true},
		{"not JSON", `acme.freshservice.com:x`, false},
		{"empty domain", `{"d":"","k":"x","iat":1700000000}`, false},
		{"empty key", `{"d":"acme.freshservice.com","k":"","iat":1700000000}`, false},
		{"no issue time", `{"d":"acme.freshservice.com","k":"x"}`, false},
		{"negative issue time", `{"d":"acme.freshservice.com","k":"x","iat":-5}`, false},
		{"wrong types", `{"d":1,"k":"x","iat":"now"}`, false},
		{"empty", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kr.Open(sealRaw(t, fuzzKey, []byte(tt.body)))
			if tt.ok && err != nil {
				t.Fatalf("Open = %v", err)
			}
			if !tt.ok && err != ErrInvalidToken {
				t.Fatalf("Open = %v, want ErrInvalidToken", err)
			}
		})
	}
}

func TestSealRefusesIncompleteClaims(t *testing.T) {
	kr := mustKeys(t, fuzzKey)
	at := time.Unix(1700000000, 0)
	tests := []struct {
		name        string
		kr          *Keyring
		domain, key string
		at          time.Time
	}{
		{"no keyring", nil, "acme.freshservice.com", apiKey, at},
		{"no domain", kr, "  ", apiKey, at},
		{"no API key", kr, "acme.freshservice.com", "", at},
		{"no issue time", kr, "acme.freshservice.com", apiKey, time.Time{}},
		{"too long to open", kr, "acme.freshservice.com", strings.Repeat("k", maxTokenLen), at},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tt.kr.Seal(tt.domain, tt.key, tt.at)
			if err == nil {
				t.Fatalf("Seal = %q, want an error", tok)
			}
			if strings.Contains(err.Error(), apiKey) {
				t.Errorf("the error repeats the API key: %v", err)
			}
		})
	}
}

func TestClaimsNeverShowTheAPIKey(t *testing.T) {
	c := Claims{Domain: "acme.freshservice.com", APIKey: apiKey, IssuedAt: time.Unix(1700000000, 0).UTC()}
	shown := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		shown[verb] = fmt.Sprintf(verb, c)
	}
	shown["pointer %+v"] = fmt.Sprintf("%+v", &c)
	shown["in a struct %+v"] = fmt.Sprintf("%+v", struct{ C Claims }{c})
	shown["in a slice %v"] = fmt.Sprint([]Claims{c})
	shown["String"] = c.String()
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	shown["json"] = string(js)
	core, logs := observer.New(zapcore.InfoLevel)
	zap.New(core).Info("opened", zap.Object("claims", c), zap.Any("any", c))
	var logged bytes.Buffer
	for _, e := range logs.All() {
		fmt.Fprint(&logged, e.ContextMap())
	}
	shown["zap"] = logged.String()

	for how, s := range shown {
		if strings.Contains(s, apiKey) {
			t.Errorf("%s shows the API key: %s", how, s)
		}
		if how != "%x" && how != "%d" && !strings.Contains(s, "acme.freshservice.com") {
			t.Errorf("%s hides the domain too: %s", how, s)
		}
	}
}

func TestOpenReturnsOneErrorForEverything(t *testing.T) {
	kr := mustKeys(t, fuzzKey)
	for _, tok := range []string{"", "fss1.", "fss1.!!!", "fss1.AAAA", sealRaw(t, otherKey, []byte(`{}`))} {
		_, err := kr.Open(tok)
		if !errors.Is(err, ErrInvalidToken) || err.Error() != "invalid token" {
			t.Errorf("Open(%q) = %v; want exactly ErrInvalidToken", tok, err)
		}
	}
}
