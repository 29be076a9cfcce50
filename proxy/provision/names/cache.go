package names

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// lookupCache is a bounded LRU whose entries expire after a TTL, checked when read. Unlike the
// expirable LRU it starts no goroutine, so an idle tenant's cache costs only its memory.
type lookupCache struct {
	entries *lru.Cache[lookupKey, lookupEntry]
	ttl     time.Duration
	now     func() time.Time
}

type lookupEntry struct {
	found   []named
	expires time.Time
}

func newLookupCache(size int, ttl time.Duration, now func() time.Time) *lookupCache {
	entries, _ := lru.New[lookupKey, lookupEntry](size) // size is positive, New cannot fail
	return &lookupCache{entries: entries, ttl: ttl, now: now}
}

// Get returns the entry for key unless it has expired; an expired one is dropped.
func (c *lookupCache) Get(key lookupKey) ([]named, bool) {
	e, ok := c.entries.Get(key)
	if !ok {
		return nil, false
	}
	if !c.now().Before(e.expires) {
		c.entries.Remove(key)
		return nil, false
	}
	return e.found, true
}

// Add stores found under key for one TTL.
func (c *lookupCache) Add(key lookupKey, found []named) {
	c.entries.Add(key, lookupEntry{found: found, expires: c.now().Add(c.ttl)})
}

// Remove drops key.
func (c *lookupCache) Remove(key lookupKey) { c.entries.Remove(key) }

// Keys lists the keys held, expired ones included.
func (c *lookupCache) Keys() []lookupKey { return c.entries.Keys() }
