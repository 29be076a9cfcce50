package provision

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/store"
)

// Session is one request's view of a tenant: its runtime, the Freshservice client for the API key the
// caller's token carries, the tenant file as it was when the request began, and the request's logger.
type Session struct {
	t         *Tenant
	c         *freshservice.Client
	keyHash   string // names the API key without holding it
	cfg       *config.Tenant
	opts      mapping.Options
	search    *mapping.UserSearch // nil until the request filters users (see userSearch)
	log       *zap.Logger
	requestID string       // names the request in records it leaves, such as a pending create
	wrote     atomic.Int32 // the Write the request made (see noteWrite)
	// method and path are the SCIM request's, for the audit trail (see NoteRequest).
	method, path string
}

// Session opens a session for a caller holding apiKey, for the request requestID.
func (t *Tenant) Session(apiKey, requestID string, log *zap.Logger) (*Session, error) {
	c, hash, err := t.client(apiKey)
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	cfg, opts := t.cfg, t.opts
	t.mu.RUnlock()
	t.usedMu.Lock()
	t.usedKey, t.usedAt = hash, t.deps.Now()
	t.usedMu.Unlock()
	return &Session{t: t, c: c, keyHash: hash, cfg: cfg, opts: opts, log: log, requestID: requestID}, nil
}

// userSearch is what the session's user filters compile against: the catalog of the tenant's custom
// attributes, looked up on first need.
func (s *Session) userSearch() *mapping.UserSearch {
	if s.search == nil {
		s.search = s.t.reg.userSearch(s.opts)
	}
	return s.search
}

// Tenant is the session's tenant runtime.
func (s *Session) Tenant() *Tenant { return s.t }

func (s *Session) store() store.Store { return s.t.deps.Store }

// StoreUnusable is the refusal of a write to Freshservice because fsscim's own store could not keep
// what the write needs remembered: nothing was sent to Freshservice.
type StoreUnusable struct{ Err error }

func (e *StoreUnusable) Error() string { return "fsscim's store is unusable: " + e.Err.Error() }
func (e *StoreUnusable) Unwrap() error { return e.Err }

// storeUsable checks, before a write to Freshservice, that fsscim can record what the write leaves
// to remember: a write whose record is lost cannot be put right later (a re-enable without its
// department, a login name that no longer finds its user).
func (s *Session) storeUsable(ctx context.Context) error {
	if s.t.deps.StoreReady == nil {
		return nil
	}
	if err := s.t.deps.StoreReady(ctx); err != nil {
		return &StoreUnusable{Err: err}
	}
	return nil
}

// keyVerdict remembers that Freshservice accepted an API key, so that answers served from fsscim's
// own replica still stop working soon after the key is revoked, and which agent owns the key. Every
// answer Freshservice gives the key renews the verdict, and a 401 ends it.
type keyVerdict struct {
	client     *freshservice.Client
	mu         sync.Mutex
	verifiedAt time.Time
	rejectedAt time.Time // Freshservice's last 401 to the key; the key is refused while it is later than verifiedAt
	owner      int64     // the agent owning the key; 0 when Freshservice does not say
	ownerKnown bool
	// ownerName names the owner (name and email) for the tenant's status; ownerRoles are its roles,
	// from which the key watch learns whether it is an Account Admin (adminKnown, admin).
	ownerName  string
	ownerRoles []int64
	admin      bool
	adminKnown bool
}

func (v *keyVerdict) keyOwner() (int64, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.owner, v.ownerKnown
}

func (v *keyVerdict) setOwner(id int64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.owner, v.ownerKnown = id, true
}

// shortHash names a secret in a map key without keeping the secret itself.
func shortHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:8])
}

// client returns the Freshservice client for an API key of this tenant; clients are cached by a hash
// of the key so that the key itself is not a map key that could end up in a dump.
func (t *Tenant) client(apiKey string) (*freshservice.Client, string, error) {
	k := shortHash(apiKey)
	if v, ok := t.keys.Get(k); ok {
		return v.client, k, nil
	}
	d := t.deps
	domain := t.domain
	v := &keyVerdict{}
	observe := func(ci freshservice.CallInfo) {
		if d.ObserveCall != nil {
			d.ObserveCall(domain, ci)
		}
		v.observe(ci.Status, d.Now())
	}
	c, err := freshservice.New(freshservice.Options{
		BaseURL:   t.Config().BaseURL(),
		APIKey:    apiKey,
		Timeout:   d.UpstreamTimeout,
		Limiter:   t.budget,
		Backoff:   d.Backoff,
		Transport: d.Transport,
		Observer:  observe,
	})
	if err != nil {
		return nil, "", fmt.Errorf("freshservice client for %s: %w", t.domain, err)
	}
	v.client = c
	t.keys.Add(k, v)
	return c, k, nil
}

// observe renews the verdict on an answer Freshservice gave the key, and ends it on a 401.
func (v *keyVerdict) observe(status int, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch {
	case status >= 200 && status < 300:
		v.verifiedAt = now
	case status == http.StatusUnauthorized:
		v.verifiedAt = time.Time{}
		v.rejectedAt = now
	}
}

// accepted records what GET /agents/me answered at now: the key works, and who owns it.
func (v *keyVerdict) accepted(now time.Time, me freshservice.User) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if now.After(v.verifiedAt) {
		v.verifiedAt = now
	}
	v.owner, v.ownerKnown = me.ID, true
	v.ownerName = ""
	if me.ID != 0 {
		v.ownerName = strings.TrimSpace(strings.TrimSpace(me.FirstName+" "+me.LastName) + " <" + me.Mail() + ">")
	}
	v.ownerRoles = v.ownerRoles[:0]
	for _, r := range me.Roles {
		v.ownerRoles = append(v.ownerRoles, r.RoleID)
	}
}

// maxKeyTrust bounds how long Freshservice's acceptance of a key is trusted, whatever the server's
// KeyCheckInterval: a revoked key stops the tenant's reads from the replica within a minute.
const maxKeyTrust = time.Minute

// VerifyKey makes sure Freshservice accepted the session's API key recently. Answers that fsscim
// serves from its own replica must stop soon after an admin revokes the key in Freshservice.
func (s *Session) VerifyKey(ctx context.Context) error {
	t := s.t
	v, ok := t.keys.Get(s.keyHash)
	if !ok {
		return s.c.CheckKey(ctx)
	}
	now := t.deps.Now()
	v.mu.Lock()
	fresh := !v.verifiedAt.IsZero() && now.Sub(v.verifiedAt) < min(t.deps.KeyCheckInterval, maxKeyTrust)
	v.mu.Unlock()
	if fresh {
		return nil
	}
	// Concurrent requests that find the verdict stale share one check. The check runs detached from
	// the request that started it (bounded by the client's own timeout), so a caller that gives up
	// does not fail the others.
	ch := t.keyChecks.DoChan(s.keyHash, func() (any, error) {
		// The check reads the key's owner as well (GET /agents/me): the agent fsscim must never
		// deactivate, or the key stops working.
		me, err := s.c.Me(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		v.accepted(now, me)
		return nil, nil
	})
	select {
	case r := <-ch:
		return r.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// dryRun logs a write that a dry-run tenant does not make.
func (s *Session) dryRun(what string, fields ...zap.Field) {
	s.log.Info("dry run: write not made", append(fields, zap.String("write", what))...)
}

// NamesLocationAsEnterprise says the request names the location as the enterprise "_location" (the
// Freshservice app's mapping): a location it writes is answered there too, for as long as the user
// keeps it.
func (s *Session) NamesLocationAsEnterprise() { s.opts.LocationAsEnterprise = true }

// Config is the tenant file as it was when the session opened.
func (s *Session) Config() *config.Tenant { return s.cfg }
