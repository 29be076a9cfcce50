package provision

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/store"
	"github.com/fsscim/fsscim/store/record"
)

// CreateUser makes a requester (or agent), or adopts the Freshservice user that already holds the
// email when it belongs to no other identity. It returns the new resource and the attributes of attrs
// fsscim does not map.
func (s *Session) CreateUser(ctx context.Context, attrs map[string]any) (Resource, []string, error) {
	u, set, ignored, err := mapping.UserFromAttributes(attrs, s.opts)
	if err != nil {
		return Resource{}, nil, err
	}
	res, err := s.createUser(ctx, u, set)
	if err == nil {
		s.noteWrite(WriteCreate)
	}
	return res, ignored, err
}

func (s *Session) createUser(ctx context.Context, u mapping.User, set mapping.FieldSet) (Resource, error) {
	if strings.TrimSpace(u.UserName) == "" {
		return Resource{}, problem(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "userName is required: it becomes the Freshservice user's primary email.")
	}
	// The address Freshservice will know the user by: userName, or the work email when userName is
	// a login name rather than an address.
	email := strings.ToLower(mapping.PrimaryEmail(u))
	if email == "" {
		_, _, _, err := mapping.FieldsFor(u, set, s.opts)
		return Resource{}, err
	}
	// Two creates for one email (a client retrying, or two provisioning jobs) must not race into two
	// users or two adoptions.
	unlock := s.t.locks.lock(emailLock(email))
	defer unlock()

	if err := s.VerifyKey(ctx); err != nil {
		return Resource{}, err
	}
	pending, err := s.store().PendingCreates(ctx, s.t.domain, email, s.t.deps.Now())
	if err != nil {
		return Resource{}, fmt.Errorf("read pending creates of %s: %w", email, err)
	}
	c := createAttempt{u: u, set: set, email: email, pending: pending}
	existing, found, err := s.existingByEmail(ctx, email)
	if err != nil {
		return Resource{}, err
	}
	if !found && !mapping.LooksLikeEmail(u.UserName) {
		existing, found, err = s.t.aliases.lookup(ctx, s.store(), s.t.domain, u.UserName)
		if err != nil {
			return Resource{}, err
		}
	}
	if found {
		res, err := s.claim(ctx, existing, c)
		if err == nil {
			s.forgetCreates(ctx, c)
			return res, nil
		}
		if !errors.Is(err, errGone) {
			return Resource{}, err
		}
		// The replica remembered a user Freshservice no longer has (deleted there for good): the
		// email is free again.
		s.forgetUser(ctx, existing)
	}
	return s.create(ctx, c)
}

// existingByEmail finds the Freshservice user holding email: from a complete replica, caught up
// with what other processes wrote (no call), else directly.
func (s *Session) existingByEmail(ctx context.Context, email string) (int64, bool, error) {
	if id, found, ok := s.replicaByEmail(ctx, email); ok {
		return id, found, nil
	}
	return s.existingAfterConflict(ctx, email)
}

// existingAfterConflict looks the email up in Freshservice itself; the replica is not trusted here.
func (s *Session) existingAfterConflict(ctx context.Context, email string) (int64, bool, error) {
	users, err := s.findByEmail(ctx, email)
	if err != nil {
		return 0, false, err
	}
	if len(users) == 0 {
		return 0, false, nil
	}
	return users[0].ID, true, nil
}

func (s *Session) wantAgent(u mapping.User) bool {
	if u.IsAgent != nil {
		return *u.IsAgent
	}
	return s.cfg.Users.Type == "agent"
}

// fullAgents reports whether the tenant makes full agents (with configured roles); without roles,
// Freshservice's conversion of a requester makes an occasional agent.
func (s *Session) fullAgents() bool { return len(s.cfg.Users.AgentDefaults.Roles) > 0 }

func (s *Session) create(ctx context.Context, c createAttempt) (Resource, error) {
	u, set := c.u, c.set|mapping.FieldSet(mapping.FieldUserName)
	if set.Has(mapping.FieldManager) && u.ManagerID != "" && !s.mayBeUser(u.ManagerID) {
		// Entra sets the manager with a PATCH once both users exist; a create naming a manager that
		// cannot exist (the SCIM Validator sends a random string) makes the user without one rather
		// than not at all.
		s.log.Info("manager is not a Freshservice user; creating the user without a manager", zap.String("manager", u.ManagerID))
		u.ManagerID = ""
		set &^= mapping.FieldSet(mapping.FieldManager)
	}
	c.u, c.set = u, set
	fields, err := s.fields(ctx, u, set)
	if err != nil {
		return Resource{}, err
	}
	agent := s.wantAgent(u)
	if s.cfg.DryRun {
		s.dryRun("create user", zap.Any("fields", fields), zap.Bool("agent", agent))
		s.auditDryRun(ctx, s.createUserEntries(fields, agent)...)
		return s.toResource(u, freshservice.User{}), nil
	}
	direct := agent && s.fullAgents()
	if direct {
		fields.Roles = agentRoles(s.cfg)
	}
	if err := s.storeUsable(ctx); err != nil {
		return Resource{}, err
	}
	// Recorded before the POST: if its answer is lost (or fsscim stops), the client's retry finds the
	// user this create made by it.
	own := store.PendingCreate{UserName: u.UserName, Email: c.email, ExternalID: u.ExternalID, RequestID: s.requestID, Started: s.t.deps.Now()}
	if err := s.store().PutPendingCreate(ctx, s.t.domain, own); err != nil {
		return Resource{}, &StoreUnusable{Err: fmt.Errorf("record create of %s: %w", c.email, err)}
	}
	c.pending = append(c.pending, own)
	fu, err := s.people(direct).create(ctx, fields)
	if err != nil {
		return s.createFailed(ctx, c, err)
	}
	if agent && !fu.IsAgent {
		// No agent roles configured: Freshservice's own conversion makes an occasional agent.
		conv, cerr := s.convert(ctx, fu, true)
		if cerr != nil {
			s.noteNew(ctx, fu)
			return Resource{}, fmt.Errorf("convert new user %d to agent: %w", fu.ID, cerr)
		}
		fu = conv
	}
	if set.Has(mapping.FieldActive) && !u.Active {
		// A client provisions a disabled account: Freshservice has no inactive create.
		if err := s.deactivate(ctx, &fu); err != nil {
			s.noteNew(ctx, fu)
			return Resource{}, err
		}
	}
	rec := record.UserRecord{Echo: withNames(mapping.EchoFor(u, set, fields), u, set, fields, fu), Provisioned: true}
	if rec, err = s.recordCreated(ctx, c, fu, rec); err != nil {
		return Resource{}, err
	}
	s.log.Info("user created", zap.Int64("user_id", fu.ID), zap.Bool("agent", fu.IsAgent))
	return s.resource(ctx, fu, rec, &u)
}

// recordCreated records the user a create made and forgets the create's pending records, in one
// write where the store can (the user active, as creates almost always leave it).
func (s *Session) recordCreated(ctx context.Context, c createAttempt, fu freshservice.User, rec record.UserRecord) (record.UserRecord, error) {
	var err error
	cc, ok := s.store().(store.CreateCompleter)
	combined := ok && fu.Active
	switch {
	case combined:
		err = cc.CompleteCreate(ctx, s.t.domain, fu.ID, rec, c.ownCreates())
	case fu.Active:
		err = s.store().PutUser(ctx, s.t.domain, fu.ID, rec)
	default:
		// The disable recorded what to restore at a later enable; what the client sent joins it.
		err = s.store().UpdateUser(ctx, s.t.domain, fu.ID, func(r *record.UserRecord) error {
			r.Echo, r.Provisioned = rec.Echo, true
			rec = *r
			return nil
		})
	}
	if err != nil {
		return record.UserRecord{}, fmt.Errorf("record new user %d: %w", fu.ID, err)
	}
	s.t.aliases.note(fu.ID, rec)
	if !combined {
		s.forgetCreates(ctx, c)
	}
	return rec, nil
}

// createFailed answers a POST that failed. A duplicate means someone holds the email Freshservice was
// sent; a 5xx or a timeout may hide a user the POST made after all. Either way the user holding that
// email is looked up and claimed (see claim): one made by this very create is taken over, any other
// follows the tenant's rules. When nothing is found, a failure after which the user may exist keeps
// the pending create for the client's retry; any other forgets it.
func (s *Session) createFailed(ctx context.Context, c createAttempt, err error) (Resource, error) {
	own := c.pending[len(c.pending)-1]
	mayExist := freshservice.IsUnavailable(err)
	if freshservice.IsDuplicate(err) || mayExist {
		id, found, ferr := s.existingAfterConflict(ctx, c.email)
		if ferr == nil && found {
			res, cerr := s.claim(ctx, id, c)
			if cerr == nil {
				s.forgetCreates(ctx, c)
				return res, nil
			}
			if !mayExist {
				s.forgetCreate(ctx, own)
			}
			return Resource{}, cerr
		}
		if ferr != nil && !mayExist {
			s.forgetCreate(ctx, own)
			return Resource{}, ferr
		}
	}
	if !mayExist {
		s.forgetCreate(ctx, own)
	}
	return Resource{}, fmt.Errorf("create user %q: %w", c.u.UserName, err)
}

// forgetCreate forgets one pending create whose POST certainly made no user.
func (s *Session) forgetCreate(ctx context.Context, p store.PendingCreate) {
	if err := s.store().DeletePendingCreate(context.WithoutCancel(ctx), s.t.domain, p.Email, p.RequestID); err != nil {
		s.log.Warn("could not forget a pending create", zap.String("create_request_id", p.RequestID), zap.Error(err))
	}
}

func agentRoles(cfg *config.Tenant) []freshservice.Role {
	var roles []freshservice.Role
	for _, r := range cfg.Users.AgentDefaults.Roles {
		roles = append(roles, freshservice.Role{RoleID: r.RoleID, AssignmentScope: r.AssignmentScope, Groups: r.Groups})
	}
	return roles
}

// errGone means a user the replica named is no longer in Freshservice.
var errGone = errors.New("user no longer exists in Freshservice")

// adopt takes over an existing Freshservice user fu (read under its lock, with its record) for a SCIM
// create: reactivated if needed (unless the client creates a disabled account), converted if isAgent
// says so, its attributes set to what the client sent. Only what differs is written, so a create that
// is retried after a lost answer costs one read.
func (s *Session) adopt(ctx context.Context, fu freshservice.User, rec record.UserRecord, u mapping.User, set mapping.FieldSet) (Resource, error) {
	if u.IsAgent == nil {
		// Adoption keeps an agent an agent unless the client says otherwise.
		agent := fu.IsAgent
		u.IsAgent = &agent
	}
	old, err := s.scimUser(ctx, fu, rec, nil)
	if err != nil {
		return Resource{}, err
	}
	set = mapping.Changed(old, u, set|mapping.FieldSet(mapping.FieldActive|mapping.FieldIsAgent))
	s.log.Info("adopting existing Freshservice user for create", zap.Int64("user_id", fu.ID), zap.Bool("was_active", fu.Active), zap.Bool("agent", fu.IsAgent))
	return s.apply(ctx, fu, rec, u, set)
}

// mayBeUser reports whether id can name a Freshservice user: a number, and known to a complete
// replica when there is one (without one, Freshservice decides).
func (s *Session) mayBeUser(id string) bool {
	n, ok := parseID(id)
	if !ok {
		return false
	}
	if rep := s.t.loadedReplica(); rep != nil {
		if _, found, known := rep.User(n); !found && known {
			return false
		}
	}
	return true
}

// noteNew records a user a create made, when the create failed after making it: the next create
// finds it.
func (s *Session) noteNew(ctx context.Context, fu freshservice.User) {
	if _, err := s.noteUser(ctx, fu, record.UserRecord{}, nil); err != nil {
		s.log.Warn("could not record a user the failed create made", zap.Int64("user_id", fu.ID), zap.Error(err))
	}
}
