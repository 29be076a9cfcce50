package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/proxy/provision/names"
	"github.com/fsscim/fsscim/store"
)

// usersHandler serves /Users: each SCIM operation becomes the Freshservice calls DESIGN.md lays out.
// It keeps no state of its own; the tenant's state and client come with the request.
type usersHandler struct{ srv *Server }

var _ scim.ResourceHandler = (*usersHandler)(nil)

// userCall is everything one user operation needs.
type userCall struct {
	sc     *scope
	ts     *tenantState
	cfg    *config.Tenant
	c      *freshservice.Client
	opts   mapping.Options
	method string
	log    *zap.Logger
}

func (h *usersHandler) begin(r *http.Request) (context.Context, context.CancelFunc, *userCall) {
	sc := requestScope(r)
	ctx, cancel := context.WithTimeout(r.Context(), h.srv.opts.RequestTimeout)
	uc := &userCall{sc: sc, ts: sc.tenant, cfg: sc.tenant.config(), c: sc.client, opts: sc.tenant.mappingOptions(), method: r.Method, log: sc.log}
	return ctx, cancel, uc
}

func parseUserID(id string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	return n, err == nil && n > 0
}

func notFound(id string) scimerrors.ScimError {
	return scimError(http.StatusNotFound, "", "User %s not found.", sanitizeID(id))
}

// sanitizeID keeps an id from the URL printable and short before it is echoed in an error.
func sanitizeID(id string) string {
	if len(id) > 64 {
		id = id[:64] + "…"
	}
	return strconv.Quote(id)
}

// ---- reads ----

// Get reads the user fresh from Freshservice.
func (h *usersHandler) Get(r *http.Request, id string) (scim.Resource, error) {
	ctx, cancel, uc := h.begin(r)
	defer cancel()
	uid, ok := parseUserID(id)
	if !ok {
		return scim.Resource{}, uc.sc.fail(uc.method, notFound(id))
	}
	if err := uc.verifyKey(ctx); err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	rec, err := uc.record(ctx, uid)
	if err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	if rec.Deleted {
		return scim.Resource{}, uc.sc.fail(uc.method, notFound(id))
	}
	fu, err := uc.fetch(ctx, uid)
	if err != nil {
		if freshservice.IsNotFound(err) {
			return scim.Resource{}, uc.sc.fail(uc.method, notFound(id))
		}
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	res, err := uc.resource(ctx, fu, rec, nil)
	if err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	return res, nil
}

// GetAll answers filter lookups from the directory index (a userName lookup that misses costs no
// Freshservice call) and lists without a filter from it too.
func (h *usersHandler) GetAll(r *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	ctx, cancel, uc := h.begin(r)
	defer cancel()
	if err := uc.verifyKey(ctx); err != nil {
		return scim.Page{}, uc.sc.fail(uc.method, err)
	}
	plan := mapping.Plan{}
	if uc.sc.userPlan != nil {
		plan = *uc.sc.userPlan
	}
	ids, err := uc.candidates(ctx, plan)
	if err != nil {
		return scim.Page{}, uc.sc.fail(uc.method, err)
	}
	// Drop users fsscim deleted (deactivated on a SCIM DELETE): for Entra they are gone.
	live := ids[:0]
	for _, id := range ids {
		rec, err := uc.record(ctx, id)
		if err != nil {
			return scim.Page{}, uc.sc.fail(uc.method, err)
		}
		if !rec.Deleted {
			live = append(live, id)
		}
	}
	ids = live

	var matched []scim.Resource
	filtered := len(plan.Terms) > 0
	if !filtered {
		// Listing everything: the total comes from the index, only the page is fetched.
		total := len(ids)
		start := params.StartIndex - 1
		if start > total {
			start = total
		}
		end := start + params.Count
		if end > total {
			end = total
		}
		page := make([]scim.Resource, 0, end-start)
		for _, id := range ids[start:end] {
			res, ok, err := uc.resourceByID(ctx, id, plan)
			if err != nil {
				return scim.Page{}, uc.sc.fail(uc.method, err)
			}
			if ok {
				page = append(page, res)
			}
		}
		return scim.Page{TotalResults: total, Resources: page}, nil
	}
	for _, id := range ids {
		res, ok, err := uc.resourceByID(ctx, id, plan)
		if err != nil {
			return scim.Page{}, uc.sc.fail(uc.method, err)
		}
		if ok {
			matched = append(matched, res)
		}
	}
	total := len(matched)
	start := params.StartIndex - 1
	if start > total {
		start = total
	}
	end := start + params.Count
	if end > total {
		end = total
	}
	out := append([]scim.Resource{}, matched[start:end]...)
	return scim.Page{TotalResults: total, Resources: out}, nil
}

// candidates returns the ids a plan may match, using the index where it can answer.
func (uc *userCall) candidates(ctx context.Context, plan mapping.Plan) ([]int64, error) {
	idx := uc.ts.readyIndex(ctx, uc.c)
	var ids []int64
	narrowed := false
	for _, t := range plan.Terms {
		var got []int64
		switch t.Attr {
		case "id":
			id, ok := parseUserID(t.Value)
			if !ok {
				return nil, nil
			}
			got = []int64{id}
		case "userName", "email":
			if t.Attr == "userName" && !mapping.LooksLikeEmail(t.Value) {
				// A login-name userName: only fsscim knows it (Freshservice holds the work email).
				id, found, err := uc.ts.aliases.lookup(ctx, uc.ts.reg.srv.opts.Store, uc.ts.domain, t.Value)
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
			users, err := uc.findByEmail(ctx, t.Value)
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
			return nil, scimError(http.StatusServiceUnavailable, "", "fsscim's directory of %s is still loading; retry the externalId lookup shortly.", uc.cfg.Domain)
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
		return nil, scimError(http.StatusServiceUnavailable, "", "fsscim's directory of %s is still loading; retry shortly.", uc.cfg.Domain)
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
func (uc *userCall) findByEmail(ctx context.Context, email string) ([]freshservice.User, error) {
	users, err := uc.c.FindUsersByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return nil, fmt.Errorf("find user %q: %w", email, err)
	}
	var out []freshservice.User
	for _, u := range users {
		if strings.EqualFold(u.Mail(), strings.TrimSpace(email)) {
			out = append(out, u)
			uc.ts.index.Note(u)
		}
	}
	return out, nil
}

// resourceByID fetches one user and reports whether it matches the plan's terms.
func (uc *userCall) resourceByID(ctx context.Context, id int64, plan mapping.Plan) (scim.Resource, bool, error) {
	fu, err := uc.fetch(ctx, id)
	if err != nil {
		if freshservice.IsNotFound(err) {
			uc.ts.index.Forget(id)
			return scim.Resource{}, false, nil
		}
		return scim.Resource{}, false, err
	}
	rec, err := uc.record(ctx, id)
	if err != nil {
		return scim.Resource{}, false, err
	}
	u, err := uc.scimUser(ctx, fu, rec, nil)
	if err != nil {
		return scim.Resource{}, false, err
	}
	if !plan.Matches(u) {
		return scim.Resource{}, false, nil
	}
	return uc.toResource(u, fu), true, nil
}

// fetch reads a user by id, trying the kind the index remembers first.
func (uc *userCall) fetch(ctx context.Context, id int64) (freshservice.User, error) {
	agentFirst := false
	if e, ok, _ := uc.ts.index.ByID(id); ok {
		agentFirst = e.IsAgent
	}
	get := []func(context.Context, int64) (freshservice.User, error){uc.c.GetRequester, uc.c.GetAgent}
	if agentFirst {
		get[0], get[1] = get[1], get[0]
	}
	fu, err := get[0](ctx, id)
	if freshservice.IsNotFound(err) {
		fu, err = get[1](ctx, id)
	}
	if err != nil {
		return freshservice.User{}, fmt.Errorf("get user %d: %w", id, err)
	}
	uc.ts.remember(fu)
	return fu, nil
}

// current returns the user's state as fsscim last read or wrote it within a few seconds (Entra reads
// a user right before it PATCHes it), else reads it.
func (uc *userCall) current(ctx context.Context, id int64) (freshservice.User, error) {
	if fu, ok := uc.ts.recent(id); ok {
		return fu, nil
	}
	return uc.fetch(ctx, id)
}

func (uc *userCall) record(ctx context.Context, id int64) (store.UserRecord, error) {
	rec, _, err := uc.ts.reg.srv.opts.Store.GetUser(ctx, uc.ts.domain, id)
	if err != nil {
		return store.UserRecord{}, fmt.Errorf("read stored state of user %d: %w", id, err)
	}
	return rec, nil
}

func (uc *userCall) verifyKey(ctx context.Context) error {
	return uc.ts.verifyKey(ctx, uc.keyHash(), uc.c)
}

func (uc *userCall) keyHash() string { return uc.sc.keyHash }

// scimUser translates a Freshservice user into SCIM terms, with department and location names and
// the values Entra sent in the form it sent them. sent, when given, overrides names for the fields
// this request just wrote (saving the lookups).
func (uc *userCall) scimUser(ctx context.Context, fu freshservice.User, rec store.UserRecord, sent *mapping.User) (mapping.User, error) {
	var refs mapping.Refs
	if len(fu.DepartmentIDs) > 0 {
		if sent != nil && sent.Department != "" {
			refs.DepartmentName = sent.Department
		} else if name, ok := rememberedName(rec, echoDepartment, int64(fu.DepartmentIDs[0])); ok {
			refs.DepartmentName = name
		} else {
			name, err := uc.ts.lookups.DepartmentName(ctx, uc.c, fu.DepartmentIDs[0])
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
			name, err := uc.ts.lookups.LocationName(ctx, uc.c, int64(fu.LocationID))
			if err != nil && !isNameMiss(err) {
				return mapping.User{}, fmt.Errorf("location %d of user %d: %w", fu.LocationID, fu.ID, err)
			}
			refs.LocationName = name
		}
	}
	u := mapping.UserFromFreshservice(fu, refs, uc.opts)
	echoOf(rec).Apply(&u, fu)
	return u, nil
}

// Department and location names are matched case-insensitively, so Entra may send "engineering" for
// Freshservice's "Engineering"; it must read back what it sent. mapping resolves no names, so fsscim
// remembers these itself, in the same record as mapping's Echo, with the id the name resolved to as
// the stored form.
const (
	echoDepartment = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
	echoLocation   = "urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:location"
)

// rememberedName is the name Entra sent for the department or location id, if the user still has it.
func rememberedName(rec store.UserRecord, key string, id int64) (string, bool) {
	v, ok := rec.Echo[key]
	if !ok || v.Stored != strconv.FormatInt(id, 10) {
		return "", false
	}
	return v.Sent, true
}

// withNames records in echo the department and location names of u that a write f (or, for a write
// that changed no id, the user's ids) resolved, for the fields in set; names read back as sent
// without an entry are not recorded.
func withNames(echo map[string]store.EchoValue, u mapping.User, set mapping.FieldSet, f freshservice.UserFields, fu freshservice.User) map[string]store.EchoValue {
	if echo == nil {
		echo = map[string]store.EchoValue{}
	}
	if set.Has(mapping.FieldDepartment) {
		delete(echo, echoDepartment)
		id := int64(0)
		switch {
		case f.DepartmentIDs != nil && len(*f.DepartmentIDs) > 0:
			id = (*f.DepartmentIDs)[0]
		case f.DepartmentIDs == nil && len(fu.DepartmentIDs) > 0:
			id = fu.DepartmentIDs[0]
		}
		if id != 0 && strings.TrimSpace(u.Department) != "" {
			echo[echoDepartment] = store.EchoValue{Sent: u.Department, Stored: strconv.FormatInt(id, 10)}
		}
	}
	if set.Has(mapping.FieldLocation) {
		delete(echo, echoLocation)
		id := int64(0)
		switch {
		case f.LocationID != nil:
			id = int64(*f.LocationID)
		default:
			id = int64(fu.LocationID)
		}
		if id != 0 && strings.TrimSpace(u.Location) != "" {
			echo[echoLocation] = store.EchoValue{Sent: u.Location, Stored: strconv.FormatInt(id, 10)}
		}
	}
	if len(echo) == 0 {
		return nil
	}
	return echo
}

func isNameMiss(err error) bool {
	var ne *names.Error
	return errors.As(err, &ne)
}

func (uc *userCall) resource(ctx context.Context, fu freshservice.User, rec store.UserRecord, sent *mapping.User) (scim.Resource, error) {
	u, err := uc.scimUser(ctx, fu, rec, sent)
	if err != nil {
		return scim.Resource{}, err
	}
	return uc.toResource(u, fu), nil
}

func (uc *userCall) toResource(u mapping.User, fu freshservice.User) scim.Resource {
	attrs := mapping.UserToAttributes(u, uc.opts)
	res := scim.Resource{ID: strconv.FormatInt(fu.ID, 10), Attributes: attrs}
	if u.ExternalID != "" {
		res.ExternalID = optional.NewString(u.ExternalID)
	}
	meta := scim.Meta{}
	if !fu.CreatedAt.IsZero() {
		t := fu.CreatedAt
		meta.Created = &t
	}
	if !fu.UpdatedAt.IsZero() {
		t := fu.UpdatedAt
		meta.LastModified = &t
	}
	res.Meta = meta
	return res
}

func echoOf(rec store.UserRecord) mapping.Echo {
	e := mapping.Echo{}
	for k, v := range rec.Echo {
		e[k] = mapping.EchoValue{Sent: v.Sent, Stored: v.Stored}
	}
	return e
}

func storeEcho(e mapping.Echo) map[string]store.EchoValue {
	out := map[string]store.EchoValue{}
	for k, v := range e {
		out[k] = store.EchoValue{Sent: v.Sent, Stored: v.Stored}
	}
	return out
}

// ---- writes ----

// Create makes a requester (or agent), or adopts the Freshservice user that already holds the email.
func (h *usersHandler) Create(r *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	ctx, cancel, uc := h.begin(r)
	defer cancel()
	u, set, ignored, err := mapping.UserFromAttributes(attrs, uc.opts)
	if err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	uc.sc.noteIgnored(ignored...)
	if strings.TrimSpace(u.UserName) == "" {
		return scim.Resource{}, uc.sc.fail(uc.method, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "userName is required: it becomes the Freshservice user's primary email."))
	}
	// The address Freshservice will know the user by: userName, or the work email when userName is
	// a login name rather than an address.
	email := strings.ToLower(mapping.PrimaryEmail(u))
	if email == "" {
		_, _, _, err := mapping.FieldsFor(u, set, uc.opts)
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	// Two creates for one email (Entra retrying, or two provisioning jobs) must not race into two
	// users or two adoptions.
	unlock := uc.ts.locks.lock("email:" + email)
	defer unlock()

	if err := uc.verifyKey(ctx); err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	existing, found, err := uc.existingByEmail(ctx, email)
	if err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	if !found && !mapping.LooksLikeEmail(u.UserName) {
		existing, found, err = uc.ts.aliases.lookup(ctx, uc.ts.reg.srv.opts.Store, uc.ts.domain, u.UserName)
		if err != nil {
			return scim.Resource{}, uc.sc.fail(uc.method, err)
		}
	}
	if found {
		res, err := uc.adopt(ctx, existing, u, set, true)
		if err == nil {
			return res, nil
		}
		if !errors.Is(err, errGone) {
			return scim.Resource{}, uc.sc.fail(uc.method, err)
		}
		// The index remembered a user Freshservice no longer has (deleted there for good): the email
		// is free again.
		uc.ts.index.Forget(existing)
		uc.ts.forget(existing)
	}
	res, err := uc.create(ctx, u, set)
	if err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	return res, nil
}

// existingByEmail finds the Freshservice user holding email: from a complete index (no call), else
// directly.
func (uc *userCall) existingByEmail(ctx context.Context, email string) (int64, bool, error) {
	if idx := uc.ts.readyIndex(ctx, uc.c); idx != nil {
		e, found, err := idx.ByEmail(email)
		if err == nil {
			return e.ID, found, nil
		}
	}
	users, err := uc.findByEmail(ctx, email)
	if err != nil {
		return 0, false, err
	}
	if len(users) == 0 {
		return 0, false, nil
	}
	return users[0].ID, true, nil
}

func (uc *userCall) wantAgent(u mapping.User) bool {
	if u.IsAgent != nil {
		return *u.IsAgent
	}
	return uc.cfg.Users.Type == "agent"
}

func (uc *userCall) create(ctx context.Context, u mapping.User, set mapping.FieldSet) (scim.Resource, error) {
	set |= mapping.FieldSet(mapping.FieldUserName)
	if set.Has(mapping.FieldManager) && u.ManagerID != "" && !uc.mayBeUser(u.ManagerID) {
		// Entra sets the manager with a PATCH once both users exist; a create naming a manager that
		// cannot exist (the SCIM Validator sends a random string) makes the user without one rather
		// than not at all.
		uc.log.Info("manager is not a Freshservice user; creating the user without a manager", zap.String("manager", u.ManagerID))
		u.ManagerID = ""
		set &^= mapping.FieldSet(mapping.FieldManager)
	}
	fields, err := uc.fields(ctx, u, set)
	if err != nil {
		return scim.Resource{}, err
	}
	agent := uc.wantAgent(u)
	if uc.cfg.DryRun {
		uc.dryRun("create user", fields, zap.Bool("agent", agent))
		return uc.toResource(u, freshservice.User{}), nil
	}
	var fu freshservice.User
	if agent && len(uc.cfg.Users.AgentDefaults.Roles) > 0 {
		fields.Roles = agentRoles(uc.cfg)
		fu, err = uc.c.CreateAgent(ctx, fields)
	} else {
		fu, err = uc.c.CreateRequester(ctx, fields)
	}
	if err != nil {
		switch {
		case freshservice.IsDuplicate(err):
			// The index did not know the email (a user made outside fsscim since the last refresh, or
			// a secondary email): find it and adopt it.
			id, found, ferr := uc.existingAfterConflict(ctx, u.UserName)
			if ferr != nil {
				return scim.Resource{}, ferr
			}
			if found {
				return uc.adopt(ctx, id, u, set, true)
			}
			return scim.Resource{}, fmt.Errorf("create user %q: %w", u.UserName, err)
		case freshservice.IsUnavailable(err):
			// The answer may have been lost after Freshservice made the user: look before failing,
			// so that Entra's retry does not make a second one.
			id, found, ferr := uc.existingAfterConflict(ctx, u.UserName)
			if ferr == nil && found {
				// Nobody held the email just before the POST, so this is the user it made: taking it
				// over needs no users.reactivate_existing.
				uc.log.Info("create answer was lost but the user exists; adopting it", zap.Int64("user_id", id))
				return uc.adopt(ctx, id, u, set, false)
			}
			return scim.Resource{}, fmt.Errorf("create user %q: %w", u.UserName, err)
		}
		return scim.Resource{}, fmt.Errorf("create user %q: %w", u.UserName, err)
	}
	if agent && !fu.IsAgent {
		// No agent roles configured: Freshservice's own conversion makes an occasional agent.
		conv, cerr := uc.c.ConvertToAgent(ctx, fu.ID)
		if cerr != nil {
			uc.ts.index.Note(fu)
			return scim.Resource{}, fmt.Errorf("convert new user %d to agent: %w", fu.ID, cerr)
		}
		fu = conv
	}
	if set.Has(mapping.FieldActive) && !u.Active {
		// Entra provisions a disabled account: Freshservice has no inactive create.
		if err := uc.deactivate(ctx, &fu); err != nil {
			uc.ts.index.Note(fu)
			return scim.Resource{}, err
		}
	}
	uc.ts.index.Note(fu)
	uc.ts.remember(fu)
	rec := store.UserRecord{Echo: withNames(storeEcho(mapping.EchoFor(u, set, fields)), u, set, fields, fu)}
	if err := uc.ts.reg.srv.opts.Store.PutUser(ctx, uc.ts.domain, fu.ID, rec); err != nil {
		return scim.Resource{}, fmt.Errorf("record new user %d: %w", fu.ID, err)
	}
	uc.ts.aliases.note(fu.ID, rec)
	uc.log.Info("user created", zap.Int64("user_id", fu.ID), zap.Bool("agent", fu.IsAgent))
	return uc.resource(ctx, fu, rec, &u)
}

// existingAfterConflict looks the email up in Freshservice itself; the index is not trusted here.
func (uc *userCall) existingAfterConflict(ctx context.Context, email string) (int64, bool, error) {
	users, err := uc.findByEmail(ctx, email)
	if err != nil {
		return 0, false, err
	}
	if len(users) == 0 {
		return 0, false, nil
	}
	return users[0].ID, true, nil
}

func agentRoles(cfg *config.Tenant) []freshservice.Role {
	var roles []freshservice.Role
	for _, r := range cfg.Users.AgentDefaults.Roles {
		roles = append(roles, freshservice.Role{RoleID: r.RoleID, AssignmentScope: r.AssignmentScope, Groups: r.Groups})
	}
	return roles
}

// errGone means a user the index named is no longer in Freshservice.
var errGone = errors.New("user no longer exists in Freshservice")

// adopt takes over an existing Freshservice user for a SCIM create: reactivated if needed (unless Entra
// creates a disabled account), converted if isAgent says so, its attributes set to what Entra sent.
// Only what differs is written, so a create that Entra retries after a lost answer costs one read.
// consent says the tenant's users.reactivate_existing must allow it.
func (uc *userCall) adopt(ctx context.Context, id int64, u mapping.User, set mapping.FieldSet, consent bool) (scim.Resource, error) {
	if consent && !uc.cfg.Users.ReactivateExisting {
		return scim.Resource{}, scimError(http.StatusConflict, scimerrors.ScimTypeUniqueness,
			"A Freshservice user with the email %q already exists (id %d). Set users.reactivate_existing: true in the tenant file to let fsscim adopt it, or remove that user in Freshservice.", u.UserName, id)
	}
	fu, err := uc.fetch(ctx, id)
	if freshservice.IsNotFound(err) {
		return scim.Resource{}, fmt.Errorf("adopt user %d: %w", id, errGone)
	}
	if err != nil {
		return scim.Resource{}, err
	}
	rec, err := uc.record(ctx, id)
	if err != nil {
		return scim.Resource{}, err
	}
	if u.IsAgent == nil {
		// Adoption keeps an agent an agent unless Entra says otherwise.
		agent := fu.IsAgent
		u.IsAgent = &agent
	}
	old, err := uc.scimUser(ctx, fu, rec, nil)
	if err != nil {
		return scim.Resource{}, err
	}
	set = mapping.Changed(old, u, set|mapping.FieldSet(mapping.FieldActive|mapping.FieldIsAgent))
	uc.log.Info("adopting existing Freshservice user for create", zap.Int64("user_id", id), zap.Bool("was_active", fu.Active), zap.Bool("agent", fu.IsAgent))
	res, err := uc.apply(ctx, fu, rec, u, set)
	if err != nil {
		return scim.Resource{}, err
	}
	return res, nil
}

// fields translates the SCIM fields in set and resolves department and location names to ids.
func (uc *userCall) fields(ctx context.Context, u mapping.User, set mapping.FieldSet) (freshservice.UserFields, error) {
	f, needs, warnings, err := mapping.FieldsFor(u, set, uc.opts)
	if err != nil {
		return freshservice.UserFields{}, err
	}
	for _, w := range warnings {
		uc.log.Info("value not sent to Freshservice", zap.String("reason", w))
	}
	if needs.SetDepartment {
		if strings.TrimSpace(needs.Department) == "" {
			f.DepartmentIDs = &[]int64{}
		} else {
			id, err := uc.ts.lookups.DepartmentID(ctx, uc.c, needs.Department, uc.cfg.Departments.CreateMissing)
			if err != nil {
				return freshservice.UserFields{}, uc.nameError(err, "departments")
			}
			f.DepartmentIDs = &[]int64{id}
		}
	}
	if needs.SetLocation {
		if strings.TrimSpace(needs.Location) == "" {
			zero := freshservice.ID(0)
			f.LocationID = &zero
		} else {
			id, err := uc.ts.lookups.LocationID(ctx, uc.c, needs.Location, uc.cfg.Locations.CreateMissing)
			if err != nil {
				return freshservice.UserFields{}, uc.nameError(err, "locations")
			}
			loc := freshservice.ID(id)
			f.LocationID = &loc
		}
	}
	return f, nil
}

// nameError turns a failed department/location lookup into an answer an admin can act on.
func (uc *userCall) nameError(err error, key string) error {
	var ne *names.Error
	if !errors.As(err, &ne) {
		return err
	}
	if len(ne.Candidates) > 0 {
		return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "%s in %s; rename one of them in Freshservice.", ne.Error(), uc.cfg.Domain)
	}
	return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "%s %q does not exist in %s; create it in Freshservice or set %s.create_missing: true in the tenant file.", ne.Kind, ne.Name, uc.cfg.Domain, key)
}

// apply brings Freshservice user fu to SCIM user u for the fields in set: reactivation (putting back
// what deactivation dropped), conversion between requester and agent, one PUT of the changed fields,
// deactivation. It is the common path of PATCH, PUT and adoption.
func (uc *userCall) apply(ctx context.Context, fu freshservice.User, rec store.UserRecord, u mapping.User, set mapping.FieldSet) (scim.Resource, error) {
	id := fu.ID
	unlock := uc.ts.locks.lock("user:" + strconv.FormatInt(id, 10))
	defer unlock()
	done := false
	defer func() {
		if !done {
			// A write may have landed before the failure: what fsscim last read is stale now.
			uc.ts.forget(id)
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

	fields, err := uc.fields(ctx, u, set&^mapping.FieldSet(mapping.FieldActive|mapping.FieldIsAgent))
	if err != nil {
		return scim.Resource{}, err
	}
	if uc.cfg.DryRun {
		uc.dryRun("update user", fields, zap.Int64("user_id", id), zap.Bool("active", wantActive), zap.Bool("agent", wantAgent))
		done = true
		return uc.toResource(u, fu), nil
	}

	// Reactivate first: updating a deactivated user is not documented to work. Then put back what
	// deactivation dropped; a restore that an earlier attempt could not finish is finished now.
	restoring := wantActive && (!fu.Active || rec.RestorePending)
	if wantActive && !fu.Active {
		react, err := uc.reactivate(ctx, fu)
		if err != nil {
			return scim.Resource{}, err
		}
		fu = react
	}
	if restoring {
		if err := uc.ts.reg.srv.groupRestorer(ctx, uc, id); err != nil {
			return scim.Resource{}, err
		}
		restore(&fields, rec, fu)
	}
	if wantAgent != fu.IsAgent {
		conv, err := uc.convert(ctx, fu, wantAgent)
		if err != nil {
			return scim.Resource{}, err
		}
		fu = conv
		if wantAgent && len(uc.cfg.Users.AgentDefaults.Roles) > 0 {
			// Freshservice's conversion makes an occasional agent; a tenant with agent roles
			// configured gets the same full agent it would get from a create.
			fulltime := false
			fields.Roles = agentRoles(uc.cfg)
			fields.Occasional = &fulltime
		}
	}
	if !fields.Empty() {
		var upd freshservice.User
		if fu.IsAgent {
			upd, err = uc.c.UpdateAgent(ctx, id, fields)
		} else {
			upd, err = uc.c.UpdateRequester(ctx, id, fields)
		}
		if err != nil {
			return scim.Resource{}, fmt.Errorf("update user %d: %w", id, err)
		}
		fu = upd
	}
	if !wantActive && fu.Active {
		if err := uc.deactivate(ctx, &fu); err != nil {
			return scim.Resource{}, err
		}
	}
	uc.ts.index.Note(fu)
	uc.ts.remember(fu)

	// Remember what Entra sent in forms Freshservice does not keep, and forget a deletion that a
	// create has just undone.
	echo := mapping.EchoFor(u, set, fields)
	var saved store.UserRecord
	err = uc.ts.reg.srv.opts.Store.UpdateUser(ctx, uc.ts.domain, id, func(r *store.UserRecord) error {
		// An attribute written now replaces what was remembered of it, even when the new value
		// needs no remembering.
		r.Echo = withNames(storeEcho(echoOf(*r).Merge(echo, set)), u, set, fields, fu)
		if restoring {
			r.RestorePending = false
		}
		if wasDeleted {
			r.Deleted, r.DeletedAt = false, time.Time{}
		}
		saved = *r
		return nil
	})
	if err != nil {
		return scim.Resource{}, fmt.Errorf("record state of user %d: %w", id, err)
	}
	uc.ts.aliases.note(id, saved)
	done = true
	return uc.resource(ctx, fu, saved, &u)
}

// restore adds to a PUT what Freshservice dropped when it deactivated the user (the reactivated
// user comes back without it), unless this request sets it itself.
func restore(f *freshservice.UserFields, rec store.UserRecord, back freshservice.User) {
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

func (uc *userCall) reactivate(ctx context.Context, fu freshservice.User) (freshservice.User, error) {
	var (
		out freshservice.User
		err error
	)
	if fu.IsAgent {
		out, err = uc.c.ReactivateAgent(ctx, fu.ID)
	} else {
		out, err = uc.c.ReactivateRequester(ctx, fu.ID)
	}
	if err != nil {
		return freshservice.User{}, fmt.Errorf("reactivate user %d: %w", fu.ID, err)
	}
	uc.log.Info("user reactivated", zap.Int64("user_id", fu.ID))
	return out, nil
}

// deactivate records what Freshservice will drop, then deactivates.
func (uc *userCall) deactivate(ctx context.Context, fu *freshservice.User) error {
	err := uc.ts.reg.srv.opts.Store.UpdateUser(ctx, uc.ts.domain, fu.ID, func(r *store.UserRecord) error {
		r.DepartmentIDs = append([]int64(nil), fu.DepartmentIDs...)
		r.ManagerID = int64(fu.ReportingManagerID)
		r.LocationID = int64(fu.LocationID)
		r.RestorePending = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("record state of user %d before deactivation: %w", fu.ID, err)
	}
	if fu.IsAgent {
		err = uc.c.DeactivateAgent(ctx, fu.ID)
	} else {
		err = uc.c.DeactivateRequester(ctx, fu.ID)
	}
	if err != nil {
		return fmt.Errorf("deactivate user %d: %w", fu.ID, err)
	}
	fu.Active = false
	uc.log.Info("user deactivated", zap.Int64("user_id", fu.ID))
	return nil
}

func (uc *userCall) convert(ctx context.Context, fu freshservice.User, toAgent bool) (freshservice.User, error) {
	var (
		out freshservice.User
		err error
	)
	if toAgent {
		out, err = uc.c.ConvertToAgent(ctx, fu.ID)
	} else {
		out, err = uc.c.ConvertToRequester(ctx, fu.ID)
	}
	if err != nil {
		return freshservice.User{}, fmt.Errorf("convert user %d (agent=%t): %w", fu.ID, toAgent, err)
	}
	out.IsAgent = toAgent
	uc.log.Info("user converted", zap.Int64("user_id", fu.ID), zap.Bool("agent", toAgent))
	return out, nil
}

func (uc *userCall) dryRun(what string, f freshservice.UserFields, fields ...zap.Field) {
	uc.log.Info("dry run: write not made", append(fields, zap.String("write", what), zap.Any("fields", f))...)
}

// Replace (PUT) sets every mapped attribute: what the body leaves out is cleared.
func (h *usersHandler) Replace(r *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	ctx, cancel, uc := h.begin(r)
	defer cancel()
	uid, ok := parseUserID(id)
	if !ok {
		return scim.Resource{}, uc.sc.fail(uc.method, notFound(id))
	}
	u, _, ignored, err := mapping.UserFromAttributes(attrs, uc.opts)
	if err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	uc.sc.noteIgnored(ignored...)
	rec, err := uc.record(ctx, uid)
	if err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	if rec.Deleted {
		return scim.Resource{}, uc.sc.fail(uc.method, notFound(id))
	}
	fu, err := uc.fetch(ctx, uid)
	if err != nil {
		if freshservice.IsNotFound(err) {
			return scim.Resource{}, uc.sc.fail(uc.method, notFound(id))
		}
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	old, err := uc.scimUser(ctx, fu, rec, nil)
	if err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	set := mapping.AllUserFields
	if u.IsAgent == nil {
		set &^= mapping.FieldSet(mapping.FieldIsAgent)
	}
	if _, has := attrs["active"]; !has {
		set &^= mapping.FieldSet(mapping.FieldActive)
	}
	set = mapping.Changed(old, u, set)
	res, err := uc.apply(ctx, fu, rec, u, set)
	if err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	return res, nil
}

// Patch applies Entra's operations. Plain attributes become one PUT of just the changed fields; a
// PATCH that changes nothing makes no write.
func (h *usersHandler) Patch(r *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	ctx, cancel, uc := h.begin(r)
	defer cancel()
	uid, ok := parseUserID(id)
	if !ok {
		return scim.Resource{}, uc.sc.fail(uc.method, notFound(id))
	}
	rec, err := uc.record(ctx, uid)
	if err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	if rec.Deleted {
		return scim.Resource{}, uc.sc.fail(uc.method, notFound(id))
	}
	fu, err := uc.current(ctx, uid)
	if err != nil {
		if freshservice.IsNotFound(err) {
			return scim.Resource{}, uc.sc.fail(uc.method, notFound(id))
		}
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	old, err := uc.scimUser(ctx, fu, rec, nil)
	if err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	u := old
	u.Custom = copyCustom(old.Custom)
	result, err := mapping.ApplyUserPatch(&u, ops, uc.opts)
	if err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	uc.sc.noteIgnored(result.Ignored...)
	set := mapping.Changed(old, u, result.Touched)
	if result.Touched.Has(mapping.FieldActive) && u.Active && rec.RestorePending {
		// Entra retries an enable whose restore failed half-way: the user is already active, but
		// what deactivation dropped is not all back yet.
		set.Add(mapping.FieldActive)
	}
	recased := recasedNames(old, u, result.Touched)
	if set == 0 {
		if recased != 0 {
			// The same department or location in another case: nothing for Freshservice, but
			// Entra must read back its spelling.
			if err := uc.rememberNames(ctx, fu, u, recased); err != nil {
				return scim.Resource{}, uc.sc.fail(uc.method, err)
			}
			return uc.toResource(u, fu), nil
		}
		return uc.toResource(old, fu), nil
	}
	res, err := uc.apply(ctx, fu, rec, u, set|recased)
	if err != nil {
		return scim.Resource{}, uc.sc.fail(uc.method, err)
	}
	return res, nil
}

// recasedNames is the department and location fields of touched whose names changed only in case.
func recasedNames(old, u mapping.User, touched mapping.FieldSet) mapping.FieldSet {
	var out mapping.FieldSet
	if touched.Has(mapping.FieldDepartment) && old.Department != u.Department && strings.EqualFold(strings.TrimSpace(old.Department), strings.TrimSpace(u.Department)) {
		out.Add(mapping.FieldDepartment)
	}
	if touched.Has(mapping.FieldLocation) && old.Location != u.Location && strings.EqualFold(strings.TrimSpace(old.Location), strings.TrimSpace(u.Location)) {
		out.Add(mapping.FieldLocation)
	}
	return out
}

// rememberNames records the names of the fields in set as Entra spelled them, for the ids fu holds.
func (uc *userCall) rememberNames(ctx context.Context, fu freshservice.User, u mapping.User, set mapping.FieldSet) error {
	err := uc.ts.reg.srv.opts.Store.UpdateUser(ctx, uc.ts.domain, fu.ID, func(r *store.UserRecord) error {
		r.Echo = withNames(r.Echo, u, set, freshservice.UserFields{}, fu)
		return nil
	})
	if err != nil {
		return fmt.Errorf("record names of user %d: %w", fu.ID, err)
	}
	return nil
}

func copyCustom(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Delete follows users.on_delete: deactivate (the default; fsscim then answers 404 for the user, and a
// later create with its email adopts it again) or forget (Freshservice deletes it and its tickets).
func (h *usersHandler) Delete(r *http.Request, id string) error {
	ctx, cancel, uc := h.begin(r)
	defer cancel()
	uid, ok := parseUserID(id)
	if !ok {
		return uc.sc.fail(uc.method, notFound(id))
	}
	rec, err := uc.record(ctx, uid)
	if err != nil {
		return uc.sc.fail(uc.method, err)
	}
	if rec.Deleted {
		return uc.sc.fail(uc.method, notFound(id))
	}
	unlock := uc.ts.locks.lock("user:" + strconv.FormatInt(uid, 10))
	defer unlock()
	// Entra looks the user up right before it deletes it; that read serves here.
	fu, err := uc.current(ctx, uid)
	if err != nil {
		if freshservice.IsNotFound(err) {
			return uc.sc.fail(uc.method, notFound(id))
		}
		return uc.sc.fail(uc.method, err)
	}
	if uc.cfg.DryRun {
		uc.dryRun("delete user ("+uc.cfg.Users.OnDelete+")", freshservice.UserFields{}, zap.Int64("user_id", uid))
		return nil
	}
	if uc.cfg.Users.OnDelete == "forget" {
		if fu.IsAgent {
			err = uc.c.ForgetAgent(ctx, uid)
		} else {
			err = uc.c.ForgetRequester(ctx, uid)
		}
		if err != nil {
			return uc.sc.fail(uc.method, fmt.Errorf("forget user %d: %w", uid, err))
		}
		uc.ts.index.Forget(uid)
		uc.ts.forget(uid)
		if err := uc.ts.reg.srv.opts.Store.DeleteUser(ctx, uc.ts.domain, uid); err != nil {
			return uc.sc.fail(uc.method, err)
		}
		uc.log.Info("user forgotten", zap.Int64("user_id", uid))
		return nil
	}
	if fu.Active {
		if err := uc.deactivate(ctx, &fu); err != nil {
			return uc.sc.fail(uc.method, err)
		}
	}
	uc.ts.index.Note(fu)
	uc.ts.forget(uid)
	now := h.srv.opts.Now()
	var saved store.UserRecord
	err = uc.ts.reg.srv.opts.Store.UpdateUser(ctx, uc.ts.domain, uid, func(r *store.UserRecord) error {
		r.Deleted, r.DeletedAt = true, now
		saved = *r
		return nil
	})
	if err != nil {
		return uc.sc.fail(uc.method, fmt.Errorf("record deletion of user %d: %w", uid, err))
	}
	uc.ts.aliases.note(uid, saved)
	return nil
}

// mayBeUser reports whether id can name a Freshservice user: a number, and known to a complete index
// when there is one (without one, Freshservice decides).
func (uc *userCall) mayBeUser(id string) bool {
	n, ok := parseUserID(id)
	if !ok {
		return false
	}
	if _, found, err := uc.ts.index.ByID(n); err == nil && !found {
		return false
	}
	return true
}
