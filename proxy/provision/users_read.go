package provision

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/mapping/scimfilter"
	"github.com/fsscim/fsscim/proxy/provision/names"
	"github.com/fsscim/fsscim/proxy/provision/replica"
	"github.com/fsscim/fsscim/store/record"
)

// GetUser answers a user from the directory replica, which holds every user as fsscim last read or
// wrote it, and fsscim's record of it. The replica, not a fresh read, is what a following PATCH is compared against, so answering
// from it keeps what Entra reads and what fsscim writes consistent. A user the replica does not hold
// (made in Freshservice since the last refresh) is read from Freshservice.
func (s *Session) GetUser(ctx context.Context, id string) (Resource, error) {
	uid, ok := parseID(id)
	if !ok {
		return Resource{}, userNotFound(id)
	}
	if err := s.VerifyKey(ctx); err != nil {
		return Resource{}, err
	}
	if rep := s.readyReplica(ctx); rep != nil {
		if u, found, _ := rep.User(uid); found {
			// fsscim's record has the last word on a deletion: the replica may lack one another
			// process recorded while Redis was out of reach. Reading it costs no Freshservice call,
			// and a store that cannot answer (out of reach, damaged) is a 503 rather than a guess.
			rec, err := s.record(ctx, uid)
			if err != nil {
				return Resource{}, err
			}
			if u.Deleted || rec.Deleted {
				return Resource{}, userNotFound(id)
			}
			return s.toResource(u.View, u.FS), nil
		}
	}
	fu, view, found, err := s.reread(ctx, uid)
	if err != nil {
		return Resource{}, err
	}
	if !found {
		return Resource{}, userNotFound(id)
	}
	return s.toResource(view, fu), nil
}

// reread reads user id from Freshservice and records it in the replica; found is false for a user
// fsscim deleted or Freshservice no longer has. It holds the user's lock, as writes do: a read taken
// while a write (a delete) finishes would otherwise put the state from before the write back into the
// replica, where the next search would find a deleted user.
func (s *Session) reread(ctx context.Context, id int64) (fu freshservice.User, view mapping.User, found bool, err error) {
	defer s.t.locks.lock(userLock(id))()
	rec, err := s.record(ctx, id)
	if err != nil || rec.Deleted {
		return freshservice.User{}, mapping.User{}, false, err
	}
	fu, err = s.fetch(ctx, id)
	if freshservice.IsNotFound(err) {
		s.forgetUser(ctx, id)
		return freshservice.User{}, mapping.User{}, false, nil
	}
	if err != nil {
		return freshservice.User{}, mapping.User{}, false, err
	}
	view, err = s.noteUser(ctx, fu, rec, nil)
	return fu, view, err == nil, err
}

// UserQuery is a list or search of users: a filter (empty lists every user) and the page wanted
// (StartIndex 1-based).
type UserQuery struct {
	Filter            string
	StartIndex, Count int
}

// UserList is the answer to a user list: the page, whether the replica answered it, and whether the
// filter looked users up by an attribute the replica indexes (userName, a work email, externalId).
type UserList struct {
	Page
	FromReplica bool
	Lookup      bool
}

// CompileUserFilter reads a user filter against the tenant's attributes; a filter fsscim cannot use
// is a 400 invalidFilter naming the part it could not use.
func (s *Session) CompileUserFilter(raw string) (*scimfilter.Filter, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	return s.userSearch().Compile(raw)
}

// ListUsers answers a filter, or a list without one, from the directory replica: no Freshservice call.
// Users deleted through SCIM are left out. While the replica of a new tenant is still being built, a
// lookup by userName, work email or id asks Freshservice instead.
func (s *Session) ListUsers(ctx context.Context, q UserQuery) (UserList, error) {
	f, err := s.CompileUserFilter(q.Filter)
	if err != nil {
		return UserList{}, err
	}
	out := UserList{Lookup: isLookup(f)}
	if err := s.VerifyKey(ctx); err != nil {
		return UserList{}, err
	}
	rep := s.readyReplica(ctx)
	if rep == nil {
		users, err := s.lookupLive(ctx, f)
		if err != nil {
			return UserList{}, err
		}
		out.Page = s.page(users, q.StartIndex, q.Count)
		return out, nil
	}
	out.FromReplica = true
	if err := s.settle(ctx, rep); err != nil {
		return UserList{}, err
	}
	ids := rep.FindUsers(s.userSearch(), f)
	from, to := pageOf(len(ids), q.StartIndex, q.Count)
	out.Total = len(ids)
	out.Resources = make([]Resource, 0, to-from)
	for _, id := range ids[from:to] {
		u, found, _ := rep.User(id)
		if !found {
			// Changed since the search (a write made it uncertain): leave it for the next page.
			out.Total--
			continue
		}
		deleted, err := s.deletedOutOfReach(ctx, id)
		if err != nil {
			return UserList{}, err
		}
		if deleted {
			out.Total--
			continue
		}
		out.Resources = append(out.Resources, s.toResource(u.View, u.FS))
	}
	return out, nil
}

// deletedOutOfReach reports whether fsscim's record of user id says it was deleted, when the store
// says not every record is within reach (the records other processes share through Redis while Redis
// is unusable or being refilled, or a damaged store): the replica may then lack a deletion, or a
// disable, that another process recorded, and an answer from it alone may be wrong. The record is read
// then, which fails (a 503) for a user this process holds no record of, or from a damaged store. While
// every record is within reach it reads nothing: the replica holds what every process wrote.
func (s *Session) deletedOutOfReach(ctx context.Context, id int64) (bool, error) {
	if s.t.recordsComplete() {
		return false, nil
	}
	rec, err := s.record(ctx, id)
	if err != nil {
		return false, err
	}
	return rec.Deleted, nil
}

// settle reads the users a write left in an unknown state from Freshservice (there are few, if
// any), so that a search sees them as they are.
func (s *Session) settle(ctx context.Context, rep *replica.Replica) error {
	for _, id := range rep.Uncertain() {
		if _, _, _, err := s.reread(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// isLookup reports whether f looks users up by an attribute Entra matches on and the replica indexes.
func isLookup(f *scimfilter.Filter) bool {
	if f == nil {
		return false
	}
	for _, p := range [][2]int{{mapping.UserSlotUserName, -1}, {mapping.UserSlotEmails, 0}, {mapping.UserSlotExternalID, -1}} {
		if _, ok := f.EqualValues(p[0], p[1]); ok {
			return true
		}
	}
	return false
}

// liveUser is a user read from Freshservice for a lookup the replica could not answer.
type liveUser struct {
	fu   freshservice.User
	view mapping.User
}

// page cuts a page out of users, in id order.
func (s *Session) page(users []liveUser, startIndex, count int) Page {
	slices.SortFunc(users, func(a, b liveUser) int { return cmp.Compare(a.fu.ID, b.fu.ID) })
	from, to := pageOf(len(users), startIndex, count)
	p := Page{Total: len(users), Resources: make([]Resource, 0, to-from)}
	for _, u := range users[from:to] {
		p.Resources = append(p.Resources, s.toResource(u.view, u.fu))
	}
	return p
}

// lookupLive answers a lookup by userName, work email or id from Freshservice, for a tenant whose
// replica is not built yet. Other filters wait for the replica.
func (s *Session) lookupLive(ctx context.Context, f *scimfilter.Filter) ([]liveUser, error) {
	loading := problem(http.StatusServiceUnavailable, "", "fsscim's directory of %s is still loading; retry shortly.", s.cfg.Domain)
	if f == nil {
		return nil, loading
	}
	ids := map[int64]bool{}
	switch {
	case f != nil && hasEqual(f, mapping.UserSlotID, -1):
		vals, _ := f.EqualValues(mapping.UserSlotID, -1)
		for _, v := range vals {
			if id, ok := parseID(v); ok {
				ids[id] = true
			}
		}
	case hasEqual(f, mapping.UserSlotUserName, -1) || hasEqual(f, mapping.UserSlotEmails, 0):
		vals, ok := f.EqualValues(mapping.UserSlotUserName, -1)
		if !ok {
			vals, _ = f.EqualValues(mapping.UserSlotEmails, 0)
		}
		for _, v := range vals {
			if !mapping.LooksLikeEmail(v) {
				// A login-name userName: only fsscim knows it (Freshservice holds the work email).
				id, found, err := s.t.aliases.lookup(ctx, s.store(), s.t.domain, v)
				if err != nil {
					return nil, err
				}
				if found {
					ids[id] = true
				}
				continue
			}
			users, err := s.findByEmail(ctx, v)
			if err != nil {
				return nil, err
			}
			for _, u := range users {
				ids[u.ID] = true
			}
		}
	default:
		return nil, loading
	}
	var out []liveUser
	for id := range ids {
		fu, view, found, err := s.reread(ctx, id)
		if err != nil {
			return nil, err
		}
		if found && f.Matches(s.userSearch().View(&view, fu.CreatedAt, fu.UpdatedAt)) {
			out = append(out, liveUser{fu: fu, view: view})
		}
	}
	return out, nil
}

func hasEqual(f *scimfilter.Filter, slot, sub int) bool {
	_, ok := f.EqualValues(slot, sub)
	return ok
}

// findByEmail asks Freshservice directly (requesters with agents included), for when the replica
// cannot answer or a create met a duplicate.
func (s *Session) findByEmail(ctx context.Context, email string) ([]freshservice.User, error) {
	users, err := s.c.FindUsersByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return nil, fmt.Errorf("find user %q: %w", email, err)
	}
	var out []freshservice.User
	for _, u := range users {
		if strings.EqualFold(u.Mail(), strings.TrimSpace(email)) {
			out = append(out, u)
		}
	}
	return out, nil
}

// fetch reads a user by id from Freshservice, trying the collection the replica remembers first.
func (s *Session) fetch(ctx context.Context, id int64) (freshservice.User, error) {
	agentFirst := false
	if rep := s.t.loadedReplica(); rep != nil {
		agentFirst, _ = rep.IsAgent(id)
	}
	fu, err := s.getUser(ctx, id, agentFirst)
	if err != nil {
		return freshservice.User{}, fmt.Errorf("get user %d: %w", id, err)
	}
	return fu, nil
}

// getUser reads a user from the collection agentFirst names, then from the other.
func (s *Session) getUser(ctx context.Context, id int64, agentFirst bool) (freshservice.User, error) {
	fu, err := s.people(agentFirst).get(ctx, id)
	if freshservice.IsNotFound(err) {
		fu, err = s.people(!agentFirst).get(ctx, id)
	}
	return fu, err
}

// current returns the user's state and the SCIM user fsscim answers for it, from the replica; a
// user the replica does not hold, or holds an uncertain state of, is read from Freshservice (view
// nil then).
func (s *Session) current(ctx context.Context, id int64) (freshservice.User, *mapping.User, error) {
	if rep := s.readyReplica(ctx); rep != nil {
		if u, found, _ := rep.User(id); found {
			return u.FS, &u.View, nil
		}
	}
	fu, err := s.fetch(ctx, id)
	return fu, nil, err
}

func (s *Session) record(ctx context.Context, id int64) (record.UserRecord, error) {
	rec, _, err := s.store().GetUser(ctx, s.t.domain, id)
	if err != nil {
		return record.UserRecord{}, fmt.Errorf("read stored state of user %d: %w", id, err)
	}
	return rec, nil
}

// scimUser translates a Freshservice user into SCIM terms, with department and location names and
// the values the client sent in the form it sent them. sent, when given, overrides names for the
// fields this request just wrote (saving the lookups).
func (s *Session) scimUser(ctx context.Context, fu freshservice.User, rec record.UserRecord, sent *mapping.User) (mapping.User, error) {
	var refs mapping.Refs
	if len(fu.DepartmentIDs) > 0 {
		if sent != nil && sent.Department != "" {
			refs.DepartmentName = sent.Department
		} else if name, ok := rememberedName(rec, echoDepartment, fu.DepartmentIDs[0]); ok {
			refs.DepartmentName = name
		} else {
			name, err := s.t.lookups.DepartmentName(ctx, s.c, fu.DepartmentIDs[0])
			if err != nil && !isNameMiss(err) {
				return mapping.User{}, fmt.Errorf("department %d of user %d: %w", fu.DepartmentIDs[0], fu.ID, err)
			}
			refs.DepartmentName = name
		}
	}
	if fu.LocationID != 0 {
		if sent != nil && sent.Location != "" {
			refs.LocationName = sent.Location
		} else if name, ok := rememberedName(rec, echoLocation, int64(fu.LocationID)); ok {
			refs.LocationName = name
		} else {
			name, err := s.t.lookups.LocationName(ctx, s.c, int64(fu.LocationID))
			if err != nil && !isNameMiss(err) {
				return mapping.User{}, fmt.Errorf("location %d of user %d: %w", fu.LocationID, fu.ID, err)
			}
			refs.LocationName = name
		}
	}
	u := mapping.UserFromFreshservice(fu, refs, s.opts)
	mapping.Echo(rec.Echo).Apply(&u, fu)
	return u, nil
}

// Department and location names are matched case-insensitively, so a client may send "engineering"
// for Freshservice's "Engineering"; it must read back what it sent. mapping resolves no names, so the
// names are remembered here, in the same record as mapping's Echo, with the id the name resolved to
// as the stored form.
const (
	echoDepartment = mapping.SchemaEnterprise + ":department"
	echoLocation   = mapping.SchemaFreshservice + ":location"
)

// rememberedName is the name the client sent for the department or location id, if the user still
// has it.
func rememberedName(rec record.UserRecord, key string, id int64) (string, bool) {
	v, ok := rec.Echo[key]
	if !ok || v.Stored != strconv.FormatInt(id, 10) {
		return "", false
	}
	return v.Sent, true
}

func isNameMiss(err error) bool {
	var ne *names.Error
	return errors.As(err, &ne)
}

// resource answers fu as SCIM, recording it in the replica.
func (s *Session) resource(ctx context.Context, fu freshservice.User, rec record.UserRecord, sent *mapping.User) (Resource, error) {
	return s.answer(ctx, fu, rec, sent)
}

func (s *Session) toResource(u mapping.User, fu freshservice.User) Resource {
	return Resource{
		ID:           strconv.FormatInt(fu.ID, 10),
		ExternalID:   u.ExternalID,
		Attributes:   mapping.UserToAttributes(u, s.opts),
		Created:      fu.CreatedAt,
		LastModified: fu.UpdatedAt,
	}
}
