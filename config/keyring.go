package config

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// KeySize is the length of a token key: AES-256.
const KeySize = 32

// Keyring holds the server's token keys. The first seals new tokens; every key opens them, so a key
// can be rotated by putting the new one first and removing the old one once its tokens are replaced.
type Keyring struct {
	aeads []cipher.AEAD
}

// NewKey returns a fresh random key in the form ParseKeys reads.
func NewKey() (string, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("new token key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(key), nil
}

// ParseKeys reads keys in standard, padded base64, each decoding to exactly 32 bytes, separated by
// commas or newlines (a Secret's value often ends with one, or lists a key per line); blank lines are
// ignored. Every bad entry is reported, by position, without repeating key material.
func ParseKeys(s string) (*Keyring, error) {
	var entries []keyEntry
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		for _, part := range strings.Split(line, ",") {
			entries = append(entries, keyEntry{where: "key " + strconv.Itoa(len(entries)+1), text: part})
		}
	}
	if len(entries) == 0 {
		entries = []keyEntry{{where: "key 1"}}
	}
	return newKeyring(entries)
}

// LoadKeysFile reads keys from a file: one per line or comma-separated, '#' starting a comment, blank
// lines ignored. Others must not be able to read it, nor anyone but its owner change it (see
// ReadSecretFile).
func LoadKeysFile(path string) (*Keyring, error) {
	data, err := ReadSecretFile("token keys file", path)
	if err != nil {
		return nil, err
	}
	var entries []keyEntry
	for n, line := range strings.Split(string(data), "\n") {
		if cut := strings.IndexByte(line, '#'); cut >= 0 {
			line = line[:cut]
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, ",")
		for i, part := range parts {
			where := fmt.Sprintf("%s line %d", path, n+1)
			if len(parts) > 1 {
				where += fmt.Sprintf(" key %d", i+1)
			}
			entries = append(entries, keyEntry{where: where, text: part})
		}
	}
	kr, err := newKeyring(entries)
	if err != nil {
		return nil, fmt.Errorf("token keys file %s: %w", path, err)
	}
	return kr, nil
}

// KeysFromEnvOrFile loads the keyring from the value of FSSCIM_TOKEN_KEYS (envValue) or from the keys
// file at path; exactly one of them must be given.
func KeysFromEnvOrFile(envValue, path string) (*Keyring, error) {
	switch {
	case strings.TrimSpace(envValue) != "" && path != "":
		return nil, fmt.Errorf("token keys are given both in %s and by --token-keys-file; keep one", EnvTokenKeys)
	case path != "":
		return LoadKeysFile(path)
	case strings.TrimSpace(envValue) != "":
		kr, err := ParseKeys(envValue)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvTokenKeys, err)
		}
		return kr, nil
	default:
		return nil, fmt.Errorf("no token keys: set %s or --token-keys-file (make a key with: fsscim token new-key)", EnvTokenKeys)
	}
}

// Len is the number of keys.
func (k *Keyring) Len() int { return len(k.aeads) }

type keyEntry struct {
	where string // names the entry in messages; never its content
	text  string
}

func newKeyring(entries []keyEntry) (*Keyring, error) {
	var errs []error
	var raws [][]byte
	var rawWhere []string
	kr := &Keyring{}
	for _, e := range entries {
		text := strings.TrimSpace(e.text)
		if text == "" {
			errs = append(errs, fmt.Errorf("%s is empty; remove the extra comma or give a key", e.where))
			continue
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(text)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s is not standard padded base64; make a key with: fsscim token new-key", e.where))
			continue
		}
		if len(raw) != KeySize {
			errs = append(errs, fmt.Errorf("%s decodes to %d bytes, need %d; make a key with: fsscim token new-key",
				e.where, len(raw), KeySize))
			continue
		}
		for i, seen := range raws {
			if subtle.ConstantTimeCompare(seen, raw) == 1 {
				errs = append(errs, fmt.Errorf("%s repeats %s; list each key once", e.where, rawWhere[i]))
			}
		}
		raws, rawWhere = append(raws, raw), append(rawWhere, e.where)
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.where, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.where, err)
		}
		kr.aeads = append(kr.aeads, aead)
	}
	if len(entries) == 0 {
		errs = append(errs, errors.New("no token key given; make one with: fsscim token new-key"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return kr, nil
}
