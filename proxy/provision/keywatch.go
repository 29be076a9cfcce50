package provision

import (
	"cmp"
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
)

// keyWatchWorkers bounds the key checks of one round made at once: each is one Freshservice call,
// and a round over thousands of active tenants must end well inside the interval.
const keyWatchWorkers = 8

// startKeyWatch starts, once, the loop that keeps the verdicts on the keys of active tenants fresh:
// a key revoked in Freshservice shows as rejected in the tenant's status within an interval, even
// while no request comes.
func (r *Registry) startKeyWatch() {
	r.watchOnce.Do(func() {
		ticks := r.deps.KeyWatch
		var ticker *time.Ticker
		if ticks == nil {
			ticker = time.NewTicker(cmp.Or(max(r.deps.KeyCheckInterval, 0), time.Minute))
			ticks = ticker.C
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if ticker != nil {
				defer ticker.Stop()
			}
			for {
				select {
				case <-r.ctx.Done():
					return
				case <-ticks:
					r.checkKeys(r.ctx)
				}
			}
		}()
	})
}

// checkKeys checks the key of every tenant whose verdict is due (see keyCheckDue), a few at a time,
// and returns when all are done.
func (r *Registry) checkKeys(ctx context.Context) {
	now := r.deps.Now()
	var due []*Tenant
	r.Each(func(t *Tenant) {
		if t.keyCheckDue(now) != nil {
			due = append(due, t)
		}
	})
	sem := make(chan struct{}, keyWatchWorkers)
	var wg sync.WaitGroup
	for _, t := range due {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			t.checkKey(ctx)
		}()
	}
	wg.Wait()
}

// keyCheckDue returns the verdict on the tenant's latest key when the watch should check it: the
// tenant made a request within the last day, Freshservice has not answered the key within the
// interval (any answer renews the verdict), and the key is not already refused (a refused key is
// checked again by the next request that brings it).
func (t *Tenant) keyCheckDue(now time.Time) *keyVerdict {
	t.usedMu.Lock()
	hash, at := t.usedKey, t.usedAt
	t.usedMu.Unlock()
	if hash == "" || now.Sub(at) > activeFor {
		return nil
	}
	v, ok := t.keys.Peek(hash)
	if !ok {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.rejectedAt.After(v.verifiedAt) {
		return nil
	}
	if !v.verifiedAt.IsZero() && now.Sub(v.verifiedAt) < t.deps.KeyCheckInterval {
		return nil
	}
	return v
}

// checkKey asks Freshservice about the tenant's latest key (GET /agents/me, through the tenant's
// budget) and, when it works, whether its owner is an Account Admin (the roles, read at most every
// few minutes). A 401 marks the key refused as every answer to it does.
func (t *Tenant) checkKey(ctx context.Context) {
	v := t.keyCheckDue(t.deps.Now())
	if v == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, t.deps.UpstreamTimeout)
	defer cancel()
	now := t.deps.Now()
	me, err := v.client.Me(ctx)
	if err != nil {
		t.deps.Log.Debug("key check failed", zap.String("tenant", t.domain), zap.Error(err))
		return
	}
	v.accepted(now, me)
	if me.ID == 0 {
		return
	}
	ids, err := t.accountAdminRoles(ctx, v.client)
	switch {
	case freshservice.IsForbidden(err):
		// An owner who may not read the roles is no account admin.
		ids = map[int64]bool{}
	case err != nil:
		t.deps.Log.Debug("roles of the key's owner not read", zap.String("tenant", t.domain), zap.Error(err))
		return
	}
	v.mu.Lock()
	v.admin, v.adminKnown = false, true
	for _, id := range v.ownerRoles {
		if ids[id] {
			v.admin = true
		}
	}
	v.mu.Unlock()
}

// KeyStatus is what Freshservice last said about the API key of a tenant's latest request. It never
// holds the key.
type KeyStatus struct {
	// CheckedAt is when Freshservice last answered a call made with the key; zero: never.
	CheckedAt time.Time
	// Rejected: that answer was a 401.
	Rejected bool
	// NotAdmin: the key works but its owner holds no Account Admin role (known once the key watch
	// read the account's roles).
	NotAdmin bool
	// Owner names the agent owning the key (name and email) when Freshservice said.
	Owner string
}

// KeyStatus reports on the key of the tenant's latest request.
func (t *Tenant) KeyStatus() KeyStatus {
	t.usedMu.Lock()
	hash := t.usedKey
	t.usedMu.Unlock()
	v, ok := t.keys.Peek(hash)
	if hash == "" || !ok {
		return KeyStatus{}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	ks := KeyStatus{CheckedAt: v.verifiedAt, Owner: v.ownerName}
	if v.rejectedAt.After(v.verifiedAt) {
		ks.CheckedAt, ks.Rejected = v.rejectedAt, true
	}
	ks.NotAdmin = !ks.Rejected && v.adminKnown && !v.admin
	return ks
}
