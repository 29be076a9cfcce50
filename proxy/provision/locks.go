package provision

import (
	"strconv"
	"sync"
)

// keyedMutex serialises work per key (a user, a group, an email) without one lock for the whole
// tenant.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	mu   sync.Mutex
	refs int
}

// lock takes the lock for key and returns its release.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l, ok := k.locks[key]
	if !ok {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// Lock keys of the three things fsscim serialises writes to.
func userLock(id int64) string     { return "user:" + strconv.FormatInt(id, 10) }
func groupLock(id int64) string    { return "group:" + strconv.FormatInt(id, 10) }
func emailLock(mail string) string { return "email:" + mail }
