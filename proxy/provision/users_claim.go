package provision

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	scimerrors "github.com/elimity-com/scim/errors"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/store"
	"github.com/fsscim/fsscim/store/record"
)

// createClockAllowance is how far Freshservice's clock may lag fsscim's for a user to count as made
// by a create that began at a given time: Freshservice stamps users in whole seconds, and two servers'
// clocks are rarely in step to the second.
const createClockAllowance = 30 * time.Second

// createAttempt is one SCIM create: what the client sent, the address Freshservice knows the user by,
// and the pending creates of that address recorded before it (this one's own, once it is recorded).
type createAttempt struct {
	u       mapping.User
	set     mapping.FieldSet
	email   string
	pending []store.PendingCreate
}

// sameIdentity reports whether a pending create was for the user this create is for: the same
// userName, which is what the client matches users by.
func (c createAttempt) sameIdentity(p store.PendingCreate) bool {
	return strings.EqualFold(strings.TrimSpace(p.UserName), strings.TrimSpace(c.u.UserName))
}

// madeBy returns the pending create that made fu: the one that sent the externalId fu carries, else
// the last one that began before Freshservice created fu.
func (c createAttempt) madeBy(fu freshservice.User) (store.PendingCreate, bool) {
	for _, p := range c.pending {
		if p.ExternalID != "" && string(fu.ExternalID) == p.ExternalID {
			return p, true
		}
	}
	for i := len(c.pending) - 1; i >= 0; i-- {
		p := c.pending[i]
		if !fu.CreatedAt.IsZero() && !fu.CreatedAt.Before(p.Started.Add(-createClockAllowance)) {
			return p, true
		}
	}
	return store.PendingCreate{}, false
}

// claim decides what a create does with the Freshservice user id that holds its email (or its
// login-name userName):
//   - a create of the same identity made it, and its answer never reached the client (a pending
//     create): it is taken over, whatever users.reactivate_existing says, since it is this user;
//   - fsscim provisions it (it created, adopted or changed it, and did not delete it), or another
//     identity's pending create made it: 409 uniqueness, since Freshservice holds one user per email
//     and the client would otherwise rename the one it already has;
//   - otherwise (a user made in Freshservice by hand, or deleted through SCIM): it is adopted when
//     users.reactivate_existing allows, else 409.
func (s *Session) claim(ctx context.Context, id int64, c createAttempt) (Resource, error) {
	unlock := s.t.locks.lock(userLock(id))
	defer unlock()
	rec, err := s.record(ctx, id)
	if err != nil {
		return Resource{}, err
	}
	provisioned := rec.Provisioned && !rec.Deleted
	if len(c.pending) == 0 && !provisioned && !s.cfg.Users.ReactivateExisting {
		// Refused whoever made the user: no need to read it.
		return Resource{}, s.refuse(c, id, rec, provisioned)
	}
	// Read even when it is refused: a user deleted in Freshservice since (the replica still naming it)
	// frees its email.
	fu, err := s.fetch(ctx, id)
	if freshservice.IsNotFound(err) {
		return Resource{}, fmt.Errorf("adopt user %d: %w", id, errGone)
	}
	if err != nil {
		return Resource{}, err
	}
	maker, made := c.madeBy(fu)
	switch {
	case made && c.sameIdentity(maker):
		s.log.Info("this user was made by a create of it whose answer was lost; taking it over",
			zap.Int64("user_id", id), zap.String("create_request_id", maker.RequestID))
	case made:
		return Resource{}, s.emailTaken(c, id, maker.UserName)
	case provisioned || !s.cfg.Users.ReactivateExisting:
		return Resource{}, s.refuse(c, id, rec, provisioned)
	}
	return s.adopt(ctx, fu, rec, c.u, c.set)
}

// refuse is the 409 for a create that meets user id, which fsscim provisions (then it is either
// the same identity, created again, or another identity with the same email) or which the tenant
// does not let fsscim adopt.
func (s *Session) refuse(c createAttempt, id int64, rec record.UserRecord, provisioned bool) error {
	if !provisioned {
		return problem(http.StatusConflict, scimerrors.ScimTypeUniqueness,
			"A Freshservice user with the email %q already exists (id %d). Set users.reactivate_existing: true in the tenant file to let fsscim adopt it, or remove that user in Freshservice.", c.sentEmail(), id)
	}
	// The userName fsscim answers for the user: the login name it remembers, else the email.
	current := c.email
	if v, ok := rec.Echo[mapping.EchoUserName]; ok && v.Sent != "" {
		current = v.Sent
	}
	if strings.EqualFold(current, strings.TrimSpace(c.u.UserName)) {
		return problem(http.StatusConflict, scimerrors.ScimTypeUniqueness,
			"A user with userName %q already exists (id %d): a create does not make it again. Find it with the filter userName eq %q and change it with PATCH or PUT.",
			c.u.UserName, id, c.u.UserName)
	}
	return s.emailTaken(c, id, current)
}

// emailTaken is the 409 for a create whose email is the primary email of a user that belongs to
// another identity (userName other). It names the attribute the email came from.
func (s *Session) emailTaken(c createAttempt, id int64, other string) error {
	attr := "userName"
	if !mapping.LooksLikeEmail(c.u.UserName) {
		attr = `emails[type eq "work"].value`
	}
	return problem(http.StatusConflict, scimerrors.ScimTypeUniqueness,
		"%s %q is already the email of Freshservice user %d, which fsscim provisions for userName %q; Freshservice holds one user per email, so a second user cannot have it. Give this user another %s.",
		attr, c.sentEmail(), id, other, attr)
}

// sentEmail is the email Freshservice knows the user by, as the client spelled it.
func (c createAttempt) sentEmail() string { return mapping.PrimaryEmail(c.u) }

// ownCreates are the pending creates of the attempt's identity.
func (c createAttempt) ownCreates() []store.PendingCreate {
	var out []store.PendingCreate
	for _, p := range c.pending {
		if c.sameIdentity(p) {
			out = append(out, p)
		}
	}
	return out
}

// forgetCreates forgets the pending creates of the attempt's identity: the user it was for exists and
// is recorded. Pending creates of other identities stay.
func (s *Session) forgetCreates(ctx context.Context, c createAttempt) {
	for _, p := range c.ownCreates() {
		if err := s.store().DeletePendingCreate(context.WithoutCancel(ctx), s.t.domain, p.Email, p.RequestID); err != nil {
			// Harmless: a stale pending create only ever leads a create of the same identity to a
			// user that identity owns already.
			s.log.Warn("could not forget a pending create", zap.String("create_request_id", p.RequestID), zap.Error(err))
		}
	}
}
