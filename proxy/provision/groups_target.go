package provision

import (
	"context"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
)

// groupInfo is a Freshservice group in the terms the Groups handler needs, whichever collection it
// comes from.
type groupInfo struct {
	id                int64
	name, description string
	ruleBased         bool
	// members and pending are known for agent groups, whose reads carry them; requester groups list
	// their members with separate calls.
	members, pending []int64
	created, updated time.Time
}

// groupTarget is the Freshservice collection a tenant's SCIM groups live in.
type groupTarget interface {
	// kind names the collection in the store ("requester_groups", "agent_groups").
	kind() string
	// noun is how answers name a group of this collection.
	noun() string
	// agents reports whether members are agents (else requesters).
	agents() bool
	get(ctx context.Context, id int64) (groupInfo, error)
	list(ctx context.Context) ([]groupInfo, error)
	// create makes a group; an agent group gets members with it, a requester group ignores them.
	create(ctx context.Context, name, description string, members []int64) (groupInfo, error)
	// update writes name and description (and, for agent groups, the whole member list).
	update(ctx context.Context, id int64, f freshservice.GroupFields) (groupInfo, error)
	remove(ctx context.Context, id int64) error
	// members reads the group's current members, with display text where Freshservice gives it.
	members(ctx context.Context, g groupInfo) ([]mapping.Member, error)
}

// Group targets a tenant file may name.
const (
	TargetRequesterGroups = "requester_groups"
	TargetAgentGroups     = "agent_groups"
	TargetNone            = "none"
)

// newGroupTarget returns the collection for a tenant's groups.target, or nil for none.
func newGroupTarget(target string, c *freshservice.Client) groupTarget {
	switch target {
	case TargetRequesterGroups:
		return newRequesterGroups(c)
	case TargetAgentGroups:
		return newAgentGroups(c)
	}
	return nil
}
