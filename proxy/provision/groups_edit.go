package provision

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	scimerrors "github.com/elimity-com/scim/errors"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/store/record"
)

// memberListThreshold is the number of membership changes from which a requester group's member
// list is read first: members already in (or already out) then cost no call, which makes Entra's
// retry of a large PATCH that was cut short cheap.
const memberListThreshold = 10

// groupEdit is a change to one group, from a PATCH or a PUT. Member values are SCIM user ids.
type groupEdit struct {
	name, description, externalID *string
	add, remove                   []string
	replace                       *[]string
}

func (e groupEdit) changesMembers() bool {
	return len(e.add) > 0 || len(e.remove) > 0 || e.replace != nil
}

// memberPlan is a membership change in Freshservice ids.
type memberPlan struct {
	add, remove []int64
	// hold are deactivated requesters to add: Freshservice refuses them, so the membership is only
	// recorded and made when the user is reactivated.
	hold []int64
	// unrecord are users whose recorded membership (not visible in Freshservice) goes.
	unrecord []int64
}

func (p memberPlan) empty() bool {
	return len(p.add) == 0 && len(p.remove) == 0 && len(p.hold) == 0 && len(p.unrecord) == 0
}

// edit applies e to group gid: members are checked before anything is written; the name and
// description first (a name clash then changes nothing), membership next, externalId last.
func (gc groupOp) edit(ctx context.Context, gid int64, rawID string, e groupEdit) (groupInfo, error) {
	wanted := e.add
	if e.replace != nil {
		wanted = *e.replace
	}
	resolved, refusals, err := gc.resolveMembers(ctx, wanted)
	if err != nil {
		return groupInfo{}, err
	}
	if len(refusals) > 0 {
		return groupInfo{}, refusalError(fmt.Sprintf("%s %d was not changed", sentence(gc.target.noun()), gid), refusals)
	}
	if gc.target.agents() {
		// The member list is read, changed and written whole: two PATCHes of one group at once
		// would otherwise each drop the other's change.
		unlock := gc.s.t.locks.lock(groupLock(gid))
		defer unlock()
	}
	g, err := gc.base(ctx, gid, e)
	if err != nil {
		if freshservice.IsNotFound(err) {
			return groupInfo{}, groupNotFound(rawID)
		}
		return groupInfo{}, err
	}
	var fields freshservice.GroupFields
	if e.name != nil && *e.name != g.name {
		fields.Name = e.name
	}
	if e.description != nil && *e.description != g.description {
		fields.Description = e.description
	}
	if g.ruleBased && (fields.Name != nil || fields.Description != nil || e.changesMembers()) {
		return groupInfo{}, ruleBasedRefusal(g)
	}
	plan, err := gc.planMembers(ctx, g, e, resolved)
	if err != nil {
		return groupInfo{}, err
	}
	if gc.s.cfg.DryRun {
		gc.s.log.Info("dry run: write not made", zap.String("write", "update "+gc.target.noun()), zap.Int64("group_id", gid),
			zap.Any("fields", fields), zap.Int64s("add", plan.add), zap.Int64s("remove", plan.remove), zap.Int64s("hold", plan.hold))
		gc.s.auditDryRun(ctx, gc.s.updateEntries(g, fields, plan)...)
		return g, nil
	}
	if err := gc.s.storeUsable(ctx); err != nil {
		return groupInfo{}, err
	}
	before := g
	if gc.target.agents() {
		g, err = gc.applyAgentGroup(ctx, g, fields, plan)
	} else {
		g, err = gc.applyRequesterGroup(ctx, g, fields, plan)
	}
	if err != nil {
		if fields.Name != nil || fields.Description != nil || gc.target.agents() && plan.changesAny() {
			// The group may have changed before the failure: read it again next time.
			gc.rereadGroup(ctx, gid)
		}
		return groupInfo{}, err
	}
	changed := fields.Name != nil || fields.Description != nil || !plan.empty()
	if changed {
		gc.s.noteWrite(WriteUpdate)
	}
	if e.externalID != nil || changed {
		if err := gc.recordGroup(ctx, gid, e.externalID, false, changed); err != nil {
			return groupInfo{}, err
		}
	}
	if changed || e.externalID != nil || g.name != before.name || g.description != before.description || !slices.Equal(g.members, before.members) {
		// After the record: the replica's group carries its externalId and, for a requester group,
		// the times fsscim keeps.
		gc.noteGroup(ctx, g)
	}
	return g, nil
}

// base is the group an edit starts from: the replica's, or Freshservice's when the edit writes an
// agent group's whole member list (a stale list would drop members added in Freshservice since).
func (gc groupOp) base(ctx context.Context, gid int64, e groupEdit) (groupInfo, error) {
	if gc.target.agents() && e.changesMembers() {
		g, err := gc.target.get(ctx, gid)
		if err == nil {
			gc.noteGroup(ctx, g)
		}
		return g, err
	}
	rg, err := gc.lookup(ctx, gid)
	if err != nil {
		return groupInfo{}, err
	}
	return info(rg), nil
}

// rereadGroup reads a group whose state a failed write left unknown again, for the replica.
func (gc groupOp) rereadGroup(ctx context.Context, gid int64) {
	g, err := gc.target.get(context.WithoutCancel(ctx), gid)
	if err != nil {
		gc.s.log.Warn("could not read a group again after a failed write", zap.Int64("group_id", gid), zap.Error(err))
		return
	}
	gc.noteGroup(ctx, g)
}

func (p memberPlan) changesAny() bool { return len(p.add) > 0 || len(p.remove) > 0 }

// planMembers turns the edit's member ids into the Freshservice calls to make.
func (gc groupOp) planMembers(ctx context.Context, g groupInfo, e groupEdit, resolved map[string]memberUser) (memberPlan, error) {
	if !e.changesMembers() {
		return memberPlan{}, nil
	}
	var plan memberPlan
	wantIDs := func(values []string) []memberUser {
		var out []memberUser
		for _, v := range values {
			if u, ok := resolved[v]; ok && !slices.ContainsFunc(out, func(x memberUser) bool { return x.id == u.id }) {
				out = append(out, u)
			}
		}
		return out
	}
	held := func(u memberUser) bool { return !gc.target.agents() && !u.active }

	if e.replace != nil {
		current, err := gc.currentMembers(ctx, g)
		if err != nil {
			return memberPlan{}, err
		}
		want := map[int64]bool{}
		for _, u := range wantIDs(*e.replace) {
			want[u.id] = true
			switch {
			case held(u):
				plan.hold = append(plan.hold, u.id)
			case !slices.Contains(current, u.id):
				plan.add = append(plan.add, u.id)
			}
		}
		for _, id := range current {
			if !want[id] {
				plan.remove = append(plan.remove, id)
			}
		}
		if !gc.target.agents() {
			// Deactivated members fsscim holds for this group are not in Freshservice's list.
			recorded, err := gc.recordedMembers(ctx, g.id)
			if err != nil {
				return memberPlan{}, err
			}
			for _, id := range recorded {
				if !want[id] && !slices.Contains(current, id) {
					plan.unrecord = append(plan.unrecord, id)
				}
			}
		}
		return plan, nil
	}

	var removes []int64
	for _, v := range e.remove {
		// An id that is no Freshservice id cannot be a member: removing it changes nothing.
		if id, ok := parseID(v); ok && !slices.Contains(removes, id) {
			removes = append(removes, id)
		}
	}
	adds := wantIDs(e.add)
	var current []int64
	known := gc.target.agents() || len(adds)+len(removes) >= memberListThreshold
	if known {
		var err error
		if current, err = gc.currentMembers(ctx, g); err != nil {
			return memberPlan{}, err
		}
	}
	for _, u := range adds {
		switch {
		case held(u):
			plan.hold = append(plan.hold, u.id)
		case !known || !slices.Contains(current, u.id):
			plan.add = append(plan.add, u.id)
		}
	}
	for _, id := range removes {
		if !known || slices.Contains(current, id) {
			plan.remove = append(plan.remove, id)
		} else if !gc.target.agents() {
			plan.unrecord = append(plan.unrecord, id)
		}
	}
	return plan, nil
}

// currentMembers are the group's member ids in Freshservice.
func (gc groupOp) currentMembers(ctx context.Context, g groupInfo) ([]int64, error) {
	if gc.target.agents() {
		return g.members, nil
	}
	members, err := gc.target.members(ctx, g)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		if id, ok := parseID(m.Value); ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// recordedMembers are the users whose store record holds membership of requester group gid.
func (gc groupOp) recordedMembers(ctx context.Context, gid int64) ([]int64, error) {
	var ids []int64
	err := gc.s.store().ForEachUser(ctx, gc.s.t.domain, func(id int64, r record.UserRecord) error {
		if slices.Contains(r.RequesterGroups, gid) {
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read recorded members of group %d: %w", gid, err)
	}
	return ids, nil
}

// recordGroup records what Freshservice does not keep of a group: Entra's externalId (when given) and,
// for requester groups, whose Freshservice records carry no times, when fsscim made it (made) and last
// changed it (made or changed), for meta.created and meta.lastModified.
func (gc groupOp) recordGroup(ctx context.Context, gid int64, externalID *string, made, changed bool) error {
	st := gc.s.store()
	rec, _, err := st.GetGroup(ctx, gc.s.t.domain, gc.target.kind(), gid)
	if err != nil {
		return fmt.Errorf("read stored state of group %d: %w", gid, err)
	}
	next := rec
	if externalID != nil {
		next.ExternalID = *externalID
	}
	if !gc.target.agents() {
		now := gc.s.t.deps.Now().UTC()
		if made {
			next.Created = now
		}
		if made || changed {
			next.LastModified = now
		}
	}
	if next == rec {
		return nil
	}
	if err := st.PutGroup(context.WithoutCancel(ctx), gc.s.t.domain, gc.target.kind(), gid, next); err != nil {
		return fmt.Errorf("record state of group %d: %w", gid, err)
	}
	return nil
}

// ruleBasedRefusal explains why fsscim leaves a rule-based requester group alone.
func ruleBasedRefusal(g groupInfo) error {
	return problem(http.StatusBadRequest, scimerrors.ScimTypeMutability,
		"Freshservice requester group %d (%q) is rule-based: its members follow its rule, and Freshservice lets only manual groups be changed through its API. Give the Entra group another name, or turn the Freshservice group into a manual one.",
		g.id, g.name)
}

// nameTaken is the 409 for a group name Freshservice already has.
func (gc groupOp) nameTaken(err error, name string) error {
	if freshservice.IsDuplicate(err) {
		return problem(http.StatusConflict, scimerrors.ScimTypeUniqueness,
			"A Freshservice %s named %q already exists.", gc.target.noun(), name)
	}
	return err
}
