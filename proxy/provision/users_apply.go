package provision

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	scimerrors "github.com/elimity-com/scim/errors"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/proxy/provision/names"
	"github.com/fsscim/fsscim/store/record"
)

// fields translates the SCIM fields in set and resolves department and location names to ids.
func (s *Session) fields(ctx context.Context, u mapping.User, set mapping.FieldSet) (freshservice.UserFields, error) {
	f, needs, warnings, err := mapping.FieldsFor(u, set, s.opts)
	if err != nil {
		return freshservice.UserFields{}, err
	}
	for _, w := range warnings {
		s.log.Info("value not sent to Freshservice", zap.String("reason", w))
	}
	if needs.SetDepartment {
		if strings.TrimSpace(needs.Department) == "" {
			f.DepartmentIDs = &[]int64{}
		} else {
			id, err := s.t.lookups.DepartmentID(ctx, s.c, needs.Department, s.cfg.Departments.CreateMissing)
			if err != nil {
				return freshservice.UserFields{}, s.nameError(err, "departments")
			}
			f.DepartmentIDs = &[]int64{id}
		}
	}
	if needs.SetLocation {
		if strings.TrimSpace(needs.Location) == "" {
			zero := freshservice.ID(0)
			f.LocationID = &zero
		} else {
			id, err := s.t.lookups.LocationID(ctx, s.c, needs.Location, s.cfg.Locations.CreateMissing)
			if err != nil {
				return freshservice.UserFields{}, s.nameError(err, "locations")
			}
			loc := freshservice.ID(id)
			f.LocationID = &loc
		}
	}
	return f, nil
}

// nameError turns a failed department/location lookup into an answer an admin can act on.
func (s *Session) nameError(err error, key string) error {
	var ne *names.Error
	if !errors.As(err, &ne) {
		return err
	}
	if len(ne.Candidates) > 0 {
		return problem(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "%s in %s; rename one of them in Freshservice.", ne.Error(), s.cfg.Domain)
	}
	return problem(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "%s %q does not exist in %s; create it in Freshservice or set %s.create_missing: true in the tenant file.", ne.Kind, ne.Name, s.cfg.Domain, key)
}

// apply brings Freshservice user fu to SCIM user u for the fields in set: reactivation (putting back
// what deactivation dropped), conversion between requester and agent, one PUT of the changed fields,
// deactivation. It is the common path of PATCH, PUT and adoption; the caller holds the user's lock
// and read fu and rec under it.
func (s *Session) apply(ctx context.Context, fu freshservice.User, rec record.UserRecord, u mapping.User, set mapping.FieldSet) (_ Resource, err error) {
	id := fu.ID
	// attempted: a write was sent; wrote: one was confirmed.
	attempted, wrote := false, false
	defer func() {
		if err != nil && (wrote || attempted && mayHaveLanded(err)) {
			// A write landed, or may have, before the failure: the replica's state of the user is
			// not to be trusted until it is read again. A write Freshservice refused changed nothing.
			s.uncertain(ctx, id)
		}
	}()

	wasDeleted := rec.Deleted
	wantActive := fu.Active
	if set.Has(mapping.FieldActive) {
		wantActive = u.Active
	}
	wantAgent := fu.IsAgent
	if set.Has(mapping.FieldIsAgent) && u.IsAgent != nil {
		wantAgent = *u.IsAgent
	}

	// Refused before anything is written, so that a refused change leaves the user as it was.
	if err := s.guardChange(ctx, fu, wantActive, wantAgent); err != nil {
		return Resource{}, err
	}
	fields, err := s.fields(ctx, u, set&^mapping.FieldSet(mapping.FieldActive|mapping.FieldIsAgent))
	if err != nil {
		return Resource{}, err
	}
	if s.cfg.DryRun {
		s.dryRun("update user", zap.Any("fields", fields), zap.Int64("user_id", id), zap.Bool("active", wantActive), zap.Bool("agent", wantAgent))
		s.auditDryRun(ctx, updateUserEntries(fu, fields, wantActive, wantAgent)...)
		return s.toResource(u, fu), nil
	}
	if err := s.storeUsable(ctx); err != nil {
		return Resource{}, err
	}

	// Reactivate first: updating a deactivated user is not documented to work. Then put back what
	// deactivation dropped; a restore that an earlier attempt could not finish is finished now.
	restoring := wantActive && (!fu.Active || rec.RestorePending)
	attempted = true
	if wantActive && !fu.Active {
		react, err := s.reactivate(ctx, fu)
		if err != nil {
			return Resource{}, err
		}
		fu, wrote = react, true
	}
	if restoring {
		if err := s.restoreGroups(ctx, id); err != nil {
			return Resource{}, err
		}
		restore(&fields, rec, fu)
	}
	if wantAgent != fu.IsAgent {
		conv, err := s.convert(ctx, fu, wantAgent)
		if err != nil {
			return Resource{}, err
		}
		fu, wrote = conv, true
		if wantAgent && s.fullAgents() {
			// Freshservice's conversion makes an occasional agent; a tenant with agent roles
			// configured gets the same full agent it would get from a create.
			fulltime := false
			fields.Roles = agentRoles(s.cfg)
			fields.Occasional = &fulltime
		}
	}
	if !fields.Empty() {
		upd, err := s.peopleOf(fu).update(ctx, id, fields)
		if err != nil {
			return Resource{}, fmt.Errorf("update user %d: %w", id, err)
		}
		fu, wrote = upd, true
	}
	if !wantActive && fu.Active {
		if err := s.deactivate(ctx, &fu); err != nil {
			return Resource{}, err
		}
		wrote = true
		s.noteWrite(WriteDisable)
	} else if wrote {
		s.noteWrite(WriteUpdate)
	}

	// Remember what the client sent in forms Freshservice does not keep, and forget a deletion that a
	// create has just undone.
	echo := mapping.EchoFor(u, set, fields)
	var saved record.UserRecord
	err = s.store().UpdateUser(ctx, s.t.domain, id, func(r *record.UserRecord) error {
		// An attribute written now replaces what was remembered of it, even when the new value
		// needs no remembering.
		r.Echo = withNames(mapping.Echo(r.Echo).Merge(echo, set), u, set, fields, fu)
		if restoring {
			r.RestorePending = false
		}
		if wasDeleted {
			r.Deleted, r.DeletedAt = false, time.Time{}
		}
		r.Provisioned = true
		saved = *r
		return nil
	})
	if err != nil {
		return Resource{}, fmt.Errorf("record state of user %d: %w", id, err)
	}
	s.t.aliases.note(id, saved)
	return s.answer(ctx, fu, saved, &u)
}

// mayHaveLanded reports whether a failed write may have changed Freshservice: anything but an answer
// refusing it (4xx, including fsscim's own budget refusal) leaves the outcome unknown.
func mayHaveLanded(err error) bool {
	var fe *freshservice.Error
	if errors.As(err, &fe) && fe.Status >= 400 && fe.Status < 500 {
		return false
	}
	return true
}

// restore adds to a PUT what Freshservice dropped when it deactivated the user (the reactivated
// user comes back without it), unless this request sets it itself.
func restore(f *freshservice.UserFields, rec record.UserRecord, back freshservice.User) {
	if f.DepartmentIDs == nil && len(rec.DepartmentIDs) > 0 && len(back.DepartmentIDs) == 0 {
		ids := append([]int64(nil), rec.DepartmentIDs...)
		f.DepartmentIDs = &ids
	}
	if f.ReportingManagerID == nil && rec.ManagerID != 0 && back.ReportingManagerID == 0 {
		m := freshservice.ID(rec.ManagerID)
		f.ReportingManagerID = &m
	}
	if f.LocationID == nil && rec.LocationID != 0 && back.LocationID == 0 {
		l := freshservice.ID(rec.LocationID)
		f.LocationID = &l
	}
}

func (s *Session) reactivate(ctx context.Context, fu freshservice.User) (freshservice.User, error) {
	out, err := s.peopleOf(fu).reactivate(ctx, fu.ID)
	if err != nil {
		return freshservice.User{}, fmt.Errorf("reactivate user %d: %w", fu.ID, err)
	}
	s.log.Info("user reactivated", zap.Int64("user_id", fu.ID))
	return out, nil
}

// deactivate records what Freshservice will drop, then deactivates.
func (s *Session) deactivate(ctx context.Context, fu *freshservice.User) error {
	err := s.store().UpdateUser(ctx, s.t.domain, fu.ID, func(r *record.UserRecord) error {
		r.DepartmentIDs = append([]int64(nil), fu.DepartmentIDs...)
		r.ManagerID = int64(fu.ReportingManagerID)
		r.LocationID = int64(fu.LocationID)
		r.RestorePending = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("record state of user %d before deactivation: %w", fu.ID, err)
	}
	if err := s.peopleOf(*fu).deactivate(ctx, fu.ID); err != nil {
		return fmt.Errorf("deactivate user %d: %w", fu.ID, err)
	}
	// Freshservice's answer carries no user (or not always): it stamps the change now.
	fu.Active, fu.UpdatedAt = false, s.t.deps.Now().UTC().Truncate(time.Second)
	s.log.Info("user deactivated", zap.Int64("user_id", fu.ID))
	return nil
}

// convert moves fu to the agents (toAgent) or the requesters.
func (s *Session) convert(ctx context.Context, fu freshservice.User, toAgent bool) (freshservice.User, error) {
	out, err := s.peopleAbout(!toAgent, fu).convert(ctx, fu.ID)
	if err != nil {
		return freshservice.User{}, fmt.Errorf("convert user %d (agent=%t): %w", fu.ID, toAgent, err)
	}
	out.IsAgent = toAgent
	s.log.Info("user converted", zap.Int64("user_id", fu.ID), zap.Bool("agent", toAgent))
	return out, nil
}

// withNames records in echo the department and location names of u that a write f (or, for a write
// that changed no id, the user's ids) resolved, for the fields in set; names read back as sent
// without an entry are not recorded.
func withNames(echo mapping.Echo, u mapping.User, set mapping.FieldSet, f freshservice.UserFields, fu freshservice.User) mapping.Echo {
	if echo == nil {
		echo = mapping.Echo{}
	}
	if set.Has(mapping.FieldDepartment) {
		id := int64(0)
		switch {
		case f.DepartmentIDs != nil && len(*f.DepartmentIDs) > 0:
			id = (*f.DepartmentIDs)[0]
		case f.DepartmentIDs == nil && len(fu.DepartmentIDs) > 0:
			id = fu.DepartmentIDs[0]
		}
		rememberName(echo, echoDepartment, u.Department, id)
	}
	if set.Has(mapping.FieldLocation) {
		id := int64(fu.LocationID)
		if f.LocationID != nil {
			id = int64(*f.LocationID)
		}
		rememberName(echo, echoLocation, u.Location, id)
	}
	if len(echo) == 0 {
		return nil
	}
	return echo
}

// rememberName sets echo[key] to name as resolved to id, or clears it when there is no name or id.
func rememberName(echo mapping.Echo, key, name string, id int64) {
	delete(echo, key)
	if id != 0 && strings.TrimSpace(name) != "" {
		echo[key] = record.EchoValue{Sent: name, Stored: strconv.FormatInt(id, 10)}
	}
}
