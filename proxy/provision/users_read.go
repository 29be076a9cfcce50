package provision

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/proxy/provision/names"
	"github.com/fsscim/fsscim/store/record"
)

// GetUser reads the user fresh from Freshservice.
func (s *Session) GetUser(ctx context.Context, id string) (Resource, error) {
	uid, ok := parseID(id)
	if !ok {
		return Resource{}, userNotFound(id)
	}
	if err := s.VerifyKey(ctx); err != nil {
		return Resource{}, err
	}
	rec, err := s.record(ctx, uid)
	if err != nil {
		return Resource{}, err
	}
	if rec.Deleted {
		return Resource{}, userNotFound(id)
	}
	fu, err := s.fetch(ctx, uid)
	if err != nil {
		if freshservice.IsNotFound(err) {
			return Resource{}, userNotFound(id)
		}
		return Resource{}, err
	}
	return s.resource(ctx, fu, rec, nil)
}

// UserList is the answer to a user list: the page, and whether the directory index answered the
// lookup (false: Freshservice was asked).
type UserList struct {
	Page
	FromIndex bool
}

// ListUsers answers filter lookups from the directory index (a userName lookup that misses costs no
// Freshservice call) and lists without a filter from it too. startIndex is 1-based.
func (s *Session) ListUsers(ctx context.Context, plan mapping.Plan, startIndex, count int) (UserList, error) {
	if err := s.VerifyKey(ctx); err != nil {
		return UserList{}, err
	}
	ids, err := s.candidates(ctx, plan)
	if err != nil {
		return UserList{}, err
	}
	out := UserList{FromIndex: s.t.index.Complete()}
	// Drop users fsscim deleted (deactivated on a SCIM DELETE): for Entra they are gone.
	live := ids[:0]
	for _, id := range ids {
		rec, err := s.record(ctx, id)
		if err != nil {
			return UserList{}, err
		}
		if !rec.Deleted {
			live = append(live, id)
		}
	}
	ids = live

	if len(plan.Terms) == 0 {
		// Listing everything: the total comes from the index, only the page is fetched.
		from, to := pageOf(len(ids), startIndex, count)
		out.Total = len(ids)
		out.Resources = make([]Resource, 0, to-from)
		for _, id := range ids[from:to] {
			res, ok, err := s.resourceByID(ctx, id, plan)
			if err != nil {
				return UserList{}, err
			}
			if ok {
				out.Resources = append(out.Resources, res)
			}
		}
		return out, nil
	}
	var matched []Resource
	for _, id := range ids {
		res, ok, err := s.resourceByID(ctx, id, plan)
		if err != nil {
			return UserList{}, err
		}
		if ok {
			matched = append(matched, res)
		}
	}
	from, to := pageOf(len(matched), startIndex, count)
	out.Total = len(matched)
	out.Resources = append([]Resource{}, matched[from:to]...)
	return out, nil
}

// candidates returns the ids a plan may match, using the index where it can answer.
func (s *Session) candidates(ctx context.Context, plan mapping.Plan) ([]int64, error) {
	idx := s.readyIndex(ctx)
	var ids []int64
	narrowed := false
	for _, t := range plan.Terms {
		var got []int64
		switch t.Attr {
		case "id":
			id, ok := parseID(t.Value)
			if !ok {
				return nil, nil
			}
			got = []int64{id}
		case "userName", "email":
			if t.Attr == "userName" && !mapping.LooksLikeEmail(t.Value) {
				// A login-name userName: only fsscim knows it (Freshservice holds the work email).
				id, found, err := s.t.aliases.lookup(ctx, s.store(), s.t.domain, t.Value)
				if err != nil {
					return nil, err
				}
				if found {
					got = []int64{id}
				}
				break
			}
			if idx != nil {
				e, found, err := idx.ByEmail(t.Value)
				if err == nil {
					if found {
						got = []int64{e.ID}
					}
					if t.Attr == "email" {
						// Entra's work email is a secondary email when it differs from userName.
						if se, ok, _ := idx.BySecondaryEmail(t.Value); ok && (!found || se.ID != e.ID) {
							got = append(got, se.ID)
						}
					}
					break
				}
			}
			users, err := s.findByEmail(ctx, t.Value)
			if err != nil {
				return nil, err
			}
			for _, u := range users {
				got = append(got, u.ID)
			}
		case "externalId":
			if idx != nil {
				entries, err := idx.ByExternalID(t.Value)
				if err == nil {
					for _, e := range entries {
						got = append(got, e.ID)
					}
					break
				}
			}
			return nil, problem(http.StatusServiceUnavailable, "", "fsscim's directory of %s is still loading; retry the externalId lookup shortly.", s.cfg.Domain)
		default:
			// Terms such as manager only narrow what the other terms found.
			continue
		}
		if !narrowed {
			ids, narrowed = got, true
			continue
		}
		ids = intersect(ids, got)
	}
	if narrowed {
		return ids, nil
	}
	if idx == nil {
		return nil, problem(http.StatusServiceUnavailable, "", "fsscim's directory of %s is still loading; retry shortly.", s.cfg.Domain)
	}
	all, err := idx.All()
	if err != nil {
		return nil, err
	}
	for _, e := range all {
		ids = append(ids, e.ID)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, nil
}

func intersect(a, b []int64) []int64 {
	in := map[int64]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []int64
	for _, x := range a {
		if in[x] {
			out = append(out, x)
		}
	}
	return out
}

// findByEmail asks Freshservice directly (requesters with agents included), for when the index cannot
// answer or a create met a duplicate.
func (s *Session) findByEmail(ctx context.Context, email string) ([]freshservice.User, error) {
	users, err := s.c.FindUsersByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return nil, fmt.Errorf("find user %q: %w", email, err)
	}
	var out []freshservice.User
	for _, u := range users {
		if strings.EqualFold(u.Mail(), strings.TrimSpace(email)) {
			out = append(out, u)
			s.t.index.Note(u)
		}
	}
	return out, nil
}

// resourceByID fetches one user and reports whether it matches the plan's terms.
func (s *Session) resourceByID(ctx context.Context, id int64, plan mapping.Plan) (Resource, bool, error) {
	fu, err := s.fetch(ctx, id)
	if err != nil {
		if freshservice.IsNotFound(err) {
			s.t.index.Forget(id)
			return Resource{}, false, nil
		}
		return Resource{}, false, err
	}
	rec, err := s.record(ctx, id)
	if err != nil {
		return Resource{}, false, err
	}
	u, err := s.scimUser(ctx, fu, rec, nil)
	if err != nil {
		return Resource{}, false, err
	}
	if !plan.Matches(u) {
		return Resource{}, false, nil
	}
	return s.toResource(u, fu), true, nil
}

// fetch reads a user by id, trying the collection the index remembers first.
func (s *Session) fetch(ctx context.Context, id int64) (freshservice.User, error) {
	agentFirst := false
	if e, ok, _ := s.t.index.ByID(id); ok {
		agentFirst = e.IsAgent
	}
	fu, err := s.getUser(ctx, id, agentFirst)
	if err != nil {
		return freshservice.User{}, fmt.Errorf("get user %d: %w", id, err)
	}
	s.t.remember(fu)
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

// current returns the user's state as fsscim last read or wrote it within a few seconds (Entra reads
// a user right before it PATCHes it), else reads it.
func (s *Session) current(ctx context.Context, id int64) (freshservice.User, error) {
	if fu, ok := s.t.recent(id); ok {
		return fu, nil
	}
	return s.fetch(ctx, id)
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

func (s *Session) resource(ctx context.Context, fu freshservice.User, rec record.UserRecord, sent *mapping.User) (Resource, error) {
	u, err := s.scimUser(ctx, fu, rec, sent)
	if err != nil {
		return Resource{}, err
	}
	return s.toResource(u, fu), nil
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
