// Package replica is a tenant's directory replica: every Freshservice user (requesters and agents,
// active and deactivated) and group, in a compact form of what fsscim maps and of the SCIM resource it
// answers for each. Filled by walking Freshservice's lists, kept current by fsscim's own writes and by
// refreshes, it answers every read (filters, pages, lookups, the base of a PATCH) without a
// Freshservice call. Its persisted copy lives in the store, so a restart (and, through Redis, another
// process) answers without walking again.
package replica

import (
	"cmp"
	"errors"
	"hash/maphash"
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

	mu     sync.RWMutex
	users  *users
	groups map[int64]*Group
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
	r.users = newUsers(maphash.MakeSeed())
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
	return r.users.len()
}

// GroupCount is the number of groups held.
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

// NoteUser records a user as fsscim just read or wrote it in Freshservice: the newest state there is.
func (r *Replica) NoteUser(u User) {
	rec := encodeUser(u)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.noteRec(rec)
}

func (r *Replica) noteRec(rec userRec) {
	r.users.put(rec)
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
	r.users.remove(id)
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
	if rec, ok := r.users.get(id); ok {
		r.users.markUncertain(rec)
	}
}

// User returns the user with id: found says the replica holds it (and is sure of it); known says
// whether a miss means Freshservice has no such user (the replica is complete and holds no
// uncertain state for it).
func (r *Replica) User(id int64) (u User, found, known bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	rec, ok := r.users.get(id)
	if !ok {
		return User{}, false, r.complete
	}
	if rec.has(flagUncertain) {
		return User{}, false, false
	}
	return rec.decode(), true, true
}

// Uncertain lists the users whose state a write left unknown (see MarkUncertain).
func (r *Replica) Uncertain() []int64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.users.uncertain) == 0 {
		return nil
	}
	out := make([]int64, 0, len(r.users.uncertain))
	for id := range r.users.uncertain {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// IsAgent reports whether the replica knows the user as an agent (false when it does not know it).
func (r *Replica) IsAgent(id int64) (agent, found bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	rec, ok := r.users.get(id)
	if !ok {
		return false, false
	}
	return rec.has(flagAgent), true
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
	rec, ok := r.users.get(id)
	if !ok || rec.has(flagUncertain) {
		return Member{}, false
	}
	return Member{ID: id, Agent: rec.has(flagAgent), Active: rec.has(flagActive), Deleted: rec.has(flagDeleted)}, true
}

// UserIDByEmail finds the user whose Freshservice email is email (ignoring case). complete says a
// miss means nobody holds it, as far as the replica knows.
func (r *Replica) UserIDByEmail(email string) (id int64, found, complete bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, slot := range r.users.lookup(r.users.byMail, email, nil) {
		// The index holds a hash: the record's own email says whether it is the one.
		if rec := r.users.at(slot); strings.EqualFold(rec.field(fMail), strings.TrimSpace(email)) {
			return rec.id, true, r.complete
		}
	}
	return 0, false, r.complete
}

// FindUsers returns the ids of the users f matches, deleted ones left out, in id order. Filters that
// pin down userName, a work email or the id are answered from the indexes; others test every user,
// reading only the attributes the filter names.
func (r *Replica) FindUsers(search *mapping.UserSearch, f *scimfilter.Filter) []int64 {
	r.ensureColumns(f)
	r.mu.RLock()
	defer r.mu.RUnlock()
	var n needs
	if f != nil {
		n = needsOf(f.Uses, search.UsesCustom(f))
	}
	withTimes := n.has(mapping.UserSlotMeta)
	var u mapping.User
	view := search.View(&u, time.Time{}, time.Time{})
	plan := planView(&u, n)
	var out []int64
	test := func(_ uint32, rec *userRec) {
		if rec.id == 0 || rec.has(flagDeleted) {
			return
		}
		if f != nil {
			plan.fill(rec)
			if withTimes {
				view.SetTimes(timeOf(rec.created), timeOf(rec.updated))
			}
			if !f.Matches(&view) {
				return
			}
		}
		out = append(out, rec.id)
	}
	if slots, ok := r.candidates(f); ok {
		for _, slot := range slots {
			test(slot, r.users.at(slot))
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	r.users.each(test)
	slices.Sort(out)
	return out
}

// ensureColumns builds, under the write lock, the hash columns a lookup by f reads (columns change
// the replica's maps, which readers share).
func (r *Replica) ensureColumns(f *scimfilter.Filter) {
	if f == nil {
		return
	}
	for _, cf := range columnFields {
		if _, ok := f.EqualValues(cf.slot, cf.sub); !ok {
			continue
		}
		r.mu.RLock()
		missing := false
		for _, field := range cf.fields {
			if _, ok := r.users.cols[field]; !ok {
				missing = true
			}
		}
		r.mu.RUnlock()
		if missing {
			r.mu.Lock()
			for _, field := range cf.fields {
				r.users.column(field)
			}
			r.mu.Unlock()
		}
		return
	}
}

// candidates are the records an indexed attribute of f narrows the search to; ok is false when f
// pins none down.
func (r *Replica) candidates(f *scimfilter.Filter) ([]uint32, bool) {
	if f == nil {
		return nil, false
	}
	us := r.users
	var slots []uint32
	if vals, ok := f.EqualValues(mapping.UserSlotUserName, -1); ok {
		for _, v := range vals {
			slots = us.lookup(us.byMail, v, slots)
			slots = us.lookup(us.byAlias, v, slots)
		}
		return slots, true
	}
	if vals, ok := f.EqualValues(mapping.UserSlotEmails, 0); ok {
		for _, v := range vals {
			slots = us.lookup(us.byMail, v, slots)
			slots = us.lookup(us.byWork, v, slots)
		}
		return slots, true
	}
	if vals, ok := f.EqualValues(mapping.UserSlotID, -1); ok {
		for _, v := range vals {
			if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				if slot, ok := us.byID[id]; ok {
					slots = append(slots, slot)
				}
			}
		}
		return slots, true
	}
	for _, cf := range columnFields {
		if vals, ok := f.EqualValues(cf.slot, cf.sub); ok {
			return us.scanColumns(cf.fields, vals, slots), true
		}
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
	slices.SortFunc(out, func(a, b Group) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func cloneGroup(g *Group) Group {
	c := *g
	c.Members = slices.Clone(g.Members)
	c.Pending = slices.Clone(g.Pending)
	return c
}
