package provision

import (
	"context"
	"slices"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/store/audit"
	"github.com/fsscim/fsscim/store/record"
)

// delete deletes group gid (its members stay users) and forgets the memberships fsscim recorded
// for it, so that no reactivation puts a user back into a group that is gone.
func (gc groupOp) delete(ctx context.Context, gid int64, rawID string) error {
	if gc.target.agents() {
		unlock := gc.s.t.locks.lock(groupLock(gid))
		defer unlock()
	}
	rg, err := gc.lookup(ctx, gid)
	if err != nil {
		if freshservice.IsNotFound(err) {
			return groupNotFound(rawID)
		}
		return err
	}
	if g := info(rg); g.ruleBased {
		return ruleBasedRefusal(g)
	}
	if gc.s.cfg.DryRun {
		gc.s.log.Info("dry run: write not made", zap.String("write", "delete "+gc.target.noun()), zap.Int64("group_id", gid))
		gc.s.auditDryRun(ctx, groupEntry(audit.GroupDelete, info(rg)))
		return nil
	}
	if err := gc.target.remove(ctx, gid); err != nil {
		if freshservice.IsNotFound(err) {
			gc.forgetGroup(ctx, gid)
			return groupNotFound(rawID)
		}
		return err
	}
	gc.forgetGroup(ctx, gid)
	gc.s.log.Info("group deleted", zap.String("kind", gc.target.kind()), zap.Int64("group_id", gid))

	// The group is gone; what follows only tidies fsscim's records, and a failure there must not
	// make Entra retry a delete that already happened.
	st := gc.s.store()
	sctx := context.WithoutCancel(ctx)
	if err := st.DeleteGroup(sctx, gc.s.t.domain, gc.target.kind(), gid); err != nil {
		gc.s.log.Warn("could not forget a deleted group", zap.Int64("group_id", gid), zap.Error(err))
	}
	if gc.target.agents() {
		return nil
	}
	recorded, err := gc.recordedMembers(sctx, gid)
	if err == nil && len(recorded) > 0 {
		err = st.UpdateUsers(sctx, gc.s.t.domain, recorded, func(_ int64, r *record.UserRecord) error {
			r.RequesterGroups = slices.DeleteFunc(r.RequesterGroups, func(g int64) bool { return g == gid })
			return nil
		})
	}
	if err != nil {
		gc.s.log.Warn("could not forget the recorded members of a deleted group", zap.Int64("group_id", gid), zap.Error(err))
	}
	return nil
}
