// Package replica is a tenant's directory replica: every Freshservice user (requesters and agents,
// active and deactivated) and group, in a compact form of what fsscim maps and of the SCIM resource it
// answers for each. Filled by walking Freshservice's lists, kept current by fsscim's own writes and by
// refreshes, it answers every read (filters, pages, lookups, the base of a PATCH) without a
// Freshservice call. Its persisted copy lives in the store, so a restart (and, through Redis, another
// process) answers without walking again.
package replica

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/mapping/scimfilter"
)

// Options bounds a replica.
type Options struct {
	// MaxUsers is the most users a replica holds; a larger account is not replicated and reads go
	// to Freshservice. Default 250,000.
	MaxUsers int
	Now      func() time.Time
}

// ErrTooMany means the account has more users than the replica may hold.
var ErrTooMany = errors.New("the account has more users than the directory replica holds")

// Group is a group of the tenant's group target as the replica holds it. Members is nil when the
// collection's reads do not carry members (requester groups list them with separate calls).
type Group struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	ExternalID  string    `json:"external_id,omitempty"`
	RuleBased   bool      `json:"rule_based,omitempty"`
	Members     []int64   `json:"members,omitempty"`
	Pending     []int64   `json:"pending,omitempty"`
	HasMembers  bool      `json:"has_members,omitempty"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

// key names a record: a user or a group.
type key struct {
	group bool
	id    int64
}

// Replica is one tenant's replica. It is safe for concurrent use.
type Replica struct {
	opts Options

	mu      sync.RWMutex
	recs    []userRec
	free    []uint32
	byID    map[int64]uint32
	byMail  map[string]uint32 // lower-cased Freshservice email
	byAlias map[string]uint32 // lower-cased SCIM userName, where it is not the email
	byWork  map[string]uint32 // lower-cased SCIM work email, where it is not the email
	groups  map[int64]*Group
	// groupNoted is when fsscim last noted each group, so that a group list read before a write
	// does not undo it.
	groupNoted map[int64]time.Time

	complete    bool
	builtAt     time.Time // the last full walk
	refreshedAt time.Time // the last refresh of any kind
	// noted holds what changed while a build walks, so the build does not put back the older state
	// its lists showed; nil outside a build.
	noted map[key]*change
	// unsaved are the records changed since the persisted copy was last written.
	unsaved map[key]struct{}
	// seq is how far the replica has read the shared store's changes.
	seq uint64

	buildMu sync.Mutex // one build at a time
}

// change is a record changed during a build; a nil user and group means it was removed.
type change struct {
	user  *userRec
	group *Group
}

// New returns an empty, incomplete replica.
func New(opts Options) *Replica {
	if opts.MaxUsers <= 0 {
		opts.MaxUsers = 250000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &Replica{opts: opts, unsaved: map[key]struct{}{}}
	r.reset()
	return r
}

func (r *Replica) reset() {
	r.recs, r.free = nil, nil
	r.byID, r.byMail, r.byAlias, r.byWork = map[int64]uint32{}, map[string]uint32{}, map[string]uint32{}, map[string]uint32{}
	r.groups = map[int64]*Group{}
	r.groupNoted = map[int64]time.Time{}
}

// Complete reports whether the replica holds every user and group and can answer "absent".
func (r *Replica) Complete() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.complete
}

// Len is the number of users held.
func (r *Replica) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.byID)
}

// Groups is the number of groups held.
func (r *Replica) GroupCount() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.groups)
}

// BuiltAt is when the last full walk ended; RefreshedAt when the last refresh of any kind did.
func (r *Replica) BuiltAt() time.Time {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.builtAt
}

// RefreshedAt is when the last refresh (a full walk or an incremental one) ended.
func (r *Replica) RefreshedAt() time.Time {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.refreshedAt
}

// lower lower-cases an email for the indexes, reusing s when it is lower-case already.
func lower(s string) string {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// put stores rec (replacing the record of its id) and indexes it. The caller holds mu.
func (r *Replica) put(rec userRec) {
	r.remove(rec.id)
	var slot uint32
	if n := len(r.free); n > 0 {
		slot = r.free[n-1]
		r.free = r.free[:n-1]
		r.recs[slot] = rec
	} else {
		slot = uint32(len(r.recs))
		r.recs = append(r.recs, rec)
	}
	p := &r.recs[slot]
	r.byID[rec.id] = slot
	mail := lower(p.field(fMail))
	if mail != "" {
		r.byMail[mail] = slot
	}
	if name := lower(p.field(vUserName)); name != "" && name != mail {
		r.byAlias[name] = slot
	}
	if work := lower(p.field(vWorkEmail)); work != "" && work != mail {
		r.byWork[work] = slot
	}
}

// remove drops the record of id and its index entries. The caller holds mu.
func (r *Replica) remove(id int64) {
	slot, ok := r.byID[id]
	if !ok {
		return
	}
	p := &r.recs[slot]
	drop := func(m map[string]uint32, k string) {
		if k != "" && m[k] == slot {
			delete(m, k)
		}
	}
	mail := lower(p.field(fMail))
	drop(r.byMail, mail)
	drop(r.byAlias, lower(p.field(vUserName)))
	drop(r.byWork, lower(p.field(vWorkEmail)))
	delete(r.byID, id)
	r.recs[slot] = userRec{}
	r.free = append(r.free, slot)
}

// NoteUser records a user as fsscim just read or wrote it in Freshservice: the newest state there is.
func (r *Replica) NoteUser(u User) {
	rec := encodeUser(u)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.noteRec(rec)
}

func (r *Replica) noteRec(rec userRec) {
	r.put(rec)
	k := key{id: rec.id}
	r.unsaved[k] = struct{}{}
	if r.noted != nil {
		r.noted[k] = &change{user: &rec}
	}
}

// ForgetUser removes a user Freshservice no longer has.
func (r *Replica) ForgetUser(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.remove(id)
	k := key{id: id}
	r.unsaved[k] = struct{}{}
	if r.noted != nil {
		r.noted[k] = &change{}
	}
}

// MarkUncertain says a write to the user may have landed without fsscim learning the outcome: until
// the user is noted again, User reports it unknown, so the next change reads it from Freshservice.
func (r *Replica) MarkUncertain(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if slot, ok := r.byID[id]; ok {
		r.recs[slot].flags |= flagUncertain
	}
}

// User returns the user with id: found says the replica holds it (and is sure of it); known says
// whether a miss means Freshservice has no such user (the replica is complete and holds no
// uncertain state for it).
func (r *Replica) User(id int64) (u User, found, known bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	slot, ok := r.byID[id]
	if !ok {
		return User{}, false, r.complete
	}
	rec := &r.recs[slot]
	if rec.has(flagUncertain) {
		return User{}, false, false
	}
	return rec.decode(), true, true
}

// Uncertain lists the users whose state a write left unknown (see MarkUncertain).
func (r *Replica) Uncertain() []int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []int64
	for id, slot := range r.byID {
		if r.recs[slot].has(flagUncertain) {
			out = append(out, id)
		}
	}
	return out
}

// IsAgent reports whether the replica knows the user as an agent (false when it does not know it).
func (r *Replica) IsAgent(id int64) (agent, found bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	slot, ok := r.byID[id]
	if !ok {
		return false, false
	}
	return r.recs[slot].has(flagAgent), true
}

// Member is what group writes need to know of a user named as a member.
type Member struct {
	ID            int64
	Agent, Active bool
	Deleted       bool
}

// Member returns what the replica knows of user id, and whether it holds it.
func (r *Replica) Member(id int64) (Member, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	slot, ok := r.byID[id]
	if !ok || r.recs[slot].has(flagUncertain) {
		return Member{}, false
	}
	rec := &r.recs[slot]
	return Member{ID: id, Agent: rec.has(flagAgent), Active: rec.has(flagActive), Deleted: rec.has(flagDeleted)}, true
}

// UserIDByEmail finds the user whose Freshservice email is email (ignoring case). complete says a
// miss means nobody holds it, as far as the replica knows.
func (r *Replica) UserIDByEmail(email string) (id int64, found, complete bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if slot, ok := r.byMail[lower(email)]; ok {
		return r.recs[slot].id, true, r.complete
	}
	return 0, false, r.complete
}

// FindUsers returns the ids of the users f matches, deleted ones left out, in id order. Filters that
// pin down userName, a work email or the id are answered from the indexes; others test every user.
func (r *Replica) FindUsers(search *mapping.UserSearch, f *scimfilter.Filter) []int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var need needs
	if f != nil && f.Uses(mapping.UserSlotID) {
		need |= needID
	}
	if f != nil && search.UsesCustom(f) {
		need |= needCustom
	}
	var out []int64
	var u mapping.User
	test := func(slot uint32) {
		rec := &r.recs[slot]
		if rec.id == 0 || rec.has(flagDeleted) {
			return
		}
		if f != nil {
			rec.fillView(&u, need)
			if !f.Matches(search.View(&u, timeOf(rec.created), timeOf(rec.updated))) {
				return
			}
		}
		out = append(out, rec.id)
	}
	if slots, ok := r.candidates(f); ok {
		for _, slot := range slots {
			test(slot)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	for slot := range r.recs {
		test(uint32(slot))
	}
	slices.Sort(out)
	return out
}

// candidates are the records an indexed attribute of f narrows the search to; ok is false when f
// pins none down.
func (r *Replica) candidates(f *scimfilter.Filter) ([]uint32, bool) {
	if f == nil {
		return nil, false
	}
	var slots []uint32
	look := func(m map[string]uint32, v string) {
		if slot, ok := m[lower(v)]; ok {
			slots = append(slots, slot)
		}
	}
	if vals, ok := f.EqualValues(mapping.UserSlotUserName, -1); ok {
		for _, v := range vals {
			look(r.byMail, v)
			look(r.byAlias, v)
		}
		return slots, true
	}
	if vals, ok := f.EqualValues(mapping.UserSlotEmails, 0); ok {
		for _, v := range vals {
			look(r.byMail, v)
			look(r.byWork, v)
		}
		return slots, true
	}
	if vals, ok := f.EqualValues(mapping.UserSlotID, -1); ok {
		for _, v := range vals {
			if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				if slot, ok := r.byID[id]; ok {
					slots = append(slots, slot)
				}
			}
		}
		return slots, true
	}
	return nil, false
}

// NoteGroup records a group as fsscim just read or wrote it.
func (r *Replica) NoteGroup(g Group) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.noteGroup(&g)
}

func (r *Replica) noteGroup(g *Group) {
	r.groups[g.ID] = g
	r.groupNoted[g.ID] = r.opts.Now()
	k := key{group: true, id: g.ID}
	r.unsaved[k] = struct{}{}
	if r.noted != nil {
		r.noted[k] = &change{group: g}
	}
}

// ForgetGroup removes a group Freshservice no longer has.
func (r *Replica) ForgetGroup(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.groups, id)
	r.groupNoted[id] = r.opts.Now()
	k := key{group: true, id: id}
	r.unsaved[k] = struct{}{}
	if r.noted != nil {
		r.noted[k] = &change{}
	}
}

// Group returns the group with id; known says a miss means Freshservice has no such group.
func (r *Replica) Group(id int64) (g Group, found, known bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if p, ok := r.groups[id]; ok {
		return cloneGroup(p), true, true
	}
	return Group{}, false, r.complete
}

// AllGroups returns every group, by id.
func (r *Replica) AllGroups() []Group {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Group, 0, len(r.groups))
	for _, g := range r.groups {
		out = append(out, cloneGroup(g))
	}
	slices.SortFunc(out, func(a, b Group) int { return compareIDs(a.ID, b.ID) })
	return out
}

func compareIDs(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cloneGroup(g *Group) Group {
	c := *g
	c.Members = slices.Clone(g.Members)
	c.Pending = slices.Clone(g.Pending)
	return c
}

// Source is what a build reads: every user with its SCIM view, and every group of the tenant's
// group target.
type Source interface {
	WalkUsers(ctx context.Context, fn func(User) error) error
	// WalkGroups hands fn every group; a tenant that provisions no groups hands none.
	WalkGroups(ctx context.Context, fn func(Group) error) error
}

var errStopWalk = errors.New("stop walk")

// Build walks every user and group and replaces the replica's content; what fsscim wrote while the
// walk ran is kept over what the lists showed. Concurrent builds share one walk: a caller that
// arrives while a build runs waits for it, then returns without walking again.
func (r *Replica) Build(ctx context.Context, src Source) error {
	started := r.opts.Now()
	r.buildMu.Lock()
	defer r.buildMu.Unlock()
	if built := r.BuiltAt(); !built.IsZero() && !built.Before(started) {
		return nil
	}
	r.mu.Lock()
	r.noted = map[key]*change{}
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.noted = nil
		r.mu.Unlock()
	}()

	fresh := New(r.opts)
	tooMany := false
	err := src.WalkUsers(ctx, func(u User) error {
		if len(fresh.byID) >= r.opts.MaxUsers {
			tooMany = true
			return errStopWalk
		}
		fresh.put(encodeUser(u))
		return nil
	})
	if err != nil && !errors.Is(err, errStopWalk) {
		return fmt.Errorf("build directory replica: %w", err)
	}
	if tooMany {
		r.mu.Lock()
		defer r.mu.Unlock()
		// Keep nothing rather than a part that could answer "absent" wrongly.
		r.reset()
		r.complete = false
		return ErrTooMany
	}
	err = src.WalkGroups(ctx, func(g Group) error {
		fresh.groups[g.ID] = &g
		return nil
	})
	if err != nil {
		return fmt.Errorf("build directory replica: %w", err)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	for k, c := range r.noted {
		switch {
		case k.group && c.group != nil:
			fresh.groups[k.id] = c.group
		case k.group:
			delete(fresh.groups, k.id)
		case c.user != nil:
			fresh.put(*c.user)
		default:
			fresh.remove(k.id)
		}
	}
	// Everything that changed, appeared or went since the last persisted state is saved again.
	for id := range r.byID {
		if _, ok := fresh.byID[id]; !ok {
			r.unsaved[key{id: id}] = struct{}{}
		}
	}
	for id := range r.groups {
		if _, ok := fresh.groups[id]; !ok {
			r.unsaved[key{group: true, id: id}] = struct{}{}
		}
	}
	for slot := range fresh.recs {
		rec := &fresh.recs[slot]
		if rec.id == 0 {
			continue
		}
		if old, ok := r.byID[rec.id]; !ok || !sameRecord(&r.recs[old], rec) {
			r.unsaved[key{id: rec.id}] = struct{}{}
		}
	}
	for id := range fresh.groups {
		r.unsaved[key{group: true, id: id}] = struct{}{}
	}
	r.recs, r.free, r.byID, r.byMail, r.byAlias, r.byWork, r.groups =
		fresh.recs, fresh.free, fresh.byID, fresh.byMail, fresh.byAlias, fresh.byWork, fresh.groups
	r.complete = true
	now := r.opts.Now()
	r.builtAt, r.refreshedAt = now, now
	return nil
}

func sameRecord(a, b *userRec) bool {
	return a.id == b.id && a.created == b.created && a.updated == b.updated && a.manager == b.manager &&
		a.location == b.location && a.flags&^flagUncertain == b.flags && a.blob == b.blob
}

// ApplyFresh records users read by an incremental refresh: each replaces what the replica holds
// unless the replica holds a newer state of it (one fsscim wrote after the refresh's read).
func (r *Replica) ApplyFresh(users []User) (changed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, u := range users {
		rec := encodeUser(u)
		if slot, ok := r.byID[rec.id]; ok {
			old := &r.recs[slot]
			if old.updated > rec.updated && !old.has(flagUncertain) || sameRecord(old, &rec) {
				continue
			}
		}
		r.noteRec(rec)
		changed++
	}
	return changed
}

// ReplaceGroups makes groups, listed by a refresh that began at listed, the replica's groups; a group
// fsscim noted (wrote or removed) after that keeps its noted state.
func (r *Replica) ReplaceGroups(groups []Group, listed time.Time) (changed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	next := make(map[int64]*Group, len(groups))
	for i := range groups {
		next[groups[i].ID] = &groups[i]
	}
	for id, at := range r.groupNoted {
		if !at.Before(listed) {
			if g, ok := r.groups[id]; ok {
				next[id] = g
			} else {
				delete(next, id)
			}
		}
	}
	for id, g := range next {
		if old, ok := r.groups[id]; !ok || !sameGroup(old, g) {
			r.unsaved[key{group: true, id: id}] = struct{}{}
			changed++
		}
	}
	for id := range r.groups {
		if _, ok := next[id]; !ok {
			r.unsaved[key{group: true, id: id}] = struct{}{}
			changed++
		}
	}
	r.groups = next
	return changed
}

func sameGroup(a, b *Group) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Description == b.Description && a.ExternalID == b.ExternalID &&
		a.RuleBased == b.RuleBased && a.HasMembers == b.HasMembers && slices.Equal(a.Members, b.Members) &&
		slices.Equal(a.Pending, b.Pending) && a.Created.Equal(b.Created) && a.Updated.Equal(b.Updated)
}

// Counts is how many requesters and agents the replica holds.
func (r *Replica) Counts() (requesters, agents int) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, slot := range r.byID {
		if r.recs[slot].has(flagAgent) {
			agents++
		} else {
			requesters++
		}
	}
	return requesters, agents
}

// CountUpdatedSince is how many users the replica knows as changed in Freshservice at or after t.
func (r *Replica) CountUpdatedSince(t time.Time) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	since, n := t.Unix(), 0
	for _, slot := range r.byID {
		if r.recs[slot].updated >= since {
			n++
		}
	}
	return n
}

// MarkRefreshed records that an incremental refresh ended.
func (r *Replica) MarkRefreshed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refreshedAt = r.opts.Now()
}
