package proxy_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
)

// The fault matrix: every SCIM operation Entra sends, against every way Freshservice fails. For each
// pair the test checks what Entra is answered, what Freshservice holds afterwards, and that Entra's
// retry of the same request (once Freshservice is well again) ends with exactly one correct user or
// group: no duplicate and no lost deprovisioning.

// hdEnv names what an operation's setup made.
type hdEnv struct {
	user   int64 // the user the operation works on
	member int64 // a second user (group members)
	group  int64
	email  string
	name   string // group name
}

func (e hdEnv) expand(s string) string {
	return strings.NewReplacer("{user}", strconv.FormatInt(e.user, 10), "{member}", strconv.FormatInt(e.member, 10),
		"{group}", strconv.FormatInt(e.group, 10)).Replace(s)
}

// hdFaultOp is one SCIM operation with the Freshservice call a fault hits.
type hdFaultOp struct {
	name   string
	tenant string // extra tenant file lines
	setup  func(t *testing.T, h *harness) hdEnv
	method string
	path   string // {user}, {member}, {group} are replaced
	body   func(e hdEnv) any
	// upMethod and upPath (a prefix, with placeholders) name the Freshservice call that fails.
	upMethod, upPath string
	write            bool
	// landed reports whether the operation's change is in Freshservice (writes only).
	landed func(t *testing.T, h *harness, e hdEnv) bool
	// retryOK are the answers Entra's retry may get once Freshservice is well.
	retryOK []int
	// converged checks Freshservice and fsscim's answers after the retry.
	converged func(t *testing.T, h *harness, e hdEnv, retry response)
}

// hdFault is one way Freshservice fails.
type hdFault struct {
	name  string
	fault freshservicetest.Fault
	// afterWrite: Freshservice made the change and the answer was lost. Reads are not faulted so.
	afterWrite bool
	want       int // what Entra must be answered unless the write is confirmed
	// minRetryAfter is the least Retry-After (seconds) the answer must carry.
	minRetryAfter int
	opts          func(*proxy.Options)
}

func hdFaults() []hdFault {
	const long = 2 * time.Minute
	return []hdFault{
		{name: "429 short Retry-After", fault: freshservicetest.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second}, want: 429, minRetryAfter: 1},
		{name: "429 long Retry-After", fault: freshservicetest.Fault{Status: http.StatusTooManyRequests, RetryAfter: long}, want: 429, minRetryAfter: int(long / time.Second)},
		{name: "500", fault: freshservicetest.Fault{Status: http.StatusInternalServerError}, want: 503, minRetryAfter: 1},
		{name: "502", fault: freshservicetest.Fault{Status: http.StatusBadGateway}, want: 503, minRetryAfter: 1},
		{name: "503", fault: freshservicetest.Fault{Status: http.StatusServiceUnavailable}, want: 503, minRetryAfter: 1},
		{name: "timeout", fault: freshservicetest.Fault{Latency: time.Hour}, want: 503, minRetryAfter: 1},
		{name: "connection dropped before the write", fault: freshservicetest.Fault{Drop: true}, want: 503, minRetryAfter: 1},
		{name: "connection dropped after the write landed", fault: freshservicetest.Fault{Drop: true, AfterWrite: true}, afterWrite: true, want: 503, minRetryAfter: 1},
		{name: "502 after the write landed", fault: freshservicetest.Fault{Status: http.StatusBadGateway, AfterWrite: true}, afterWrite: true, want: 503, minRetryAfter: 1},
		{
			// Entra gives a request 60 seconds. A Freshservice slower than fsscim's request budget
			// (its per-attempt timeout being longer still) must be answered 503 before the budget
			// ends, not left to Entra's own timeout.
			name: "slower than the request budget", fault: freshservicetest.Fault{Latency: time.Hour}, want: 503, minRetryAfter: 1,
			opts: func(o *proxy.Options) { o.RequestTimeout = 2 * time.Second; o.UpstreamTimeout = time.Minute },
		},
	}
}

// hdMemberTarget is a kind of Freshservice group whose members Entra adds and removes.
type hdMemberTarget struct {
	label    string // "group" or "agent group", in the operation's name
	tenant   string
	member   string // what the member is called in failures
	where    string // where the member is held, in failures
	setup    func(withMember bool) func(t *testing.T, h *harness) hdEnv
	isMember func(h *harness, e hdEnv) bool
	// upAdd and upRemove are the method and path of the Freshservice call each operation makes.
	upAdd, upRemove [2]string
}

// ops are the add and the remove of a member of such a group.
func (g hdMemberTarget) ops() []hdFaultOp {
	op := func(kind string, up [2]string, in bool, lost string) hdFaultOp {
		return hdFaultOp{
			name:   strings.ToLower(kind) + " " + g.label + " member",
			tenant: g.tenant,
			setup:  g.setup(!in),
			method: http.MethodPatch, path: "/scim/v2/Groups/{group}",
			body:     func(e hdEnv) any { return userPatchBody(hdMembers(kind, e.member)) },
			upMethod: up[0], upPath: up[1],
			write:   true,
			landed:  func(t *testing.T, h *harness, e hdEnv) bool { return g.isMember(h, e) == in },
			retryOK: []int{http.StatusNoContent},
			converged: func(t *testing.T, h *harness, e hdEnv, retry response) {
				if g.isMember(h, e) != in {
					t.Fatal(lost)
				}
			},
		}
	}
	return []hdFaultOp{
		op("Add", g.upAdd, true, "the "+g.member+" is not in the "+g.where),
		op("Remove", g.upRemove, false, "the "+g.member+" is still in the "+g.where+": the removal was lost"),
	}
}

// retryAnswers is a converged check for a read: the retry answered the resource id picks.
func retryAnswers(id func(hdEnv) int64) func(*testing.T, *harness, hdEnv, response) {
	return func(t *testing.T, _ *harness, e hdEnv, retry response) {
		if hdID(t, retry) != id(e) {
			t.Fatalf("retry answered %s", retry.Body)
		}
	}
}

func hdFaultOps() []hdFaultOp {
	userSetup := func(email string) func(t *testing.T, h *harness) hdEnv {
		return func(t *testing.T, h *harness) hdEnv {
			id := hdCreateUser(t, h, email)
			// Entra reads the user before it changes it.
			if r := h.do(http.MethodGet, fmt.Sprintf("/scim/v2/Users/%d", id), nil); r.Status != http.StatusOK {
				t.Fatalf("read before the operation: %d %s", r.Status, r.Body)
			}
			return hdEnv{user: id, email: email}
		}
	}
	disabledSetup := func(t *testing.T, h *harness) hdEnv {
		e := userSetup("away@contoso.com")(t, h)
		if r := h.do(http.MethodPatch, fmt.Sprintf("/scim/v2/Users/%d", e.user), userPatchBody(patchOp("Replace", "active", "False"))); r.Status != http.StatusOK {
			t.Fatalf("disable before the operation: %d %s", r.Status, r.Body)
		}
		if r := h.do(http.MethodGet, fmt.Sprintf("/scim/v2/Users/%d", e.user), nil); r.Status != http.StatusOK {
			t.Fatalf("read before the operation: %d %s", r.Status, r.Body)
		}
		return e
	}
	// groupSetup makes a group named name and a member for it, added to it when withMember.
	groupSetup := func(name string, newMember func(t *testing.T, h *harness) int64) func(withMember bool) func(t *testing.T, h *harness) hdEnv {
		return func(withMember bool) func(t *testing.T, h *harness) hdEnv {
			return func(t *testing.T, h *harness) hdEnv {
				e := hdEnv{name: name}
				e.member = newMember(t, h)
				e.group = hdCreateGroup(t, h, e.name)
				if withMember {
					r := h.do(http.MethodPatch, fmt.Sprintf("/scim/v2/Groups/%d", e.group), userPatchBody(hdMembers("Add", e.member)))
					if r.Status != http.StatusNoContent {
						t.Fatalf("add member before the operation: %d %s", r.Status, r.Body)
					}
				}
				return e
			}
		}
	}
	requesterGroup := hdMemberTarget{
		label: "group", member: "member", where: "Freshservice group",
		setup: groupSetup("Sales", func(t *testing.T, h *harness) int64 { return hdCreateUser(t, h, "member@contoso.com") }),
		isMember: func(h *harness, e hdEnv) bool {
			return slices.Contains(h.emu.RequesterGroupMembers(e.group), e.member)
		},
		upAdd:    [2]string{http.MethodPost, "/api/v2/requester_groups/{group}/members/{member}"},
		upRemove: [2]string{http.MethodDelete, "/api/v2/requester_groups/{group}/members/{member}"},
	}
	agentGroup := hdMemberTarget{
		label: "agent group", tenant: "groups: {target: agent_groups}", member: "agent", where: "Freshservice agent group",
		setup: groupSetup("Tier 2", func(t *testing.T, h *harness) int64 {
			return h.emu.AddAgent(freshservice.User{Email: "agent@contoso.com", FirstName: "Agent"}).ID
		}),
		isMember: func(h *harness, e hdEnv) bool {
			g, ok := h.emu.AgentGroup(e.group)
			return ok && slices.Contains(g.Members, e.member)
		},
		upAdd:    [2]string{http.MethodPut, "/api/v2/groups/{group}"},
		upRemove: [2]string{http.MethodPut, "/api/v2/groups/{group}"},
	}
	user := func(t *testing.T, h *harness, e hdEnv) freshservice.User {
		t.Helper()
		u, ok := h.emu.User(e.user)
		if !ok {
			t.Fatalf("user %d is gone from Freshservice", e.user)
		}
		return u
	}
	oneUser := func(t *testing.T, h *harness, email string) freshservice.User {
		t.Helper()
		got := hdUsersWithEmail(h, email)
		if len(got) != 1 {
			t.Fatalf("%d Freshservice users hold %s, want exactly 1", len(got), email)
		}
		return got[0]
	}
	scimGet := func(t *testing.T, h *harness, path string) response {
		t.Helper()
		return h.do(http.MethodGet, path, nil)
	}
	// createUser is Entra's create of a new user; check adds to what every create must end with.
	createUser := func(name, tenant string, check func(t *testing.T, h *harness, e hdEnv, u freshservice.User)) hdFaultOp {
		return hdFaultOp{
			name:   name,
			tenant: tenant,
			setup:  func(t *testing.T, h *harness) hdEnv { h.warmIndex(); return hdEnv{email: "new.hire@contoso.com"} },
			method: http.MethodPost, path: "/scim/v2/Users",
			body:     func(e hdEnv) any { return entraUserBody(e.email) },
			upMethod: http.MethodPost, upPath: "/api/v2/requesters",
			write:   true,
			landed:  func(t *testing.T, h *harness, e hdEnv) bool { return len(hdUsersWithEmail(h, e.email)) > 0 },
			retryOK: []int{http.StatusCreated},
			converged: func(t *testing.T, h *harness, e hdEnv, retry response) {
				u := oneUser(t, h, e.email)
				if hdID(t, retry) != u.ID {
					t.Fatalf("retry answered %s; Freshservice holds %+v", retry.Body, u)
				}
				if check != nil {
					check(t, h, e, u)
				}
			},
		}
	}
	// activeIs reports whether a change of active landed in Freshservice.
	activeIs := func(want bool) func(t *testing.T, h *harness, e hdEnv) bool {
		return func(t *testing.T, h *harness, e hdEnv) bool { return user(t, h, e).Active == want }
	}
	// heldActive checks that Freshservice holds the user once, active as wanted.
	heldActive := func(t *testing.T, h *harness, e hdEnv, want bool) {
		t.Helper()
		oneUser(t, h, e.email)
		switch active := user(t, h, e).Active; {
		case active && !want:
			t.Fatal("the user is still active in Freshservice: the deprovisioning was lost")
		case !active && want:
			t.Fatal("the user is not active in Freshservice")
		}
	}
	// retitle is Entra's change of a user's title to Director by method; answer is the SCIM answer
	// (named what) that must show the new title.
	retitle := func(name, email, method string, body func(hdEnv) any, what string, answer func(t *testing.T, h *harness, e hdEnv, retry response) response) hdFaultOp {
		return hdFaultOp{
			name:   name,
			setup:  userSetup(email),
			method: method, path: "/scim/v2/Users/{user}",
			body:     body,
			upMethod: http.MethodPut, upPath: "/api/v2/requesters/{user}",
			write:   true,
			landed:  func(t *testing.T, h *harness, e hdEnv) bool { return user(t, h, e).JobTitle == "Director" },
			retryOK: []int{http.StatusOK},
			converged: func(t *testing.T, h *harness, e hdEnv, retry response) {
				oneUser(t, h, e.email)
				if got := answer(t, h, e, retry).JSON(t)["title"]; got != "Director" {
					t.Fatalf("%s answers title %v", what, got)
				}
			},
		}
	}
	// setActive is Entra's PATCH of active to want, with the Freshservice call it makes.
	setActive := func(name string, setup func(t *testing.T, h *harness) hdEnv, want bool, upMethod, upPath string) hdFaultOp {
		value := "False"
		if want {
			value = "True"
		}
		return hdFaultOp{
			name:   name,
			setup:  setup,
			method: http.MethodPatch, path: "/scim/v2/Users/{user}",
			body:     func(hdEnv) any { return userPatchBody(patchOp("Replace", "active", value)) },
			upMethod: upMethod, upPath: upPath,
			write:   true,
			landed:  activeIs(want),
			retryOK: []int{http.StatusOK},
			converged: func(t *testing.T, h *harness, e hdEnv, retry response) {
				heldActive(t, h, e, want)
				if got := scimGet(t, h, e.expand("/scim/v2/Users/{user}")).JSON(t)["active"]; got != want {
					t.Fatalf("GET answers active %v", got)
				}
			},
		}
	}
	ops := []hdFaultOp{
		createUser("create user", "", func(t *testing.T, h *harness, e hdEnv, u freshservice.User) {
			if !u.Active {
				t.Fatalf("Freshservice holds %+v, not active", u)
			}
			if ids := hdLookup(t, h, e.email); !slices.Equal(ids, []string{strconv.FormatInt(u.ID, 10)}) {
				t.Fatalf("lookup finds %q, want [%d]", ids, u.ID)
			}
		}),
		// Without adoption of existing users, only fsscim's own look after a lost answer keeps
		// Entra's retry from a 409 for the user fsscim itself made.
		createUser("create user without adoption", "users: {reactivate_existing: false}", nil),
		retitle("replace user", "replace.me@contoso.com", http.MethodPut, func(e hdEnv) any {
			b := entraUserBody(e.email)
			b["title"] = "Director"
			return b
		}, "GET", func(t *testing.T, h *harness, e hdEnv, _ response) response {
			return scimGet(t, h, e.expand("/scim/v2/Users/{user}"))
		}),
		retitle("patch user attributes", "patch.me@contoso.com", http.MethodPatch, func(hdEnv) any {
			return userPatchBody(patchOp("Replace", "title", "Director"))
		}, "retry", func(_ *testing.T, _ *harness, _ hdEnv, retry response) response { return retry }),
		setActive("disable user", userSetup("leaver@contoso.com"), false, http.MethodDelete, "/api/v2/requesters/{user}"),
		setActive("enable user", disabledSetup, true, http.MethodPut, "/api/v2/requesters/{user}/reactivate"),
		{
			name:   "delete user",
			setup:  userSetup("deleted@contoso.com"),
			method: http.MethodDelete, path: "/scim/v2/Users/{user}",
			upMethod: http.MethodDelete, upPath: "/api/v2/requesters/{user}",
			write:  true,
			landed: activeIs(false),
			// A second DELETE of a deleted user is 404 for SCIM clients; Entra takes either.
			retryOK: []int{http.StatusNoContent, http.StatusNotFound},
			converged: func(t *testing.T, h *harness, e hdEnv, retry response) {
				heldActive(t, h, e, false)
				if r := scimGet(t, h, e.expand("/scim/v2/Users/{user}")); r.Status != http.StatusNotFound {
					t.Fatalf("GET after the delete: %d %s", r.Status, r.Body)
				}
				if ids := hdLookup(t, h, e.email); len(ids) != 0 {
					t.Fatalf("lookup after the delete finds %q", ids)
				}
			},
		},
		{
			// A user the directory replica holds is answered without a call; one made in
			// Freshservice since the replica was built is read from Freshservice.
			name: "get user made in Freshservice",
			setup: func(t *testing.T, h *harness) hdEnv {
				h.warmIndex()
				u := h.emu.AddRequester(freshservice.User{PrimaryEmail: "read.me@contoso.com", FirstName: "Read"})
				return hdEnv{user: u.ID, email: "read.me@contoso.com"}
			},
			method: http.MethodGet, path: "/scim/v2/Users/{user}",
			upMethod: http.MethodGet, upPath: "/api/v2/requesters/{user}",
			retryOK:   []int{http.StatusOK},
			converged: retryAnswers(func(e hdEnv) int64 { return e.user }),
		},
		{
			name: "lookup user while the directory loads",
			setup: func(t *testing.T, h *harness) hdEnv {
				u := h.emu.AddRequester(freshservice.User{PrimaryEmail: "known@contoso.com", FirstName: "Known"})
				return hdEnv{user: u.ID, email: "known@contoso.com"}
			},
			method: http.MethodGet, path: "/scim/v2/Users?filter=" + hdFilter(`userName eq "known@contoso.com"`),
			upMethod: http.MethodGet, upPath: "/api/v2/requesters",
			retryOK: []int{http.StatusOK},
			converged: func(t *testing.T, h *harness, e hdEnv, retry response) {
				if ids := hdListIDs(t, retry); !slices.Equal(ids, []string{strconv.FormatInt(e.user, 10)}) {
					t.Fatalf("lookup finds %q, want [%d]", ids, e.user)
				}
			},
		},
		{
			name:   "create group",
			setup:  func(t *testing.T, h *harness) hdEnv { return hdEnv{name: "Engineering"} },
			method: http.MethodPost, path: "/scim/v2/Groups",
			body: func(e hdEnv) any {
				return map[string]any{"schemas": []string{hdGroupSchema, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"}, "displayName": e.name}
			},
			upMethod: http.MethodPost, upPath: "/api/v2/requester_groups",
			write: true,
			landed: func(t *testing.T, h *harness, e hdEnv) bool {
				for _, g := range hdRequesterGroups(t, h) {
					if g.Name == e.name {
						return true
					}
				}
				return false
			},
			// After a lost answer the retry may meet the group it made: 409, and Entra's next
			// cycle matches it by displayName.
			retryOK: []int{http.StatusCreated, http.StatusConflict},
			converged: func(t *testing.T, h *harness, e hdEnv, retry response) {
				var ids []string
				for _, g := range hdRequesterGroups(t, h) {
					if g.Name == e.name {
						ids = append(ids, strconv.FormatInt(int64(g.ID), 10))
					}
				}
				if len(ids) != 1 {
					t.Fatalf("%d Freshservice groups are named %q, want exactly 1", len(ids), e.name)
				}
				r := h.do(http.MethodGet, "/scim/v2/Groups?excludedAttributes=members&filter="+hdFilter(`displayName eq "`+e.name+`"`), nil)
				if r.Status != http.StatusOK {
					t.Fatalf("group lookup: %d %s", r.Status, r.Body)
				}
				if got := hdListIDs(t, r); !slices.Equal(got, ids) {
					t.Fatalf("group lookup finds %q, Freshservice holds %q", got, ids)
				}
			},
		},
		{
			name:   "rename group",
			setup:  requesterGroup.setup(false),
			method: http.MethodPatch, path: "/scim/v2/Groups/{group}",
			body:     func(hdEnv) any { return userPatchBody(patchOp("Replace", "displayName", "Sales EMEA")) },
			upMethod: http.MethodPut, upPath: "/api/v2/requester_groups/{group}",
			write: true,
			landed: func(t *testing.T, h *harness, e hdEnv) bool {
				g, ok := h.emu.RequesterGroup(e.group)
				return ok && g.Name == "Sales EMEA"
			},
			retryOK: []int{http.StatusNoContent},
			converged: func(t *testing.T, h *harness, e hdEnv, retry response) {
				if g, ok := h.emu.RequesterGroup(e.group); !ok || g.Name != "Sales EMEA" {
					t.Fatalf("Freshservice holds %+v", g)
				}
			},
		},
		{
			name:   "delete group",
			setup:  requesterGroup.setup(true),
			method: http.MethodDelete, path: "/scim/v2/Groups/{group}",
			upMethod: http.MethodDelete, upPath: "/api/v2/requester_groups/{group}",
			write: true,
			landed: func(t *testing.T, h *harness, e hdEnv) bool {
				_, ok := h.emu.RequesterGroup(e.group)
				return !ok
			},
			retryOK: []int{http.StatusNoContent, http.StatusNotFound},
			converged: func(t *testing.T, h *harness, e hdEnv, retry response) {
				if _, ok := h.emu.RequesterGroup(e.group); ok {
					t.Fatal("the group is still in Freshservice")
				}
				if r := scimGet(t, h, e.expand("/scim/v2/Groups/{group}")); r.Status != http.StatusNotFound {
					t.Fatalf("GET after the delete: %d %s", r.Status, r.Body)
				}
			},
		},
		{
			name:   "get group",
			setup:  requesterGroup.setup(true),
			method: http.MethodGet, path: "/scim/v2/Groups/{group}",
			upMethod: http.MethodGet, upPath: "/api/v2/requester_groups/{group}",
			retryOK:   []int{http.StatusOK},
			converged: retryAnswers(func(e hdEnv) int64 { return e.group }),
		},
	}
	return slices.Concat(ops, requesterGroup.ops(), agentGroup.ops())
}

func TestFaultMatrix(t *testing.T) {
	type pair struct {
		op hdFaultOp
		f  hdFault
	}
	var pairs []pair
	for _, op := range hdFaultOps() {
		for _, f := range hdFaults() {
			if !f.afterWrite || op.write {
				pairs = append(pairs, pair{op, f})
			}
		}
	}
	// Most cases wait on a timeout; they run side by side in more goroutines than -parallel allows,
	// since waiting costs no CPU.
	hdRunConcurrently(t, 16, len(pairs), func(i int) {
		op, f := pairs[i].op, pairs[i].f
		t.Run(op.name+"/"+f.name, func(t *testing.T) {
			rec := hdNewRecorder(t)
			opts := []harnessOption{withServer(func(o *proxy.Options) {
				o.Transport = rec
				// Short, but far above what the emulator needs even on a busy machine.
				o.UpstreamTimeout = time.Second
				hdWithOpenBudget(o)
				if f.opts != nil {
					f.opts(o)
				}
			})}
			if op.tenant != "" {
				opts = append(opts, withTenant(op.tenant))
			}
			h := newHarness(t, opts...)
			env := op.setup(t, h)
			path := env.expand(op.path)
			var body any
			if op.body != nil {
				body = op.body(env)
			}

			fault := f.fault
			fault.Method, fault.PathPrefix = op.upMethod, env.expand(op.upPath)
			h.emu.ResetCalls()
			rec.reset()
			h.emu.InjectFault(fault, -1)
			// Entra gives up on a request after 60 seconds: fsscim must have answered long before,
			// whatever Freshservice does.
			first := hdDoWithin(t, h, 30*time.Second, op.method, path, body)
			h.emu.ClearFaults()
			if !hdFaultHit(rec, fault) {
				t.Fatalf("the operation never made the faulted call %s %s (calls %q); answered %d %s",
					fault.Method, fault.PathPrefix, h.calls(), first.Status, first.Body)
			}

			landed := op.write && op.landed(t, h, env)
			switch {
			case first.Status >= 200 && first.Status < 300:
				if op.write && !landed {
					t.Fatalf("answered %d for a write that is not in Freshservice: %s", first.Status, first.Body)
				}
				if !op.write {
					t.Fatalf("a read answered %d though Freshservice failed every attempt: %s", first.Status, first.Body)
				}
			default:
				hdAssertSCIMError(t, first, f.want, "")
				if ra := hdRetryAfter(first); ra < f.minRetryAfter {
					t.Fatalf("Retry-After %q, want at least %d seconds", first.Header.Get("Retry-After"), f.minRetryAfter)
				}
			}
			if op.write && landed != f.afterWrite {
				t.Fatalf("after the fault the write is in Freshservice: %t, want %t", landed, f.afterWrite)
			}

			// Entra retries a request that failed, later; one that succeeded is done.
			retry := first
			if first.Status < 200 || first.Status > 299 {
				retry = h.do(op.method, path, body)
			}
			if !slices.Contains(op.retryOK, retry.Status) {
				t.Fatalf("Entra's retry: %d %s, want one of %v", retry.Status, retry.Body, op.retryOK)
			}
			op.converged(t, h, env, retry)
		})
	})
}

// hdFaultHit reports whether fsscim started a call that the fault matches.
func hdFaultHit(rec *hdRecorder, f freshservicetest.Fault) bool {
	for _, c := range rec.started() {
		if c.method == f.Method && strings.HasPrefix(c.path, f.PathPrefix) {
			return true
		}
	}
	return false
}
