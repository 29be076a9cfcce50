package provision

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	scimerrors "github.com/elimity-com/scim/errors"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/store/record"
)

// memberWriters is how many requester-group member calls run at once: Freshservice takes one
// member per call, and hundreds of them one after another would not fit Entra's 60 seconds.
const memberWriters = 4

// applyAgentGroup writes name, description and the whole member list in one PUT: it is applied
// entirely or not at all. The caller holds the group's lock.
func (gc groupOp) applyAgentGroup(ctx context.Context, g groupInfo, fields freshservice.GroupFields, plan memberPlan) (groupInfo, error) {
	if len(plan.add) > 0 || len(plan.remove) > 0 {
		next := make([]int64, 0, len(g.members)+len(plan.add))
		for _, id := range g.members {
			if !slices.Contains(plan.remove, id) {
				next = append(next, id)
			}
		}
		next = append(next, plan.add...)
		// Freshservice withdraws requests to join a restricted group that the list leaves out.
		for _, id := range g.pending {
			if !slices.Contains(plan.remove, id) && !slices.Contains(next, id) {
				next = append(next, id)
			}
		}
		slices.Sort(next)
		fields.Members = &next
	}
	if fields.Name == nil && fields.Description == nil && fields.Members == nil {
		return g, nil
	}
	out, err := gc.update(ctx, g, fields, plan)
	if err != nil {
		return groupInfo{}, err
	}
	gc.s.log.Info("agent group changed", zap.Int64("group_id", g.id), zap.Int("added", len(plan.add)), zap.Int("removed", len(plan.remove)),
		zap.Bool("renamed", fields.Name != nil))
	return out, nil
}

// update makes one write to group g, recorded as the entries of fields and of the members plan
// adds and removes; a name another group holds is refused as SCIM's uniqueness error.
func (gc groupOp) update(ctx context.Context, g groupInfo, fields freshservice.GroupFields, plan memberPlan) (groupInfo, error) {
	out, err := auditedResult(ctx, gc.s, gc.s.updateEntries(g, fields, plan), func(ctx context.Context) (groupInfo, error) {
		return gc.target.update(ctx, g.id, fields)
	})
	switch {
	case err != nil && fields.Name != nil:
		return groupInfo{}, gc.nameTaken(err, *fields.Name)
	case err != nil:
		return groupInfo{}, err
	}
	return out, nil
}

// applyRequesterGroup renames first (one call that either happens or not), then changes members
// one call at a time, recording each membership fsscim made so that it can be restored after a
// deactivation.
func (gc groupOp) applyRequesterGroup(ctx context.Context, g groupInfo, fields freshservice.GroupFields, plan memberPlan) (groupInfo, error) {
	if fields.Name != nil || fields.Description != nil {
		out, err := gc.update(ctx, g, fields, memberPlan{})
		if err != nil {
			return groupInfo{}, err
		}
		g = out
	}
	if plan.empty() {
		return g, nil
	}
	p := gc.changeRequesterMembers(ctx, g, plan)
	if err := gc.recordMemberships(ctx, g.id, p); err != nil {
		return groupInfo{}, err
	}
	if p.err != nil {
		return groupInfo{}, gc.partialError(ctx, fmt.Sprintf("%s %d was changed only in part", sentence(gc.target.noun()), g.id), plan, p, "")
	}
	gc.s.log.Info("requester group members changed", zap.Int64("group_id", g.id), zap.Int("added", len(p.added)),
		zap.Int("removed", len(p.removed)), zap.Int("held_for_reactivation", len(p.held)))
	return g, nil
}

// memberProgress is what a membership change got done, member by member.
type memberProgress struct {
	mu sync.Mutex
	// added and removed were confirmed by Freshservice (a member already in, or already out, counts).
	added, removed []int64
	// lostAdds and lostRemoves were sent but their answer never came: Freshservice may have made them.
	lostAdds, lostRemoves []int64
	// held and unrecorded change only fsscim's record (deactivated requesters).
	held, unrecorded []int64
	// refused is a member Freshservice would not take, 0 if none.
	refused int64
	err     error
}

type memberOp struct {
	id  int64
	add bool
}

// changeRequesterMembers makes the plan's calls, a few at a time, and stops at the first failure or
// when the request's time is nearly spent, leaving time to answer. It never leaves a change
// unaccounted for: the progress says what was confirmed, what is unknown and (by difference) what
// was not tried.
func (gc groupOp) changeRequesterMembers(ctx context.Context, g groupInfo, plan memberPlan) *memberProgress {
	gid := g.id
	p := &memberProgress{held: plan.hold, unrecorded: plan.unrecord}
	ops := make([]memberOp, 0, len(plan.add)+len(plan.remove))
	for _, id := range plan.remove {
		ops = append(ops, memberOp{id: id})
	}
	for _, id := range plan.add {
		ops = append(ops, memberOp{id: id, add: true})
	}
	if len(ops) == 0 {
		return p
	}
	wctx, cancel := gc.workContext(ctx)
	defer cancel()

	var stop atomic.Bool
	jobs := make(chan memberOp)
	var wg sync.WaitGroup
	for range min(memberWriters, len(ops)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for op := range jobs {
				err := gc.s.audited(wctx, gc.s.memberEntry(gid, g.name, op.id, op.add), func(ctx context.Context) error {
					if op.add {
						return gc.s.c.AddRequesterGroupMember(ctx, gid, op.id)
					}
					return gc.s.c.RemoveRequesterGroupMember(ctx, gid, op.id)
				})
				if !p.note(gid, op, err) {
					stop.Store(true)
				}
			}
		}()
	}
	sent := 0
	for _, op := range ops {
		if stop.Load() || wctx.Err() != nil {
			break
		}
		jobs <- op
		sent++
	}
	close(jobs)
	wg.Wait()
	if p.err == nil && sent < len(ops) {
		p.err = fmt.Errorf("change members of requester group %d: stopped with %d of %d calls made, to answer within the request's time: %w",
			gid, sent, len(ops), context.DeadlineExceeded)
	}
	return p
}

// note records one call's outcome and reports whether the work may go on.
func (p *memberProgress) note(gid int64, op memberOp, err error) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case op.add && (err == nil || freshservice.IsDuplicate(err)):
		p.added = append(p.added, op.id)
		return true
	case !op.add && (err == nil || freshservice.IsNotFound(err)):
		p.removed = append(p.removed, op.id)
		return true
	}
	if freshservice.IsUnavailable(err) {
		if op.add {
			p.lostAdds = append(p.lostAdds, op.id)
		} else {
			p.lostRemoves = append(p.lostRemoves, op.id)
		}
	}
	if op.add && p.refused == 0 && (freshservice.IsValidation(err) || freshservice.IsNotFound(err)) {
		p.refused = op.id
	}
	if p.err == nil {
		if op.add {
			p.err = fmt.Errorf("add member %d to requester group %d: %w", op.id, gid, err)
		} else {
			p.err = fmt.Errorf("remove member %d from requester group %d: %w", op.id, gid, err)
		}
	}
	return false
}

// workContext ends a little before the request's own deadline, keeping time to record what was done
// and to answer before Entra gives up.
func (gc groupOp) workContext(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	reserve := min(max(gc.s.t.deps.RequestTimeout/10, 100*time.Millisecond), 3*time.Second)
	return context.WithDeadline(ctx, dl.Add(-reserve))
}

// recordMemberships keeps, in each member's record, the requester groups fsscim put it in: what
// Freshservice drops on deactivation is restored from there. Changes whose answer was lost are
// recorded as asked, since Entra's retry will ask for them again. It runs even when the request's
// time is up: the calls it records were made.
func (gc groupOp) recordMemberships(ctx context.Context, gid int64, p *memberProgress) error {
	p.mu.Lock()
	join := concat(p.added, p.lostAdds, p.held)
	leave := concat(p.removed, p.lostRemoves, p.unrecorded)
	p.mu.Unlock()
	ids := concat(join, leave)
	if len(ids) == 0 {
		return nil
	}
	joins := map[int64]bool{}
	for _, id := range join {
		joins[id] = true
	}
	err := gc.s.store().UpdateUsers(context.WithoutCancel(ctx), gc.s.t.domain, ids, func(id int64, r *record.UserRecord) error {
		r.RequesterGroups = slices.DeleteFunc(r.RequesterGroups, func(g int64) bool { return g == gid })
		if joins[id] {
			r.RequesterGroups = append(r.RequesterGroups, gid)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record memberships of requester group %d: %w", gid, err)
	}
	return nil
}

func concat(lists ...[]int64) []int64 {
	var out []int64
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// PartialError says a change stopped part-way. Its SCIM answer is the one its Cause calls for (429
// and 503 with Retry-After, so the client sends the same request again, which finishes the job because
// adding a member already in and removing one already out are harmless), with a detail made of What,
// Reason (or, when empty, the cause's own detail) and Outcome.
type PartialError struct {
	What    string // the change, e.g. "Requester group 7 was changed only in part"
	Cause   error  // why it stopped
	Reason  string // why, in words; empty: the cause's own detail
	Outcome string // what was and was not done
}

func (e *PartialError) Error() string { return e.What + ": " + e.Cause.Error() }
func (e *PartialError) Unwrap() error { return e.Cause }

// partialError answers a membership change that stopped part-way: outcome, or else exactly which
// members were changed and that a retry finishes the job.
func (gc groupOp) partialError(ctx context.Context, what string, plan memberPlan, p *memberProgress, outcome string) error {
	if p.refused != 0 {
		// The replica misjudged the member (it changed in Freshservice since): refresh it so that a
		// retry gets the clear 400 before any write.
		if _, found, err := gc.readUser(ctx, p.refused); err != nil {
			gc.s.log.Warn("could not re-read refused member", zap.Int64("user_id", p.refused), zap.Error(err))
		} else if !found {
			gc.s.forgetUser(ctx, p.refused)
		}
		if outcome == "" {
			outcome = p.describe(plan)
		}
		return problem(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue,
			"%s: Freshservice refused member %d (it is not an active requester, or no longer exists). %s", what, p.refused, outcome)
	}
	pe := &PartialError{What: what, Cause: p.err, Outcome: outcome}
	switch {
	case errors.Is(p.err, context.DeadlineExceeded):
		pe.Reason = "the request's time ran out before every member was done, and fsscim stopped so as to answer within Entra's time limit."
	case freshservice.IsRateLimited(p.err):
		pe.Reason = "Freshservice's API rate limit for this account is spent."
	case freshservice.IsUnavailable(p.err):
		pe.Reason = "Freshservice failed or did not answer (HTTP 5xx or connection error)."
	}
	if pe.Outcome == "" {
		pe.Outcome = p.describe(plan) + " Sending the same request again completes it."
	}
	return pe
}

// describe lists what a membership change did, by member id.
func (p *memberProgress) describe(plan memberPlan) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "Added %d of %d members%s; removed %d of %d%s.",
		len(p.added), len(plan.add), idList(p.added), len(p.removed), len(plan.remove), idList(p.removed))
	var lost []string
	if len(p.lostAdds) > 0 {
		lost = append(lost, "add"+idList(p.lostAdds))
	}
	if len(p.lostRemoves) > 0 {
		lost = append(lost, "remove"+idList(p.lostRemoves))
	}
	if len(lost) > 0 {
		fmt.Fprintf(&b, " Not confirmed (sent, but Freshservice's answer did not say whether it made them): %s.", strings.Join(lost, ", "))
	}
	if len(p.held) > 0 {
		fmt.Fprintf(&b, " Held for reactivation (deactivated requesters)%s.", idList(p.held))
	}
	done := len(p.added) + len(p.removed) + len(p.lostAdds) + len(p.lostRemoves)
	if rest := len(plan.add) + len(plan.remove) - done; rest > 0 {
		fmt.Fprintf(&b, " %d not attempted.", rest)
	}
	return b.String()
}

// idList renders ids as " (1, 2, 3)", sorted; empty for none.
func idList(ids []int64) string {
	if len(ids) == 0 {
		return ""
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	parts := make([]string, len(sorted))
	for i, id := range sorted {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
