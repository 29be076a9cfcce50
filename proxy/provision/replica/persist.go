package replica

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fsscim/fsscim/store"
)

// meta is what a persisted replica says of itself.
type meta struct {
	Version     int       `json:"version"`
	Complete    bool      `json:"complete"`
	BuiltAt     time.Time `json:"built_at"`
	RefreshedAt time.Time `json:"refreshed_at"`
	// View names the tenant options the SCIM views were worked out with; a replica saved under
	// other options is not loaded.
	View  string `json:"view"`
	Users int    `json:"users"`
	// Open says a process had the replica loaded and had not closed it: a copy found open was
	// left by a process that stopped without saving its last changes.
	Open bool `json:"open"`
}

// metaVersion names the layout of a persisted replica; a copy of another layout is not loaded (its
// records would not all be read). 2: user records of recordVersion 2.
const metaVersion = 2

// groupVersion starts a persisted group record.
const groupVersion = 1

func marshalGroup(g *Group) []byte {
	raw, err := json.Marshal(g)
	if err != nil {
		return nil
	}
	return append([]byte{groupVersion}, raw...)
}

func unmarshalGroup(data []byte) (Group, bool) {
	if len(data) < 2 || data[0] != groupVersion {
		return Group{}, false
	}
	var g Group
	if err := json.Unmarshal(data[1:], &g); err != nil || g.ID <= 0 {
		return Group{}, false
	}
	return g, true
}

// Pending is a set of records taken for saving; Requeue puts it back when the save failed.
type Pending struct {
	keys []key
	Recs []store.ReplicaRecord
	Meta []byte
}

// TakeUnsaved returns the records changed since the last save, with the meta when withMeta (or when a
// record changed), and forgets them as unsaved. open is what the meta says of the process.
func (r *Replica) TakeUnsaved(view string, open, withMeta bool) Pending {
	r.mu.Lock()
	defer r.mu.Unlock()
	var p Pending
	for k := range r.unsaved {
		p.keys = append(p.keys, k)
		rec := store.ReplicaRecord{Kind: store.ReplicaUser, ID: k.id}
		if k.group {
			rec.Kind = store.ReplicaGroup
			if g, ok := r.groups[k.id]; ok {
				rec.Data, rec.Version = marshalGroup(g), int64(unixOrZero(g.Updated))
			} else {
				rec.Version = r.opts.Now().Unix()
			}
		} else if ur, ok := r.users.get(k.id); ok {
			u := *ur
			u.flags &^= flagUncertain
			rec.Data, rec.Version = u.marshal(), int64(u.updated)
		} else {
			rec.Version = r.opts.Now().Unix()
		}
		p.Recs = append(p.Recs, rec)
	}
	clear(r.unsaved)
	if withMeta || len(p.Recs) > 0 {
		m := meta{Version: metaVersion, Complete: r.complete, BuiltAt: r.builtAt, RefreshedAt: r.refreshedAt,
			View: view, Users: r.users.len(), Open: open}
		p.Meta, _ = json.Marshal(m)
	}
	return p
}

// Requeue marks the records of p unsaved again (their save failed); a record changed since keeps
// its newer state.
func (r *Replica) Requeue(p Pending) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range p.keys {
		r.unsaved[k] = struct{}{}
	}
}

// Unsaved is how many records changed since the last save.
func (r *Replica) Unsaved() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.unsaved)
}

// LoadResult says what Load found.
type LoadResult struct {
	Loaded bool // a complete replica saved under the same view options was loaded
	// Unclean says the copy was left open by a process that stopped without saving its last
	// changes: it may miss the last seconds of writes, so a refresh is due at once.
	Unclean bool
	Users   int
}

// Load fills an empty replica from its persisted copy. A copy saved under other view options, or
// never completed, is left alone (Loaded false).
func (r *Replica) Load(ctx context.Context, rs store.ReplicaStore, tenant, view string) (LoadResult, error) {
	r.mu.RLock()
	fresh := newUsers(r.users.seed)
	r.mu.RUnlock()
	freshGroups := map[int64]*Group{}
	metaRaw, seq, err := rs.LoadReplica(ctx, tenant, func(rec store.ReplicaRecord) error {
		switch rec.Kind {
		case store.ReplicaUser:
			if u, ok := unmarshalUser(rec.Data); ok {
				fresh.put(u)
			}
		case store.ReplicaGroup:
			if g, ok := unmarshalGroup(rec.Data); ok {
				freshGroups[g.ID] = &g
			}
		}
		return nil
	})
	if err != nil {
		return LoadResult{}, fmt.Errorf("load directory replica of %s: %w", tenant, err)
	}
	var m meta
	if metaRaw == nil || json.Unmarshal(metaRaw, &m) != nil || m.Version != metaVersion || m.View != view || !m.Complete {
		return LoadResult{}, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users, r.groups = fresh, freshGroups
	r.complete, r.builtAt, r.refreshedAt, r.seq = true, m.BuiltAt, m.RefreshedAt, seq
	clear(r.unsaved)
	return LoadResult{Loaded: true, Unclean: m.Open && !rs.SharesReplica(), Users: fresh.len()}, nil
}

// Seq is how far the replica has read the shared store's changes.
func (r *Replica) Seq() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.seq
}

// SetSeq records how far the replica has read the shared store's changes, including its own saves.
func (r *Replica) SetSeq(seq uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if seq > r.seq {
		r.seq = seq
	}
}

// ApplyShared records what other processes saved: a user or group replaces the replica's unless the
// replica holds a newer state; a removal removes. They are not saved again.
func (r *Replica) ApplyShared(recs []store.ReplicaRecord, seq uint64) (applied int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range recs {
		switch rec.Kind {
		case store.ReplicaUser:
			if len(rec.Data) == 0 {
				if _, ok := r.users.get(rec.ID); ok {
					r.users.remove(rec.ID)
					applied++
				}
				r.note(key{id: rec.ID}, &change{})
				continue
			}
			u, ok := unmarshalUser(rec.Data)
			if !ok || u.id != rec.ID {
				continue
			}
			if old, ok := r.users.get(u.id); ok {
				if old.updated > u.updated || sameRecord(old, &u) {
					continue
				}
			}
			r.users.put(u)
			r.note(key{id: u.id}, &change{user: &u})
			applied++
		case store.ReplicaGroup:
			if len(rec.Data) == 0 {
				delete(r.groups, rec.ID)
				r.note(key{group: true, id: rec.ID}, &change{})
				applied++
				continue
			}
			g, ok := unmarshalGroup(rec.Data)
			if !ok || g.ID != rec.ID {
				continue
			}
			if old, ok := r.groups[g.ID]; ok && old.Updated.After(g.Updated) {
				continue
			}
			r.groups[g.ID] = &g
			r.note(key{group: true, id: g.ID}, &change{group: &g})
			applied++
		}
	}
	if seq > r.seq {
		r.seq = seq
	}
	return applied
}

// note keeps a change for a build that is walking, without marking it unsaved. The caller holds mu.
func (r *Replica) note(k key, c *change) {
	if r.noted != nil {
		r.noted[k] = c
	}
}

// Unsave marks every record unsaved, so the next save writes the whole replica (a shared store that
// lost its data is filled again).
func (r *Replica) Unsave() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id := range r.users.byID {
		r.unsaved[key{id: id}] = struct{}{}
	}
	for id := range r.groups {
		r.unsaved[key{group: true, id: id}] = struct{}{}
	}
}
