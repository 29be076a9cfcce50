package provision

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
)

// requesterGroups keeps SCIM groups as Freshservice requester groups, whose members are added and
// removed one call at a time.
type requesterGroups struct{ c *freshservice.Client }

func (requesterGroups) kind() string { return TargetRequesterGroups }
func (requesterGroups) noun() string { return "requester group" }
func (requesterGroups) agents() bool { return false }

func requesterGroupInfo(g freshservice.RequesterGroup) groupInfo {
	return groupInfo{id: g.ID, name: g.Name, description: g.Description, ruleBased: g.Type == freshservice.GroupTypeRuleBased}
}

func (t requesterGroups) get(ctx context.Context, id int64) (groupInfo, error) {
	g, err := t.c.GetRequesterGroup(ctx, id)
	if err != nil {
		return groupInfo{}, fmt.Errorf("get requester group %d: %w", id, err)
	}
	return requesterGroupInfo(g), nil
}

func (t requesterGroups) list(ctx context.Context) ([]groupInfo, error) {
	groups, err := t.c.ListRequesterGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list requester groups: %w", err)
	}
	out := make([]groupInfo, 0, len(groups))
	for _, g := range groups {
		out = append(out, requesterGroupInfo(g))
	}
	return out, nil
}

func (t requesterGroups) create(ctx context.Context, name, description string, _ []int64) (groupInfo, error) {
	g, err := t.c.CreateRequesterGroup(ctx, freshservice.GroupFields{Name: &name, Description: &description})
	if err != nil {
		return groupInfo{}, fmt.Errorf("create requester group %q: %w", name, err)
	}
	return requesterGroupInfo(g), nil
}

func (t requesterGroups) update(ctx context.Context, id int64, f freshservice.GroupFields) (groupInfo, error) {
	f.Members = nil
	g, err := t.c.UpdateRequesterGroup(ctx, id, f)
	if err != nil {
		return groupInfo{}, fmt.Errorf("update requester group %d: %w", id, err)
	}
	return requesterGroupInfo(g), nil
}

func (t requesterGroups) remove(ctx context.Context, id int64) error {
	if err := t.c.DeleteRequesterGroup(ctx, id); err != nil {
		return fmt.Errorf("delete requester group %d: %w", id, err)
	}
	return nil
}

func (t requesterGroups) members(ctx context.Context, g groupInfo) ([]mapping.Member, error) {
	list, err := t.c.ListRequesterGroupMembers(ctx, g.id)
	if err != nil {
		return nil, fmt.Errorf("list members of requester group %d: %w", g.id, err)
	}
	out := make([]mapping.Member, 0, len(list))
	for _, m := range list {
		out = append(out, mapping.Member{
			Value:   strconv.FormatInt(m.ID, 10),
			Display: strings.TrimSpace(m.FirstName + " " + m.LastName),
		})
	}
	return out, nil
}
