package names_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy/provision/names"
)

// account is an emulated Freshservice account and a client of it.
type account struct {
	e *freshservicetest.Emulator
	c *freshservice.Client
}

func newEmu(t *testing.T) *account {
	t.Helper()
	e, srv := freshservicetest.NewServer(freshservicetest.Options{})
	t.Cleanup(srv.Close)
	const key = "names-test-key-0b7e"
	e.AddAPIKey(key, true)
	c, err := freshservice.New(freshservice.Options{BaseURL: srv.URL + "/api/v2", APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return &account{e: e, c: c}
}

// calls lists "METHOD path" of what the emulator received since the last reset.
func (m *account) calls() []string {
	var out []string
	for _, c := range m.e.Calls() {
		out = append(out, c.Method+" "+strings.TrimPrefix(c.Path, "/api/v2"))
	}
	return out
}

// countCalls counts the emulator calls with method and path.
func countCalls(e *freshservicetest.Emulator, method, path string) int {
	n := 0
	for _, c := range e.Calls() {
		if c.Method == method && c.Path == path {
			n++
		}
	}
	return n
}

func TestLookupConcurrentMissesShareOneWalk(t *testing.T) {
	m := newEmu(t)
	m.e.AddDepartment("Sales")
	l := names.New(names.Options{})
	m.e.ResetCalls()

	const n = 32
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = l.DepartmentID(context.Background(), m.c, "Nope", false)
		})
	}
	wg.Wait()
	for i, err := range errs {
		var ne *names.Error
		if !errors.As(err, &ne) || !ne.NotFound() || ne.Kind != "department" || ne.Name != "Nope" {
			t.Fatalf("lookup %d: %v, want a not-found NameError", i, err)
		}
		if err.Error() != `department "Nope" does not exist` {
			t.Errorf("message = %q", err)
		}
	}
	if got := countCalls(m.e, "GET", "/api/v2/departments"); got != 1 {
		t.Errorf("%d list walks, want exactly 1", got)
	}
	if got := len(m.e.Calls()); got != 1 {
		t.Errorf("%d calls in all, want 1", got)
	}
}

func TestLookupMatchesNames(t *testing.T) {
	m := newEmu(t)
	sales := m.e.AddDepartment("Sales EU")
	m.e.AddDepartment("Ops")
	m.e.AddDepartment("OPS ")
	hq := m.e.AddLocation("Head Office")
	l := names.New(names.Options{})
	ctx := context.Background()

	tests := []struct {
		name       string
		lookup     func() (int64, error)
		wantID     int64
		candidates []string
		notFound   bool
	}{
		{"exact", func() (int64, error) { return l.DepartmentID(ctx, m.c, "Sales EU", false) }, sales.ID, nil, false},
		{"case and white space", func() (int64, error) { return l.DepartmentID(ctx, m.c, "  sales eu\t", false) }, sales.ID, nil, false},
		{"ambiguous", func() (int64, error) { return l.DepartmentID(ctx, m.c, "ops", false) }, 0, []string{"OPS ", "Ops"}, false},
		{"missing", func() (int64, error) { return l.DepartmentID(ctx, m.c, "Sales US", false) }, 0, nil, true},
		{"location", func() (int64, error) { return l.LocationID(ctx, m.c, "HEAD OFFICE", false) }, hq.ID, nil, false},
		{"kinds are apart", func() (int64, error) { return l.LocationID(ctx, m.c, "Sales EU", false) }, 0, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := tt.lookup()
			var ne *names.Error
			switch {
			case tt.candidates != nil:
				if !errors.As(err, &ne) || !ne.Ambiguous() || !slices.Equal(ne.Candidates, tt.candidates) {
					t.Fatalf("err = %v, want ambiguous %q", err, tt.candidates)
				}
				if want := `department name "ops" is ambiguous: 2 departments match ("OPS ", "Ops")`; err.Error() != want {
					t.Errorf("message = %q, want %q", err, want)
				}
			case tt.notFound:
				if !names.IsNotFound(err) {
					t.Fatalf("err = %v, want not found", err)
				}
			case err != nil || id != tt.wantID:
				t.Fatalf("id = %d, %v; want %d", id, err, tt.wantID)
			}
		})
	}

	// The walks filled the id side as well: names come back without a call.
	m.e.ResetCalls()
	if name, err := l.DepartmentName(ctx, m.c, sales.ID); err != nil || name != "Sales EU" {
		t.Errorf("DepartmentName = %q, %v", name, err)
	}
	if name, err := l.LocationName(ctx, m.c, hq.ID); err != nil || name != "Head Office" {
		t.Errorf("LocationName = %q, %v", name, err)
	}
	if n := len(m.e.Calls()); n != 0 {
		t.Errorf("%d calls for cached names", n)
	}
}

func TestLookupRefreshAtMostOncePerMinRefresh(t *testing.T) {
	m := newEmu(t)
	clk := freshservicetest.NewClock(time.Now())
	l := names.New(names.Options{MinRefresh: time.Minute, Now: clk.Now})
	ctx := context.Background()

	if _, err := l.DepartmentID(ctx, m.c, "Research", false); !names.IsNotFound(err) {
		t.Fatalf("first lookup: %v", err)
	}
	research := m.e.AddDepartment("Research") // created in Freshservice meanwhile
	if _, err := l.DepartmentID(ctx, m.c, "Research", false); !names.IsNotFound(err) {
		t.Fatalf("lookup within MinRefresh: %v, want still not found (no new walk)", err)
	}
	if got := countCalls(m.e, "GET", "/api/v2/departments"); got != 1 {
		t.Fatalf("%d walks within MinRefresh, want 1", got)
	}
	clk.Add(61 * time.Second)
	if id, err := l.DepartmentID(ctx, m.c, "research", false); err != nil || id != research.ID {
		t.Fatalf("lookup after MinRefresh = %d, %v; want %d", id, err, research.ID)
	}
	if got := countCalls(m.e, "GET", "/api/v2/departments"); got != 2 {
		t.Errorf("%d walks, want 2", got)
	}
}

func TestLookupCreateMissing(t *testing.T) {
	m := newEmu(t)
	l := names.New(names.Options{})
	ctx := context.Background()

	const n = 16
	ids := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ids[i], errs[i] = l.LocationID(ctx, m.c, " Berlin ", true)
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || ids[i] == 0 || ids[i] != ids[0] {
			t.Fatalf("lookup %d = %d, %v", i, ids[i], errs[i])
		}
	}
	locs := m.e.Locations()
	if len(locs) != 1 || locs[0].Name != "Berlin" || locs[0].ID != ids[0] {
		t.Fatalf("locations = %+v, want one trimmed Berlin", locs)
	}
	if got := countCalls(m.e, "POST", "/api/v2/locations"); got != 1 {
		t.Errorf("%d creates, want 1", got)
	}
	m.e.ResetCalls()
	if id, err := l.LocationID(ctx, m.c, "BERLIN", true); err != nil || id != ids[0] {
		t.Errorf("cached lookup = %d, %v", id, err)
	}
	if name, err := l.LocationName(ctx, m.c, ids[0]); err != nil || name != "Berlin" {
		t.Errorf("LocationName = %q, %v", name, err)
	}
	if n := len(m.e.Calls()); n != 0 {
		t.Errorf("%d calls for a created, cached location", n)
	}
}

func TestLookupCreateFindsOneMadeElsewhere(t *testing.T) {
	m := newEmu(t)
	l := names.New(names.Options{})
	ctx := context.Background()
	if _, err := l.DepartmentID(ctx, m.c, "Legal", false); !names.IsNotFound(err) {
		t.Fatal(err)
	}
	legal := m.e.AddDepartment("Legal") // appears between walks
	id, err := l.DepartmentID(ctx, m.c, "legal", true)
	if err != nil || id != legal.ID {
		t.Fatalf("DepartmentID = %d, %v; want the existing %d", id, err, legal.ID)
	}
	if got := len(m.e.Departments()); got != 1 {
		t.Errorf("%d departments, want 1", got)
	}
}

func TestLookupNameByID(t *testing.T) {
	m := newEmu(t)
	clk := freshservicetest.NewClock(time.Now())
	l := names.New(names.Options{Now: clk.Now})
	ctx := context.Background()
	first := m.e.AddDepartment("Finance")
	if name, err := l.DepartmentName(ctx, m.c, first.ID); err != nil || name != "Finance" {
		t.Fatalf("DepartmentName = %q, %v", name, err)
	}
	// A department newer than the last walk is read by id, not by another walk.
	later := m.e.AddDepartment("Audit")
	m.e.ResetCalls()
	if name, err := l.DepartmentName(ctx, m.c, later.ID); err != nil || name != "Audit" {
		t.Fatalf("DepartmentName(later) = %q, %v", name, err)
	}
	if got, want := m.calls(), []string{"GET /departments/" + strconv.FormatInt(later.ID, 10)}; !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	if _, err := l.DepartmentName(ctx, m.c, later.ID+999); !freshservice.IsNotFound(err) {
		t.Errorf("unknown id: %v, want 404", err)
	}
	if _, err := l.DepartmentID(ctx, m.c, "  ", false); err == nil {
		t.Error("an empty name must fail")
	}
}

func TestLookupReportsHitsAndMisses(t *testing.T) {
	m := newEmu(t)
	sales := m.e.AddDepartment("Sales")
	var mu sync.Mutex
	var seen []string
	l := names.New(names.Options{OnLookup: func(kind string, hit bool) {
		mu.Lock()
		defer mu.Unlock()
		r := "miss"
		if hit {
			r = "hit"
		}
		seen = append(seen, kind+" "+r)
	}})
	ctx := context.Background()
	if _, err := l.DepartmentID(ctx, m.c, "Sales", false); err != nil {
		t.Fatal(err)
	}
	if _, err := l.DepartmentID(ctx, m.c, " sales ", false); err != nil {
		t.Fatal(err)
	}
	if _, err := l.DepartmentName(ctx, m.c, sales.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := l.LocationName(ctx, m.c, 42); err == nil {
		t.Fatal("an unknown location id was found")
	}
	want := []string{"department miss", "department hit", "department hit", "location miss"}
	if !slices.Equal(seen, want) {
		t.Fatalf("reported %v, want %v", seen, want)
	}
}
