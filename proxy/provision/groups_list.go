package provision

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/mapping/scimfilter"
	"github.com/fsscim/fsscim/proxy/provision/replica"
	"github.com/fsscim/fsscim/store/record"
)

// groupSearch is the catalog group filters compile against; it is the same for every tenant.
var groupSearch = sync.OnceValue(mapping.NewGroupSearch)

// CompileGroupFilter reads a group filter; a filter fsscim cannot use is a 400 invalidFilter.
func CompileGroupFilter(raw string) (*scimfilter.Filter, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	return groupSearch().Compile(raw)
}

// replicaGroup is g as the replica holds it, with the externalId fsscim remembers for it.
func (gc groupOp) replicaGroup(ctx context.Context, g groupInfo) (replica.Group, error) {
	rec, _, err := gc.s.store().GetGroup(ctx, gc.s.t.domain, gc.target.kind(), g.id)
	if err != nil {
		return replica.Group{}, fmt.Errorf("read stored state of group %d: %w", g.id, err)
	}
	created, updated := gc.times(g, rec)
	return replica.Group{ID: g.id, Name: g.name, Description: g.description, ExternalID: rec.ExternalID,
		RuleBased: g.ruleBased, Members: g.members, Pending: g.pending, HasMembers: gc.target.agents(),
		Created: created, Updated: updated}, nil
}

// times are the group's meta.created and meta.lastModified: Freshservice's for an agent group.
// Requester groups carry no times in Freshservice: fsscim's record of when it made and last changed
// the group stands in (none for a group fsscim never touched), also for a g that came from the
// replica, which holds the times of the record as it was then.
func (gc groupOp) times(g groupInfo, rec record.GroupRecord) (created, updated time.Time) {
	if gc.target.agents() || !g.created.IsZero() && rec.Created.IsZero() && rec.LastModified.IsZero() {
		return g.created, g.updated
	}
	return rec.Created, rec.LastModified
}

// info is a replica group in the terms the group operations use.
func info(g replica.Group) groupInfo {
	return groupInfo{id: g.ID, name: g.Name, description: g.Description, ruleBased: g.RuleBased,
		members: g.Members, pending: g.Pending, created: g.Created, updated: g.Updated}
}

// noteGroup records g, as Freshservice answered it, in the replica.
func (gc groupOp) noteGroup(ctx context.Context, g groupInfo) {
	rg, err := gc.replicaGroup(ctx, g)
	if err != nil {
		gc.s.log.Warn("could not record a group in the directory replica", zap.Int64("group_id", g.id), zap.Error(err))
		return
	}
	rep := gc.s.replica(ctx)
	rep.NoteGroup(rg)
	gc.s.publish(ctx, rep)
}

// forgetGroup records that group id is gone.
func (gc groupOp) forgetGroup(ctx context.Context, id int64) {
	rep := gc.s.replica(ctx)
	rep.ForgetGroup(id)
	gc.s.publish(ctx, rep)
}

// lookup returns group gid from the replica, or from Freshservice when the replica does not hold it
// (made there since the last refresh). A group that does not exist is a Freshservice 404.
func (gc groupOp) lookup(ctx context.Context, gid int64) (replica.Group, error) {
	if rep := gc.s.readyReplica(ctx); rep != nil {
		if g, found, _ := rep.Group(gid); found {
			return g, nil
		}
	}
	g, err := gc.target.get(ctx, gid)
	if err != nil {
		return replica.Group{}, err
	}
	gc.noteGroup(ctx, g)
	return gc.replicaGroup(ctx, g)
}

// members are g's members: those the replica holds for an agent group, read from Freshservice for a
// requester group.
func (gc groupOp) members(ctx context.Context, g replica.Group) ([]mapping.Member, error) {
	return gc.target.members(ctx, info(g))
}

// list answers GET /Groups from the replica: filtered on every attribute, with member lists read
// only where the filter names members or the answer carries them (requester groups' members cost a
// call each). startIndex is 1-based.
func (gc groupOp) list(ctx context.Context, f *scimfilter.Filter, startIndex, count int, withMembers bool) (Page, error) {
	var groups []replica.Group
	if rep := gc.s.readyReplica(ctx); rep != nil {
		groups = rep.AllGroups()
	} else {
		live, err := gc.target.list(ctx)
		if err != nil {
			return Page{}, err
		}
		for _, g := range live {
			rg, err := gc.replicaGroup(ctx, g)
			if err != nil {
				return Page{}, err
			}
			groups = append(groups, rg)
		}
	}
	if f != nil {
		if ids, ok := f.EqualValues(mapping.GroupSlotID, -1); ok {
			keep := groups[:0]
			for _, g := range groups {
				for _, id := range ids {
					if strconv.FormatInt(g.ID, 10) == strings.TrimSpace(id) {
						keep = append(keep, g)
						break
					}
				}
			}
			groups = keep
		}
	}
	needMembers := f != nil && f.Uses(mapping.GroupSlotMembers)
	type hit struct {
		g       replica.Group
		members []mapping.Member
	}
	var matched []hit
	for _, g := range groups {
		mg := mapping.Group{ID: strconv.FormatInt(g.ID, 10), DisplayName: g.Name, ExternalID: g.ExternalID, Description: g.Description}
		var members []mapping.Member
		if needMembers {
			var err error
			if members, err = gc.members(ctx, g); err != nil {
				return Page{}, err
			}
			mg.Members = members
		}
		if f != nil && !f.Matches(groupSearch().View(&mg, g.Created, g.Updated)) {
			continue
		}
		matched = append(matched, hit{g: g, members: members})
	}
	from, to := pageOf(len(matched), startIndex, count)
	out := make([]Resource, 0, to-from)
	for _, h := range matched[from:to] {
		if err := gc.recordInReach(ctx, h.g.ID); err != nil {
			return Page{}, err
		}
		members := h.members
		if withMembers && members == nil {
			var err error
			if members, err = gc.members(ctx, h.g); err != nil {
				return Page{}, err
			}
		}
		out = append(out, gc.groupAnswer(h.g, withMembers, members))
	}
	return Page{Total: len(matched), Resources: out}, nil
}

// recordInReach reads fsscim's record of group id when the records other processes share are out of
// reach (see Session.deletedOutOfReach): the replica may lack what another process recorded of the
// group, and the read fails with the store's ErrIncomplete (a 503) for a group this process holds no
// record of. While every record is within reach it reads nothing.
func (gc groupOp) recordInReach(ctx context.Context, id int64) error {
	if gc.s.t.recordsComplete() {
		return nil
	}
	if _, _, err := gc.s.store().GetGroup(ctx, gc.s.t.domain, gc.target.kind(), id); err != nil {
		return fmt.Errorf("read stored state of group %d: %w", id, err)
	}
	return nil
}

// groupAnswer is the SCIM answer for g, with members when withMembers.
func (gc groupOp) groupAnswer(g replica.Group, withMembers bool, members []mapping.Member) Resource {
	mg := mapping.Group{ID: strconv.FormatInt(g.ID, 10), DisplayName: g.Name, ExternalID: g.ExternalID, Description: g.Description}
	if withMembers {
		mg.Members = members
	}
	return groupResource(mg, info(g), withMembers)
}
