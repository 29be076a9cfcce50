package provision

import (
	"context"
	"fmt"
	"strconv"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
)

// create makes group g in Freshservice. Entra creates groups empty and adds members later; other
// clients send members with the create, and those are checked before the group is made.
func (gc groupOp) create(ctx context.Context, g mapping.Group) (Resource, error) {
	values := memberValues(g.Members)
	resolved, refusals, err := gc.resolveMembers(ctx, values)
	if err != nil {
		return Resource{}, err
	}
	if len(refusals) > 0 {
		return Resource{}, refusalError(fmt.Sprintf("Group %q was not created", g.DisplayName), refusals)
	}
	var plan memberPlan
	seen := map[int64]bool{}
	for _, v := range values {
		u := resolved[v]
		if seen[u.id] {
			continue
		}
		seen[u.id] = true
		if !gc.target.agents() && !u.active {
			plan.hold = append(plan.hold, u.id)
		} else {
			plan.add = append(plan.add, u.id)
		}
	}
	if gc.s.cfg.DryRun {
		gc.s.log.Info("dry run: write not made", zap.String("write", "create "+gc.target.noun()), zap.String("name", g.DisplayName),
			zap.Int64s("add", plan.add), zap.Int64s("hold", plan.hold))
		gc.s.auditDryRun(ctx, gc.s.createEntries(g.DisplayName, g.Description, plan.add)...)
		return groupResource(mapping.Group{ID: "0", DisplayName: g.DisplayName, ExternalID: g.ExternalID, Description: g.Description, Members: g.Members}, groupInfo{}, true), nil
	}

	if err := gc.s.storeUsable(ctx); err != nil {
		return Resource{}, err
	}
	var withCreate []int64
	if gc.target.agents() {
		withCreate = plan.add
	}
	info, err := gc.target.create(ctx, g.DisplayName, g.Description, withCreate)
	if err != nil {
		return Resource{}, gc.nameTaken(err, g.DisplayName)
	}
	var externalID *string
	if g.ExternalID != "" {
		externalID = &g.ExternalID
	}
	if err := gc.recordGroup(ctx, info.id, externalID, true, false); err != nil {
		return Resource{}, err
	}
	gc.noteGroup(ctx, info)
	if !gc.target.agents() && !plan.empty() {
		p := gc.changeRequesterMembers(ctx, info, plan)
		if p.err != nil {
			return Resource{}, gc.undoCreate(ctx, info, g.DisplayName, plan, p)
		}
		if err := gc.recordMemberships(ctx, info.id, p); err != nil {
			return Resource{}, err
		}
	}
	gc.s.log.Info("group created", zap.String("kind", gc.target.kind()), zap.Int64("group_id", info.id),
		zap.Int("members", len(plan.add)+len(plan.hold)))

	out := g
	out.ID = strconv.FormatInt(info.id, 10)
	if out.Members == nil {
		out.Members = []mapping.Member{}
	}
	if info.created.IsZero() {
		// A requester group: fsscim's own record of it has the times.
		return gc.resource(ctx, info, true, out.Members)
	}
	return groupResource(out, info, true), nil
}

// undoCreate deletes a group whose members could not all be added, so that a create either
// happens whole or leaves nothing behind; Entra's retry of the create then starts afresh.
func (gc groupOp) undoCreate(ctx context.Context, info groupInfo, name string, plan memberPlan, p *memberProgress) error {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), gc.s.t.deps.UpstreamTimeout)
	defer cancel()
	if err := gc.target.remove(dctx, info.id); err != nil && !freshservice.IsNotFound(err) {
		gc.s.log.Error("could not delete a group whose members failed", zap.Int64("group_id", info.id), zap.Error(err))
		if rerr := gc.recordMemberships(ctx, info.id, p); rerr != nil {
			gc.s.log.Error("could not record memberships", zap.Int64("group_id", info.id), zap.Error(rerr))
		}
		return gc.partialError(ctx, fmt.Sprintf("Group %q was created as %s %d, but adding its members stopped part-way and deleting it again failed", name, gc.target.noun(), info.id), plan, p,
			p.describe(plan)+" Entra finds the group by its name on its next cycle and adds the rest.")
	}
	gc.forgetGroup(dctx, info.id)
	if err := gc.s.store().DeleteGroup(dctx, gc.s.t.domain, gc.target.kind(), info.id); err != nil {
		gc.s.log.Warn("could not forget a deleted group", zap.Int64("group_id", info.id), zap.Error(err))
	}
	return gc.partialError(ctx, fmt.Sprintf("Group %q was not created", name), plan, p, "Adding its members failed, so the new group was deleted again; nothing was kept, and sending the create again starts afresh.")
}
