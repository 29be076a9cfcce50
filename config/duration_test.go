package config

import (
	"testing"
	"time"
)

func TestParseAuditRetention(t *testing.T) {
	cases := []struct {
		raw  string
		want time.Duration
		ok   bool
	}{
		{"30d", 30 * 24 * time.Hour, true},
		{" 90d ", 90 * 24 * time.Hour, true},
		{"36h", 36 * time.Hour, true},
		{"1d", 24 * time.Hour, true},
		{"3650d", 3650 * 24 * time.Hour, true},
		{"23h", 0, false},
		{"3651d", 0, false},
		{"-1d", 0, false},
		{"1.5d", 0, false},
		{"d", 0, false},
		{"a month", 0, false},
		{"", 0, false},
	}
	for _, tc := range cases {
		got, err := ParseAuditRetention(tc.raw)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseAuditRetention(%q) = %v, %v; want %v (ok %t)", tc.raw, got, err, tc.want, tc.ok)
		}
	}
}
