package config_test

import (
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
)

// benchKeyring returns a keyring of n fresh keys and a token sealed with the key at position sealer
// (the first seals; a later one stands for a token issued before a key rotation).
func benchKeyring(b *testing.B, n, sealer int) (*config.Keyring, string) {
	b.Helper()
	keys := make([]string, n)
	for i := range keys {
		k, err := config.NewKey()
		if err != nil {
			b.Fatal(err)
		}
		keys[i] = k
	}
	sealWith, err := config.ParseKeys(keys[sealer])
	if err != nil {
		b.Fatal(err)
	}
	token, err := sealWith.Seal("acme.freshservice.com", "a-freshservice-api-key-of-20", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	ring := keys[0]
	for _, k := range keys[1:] {
		ring += "," + k
	}
	kr, err := config.ParseKeys(ring)
	if err != nil {
		b.Fatal(err)
	}
	return kr, token
}

// BenchmarkTokenOpen is the first thing every SCIM request costs: opening its bearer token.
func BenchmarkTokenOpen(b *testing.B) {
	tests := []struct {
		name         string
		keys, sealer int
	}{
		{"one key", 1, 0},
		{"sealed by the older of two keys", 2, 1},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			kr, token := benchKeyring(b, tt.keys, tt.sealer)
			b.ReportAllocs()
			for b.Loop() {
				c, err := kr.Open(token)
				if err != nil || c.Domain != "acme.freshservice.com" {
					b.Fatalf("open: %v", err)
				}
			}
		})
	}
}

func BenchmarkTokenOpenRejected(b *testing.B) {
	kr, token := benchKeyring(b, 1, 0)
	bad := token[:len(token)-4] + "AAAA"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kr.Open(bad); err == nil {
			b.Fatal("a tampered token opened")
		}
	}
}
