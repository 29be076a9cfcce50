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
type requesterGroups struct {
	groupCalls[freshservice.RequesterGroup]
	c *freshservice.Client
}

// newRequesterGroups leaves members out of creates and updates: the API adds and removes them one
// call at a time.
func newRequesterGroups(c *freshservice.Client) requesterGroups {
	return requesterGroups{groupCalls[freshservice.RequesterGroup]{
		target: TargetRequesterGroups, name: "requester group", info: requesterGroupInfo,
		fetch: c.GetRequesterGroup, fetchAll: c.ListRequesterGroups,
		add: func(ctx context.Context, f freshservice.GroupFields) (freshservice.RequesterGroup, error) {
			f.Members = nil
			return c.CreateRequesterGroup(ctx, f)
		},
		write: func(ctx context.Context, id int64, f freshservice.GroupFields) (freshservice.RequesterGroup, error) {
			f.Members = nil
			return c.UpdateRequesterGroup(ctx, id, f)
		},
		drop: c.DeleteRequesterGroup,
	}, c}
}

func requesterGroupInfo(g freshservice.RequesterGroup) groupInfo {
	return groupInfo{id: g.ID, name: g.Name, description: g.Description, ruleBased: g.Type == freshservice.GroupTypeRuleBased}
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
