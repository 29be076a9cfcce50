package provision

import (
	"context"
	"fmt"

	"github.com/fsscim/fsscim/freshservice"
)

// groupCalls are one Freshservice group collection's calls, G being its group as the API gives it:
// agent and requester groups differ in their type and calls, not in what fsscim does with them.
type groupCalls[G any] struct {
	target, name string // the collection's groups.target and its noun
	agentMembers bool
	info         func(G) groupInfo
	fetch        func(ctx context.Context, id int64) (G, error)
	fetchAll     func(ctx context.Context) ([]G, error)
	add          func(ctx context.Context, f freshservice.GroupFields) (G, error)
	write        func(ctx context.Context, id int64, f freshservice.GroupFields) (G, error)
	drop         func(ctx context.Context, id int64) error
}

func (t groupCalls[G]) kind() string { return t.target }
func (t groupCalls[G]) noun() string { return t.name }
func (t groupCalls[G]) agents() bool { return t.agentMembers }

func (t groupCalls[G]) get(ctx context.Context, id int64) (groupInfo, error) {
	g, err := t.fetch(ctx, id)
	if err != nil {
		return groupInfo{}, fmt.Errorf("get %s %d: %w", t.name, id, err)
	}
	return t.info(g), nil
}

func (t groupCalls[G]) list(ctx context.Context) ([]groupInfo, error) {
	groups, err := t.fetchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("list %ss: %w", t.name, err)
	}
	out := make([]groupInfo, 0, len(groups))
	for _, g := range groups {
		out = append(out, t.info(g))
	}
	return out, nil
}

func (t groupCalls[G]) create(ctx context.Context, name, description string, members []int64) (groupInfo, error) {
	f := freshservice.GroupFields{Name: &name, Description: &description}
	if len(members) > 0 {
		f.Members = &members
	}
	g, err := t.add(ctx, f)
	if err != nil {
		return groupInfo{}, fmt.Errorf("create %s %q: %w", t.name, name, err)
	}
	return t.info(g), nil
}

func (t groupCalls[G]) update(ctx context.Context, id int64, f freshservice.GroupFields) (groupInfo, error) {
	g, err := t.write(ctx, id, f)
	if err != nil {
		return groupInfo{}, fmt.Errorf("update %s %d: %w", t.name, id, err)
	}
	return t.info(g), nil
}

func (t groupCalls[G]) remove(ctx context.Context, id int64) error {
	if err := t.drop(ctx, id); err != nil {
		return fmt.Errorf("delete %s %d: %w", t.name, id, err)
	}
	return nil
}
