package names

import (
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// lookupCache is a bounded LRU whose entries expire after a TTL, checked when read. Unlike the
// expirable LRU it starts no goroutine, and the LRU itself is made on the first Add: a tenant that
// never resolves a name holds none.
type lookupCache struct {
	size    int
	ttl     time.Duration
	now     func() time.Time
	entries atomic.Pointer[lru.Cache[lookupKey, lookupEntry]] // nil until the first Add
}

type lookupEntry struct {
	found   []named
	expires time.Time
}

func newLookupCache(size int, ttl time.Duration, now func() time.Time) *lookupCache {
	return &lookupCache{size: size, ttl: ttl, now: now}
}

// made returns the LRU, making it on first use.
func (c *lookupCache) made() *lru.Cache[lookupKey, lookupEntry] {
	if e := c.entries.Load(); e != nil {
		return e
	}
	e, _ := lru.New[lookupKey, lookupEntry](c.size) // size is positive, New cannot fail
	if c.entries.CompareAndSwap(nil, e) {
		return e
	}
	return c.entries.Load()
}

// Get returns the entry for key unless it has expired; an expired one is dropped.
func (c *lookupCache) Get(key lookupKey) ([]named, bool) {
	entries := c.entries.Load()
	if entries == nil {
		return nil, false
	}
	e, ok := entries.Get(key)
	if !ok {
		return nil, false
	}
	if !c.now().Before(e.expires) {
		entries.Remove(key)
		return nil, false
	}
	return e.found, true
}

// Add stores found under key for one TTL.
func (c *lookupCache) Add(key lookupKey, found []named) {
	c.made().Add(key, lookupEntry{found: found, expires: c.now().Add(c.ttl)})
}

// Remove drops key.
func (c *lookupCache) Remove(key lookupKey) {
	if entries := c.entries.Load(); entries != nil {
		entries.Remove(key)
	}
}

// Keys lists the keys held, expired ones included.
func (c *lookupCache) Keys() []lookupKey {
	if entries := c.entries.Load(); entries != nil {
		return entries.Keys()
	}
	return nil
}
