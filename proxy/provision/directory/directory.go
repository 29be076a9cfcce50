// Package directory is a tenant's directory of Freshservice users by email and id, filled by walking
// the requester and agent lists and kept current by fsscim's own writes. Entra looks every user up by
// userName before touching it; answering those lookups here keeps them off Freshservice's small list
// limit.
package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fsscim/fsscim/freshservice"
)

// Entry is what the directory index keeps of one user: enough to answer a lookup by email or id
// without a Freshservice list call. It is kept small on purpose (the index holds every user of a tenant).
type Entry struct {
	ID         int64
	Email      string // lower-cased primary email
	ExternalID string // the identity provider's id, when fsscim or another provisioner set one
	Active     bool
	IsAgent    bool
}

// Options bounds a directory index.
type Options struct {
	MaxUsers int           // above this the index gives up and lookups go to Freshservice; default 250,000
	MaxAge   time.Duration // after this a refresh is due; default an hour
	Now      func() time.Time
}

// Walker walks every requester and agent of an account.
type Walker interface {
	WalkUsers(ctx context.Context, fn func(freshservice.User) error) error
}

var _ Walker = (*freshservice.Client)(nil)

// ErrIncomplete means the index cannot answer: it was never built, its build failed, or the tenant
// has more users than the index may hold. The caller asks Freshservice directly.
var ErrIncomplete = errors.New("directory index incomplete")

// Index is a tenant's directory of users by email and id.
type Index struct {
	opts Options

	mu      sync.RWMutex
	byID    map[int64]Entry
	byEmail map[string]int64
	// Secondary emails are kept apart: only some users have them, and only lookups by Entra's work
	// email (when it differs from userName) need them.
	secondaryOf map[int64][]string
	bySecondary map[string]int64
	complete    bool
	builtAt     time.Time
	// noted holds the writes made while a build runs, so a build does not overwrite them with the
	// older state it read from the lists.
	noted map[int64]*noted

	buildMu sync.Mutex // one build at a time
}

// New returns an empty index; Build fills it.
func New(opts Options) *Index {
	if opts.MaxUsers <= 0 {
		opts.MaxUsers = 250000
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Index{opts: opts, byID: map[int64]Entry{}, byEmail: map[string]int64{},
		secondaryOf: map[int64][]string{}, bySecondary: map[string]int64{}}
}

// Complete reports whether the index holds every user and can answer "absent".
func (x *Index) Complete() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.complete
}

// Stale reports whether a refresh is due.
func (x *Index) Stale() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return !x.complete || x.opts.Now().Sub(x.builtAt) > x.opts.MaxAge
}

// Len is the number of users held.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byID)
}

// Build walks every requester and agent page and replaces the index's content. Concurrent callers
// share one walk: a caller that arrives while a build runs waits for it.
func (x *Index) Build(ctx context.Context, c Walker) error {
	x.buildMu.Lock()
	defer x.buildMu.Unlock()
	if !x.Stale() {
		// Another caller finished a build while this one waited.
		return nil
	}

	x.mu.Lock()
	x.noted = map[int64]*noted{}
	x.mu.Unlock()

	byID := make(map[int64]Entry)
	byEmail := make(map[string]int64)
	secondaryOf := make(map[int64][]string)
	bySecondary := make(map[string]int64)
	tooMany := false
	err := c.WalkUsers(ctx, func(u freshservice.User) error {
		if len(byID) >= x.opts.MaxUsers {
			tooMany = true
			return errStopWalk
		}
		e := entryOf(u)
		byID[e.ID] = e
		if e.Email != "" {
			byEmail[e.Email] = e.ID
		}
		if sec := secondaries(u); len(sec) > 0 {
			secondaryOf[e.ID] = sec
			for _, m := range sec {
				bySecondary[m] = e.ID
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopWalk) {
		x.mu.Lock()
		x.noted = nil
		x.mu.Unlock()
		return fmt.Errorf("build directory index: %w", err)
	}

	x.mu.Lock()
	defer x.mu.Unlock()
	// Writes noted during the walk are newer than what the lists showed.
	for id, n := range x.noted {
		removeEntry(byID, byEmail, secondaryOf, bySecondary, id)
		if n == nil {
			continue
		}
		addEntry(byID, byEmail, secondaryOf, bySecondary, n.entry, n.secondary)
	}
	x.noted = nil
	x.byID, x.byEmail = byID, byEmail
	x.secondaryOf, x.bySecondary = secondaryOf, bySecondary
	x.complete = !tooMany
	x.builtAt = x.opts.Now()
	if tooMany {
		// Keep nothing rather than a partial directory that could answer "absent" wrongly.
		x.byID, x.byEmail = map[int64]Entry{}, map[string]int64{}
		x.secondaryOf, x.bySecondary = map[int64][]string{}, map[string]int64{}
		return ErrIncomplete
	}
	return nil
}

var errStopWalk = errors.New("stop walk")

// ByEmail returns the user holding email (case-insensitive). found=false with a nil error means the
// index is complete and nobody holds it; ErrIncomplete means the index cannot say.
func (x *Index) ByEmail(email string) (Entry, bool, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if !x.complete {
		return Entry{}, false, ErrIncomplete
	}
	id, ok := x.byEmail[strings.ToLower(strings.TrimSpace(email))]
	if !ok {
		return Entry{}, false, nil
	}
	return x.byID[id], true, nil
}

// ByID returns the entry for id; like ByEmail it distinguishes "absent" from "cannot say".
func (x *Index) ByID(id int64) (Entry, bool, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	e, ok := x.byID[id]
	if ok {
		return e, true, nil
	}
	if !x.complete {
		return Entry{}, false, ErrIncomplete
	}
	return Entry{}, false, nil
}

// All returns every entry, for listing without a filter.
func (x *Index) All() ([]Entry, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if !x.complete {
		return nil, ErrIncomplete
	}
	out := make([]Entry, 0, len(x.byID))
	for _, e := range x.byID {
		out = append(out, e)
	}
	return out, nil
}

// noted is a write recorded while a build runs; nil in the map means the user was forgotten.
type noted struct {
	entry     Entry
	secondary []string
}

// Note records a user fsscim has just written (created, updated, converted, (de)activated).
func (x *Index) Note(u freshservice.User) {
	e, sec := entryOf(u), secondaries(u)
	x.mu.Lock()
	defer x.mu.Unlock()
	removeEntry(x.byID, x.byEmail, x.secondaryOf, x.bySecondary, e.ID)
	addEntry(x.byID, x.byEmail, x.secondaryOf, x.bySecondary, e, sec)
	if x.noted != nil {
		x.noted[e.ID] = &noted{entry: e, secondary: sec}
	}
}

// Forget removes a user fsscim has just deleted for good.
func (x *Index) Forget(id int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	removeEntry(x.byID, x.byEmail, x.secondaryOf, x.bySecondary, id)
	if x.noted != nil {
		x.noted[id] = nil
	}
}

func removeEntry(byID map[int64]Entry, byEmail map[string]int64, secondaryOf map[int64][]string, bySecondary map[string]int64, id int64) {
	if old, ok := byID[id]; ok && old.Email != "" && byEmail[old.Email] == id {
		delete(byEmail, old.Email)
	}
	delete(byID, id)
	for _, m := range secondaryOf[id] {
		if bySecondary[m] == id {
			delete(bySecondary, m)
		}
	}
	delete(secondaryOf, id)
}

func addEntry(byID map[int64]Entry, byEmail map[string]int64, secondaryOf map[int64][]string, bySecondary map[string]int64, e Entry, sec []string) {
	byID[e.ID] = e
	if e.Email != "" {
		byEmail[e.Email] = e.ID
	}
	if len(sec) > 0 {
		secondaryOf[e.ID] = sec
		for _, m := range sec {
			bySecondary[m] = e.ID
		}
	}
}

func secondaries(u freshservice.User) []string {
	var out []string
	for _, m := range u.SecondaryEmails {
		if m = strings.ToLower(strings.TrimSpace(m)); m != "" {
			out = append(out, m)
		}
	}
	return out
}

// BySecondaryEmail returns the user holding email as a secondary email, with ByEmail's semantics.
func (x *Index) BySecondaryEmail(email string) (Entry, bool, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if !x.complete {
		return Entry{}, false, ErrIncomplete
	}
	id, ok := x.bySecondary[strings.ToLower(strings.TrimSpace(email))]
	if !ok {
		return Entry{}, false, nil
	}
	return x.byID[id], true, nil
}

func entryOf(u freshservice.User) Entry {
	return Entry{
		ID:         u.ID,
		Email:      strings.ToLower(strings.TrimSpace(u.Mail())),
		ExternalID: string(u.ExternalID),
		Active:     u.Active,
		IsAgent:    u.IsAgent,
	}
}

// ByExternalID returns the users whose external id is externalID. It scans: the lookup is rare (only
// when an admin makes externalId the matching attribute) and a map would cost memory for every user.
func (x *Index) ByExternalID(externalID string) ([]Entry, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if !x.complete {
		return nil, ErrIncomplete
	}
	var out []Entry
	for _, e := range x.byID {
		if e.ExternalID == externalID {
			out = append(out, e)
		}
	}
	return out, nil
}
