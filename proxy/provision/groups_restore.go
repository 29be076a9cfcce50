package provision

import (
	"context"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/store"
	"github.com/fsscim/fsscim/store/record"
)

// restoreGroups puts a reactivated requester back into the requester groups fsscim recorded for it:
// Freshservice drops a requester's group memberships when it deactivates it, and Entra, which still
// counts the user a member, will not send them again. A group that is gone, or that no longer takes
// the user, is dropped from the record; a failure Freshservice may recover from (rate limit, outage)
// fails the request and keeps the record.
func (s *Session) restoreGroups(ctx context.Context, userID int64) error {
	st := s.store()
	rec, found, err := st.GetUser(ctx, s.t.domain, userID)
	if err != nil {
		return fmt.Errorf("read recorded groups of user %d: %w", userID, err)
	}
	if !found || len(rec.RequesterGroups) == 0 {
		return nil
	}
	if rec.Deleted {
		// Entra deleted this user; a create that adopts it again starts without old memberships.
		return forgetGroups(ctx, st, s.t.domain, userID, rec.RequesterGroups)
	}
	if agent, ok := s.replicaIsAgent(userID); ok && agent {
		// Agents belong to no requester group; the record waits for a conversion back.
		return nil
	}

	var restored, dropped []int64
	var failure error
	for _, gid := range rec.RequesterGroups {
		err := s.audited(ctx, s.memberEntry(gid, "", userID, true), func(ctx context.Context) error {
			return s.c.AddRequesterGroupMember(ctx, gid, userID)
		})
		switch {
		case err == nil || freshservice.IsDuplicate(err):
			restored = append(restored, gid)
		case freshservice.IsNotFound(err) || freshservice.IsValidation(err):
			s.log.Warn("recorded requester group no longer takes the user; forgetting it",
				zap.Int64("user_id", userID), zap.Int64("group_id", gid), zap.Error(err))
			dropped = append(dropped, gid)
		default:
			failure = fmt.Errorf("restore requester group %d of reactivated user %d: %w", gid, userID, err)
		}
		if failure != nil {
			break
		}
	}
	if err := forgetGroups(ctx, st, s.t.domain, userID, dropped); err != nil {
		return err
	}
	if failure != nil {
		return failure
	}
	s.log.Info("requester groups restored after reactivation", zap.Int64("user_id", userID), zap.Int64s("groups", restored))
	return nil
}

func forgetGroups(ctx context.Context, st store.Store, domain string, userID int64, groups []int64) error {
	if len(groups) == 0 {
		return nil
	}
	err := st.UpdateUser(context.WithoutCancel(ctx), domain, userID, func(r *record.UserRecord) error {
		r.RequesterGroups = slices.DeleteFunc(r.RequesterGroups, func(g int64) bool { return slices.Contains(groups, g) })
		return nil
	})
	if err != nil {
		return fmt.Errorf("forget requester groups of user %d: %w", userID, err)
	}
	return nil
}
