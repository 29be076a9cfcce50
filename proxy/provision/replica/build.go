package replica

// Filling the replica: a full walk (Build), the users an incremental refresh read (ApplyFresh), and
// the groups each refresh lists (ReplaceGroups).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

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

	fresh := newUsers(r.users.seed)
	freshGroups := map[int64]*Group{}
	tooMany := false
	err := src.WalkUsers(ctx, func(u User) error {
		if fresh.len() >= r.opts.MaxUsers {
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
		freshGroups[g.ID] = &g
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
			freshGroups[k.id] = c.group
		case k.group:
			delete(freshGroups, k.id)
		case c.user != nil:
			fresh.put(*c.user)
		default:
			fresh.remove(k.id)
		}
	}
	// Everything that changed, appeared or went since the last persisted state is saved again.
	for id := range r.users.byID {
		if _, ok := fresh.byID[id]; !ok {
			r.unsaved[key{id: id}] = struct{}{}
		}
	}
	for id := range r.groups {
		if _, ok := freshGroups[id]; !ok {
			r.unsaved[key{group: true, id: id}] = struct{}{}
		}
	}
	fresh.each(func(_ uint32, rec *userRec) {
		if old, ok := r.users.get(rec.id); !ok || !sameRecord(old, rec) {
			r.unsaved[key{id: rec.id}] = struct{}{}
		}
	})
	for id := range freshGroups {
		r.unsaved[key{group: true, id: id}] = struct{}{}
	}
	r.users, r.groups = fresh, freshGroups
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
		if old, ok := r.users.get(rec.id); ok {
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
	return r.users.len() - r.users.agents, r.users.agents
}

// CountUpdatedSince is how many users the replica knows as changed in Freshservice at or after t.
func (r *Replica) CountUpdatedSince(t time.Time) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	since, n := unixOrZero(t), 0
	r.users.each(func(_ uint32, rec *userRec) {
		if rec.updated >= since {
			n++
		}
	})
	return n
}

// MarkRefreshed records that an incremental refresh ended.
func (r *Replica) MarkRefreshed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refreshedAt = r.opts.Now()
}
