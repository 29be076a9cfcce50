package names

import (
	"runtime"
	"testing"
	"time"
)

func TestLookupCacheExpiresOnRead(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	c := newLookupCache(2, time.Minute, func() time.Time { return now })
	key := lookupKey{kind: "department", name: "sales"}
	c.Add(key, []named{{id: 7, name: "Sales"}})
	tests := []struct {
		name  string
		after time.Duration
		want  bool
	}{
		{"just added", 0, true},
		{"before the TTL", 59 * time.Second, true},
		{"at the TTL", time.Minute, false},
		{"after the TTL, and dropped", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = now.Add(tt.after)
			got, ok := c.Get(key)
			if ok != tt.want || ok && got[0].id != 7 {
				t.Errorf("Get = %v, %v; want found %v", got, ok, tt.want)
			}
		})
	}
	if n := len(c.Keys()); n != 0 {
		t.Errorf("%d keys held after expiry, want 0", n)
	}
}

func TestCachesStartNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	held := make([]*Cache, 100)
	for i := range held {
		held[i] = New(Options{})
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("100 lookup caches started %d goroutines", after-before)
	}
	runtime.KeepAlive(held)
}
