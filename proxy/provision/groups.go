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

// groups returns the session's group operations, or a 501 when the tenant provisions no groups.
func (s *Session) groups() (groupOp, error) {
	target := newGroupTarget(s.cfg.Groups.Target, s.c)
	if target == nil {
		return groupOp{}, problem(http.StatusNotImplemented, "", "Groups are not provisioned to %s (groups.target is %q in its tenant file).", s.cfg.Domain, s.cfg.Groups.Target)
	}
	return groupOp{s: s, target: target}, nil
}

// GetGroup reads the group fresh from Freshservice, with its members when withMembers is true.
func (s *Session) GetGroup(ctx context.Context, id string, withMembers bool) (Resource, error) {
	gc, err := s.groups()
	if err != nil {
		return Resource{}, err
	}
	gid, ok := parseID(id)
	if !ok {
		return Resource{}, groupNotFound(id)
	}
	g, err := gc.target.get(ctx, gid)
	if err != nil {
		if freshservice.IsNotFound(err) {
			return Resource{}, groupNotFound(id)
		}
		return Resource{}, err
	}
	return gc.resource(ctx, g, withMembers, nil)
}

// ListGroups answers lookups: by displayName (case-insensitive), by externalId, and the membership
// check `id eq "g" and members eq "u"`. Without members, no member list is read. startIndex is
// 1-based.
func (s *Session) ListGroups(ctx context.Context, plan mapping.GroupPlan, startIndex, count int, withMembers bool) (Page, error) {
	gc, err := s.groups()
	if err != nil {
		return Page{}, err
	}
	return gc.list(ctx, plan, startIndex, count, withMembers)
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
	return gc.create(ctx, g)
}

// ReplaceGroup (PUT) sets the name, description and externalId; members, when attrs carries them,
// become the whole member list. A body without members leaves them alone: clearing a group because a
// client only meant to rename it would cost its members their access.
func (s *Session) ReplaceGroup(ctx context.Context, id string, attrs map[string]any) (Resource, error) {
	gc, err := s.groups()
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
	info, err := gc.edit(ctx, gid, id, e)
	if err != nil {
		return Resource{}, err
	}
	return gc.resource(ctx, info, true, nil)
}

// PatchGroup applies a PATCH's operations (both of Entra's member dialects, see
// mapping.ApplyGroupPatch). It returns the attributes fsscim does not map.
func (s *Session) PatchGroup(ctx context.Context, id string, ops []mapping.PatchOp) ([]string, error) {
	gc, err := s.groups()
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
	gc, err := s.groups()
	if err != nil {
		return err
	}
	gid, ok := parseID(id)
	if !ok {
		return groupNotFound(id)
	}
	return gc.delete(ctx, gid, id)
}

// resource is the SCIM answer for g. members, when given, are used instead of reading them.
func (gc groupOp) resource(ctx context.Context, g groupInfo, withMembers bool, members []mapping.Member) (Resource, error) {
	rec, _, err := gc.s.store().GetGroup(ctx, gc.s.t.domain, gc.target.kind(), g.id)
	if err != nil {
		return Resource{}, fmt.Errorf("read stored state of group %d: %w", g.id, err)
	}
	mg := mapping.Group{ID: strconv.FormatInt(g.id, 10), DisplayName: g.name, ExternalID: rec.ExternalID, Description: g.description}
	if g.created.IsZero() && g.updated.IsZero() {
		// Requester groups carry no times in Freshservice: fsscim's record of when it made and last
		// changed the group stands in (none for a group fsscim never touched).
		g.created, g.updated = rec.Created, rec.LastModified
	}
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
