package provision

import (
	"context"
	"fmt"
	"strings"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/store/audit"
	"github.com/fsscim/fsscim/store/record"
)

// lockedUser is a user read under its lock: Freshservice's state, the SCIM user fsscim answers for it
// (nil when it was read from Freshservice rather than the replica), and fsscim's record of it.
type lockedUser struct {
	fu     freshservice.User
	view   *mapping.User
	rec    record.UserRecord
	unlock func()
}

// lockUser takes the user's lock, then reads its record and its state from the directory replica
// (from Freshservice when the replica does not hold it). Reading before the lock would let a write
// that holds it (a disable) change the user under this request's feet. A user fsscim deleted, or one
// Freshservice no longer has, is not found.
func (s *Session) lockUser(ctx context.Context, id string) (lu lockedUser, err error) {
	uid, ok := parseID(id)
	if !ok {
		return lockedUser{}, userNotFound(id)
	}
	// The change may be answered from the replica alone (nothing to write): the key must still be
	// one Freshservice accepts.
	if err := s.VerifyKey(ctx); err != nil {
		return lockedUser{}, err
	}
	unlock := s.t.locks.lock(userLock(uid))
	defer func() {
		// Released here unless handed to the caller: also when a read panics.
		if lu.unlock == nil {
			unlock()
		}
	}()
	rec, err := s.record(ctx, uid)
	if err != nil {
		return lockedUser{}, err
	}
	if rec.Deleted {
		return lockedUser{}, userNotFound(id)
	}
	fu, view, err := s.current(ctx, uid)
	if err != nil {
		if freshservice.IsNotFound(err) {
			s.forgetUser(ctx, uid)
			return lockedUser{}, userNotFound(id)
		}
		return lockedUser{}, err
	}
	return lockedUser{fu: fu, view: view, rec: rec, unlock: unlock}, nil
}

// oldView is the SCIM user the locked user reads as now: the replica's, or worked out from the read.
func (s *Session) oldView(ctx context.Context, lu lockedUser) (mapping.User, error) {
	if lu.view != nil {
		return *lu.view, nil
	}
	return s.scimUser(ctx, lu.fu, lu.rec, nil)
}

// ReplaceUser (PUT) sets every mapped attribute: what the body leaves out is cleared. It returns the
// resource and the attributes of attrs fsscim does not map.
func (s *Session) ReplaceUser(ctx context.Context, id string, attrs map[string]any) (Resource, []string, error) {
	if _, ok := parseID(id); !ok {
		return Resource{}, nil, userNotFound(id)
	}
	u, _, ignored, err := mapping.UserFromAttributes(attrs, s.opts)
	if err != nil {
		return Resource{}, nil, err
	}
	lu, err := s.lockUser(ctx, id)
	if err != nil {
		return Resource{}, ignored, err
	}
	defer lu.unlock()
	old, err := s.oldView(ctx, lu)
	if err != nil {
		return Resource{}, ignored, err
	}
	set := mapping.AllUserFields
	if u.IsAgent == nil {
		set &^= mapping.FieldSet(mapping.FieldIsAgent)
	}
	if _, has := attrs["active"]; !has {
		set &^= mapping.FieldSet(mapping.FieldActive)
	}
	set = mapping.Changed(old, u, set)
	res, err := s.apply(ctx, lu.fu, lu.rec, u, set)
	return res, ignored, err
}

// PatchUser applies a PATCH's operations. Plain attributes become one PUT of just the changed fields;
// a PATCH that changes nothing (no operations, or only ones fsscim does not map) makes no write and
// answers the user as it is. It returns the resource and the attributes fsscim does not map.
func (s *Session) PatchUser(ctx context.Context, id string, ops []mapping.PatchOp) (Resource, []string, error) {
	lu, err := s.lockUser(ctx, id)
	if err != nil {
		return Resource{}, nil, err
	}
	defer lu.unlock()
	fu, rec := lu.fu, lu.rec
	old, err := s.oldView(ctx, lu)
	if err != nil {
		return Resource{}, nil, err
	}
	u := old
	result, err := mapping.ApplyUserPatch(&u, ops, s.opts)
	if err != nil {
		return Resource{}, nil, err
	}
	set := mapping.Changed(old, u, result.Touched)
	if result.Touched.Has(mapping.FieldActive) && u.Active && rec.RestorePending {
		// A client retries an enable whose restore failed half-way: the user is already active, but
		// what deactivation dropped is not all back yet.
		set.Add(mapping.FieldActive)
	}
	recased := recasedNames(old, u, result.Touched)
	if set == 0 {
		if recased != 0 {
			// The same department or location in another case or under another name: nothing for
			// Freshservice, but the client must read back its spelling.
			saved, err := s.rememberNames(ctx, fu, u, recased)
			if err != nil {
				return Resource{}, result.Ignored, err
			}
			if _, err := s.noteUser(ctx, fu, saved, &u); err != nil {
				return Resource{}, result.Ignored, err
			}
			return s.toResource(u, fu), result.Ignored, nil
		}
		return s.toResource(old, fu), result.Ignored, nil
	}
	res, err := s.apply(ctx, fu, rec, u, set|recased)
	return res, result.Ignored, err
}

// recasedNames is the department and location fields of touched whose names changed only in case,
// and the location when only the attribute the client names it by changed (the enterprise
// "_location" or the Freshservice extension's location).
func recasedNames(old, u mapping.User, touched mapping.FieldSet) mapping.FieldSet {
	var out mapping.FieldSet
	if touched.Has(mapping.FieldDepartment) && old.Department != u.Department && strings.EqualFold(strings.TrimSpace(old.Department), strings.TrimSpace(u.Department)) {
		out.Add(mapping.FieldDepartment)
	}
	if touched.Has(mapping.FieldLocation) && strings.EqualFold(strings.TrimSpace(old.Location), strings.TrimSpace(u.Location)) &&
		(old.Location != u.Location || old.EnterpriseLocation != u.EnterpriseLocation) {
		out.Add(mapping.FieldLocation)
	}
	return out
}

// rememberNames records the names of the fields in set as the client spelled them, and the attribute
// it names the location by, for the ids fu holds, and returns the record.
func (s *Session) rememberNames(ctx context.Context, fu freshservice.User, u mapping.User, set mapping.FieldSet) (record.UserRecord, error) {
	none := freshservice.UserFields{}
	var saved record.UserRecord
	err := s.store().UpdateUser(ctx, s.t.domain, fu.ID, func(r *record.UserRecord) error {
		r.Echo = withNames(mapping.Echo(r.Echo).Merge(mapping.EchoFor(u, set, none), set), u, set, none, fu)
		saved = *r
		return nil
	})
	if err != nil {
		return record.UserRecord{}, fmt.Errorf("record names of user %d: %w", fu.ID, err)
	}
	return saved, nil
}

// DeleteUser follows users.on_delete: deactivate (the default; fsscim then answers 404 for the user,
// and a later create with its email adopts it again) or forget (Freshservice deletes it and its
// tickets).
func (s *Session) DeleteUser(ctx context.Context, id string) error {
	err := s.deleteUser(ctx, id)
	if err == nil {
		s.noteWrite(WriteDelete)
	}
	return err
}

func (s *Session) deleteUser(ctx context.Context, id string) error {
	lu, err := s.lockUser(ctx, id)
	if err != nil {
		return err
	}
	defer lu.unlock()
	fu := lu.fu
	uid := fu.ID
	if s.cfg.Users.OnDelete == "forget" {
		err = s.guardAgent(ctx, fu, changeDelete)
	} else if fu.Active {
		err = s.guardAgent(ctx, fu, changeDeactivate)
	}
	if err != nil {
		return err
	}
	if s.cfg.DryRun {
		s.dryRun("delete user ("+s.cfg.Users.OnDelete+")", zap.Int64("user_id", uid))
		switch {
		case s.cfg.Users.OnDelete == "forget":
			s.auditDryRun(ctx, userEntry(audit.Delete, fu))
		case fu.Active:
			s.auditDryRun(ctx, userEntry(audit.Deactivate, fu))
		}
		return nil
	}
	if err := s.storeUsable(ctx); err != nil {
		return err
	}
	if s.cfg.Users.OnDelete == "forget" {
		if err := s.peopleOf(fu).forget(ctx, uid); err != nil {
			if mayHaveLanded(err) {
				s.uncertain(ctx, uid)
			}
			return fmt.Errorf("forget user %d: %w", uid, err)
		}
		s.forgetUser(ctx, uid)
		if err := s.store().DeleteUser(ctx, s.t.domain, uid); err != nil {
			return err
		}
		s.log.Info("user forgotten", zap.Int64("user_id", uid))
		return nil
	}
	if fu.Active {
		if err := s.deactivate(ctx, &fu); err != nil {
			if mayHaveLanded(err) {
				s.uncertain(ctx, uid)
			}
			return err
		}
	}
	now := s.t.deps.Now()
	var saved record.UserRecord
	err = s.store().UpdateUser(ctx, s.t.domain, uid, func(r *record.UserRecord) error {
		r.Deleted, r.DeletedAt = true, now
		saved = *r
		return nil
	})
	if err != nil {
		return fmt.Errorf("record deletion of user %d: %w", uid, err)
	}
	s.t.aliases.note(uid, saved)
	view := lu.view
	if view != nil && !fu.Active {
		v := *view
		v.Active = false
		view = &v
	}
	if _, err := s.noteUser(ctx, fu, saved, view); err != nil {
		return err
	}
	return nil
}
