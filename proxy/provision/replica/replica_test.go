package replica

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/store"
)

var testOpts = mapping.Options{Attributes: map[string]string{"costCenter": "cost_center"}}

// entraUser is a user as fsscim would note it: Freshservice's state and the view worked out from it.
func entraUser(id int64, email string) User {
	fu := freshservice.User{
		ID: id, FirstName: "Ada", LastName: "Lovelace", JobTitle: "Analyst", PrimaryEmail: email,
		WorkPhoneNumber: "+44 20 7946 0000", MobilePhoneNumber: "+44 7700 900000", Address: "12 St James's Square",
		TimeZone: "London", Language: "en", ExternalID: "0b7c2a4e-entra", DepartmentIDs: []int64{21000000101},
		ReportingManagerID: 21000000007, LocationID: 21000000201, Active: true,
		CustomFields: map[string]any{"cost_center": "CC-7", "unmapped": nil},
		CreatedAt:    time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), UpdatedAt: time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC),
	}
	v := mapping.UserFromFreshservice(fu, mapping.Refs{DepartmentName: "Engineering", LocationName: "London"}, testOpts)
	return User{FS: fu, View: v}
}

// TestUserRecordRoundTrip checks that a user comes back from its compact record as it went in, with
// equal texts stored once, and that a record that does not fit is cut rather than lost.
func TestUserRecordRoundTrip(t *testing.T) {
	u := entraUser(21000000042, "Ada.Lovelace@example.com")
	u.FS.SecondaryEmails = []string{"ada@example.org", "countess@example.net"}
	u.View.WorkEmail = "ada@example.org"
	u.Deleted = true
	// What fsscim keeps of the client's forms: isAgent as sent, the enterprise "_location", and the
	// attributes Freshservice has no field for.
	u.View.AgentText, u.View.EnterpriseLocation = "False", true
	u.View.Kept = map[string]string{"nickName": "Ada", "name.middleName": "Augusta", mapping.SchemaEnterprise + ":employeeNumber": "1815"}
	// An agent's roles, as far as the guard of Account Admins needs them: their ids.
	u.FS.IsAgent, u.FS.Roles = true, []freshservice.Role{{RoleID: 21000000003}, {RoleID: 21000000004}}
	rec := encodeUser(u)
	got := rec.decode()
	want := u
	want.FS.CustomFields = map[string]any{"cost_center": "CC-7"} // nulls are not kept
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip\n got %+v\nwant %+v", got, want)
	}
	// "Ada" (first name and given name) and the email (Freshservice's and userName) are held once.
	if n := strings.Count(rec.blob, "Ada.Lovelace@example.com"); n != 1 {
		t.Errorf("the email is held %d times", n)
	}
	back, ok := unmarshalUser(rec.marshal())
	if !ok || !sameRecord(&back, &rec) {
		t.Fatalf("persisted form does not read back")
	}
	if _, ok := unmarshalUser(append(rec.marshal()[:20], 0xff)); ok {
		t.Error("a damaged record read back")
	}

	big := entraUser(7, "big@example.com")
	big.FS.Address = strings.Repeat("x", 40000)
	big.View.WorkAddress = big.FS.Address
	r := encodeUser(big)
	if d := r.decode(); d.FS.PrimaryEmail != "big@example.com" || len(d.FS.Address) != maxFieldText {
		t.Errorf("an oversize record: email %q, address of %d bytes", d.FS.PrimaryEmail, len(d.FS.Address))
	}
}

// fakeSource hands a build fixed users and groups, and lets a test act while the walk runs.
type fakeSource struct {
	users  []User
	groups []Group
	during func()
}

func (s *fakeSource) WalkUsers(_ context.Context, fn func(User) error) error {
	for i, u := range s.users {
		if i == len(s.users)/2 && s.during != nil {
			s.during()
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return nil
}

func (s *fakeSource) WalkGroups(_ context.Context, fn func(Group) error) error {
	for _, g := range s.groups {
		if err := fn(g); err != nil {
			return err
		}
	}
	return nil
}

// finder answers the ids r finds for a SCIM filter, compiled as the user search compiles it.
func finder(t *testing.T, r *Replica) func(filter string) []int64 {
	search := mapping.NewUserSearch(testOpts)
	return func(filter string) []int64 {
		t.Helper()
		f, err := search.Compile(filter)
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		return r.FindUsers(search, f)
	}
}

func directory(n int) []User {
	out := make([]User, 0, n)
	for i := range n {
		u := entraUser(int64(21000000000+i), fmt.Sprintf("given.family.%05d@contoso-example.com", i))
		u.FS.LastName = fmt.Sprintf("Family%05d", i)
		u.View = mapping.UserFromFreshservice(u.FS, mapping.Refs{DepartmentName: "Engineering", LocationName: "London"}, testOpts)
		out = append(out, u)
	}
	return out
}

// TestFindUsers checks lookups through the indexes (userName, the login-name alias, the work email,
// the id) and filters that test every user, deleted users left out.
func TestFindUsers(t *testing.T) {
	r := New(Options{})
	src := &fakeSource{users: directory(50)}
	if err := r.Build(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	alias := entraUser(31000000001, "jdoe.work@example.com")
	alias.View.UserName = "jdoe"
	alias.FS.SecondaryEmails = []string{"john.doe@example.org"}
	alias.View.WorkEmail = "john.doe@example.org"
	r.NoteUser(alias)
	gone := entraUser(31000000002, "gone@example.com")
	gone.Deleted = true
	r.NoteUser(gone)

	find := finder(t, r)
	for _, tt := range []struct {
		filter string
		want   []int64
	}{
		{`userName eq "GIVEN.family.00007@contoso-example.com"`, []int64{21000000007}},
		{`userName eq "JDoe"`, []int64{31000000001}},
		{`userName eq "jdoe.work@example.com"`, nil}, // its userName is jdoe
		{`emails[type eq "work"].value eq "John.Doe@example.org"`, []int64{31000000001}},
		{`emails[type eq "work"].value eq "given.family.00003@contoso-example.com"`, []int64{21000000003}},
		{`id eq "21000000011"`, []int64{21000000011}},
		{`id eq "21000000011" and manager eq "21000000007"`, []int64{21000000011}},
		{`id eq "21000000011" and manager eq "1"`, nil},
		{`userName eq "gone@example.com"`, nil}, // deleted through SCIM
		{`name.familyName sw "family0004"`, []int64{21000000040, 21000000041, 21000000042, 21000000043, 21000000044, 21000000045, 21000000046, 21000000047, 21000000048, 21000000049}},
		{`urn:ietf:params:scim:schemas:extension:freshservice:2.0:User:costCenter eq "cc-7" and name.familyName eq "Family00001"`, []int64{21000000001}},
		{`userName eq "b4fa7c1e-0000-4000-8000-000000000000"`, nil},
	} {
		got := find(tt.filter)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: %v, want %v", tt.filter, got, tt.want)
		}
	}
	if got := r.FindUsers(mapping.NewUserSearch(testOpts), nil); len(got) != 51 {
		t.Errorf("every user: %d, want 51 (the deleted one left out)", len(got))
	}
	if id, found, complete := r.UserIDByEmail("JDOE.WORK@example.com"); !found || !complete || id != 31000000001 {
		t.Errorf("by email: %d %v %v", id, found, complete)
	}
}

// TestBuildKeepsWritesMadeDuringTheWalk checks that what fsscim writes while a build walks survives
// the build, which read the older state.
func TestBuildKeepsWritesMadeDuringTheWalk(t *testing.T) {
	r := New(Options{})
	users := directory(10)
	src := &fakeSource{users: users}
	if err := r.Build(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	changed := users[8]
	changed.FS.JobTitle, changed.View.Title = "Director", "Director"
	src.during = func() {
		r.NoteUser(changed)
		r.ForgetUser(users[9].FS.ID)
		r.NoteGroup(Group{ID: 5, Name: "noted"})
	}
	r.opts.Now = func() time.Time { return time.Now().Add(time.Hour) } // a later build
	if err := r.Build(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if u, found, _ := r.User(changed.FS.ID); !found || u.View.Title != "Director" {
		t.Errorf("the write made during the walk was lost: %+v", u.View)
	}
	if _, found, known := r.User(users[9].FS.ID); found || !known {
		t.Errorf("the user forgotten during the walk came back (found %v known %v)", found, known)
	}
	if g, found, _ := r.Group(5); !found || g.Name != "noted" {
		t.Errorf("the group noted during the walk: %+v %v", g, found)
	}
}

// TestPersistedCopy saves a replica to a bbolt store and loads it into a fresh one (a restart):
// same users and groups, no walk; a copy saved under other view options is not loaded.
func TestPersistedCopy(t *testing.T) {
	db, err := store.OpenBolt(filepath.Join(t.TempDir(), store.DefaultFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	const tenant = "acme.freshservice.com"
	r := New(Options{})
	if err := r.Build(ctx, &fakeSource{users: directory(20), groups: []Group{{ID: 9, Name: "Sales", Members: []int64{21000000001}}}}); err != nil {
		t.Fatal(err)
	}
	save := func(open bool) {
		t.Helper()
		p := r.TakeUnsaved("view-1", open, true)
		if _, err := db.SaveReplica(ctx, tenant, p.Recs, p.Meta); err != nil {
			t.Fatal(err)
		}
	}
	save(true)
	r.ForgetUser(21000000003)
	save(false)

	back := New(Options{})
	res, err := back.Load(ctx, db, tenant, "view-1")
	if err != nil || !res.Loaded || res.Unclean || res.Users != 19 {
		t.Fatalf("load: %+v %v", res, err)
	}
	want, _, _ := r.User(21000000011)
	got, found, _ := back.User(21000000011)
	if !found || !reflect.DeepEqual(got, want) {
		t.Fatalf("loaded user\n got %+v\nwant %+v", got, want)
	}
	if g, found, _ := back.Group(9); !found || g.Name != "Sales" || len(g.Members) != 1 {
		t.Fatalf("loaded group: %+v", g)
	}
	if _, found, known := back.User(21000000003); found || !known {
		t.Fatal("the removed user was loaded")
	}
	if res, _ := New(Options{}).Load(ctx, db, tenant, "view-2"); res.Loaded {
		t.Fatal("a copy saved under other view options was loaded")
	}
	// A copy left open (the process stopped without its last save) loads, marked unclean.
	save(true)
	if res, _ := New(Options{}).Load(ctx, db, tenant, "view-1"); !res.Loaded || !res.Unclean {
		t.Fatalf("an open copy: %+v", res)
	}
}

// TestApplyFreshAndShared checks the version rule: a state read by a refresh, or saved by another
// process, replaces the replica's only when it is not older.
func TestApplyFreshAndShared(t *testing.T) {
	r := New(Options{})
	u := entraUser(1, "ada@example.com")
	r.NoteUser(u)
	older := u
	older.FS.UpdatedAt = u.FS.UpdatedAt.Add(-time.Hour)
	older.FS.JobTitle, older.View.Title = "Old title", "Old title"
	if n := r.ApplyFresh([]User{older}); n != 0 {
		t.Errorf("an older state was applied")
	}
	newer := u
	newer.FS.UpdatedAt = u.FS.UpdatedAt.Add(time.Hour)
	newer.FS.JobTitle, newer.View.Title = "New title", "New title"
	if n := r.ApplyFresh([]User{newer}); n != 1 {
		t.Errorf("a newer state was not applied")
	}
	rec := encodeUser(older)
	if n := r.ApplyShared([]store.ReplicaRecord{{Kind: store.ReplicaUser, ID: 1, Data: rec.marshal()}}, 5); n != 0 {
		t.Error("another process's older state was applied")
	}
	other := encodeUser(entraUser(2, "bob@example.com"))
	if n := r.ApplyShared([]store.ReplicaRecord{{Kind: store.ReplicaUser, ID: 2, Data: other.marshal()}, {Kind: store.ReplicaUser, ID: 1}}, 7); n != 2 || r.Seq() != 7 {
		t.Errorf("applied %d, seq %d", n, r.Seq())
	}
	if _, found, _ := r.User(1); found {
		t.Error("a removal saved by another process was not applied")
	}
	if _, found, _ := r.User(2); !found {
		t.Error("a user saved by another process was not applied")
	}
	if r.Unsaved() != 1 { // user 1, noted then refreshed; not what other processes saved
		t.Errorf("unsaved %d", r.Unsaved())
	}
}

// TestLookupColumnsFollowWrites looks users up by attributes without a map index (their hash column
// is built by the first lookup) and checks that later writes, removals and derived values (a time
// zone worked out from Freshservice's, a manager id) are found as the view answers them.
func TestLookupColumnsFollowWrites(t *testing.T) {
	r := New(Options{})
	if err := r.Build(context.Background(), &fakeSource{users: directory(30)}); err != nil {
		t.Fatal(err)
	}
	find := finder(t, r)
	if got := find(`displayName eq "ada family00007"`); fmt.Sprint(got) != "[21000000007]" {
		t.Fatalf("by displayName: %v", got)
	}
	if got := find(`timezone eq "Europe/London"`); len(got) != 30 {
		t.Fatalf("by a time zone worked out from Freshservice's: %d users", len(got))
	}
	if got := find(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "21000000007"`); len(got) != 30 {
		t.Fatalf("by manager: %d users", len(got))
	}
	u := entraUser(21000000007, "given.family.00007@contoso-example.com")
	u.View.DisplayName = "Countess of Lovelace"
	r.NoteUser(u)
	if got := find(`displayName eq "ada family00007"`); len(got) != 0 {
		t.Errorf("the old display name still finds %v", got)
	}
	if got := find(`displayName eq "COUNTESS of lovelace"`); fmt.Sprint(got) != "[21000000007]" {
		t.Errorf("the new display name finds %v", got)
	}
	r.ForgetUser(21000000008)
	if got := find(`displayName eq "ada family00008"`); len(got) != 0 {
		t.Errorf("a forgotten user is found: %v", got)
	}
	nu := entraUser(31000000001, "new@example.com")
	nu.View.DisplayName = "Newcomer"
	r.NoteUser(nu)
	if got := find(`displayName eq "newcomer"`); fmt.Sprint(got) != "[31000000001]" {
		t.Errorf("a user added after the column was built: %v", got)
	}
}

// TestCountsAndUncertainFollowWrites: the counts of requesters and agents, and the users a write left
// uncertain, follow notes, conversions, forgets and marks.
func TestCountsAndUncertainFollowWrites(t *testing.T) {
	r := New(Options{})
	for i := int64(1); i <= 3; i++ {
		r.NoteUser(entraUser(i, fmt.Sprintf("u%d@example.com", i)))
	}
	agent := entraUser(4, "agent@example.com")
	agent.FS.IsAgent = true
	r.NoteUser(agent)
	check := func(step string, requesters, agents int, uncertain string) {
		t.Helper()
		if rq, ag := r.Counts(); rq != requesters || ag != agents {
			t.Errorf("%s: Counts %d requesters, %d agents; want %d, %d", step, rq, ag, requesters, agents)
		}
		if got := fmt.Sprint(r.Uncertain()); got != uncertain {
			t.Errorf("%s: Uncertain %s, want %s", step, got, uncertain)
		}
	}
	check("noted", 3, 1, "[]")
	r.MarkUncertain(3)
	r.MarkUncertain(1)
	r.MarkUncertain(99) // not held: nothing to mark
	check("marked", 3, 1, "[1 3]")
	converted := entraUser(1, "u1@example.com")
	converted.FS.IsAgent = true
	r.NoteUser(converted)
	check("user 1 noted again as an agent", 2, 2, "[3]")
	r.ForgetUser(3)
	r.ForgetUser(4)
	check("users 3 and 4 forgotten", 1, 1, "[]")
}
