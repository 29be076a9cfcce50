package config

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
)

// TokenPrefix starts every bearer token of this format version.
const TokenPrefix = "fss1."

// ErrInvalidToken is the only error Open returns: callers and logs learn nothing about why a token was
// refused, and an attacker learns nothing from trying.
var ErrInvalidToken = errors.New("invalid token")

const nonceSize = 12

// maxTokenLen bounds the work an oversized Authorization header can cause. Real tokens hold a host
// name and an API key and stay far below it.
const maxTokenLen = 2048

// tokenAAD binds the ciphertext to the format version, so a future format cannot be confused with it.
var tokenAAD = []byte(TokenPrefix)

// tokenBody is the sealed JSON.
type tokenBody struct {
	Domain   string `json:"d"`
	APIKey   string `json:"k"`
	IssuedAt int64  `json:"iat"`
}

// Claims are what a token carries. Printing Claims with fmt, encoding/json or zap never shows the API
// key.
type Claims struct {
	Domain   string
	APIKey   string
	IssuedAt time.Time
}

// Seal makes a token for a tenant's domain and Freshservice API key, with the first key of the ring.
func (k *Keyring) Seal(domain, apiKey string, issuedAt time.Time) (string, error) {
	if k == nil || len(k.aeads) == 0 {
		return "", errors.New("seal token: no token key")
	}
	domain = strings.ToLower(strings.TrimSpace(domain))
	switch {
	case domain == "":
		return "", errors.New("seal token: the domain is empty")
	case apiKey == "":
		return "", errors.New("seal token: the API key is empty")
	case issuedAt.Unix() <= 0:
		return "", errors.New("seal token: the issue time is not set")
	}
	token, err := k.sealJSON(tokenBody{Domain: domain, APIKey: apiKey, IssuedAt: issuedAt.Unix()}, tokenAAD, TokenPrefix)
	if err != nil {
		return "", fmt.Errorf("seal token: %w", err)
	}
	if len(token) > maxTokenLen {
		return "", fmt.Errorf("seal token: domain and API key are too long for a token (%d bytes, at most %d)",
			len(token), maxTokenLen)
	}
	return token, nil
}

// Open checks a token against every key of the ring and returns what it carries. Any failure is
// ErrInvalidToken.
func (k *Keyring) Open(token string) (Claims, error) {
	var body tokenBody
	if !k.openJSON(token, TokenPrefix, maxTokenLen, tokenAAD, &body) || body.Domain == "" || body.APIKey == "" || body.IssuedAt <= 0 {
		return Claims{}, ErrInvalidToken
	}
	return Claims{Domain: body.Domain, APIKey: body.APIKey, IssuedAt: time.Unix(body.IssuedAt, 0).UTC()}, nil
}

// seal encrypts plain with the ring's first key, bound to aad, and returns nonce and ciphertext.
func (k *Keyring) seal(plain, aad []byte) ([]byte, error) {
	aead := k.aeads[0]
	buf := make([]byte, nonceSize, nonceSize+len(plain)+aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return aead.Seal(buf, buf[:nonceSize], plain, aad), nil
}

// sealJSON seals v's JSON with the ring's first key, bound to aad, and spells it as prefix followed by
// unpadded base64url.
func (k *Keyring) sealJSON(v any, aad []byte, prefix string) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	buf, err := k.seal(plain, aad)
	if err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(buf), nil
}

// openJSON opens what sealJSON made, at most maxLen bytes long, with any key of the ring and decodes
// its JSON into v; false for anything else.
func (k *Keyring) openJSON(sealed, prefix string, maxLen int, aad []byte, v any) bool {
	if k == nil || len(sealed) > maxLen || !strings.HasPrefix(sealed, prefix) {
		return false
	}
	plain, ok := k.open(sealed[len(prefix):], aad)
	return ok && json.Unmarshal(plain, v) == nil
}

// open decodes body (unpadded base64url of nonce and ciphertext) and decrypts it with any key of the
// ring, checking aad.
func (k *Keyring) open(body string, aad []byte) ([]byte, bool) {
	if !isBase64URL(body) {
		return nil, false
	}
	// Strict decoding refuses non-zero padding bits, so every sealed value has exactly one spelling.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil || len(raw) < nonceSize+1 {
		return nil, false
	}
	nonce, sealed := raw[:nonceSize], raw[nonceSize:]
	for _, aead := range k.aeads {
		if plain, err := aead.Open(nil, nonce, sealed, aad); err == nil {
			return plain, true
		}
	}
	return nil, false
}

// isBase64URL accepts only the unpadded URL alphabet; the decoder alone would skip line breaks.
func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

const redacted = "[redacted]"

// String shows the claims with the API key redacted.
func (c Claims) String() string {
	key := ""
	if c.APIKey != "" {
		key = redacted
	}
	return fmt.Sprintf("Claims{Domain: %q, APIKey: %s, IssuedAt: %s}", c.Domain, key, c.IssuedAt.Format(time.RFC3339))
}

// GoString is String, so %#v redacts too.
func (c Claims) GoString() string { return c.String() }

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, ...) print the redacted form.
func (c Claims) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", c.String())
		return
	}
	fmt.Fprint(f, c.String())
}

// MarshalJSON leaves the API key out.
func (c Claims) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Domain   string    `json:"domain"`
		IssuedAt time.Time `json:"issued_at"`
	}{c.Domain, c.IssuedAt})
}

// MarshalLogObject lets zap.Object log the claims without the API key.
func (c Claims) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("domain", c.Domain)
	enc.AddTime("issued_at", c.IssuedAt)
	return nil
}
