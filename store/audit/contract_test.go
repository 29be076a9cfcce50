package audit_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice/freshservicetest"

	"github.com/fsscim/fsscim/store/audit"
	"github.com/fsscim/fsscim/store/redistest"
)

// retentions is a per-tenant retention a test can change after entries were written.
type retentions struct {
	mu       sync.Mutex
	byTenant map[string]time.Duration
}

func (r *retentions) get(tenant string) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byTenant[tenant]
}

func (r *retentions) set(tenant string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byTenant[tenant] = d
}

type opener func(t *testing.T, opts audit.Options) audit.Log

func implementations() map[string]opener {
	return map[string]opener{
		"bolt": func(t *testing.T, opts audit.Options) audit.Log {
			b, err := audit.OpenBolt(filepath.Join(t.TempDir(), audit.DefaultFileName), opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = b.Close() })
			return b
		},
		"redis": func(t *testing.T, opts audit.Options) audit.Log {
			srv := redistest.Start(t)
			r, err := audit.NewRedis(srv.Client(), audit.RedisOptions{Options: opts})
			if err != nil {
				t.Fatal(err)
			}
			return r
		},
	}
}

// TestLogContract runs every implementation through the same behaviour: tenants kept apart, newest
// first, the filters, the limit, and retention (default, per tenant, and entries dropped for good).
func TestLogContract(t *testing.T) {
	for name, open := range implementations() {
		t.Run(name, func(t *testing.T) {
			t.Run("filters", func(t *testing.T) { contractFilters(t, open) })
			t.Run("retention", func(t *testing.T) { contractRetention(t, open) })
			t.Run("batch", func(t *testing.T) { contractBatch(t, open) })
		})
	}
}

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func contractFilters(t *testing.T, open opener) {
	clk := freshservicetest.NewClock(start)
	log := open(t, audit.Options{Now: clk.Now})
	ctx := context.Background()
	entries := []audit.Entry{
		{Tenant: "Acme.freshservice.com", Operation: audit.Create, Kind: "user", ID: 1, Email: "Maria@Acme.com", Status: 201,
			Changes: []audit.Change{{Field: "primary_email", Value: "Maria@Acme.com"}}},
		{Tenant: "acme.freshservice.com", Operation: audit.Update, Kind: "user", ID: 2, Email: "bob@acme.com", Status: 200},
		{Tenant: "other.freshservice.com", Operation: audit.Create, Kind: "user", ID: 1, Email: "maria@acme.com", Status: 201},
		{Tenant: "acme.freshservice.com", Operation: audit.GroupCreate, Kind: "group", ID: 7, Name: "Sales", Status: 201},
		{Tenant: "acme.freshservice.com", Operation: audit.MembersAdd, Kind: "group", ID: 7, Name: "Sales", MemberID: 1, Email: "maria@acme.com", Status: 204},
		{Tenant: "acme.freshservice.com", Operation: audit.Deactivate, Kind: "user", ID: 1, Email: "maria@acme.com", Status: 500, Error: "upstream failed"},
	}
	for _, e := range entries {
		clk.Add(time.Minute)
		if err := log.Append(ctx, e); err != nil {
			t.Fatalf("append %v: %v", e.Operation, err)
		}
	}
	ops := func(list []audit.Entry) []audit.Operation {
		out := []audit.Operation{}
		for _, e := range list {
			out = append(out, e.Operation)
		}
		return out
	}
	cases := []struct {
		name string
		q    audit.Query
		want []audit.Operation
	}{
		{"the tenant's entries, newest first", audit.Query{Tenant: "ACME.freshservice.com"},
			[]audit.Operation{audit.Deactivate, audit.MembersAdd, audit.GroupCreate, audit.Update, audit.Create}},
		{"a user by email, any case, memberships included", audit.Query{Tenant: "acme.freshservice.com", User: "MARIA@acme.com"},
			[]audit.Operation{audit.Deactivate, audit.MembersAdd, audit.Create}},
		{"a group by name", audit.Query{Tenant: "acme.freshservice.com", User: "sales"},
			[]audit.Operation{audit.MembersAdd, audit.GroupCreate}},
		{"an id, as user or member", audit.Query{Tenant: "acme.freshservice.com", ID: 1},
			[]audit.Operation{audit.Deactivate, audit.MembersAdd, audit.Create}},
		{"user and id together", audit.Query{Tenant: "acme.freshservice.com", User: "sales", ID: 1},
			[]audit.Operation{audit.MembersAdd}},
		{"since", audit.Query{Tenant: "acme.freshservice.com", Since: start.Add(4 * time.Minute)},
			[]audit.Operation{audit.Deactivate, audit.MembersAdd, audit.GroupCreate}},
		{"limit", audit.Query{Tenant: "acme.freshservice.com", Limit: 2},
			[]audit.Operation{audit.Deactivate, audit.MembersAdd}},
		{"another tenant", audit.Query{Tenant: "other.freshservice.com"}, []audit.Operation{audit.Create}},
		{"a tenant without entries", audit.Query{Tenant: "none.freshservice.com"}, []audit.Operation{}},
		{"a user without entries", audit.Query{Tenant: "acme.freshservice.com", User: "nobody@acme.com"}, []audit.Operation{}},
	}
	for _, tc := range cases {
		got, err := log.Find(ctx, tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if g := ops(got); !slices.Equal(g, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, g, tc.want)
		}
	}
	got, err := log.Find(ctx, audit.Query{Tenant: "acme.freshservice.com", ID: 1, Limit: 1})
	if err != nil || len(got) != 1 {
		t.Fatalf("find the deactivation: %v %v", got, err)
	}
	want := audit.Entry{At: start.Add(6 * time.Minute), Tenant: "acme.freshservice.com", Operation: audit.Deactivate, Kind: "user",
		ID: 1, Email: "maria@acme.com", Status: 500, Error: "upstream failed"}
	if g := got[0]; !g.At.Equal(want.At) || g.Tenant != want.Tenant || g.Status != want.Status || g.Error != want.Error || g.Email != want.Email {
		t.Errorf("entry read back as %+v, want %+v", g, want)
	}
	if _, err := log.Find(ctx, audit.Query{}); err == nil {
		t.Error("a query without a tenant was answered")
	}
	if err := log.Append(ctx, audit.Entry{Operation: audit.Create}); err == nil {
		t.Error("an entry without a tenant was appended")
	}
}

func contractRetention(t *testing.T, open opener) {
	clk := freshservicetest.NewClock(start)
	ret := &retentions{byTenant: map[string]time.Duration{"short.freshservice.com": 24 * time.Hour}}
	log := open(t, audit.Options{Now: clk.Now, Retention: ret.get})
	ctx := context.Background()
	add := func(tenant, email string) {
		t.Helper()
		if err := log.Append(ctx, audit.Entry{Tenant: tenant, Operation: audit.Update, Kind: "user", ID: 5, Email: email, Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(q audit.Query) int {
		t.Helper()
		got, err := log.Find(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}
	add("short.freshservice.com", "old@x.com")
	add("default.freshservice.com", "old@x.com")

	// Two days on: the short tenant's entry is past its day, the default tenant's within 30 days.
	clk.Add(48 * time.Hour)
	if n := count(audit.Query{Tenant: "short.freshservice.com"}); n != 0 {
		t.Errorf("short retention: %d entries returned past their retention", n)
	}
	if n := count(audit.Query{Tenant: "short.freshservice.com", User: "old@x.com"}); n != 0 {
		t.Errorf("short retention, by user: %d entries returned past their retention", n)
	}
	if n := count(audit.Query{Tenant: "default.freshservice.com"}); n != 1 {
		t.Errorf("default retention: %d entries, want 1", n)
	}
	// An append drops the expired entries: a longer retention set afterwards does not bring them back.
	add("short.freshservice.com", "new@x.com")
	ret.set("short.freshservice.com", 365*24*time.Hour)
	for _, tc := range []struct {
		q    audit.Query
		want int
	}{
		{audit.Query{Tenant: "short.freshservice.com"}, 1},
		{audit.Query{Tenant: "short.freshservice.com", User: "old@x.com"}, 0},
		{audit.Query{Tenant: "short.freshservice.com", ID: 5}, 1},
	} {
		got, err := log.Find(ctx, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("%+v after the drop: %d entries, want %d", tc.q, len(got), tc.want)
		}
		for _, e := range got {
			if e.Email != "new@x.com" {
				t.Errorf("%+v: an expired entry came back: %+v", tc.q, e)
			}
		}
	}
	// The default is 30 days.
	clk.Add(29 * 24 * time.Hour)
	if n := count(audit.Query{Tenant: "default.freshservice.com"}); n != 0 {
		t.Errorf("default retention after 31 days: %d entries, want 0", n)
	}
}

// contractBatch appends the entries of one write together, across two tenants, and finds each.
func contractBatch(t *testing.T, open opener) {
	clk := freshservicetest.NewClock(start)
	log := open(t, audit.Options{Now: clk.Now})
	ctx := context.Background()
	if _, ok := log.(audit.Batcher); !ok {
		t.Fatal("the log does not append in batches")
	}
	var batch []audit.Entry
	for i := range 50 {
		batch = append(batch, audit.Entry{Tenant: "acme.freshservice.com", At: start.Add(time.Duration(i) * time.Millisecond),
			Operation: audit.MembersAdd, Kind: "group", ID: 7, Name: "Sales", MemberID: int64(100 + i), Status: 200})
	}
	batch = append(batch, audit.Entry{Tenant: "other.freshservice.com", Operation: audit.GroupCreate, Kind: "group", ID: 8, Name: "Ops"})
	if err := audit.AppendAll(ctx, log, batch); err != nil {
		t.Fatal(err)
	}
	got, err := log.Find(ctx, audit.Query{Tenant: "acme.freshservice.com", User: "SALES", Limit: audit.MaxLimit})
	if err != nil || len(got) != 50 || got[0].MemberID != 149 || got[49].MemberID != 100 {
		t.Fatalf("the group's entries: %d, %v", len(got), err)
	}
	if got, err := log.Find(ctx, audit.Query{Tenant: "acme.freshservice.com", ID: 120}); err != nil || len(got) != 1 {
		t.Errorf("a member's entry: %d, %v", len(got), err)
	}
	if got, err := log.Find(ctx, audit.Query{Tenant: "other.freshservice.com"}); err != nil || len(got) != 1 || got[0].Name != "Ops" {
		t.Errorf("the other tenant's entry: %+v, %v", got, err)
	}
}
