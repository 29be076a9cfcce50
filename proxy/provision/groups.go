package provision

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
)

// groupOp is one group operation: the session and the Freshservice collection the tenant's SCIM
// groups live in (requester or agent groups, per its groups.target). A SCIM group's id is the
// Freshservice group id.
type groupOp struct {
	s      *Session
	target groupTarget
}

// groupsVerified is groups() for an operation that may be answered from the replica alone: the key
// must still be one Freshservice accepts.
func (s *Session) groupsVerified(ctx context.Context) (groupOp, error) {
	gc, err := s.groups()
	if err != nil {
		return groupOp{}, err
	}
	if err := s.VerifyKey(ctx); err != nil {
		return groupOp{}, err
	}
	return gc, nil
}

// groups returns the session's group operations, or a 501 when the tenant provisions no groups.
func (s *Session) groups() (groupOp, error) {
	target := newGroupTarget(s.cfg.Groups.Target, s.c)
	if target == nil {
		return groupOp{}, problem(http.StatusNotImplemented, "", "Groups are not provisioned to %s (groups.target is %q in its tenant file).", s.cfg.Domain, s.cfg.Groups.Target)
	}
	return groupOp{s: s, target: auditedGroups{groupTarget: target, s: s}}, nil
}

// GetGroup answers the group from the directory replica (from Freshservice when the replica does not
// hold it) and fsscim's record of it, with its members when withMembers is true: an agent group's from
// the replica, a requester group's read from Freshservice.
func (s *Session) GetGroup(ctx context.Context, id string, withMembers bool) (Resource, error) {
	gc, err := s.groups()
	if err != nil {
		return Resource{}, err
	}
	gid, ok := parseID(id)
	if !ok {
		return Resource{}, groupNotFound(id)
	}
	if err := s.VerifyKey(ctx); err != nil {
		return Resource{}, err
	}
	g, err := gc.lookup(ctx, gid)
	if err != nil {
		if freshservice.IsNotFound(err) {
			return Resource{}, groupNotFound(id)
		}
		return Resource{}, err
	}
	// Answered with fsscim's record of the group (its externalId and, for a requester group, its
	// times), read from the store like a user's: no Freshservice call, and a 503 when the store cannot
	// answer.
	return gc.resource(ctx, info(g), withMembers, nil)
}

// GroupQuery is a list or search of groups: a filter (empty lists every group), the page wanted
// (StartIndex 1-based) and whether the answer carries members.
type GroupQuery struct {
	Filter            string
	StartIndex, Count int
	WithMembers       bool
}

// ListGroups answers a filter on any group attribute from the directory replica, including Entra's
// lookup by displayName (case-insensitive) and its membership check `id eq "g" and members eq "u"`.
// Without members, no member list is read.
func (s *Session) ListGroups(ctx context.Context, q GroupQuery) (Page, error) {
	gc, err := s.groups()
	if err != nil {
		return Page{}, err
	}
	f, err := CompileGroupFilter(q.Filter)
	if err != nil {
		return Page{}, err
	}
	if err := s.VerifyKey(ctx); err != nil {
		return Page{}, err
	}
	return gc.list(ctx, f, q.StartIndex, q.Count, q.WithMembers)
}

// CreateGroup makes the group, then adds its members. Members are checked first, so a bad member
// creates nothing; if adding members fails half-way the new group is deleted again.
func (s *Session) CreateGroup(ctx context.Context, attrs map[string]any) (Resource, error) {
	gc, err := s.groups()
	if err != nil {
		return Resource{}, err
	}
	g, err := mapping.GroupFromAttributes(attrs)
	if err != nil {
		return Resource{}, err
	}
	res, err := gc.create(ctx, g)
	if err == nil {
		s.noteWrite(WriteCreate)
	}
	return res, err
}

// ReplaceGroup (PUT) sets the name, description and externalId; members, when attrs carries them,
// become the whole member list. A body without members leaves them alone: clearing a group because a
// client only meant to rename it would cost its members their access.
func (s *Session) ReplaceGroup(ctx context.Context, id string, attrs map[string]any) (Resource, error) {
	gc, err := s.groupsVerified(ctx)
	if err != nil {
		return Resource{}, err
	}
	gid, ok := parseID(id)
	if !ok {
		return Resource{}, groupNotFound(id)
	}
	g, err := mapping.GroupFromAttributes(attrs)
	if err != nil {
		return Resource{}, err
	}
	e := groupEdit{name: &g.DisplayName, description: &g.Description, externalID: &g.ExternalID}
	if g.Members != nil {
		ids := memberValues(g.Members)
		e.replace = &ids
	}
	edited, err := gc.edit(ctx, gid, id, e)
	if err != nil {
		return Resource{}, err
	}
	return gc.resource(ctx, edited, true, nil)
}

// PatchGroup applies a PATCH's operations (both of Entra's member dialects, see
// mapping.ApplyGroupPatch). It returns the attributes fsscim does not map.
func (s *Session) PatchGroup(ctx context.Context, id string, ops []mapping.PatchOp) ([]string, error) {
	gc, err := s.groupsVerified(ctx)
	if err != nil {
		return nil, err
	}
	gid, ok := parseID(id)
	if !ok {
		return nil, groupNotFound(id)
	}
	change, err := mapping.ApplyGroupPatch(ops)
	if err != nil {
		return nil, err
	}
	e := groupEdit{
		name:        change.DisplayName,
		description: change.Description,
		externalID:  change.ExternalID,
		add:         change.Add,
		remove:      change.Remove,
		replace:     change.Replace,
	}
	_, err = gc.edit(ctx, gid, id, e)
	return change.Ignored, err
}

// DeleteGroup deletes the group in Freshservice and forgets what fsscim recorded about it.
func (s *Session) DeleteGroup(ctx context.Context, id string) error {
	gc, err := s.groupsVerified(ctx)
	if err != nil {
		return err
	}
	gid, ok := parseID(id)
	if !ok {
		return groupNotFound(id)
	}
	if err := gc.delete(ctx, gid, id); err != nil {
		return err
	}
	s.noteWrite(WriteDelete)
	return nil
}

// resource is the SCIM answer for g. members, when given, are used instead of reading them.
func (gc groupOp) resource(ctx context.Context, g groupInfo, withMembers bool, members []mapping.Member) (Resource, error) {
	rec, _, err := gc.s.store().GetGroup(ctx, gc.s.t.domain, gc.target.kind(), g.id)
	if err != nil {
		return Resource{}, fmt.Errorf("read stored state of group %d: %w", g.id, err)
	}
	mg := mapping.Group{ID: strconv.FormatInt(g.id, 10), DisplayName: g.name, ExternalID: rec.ExternalID, Description: g.description}
	g.created, g.updated = gc.times(g, rec)
	if withMembers {
		if members == nil {
			if members, err = gc.target.members(ctx, g); err != nil {
				return Resource{}, err
			}
		}
		mg.Members = members
	}
	return groupResource(mg, g, withMembers), nil
}

func groupResource(mg mapping.Group, g groupInfo, withMembers bool) Resource {
	return Resource{
		ID:           mg.ID,
		ExternalID:   mg.ExternalID,
		Attributes:   mapping.GroupToAttributes(mg, withMembers),
		Created:      g.created,
		LastModified: g.updated,
	}
}

func memberValues(members []mapping.Member) []string {
	ids := make([]string, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.Value)
	}
	return ids
}
