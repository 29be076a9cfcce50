package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

// callCosts is what each of Entra's request sequences costs in Freshservice calls against one account:
// exact counts, the same on every machine.
type callCosts struct {
	Users  int        `json:"users"`
	Groups int        `json:"groups_in_account"`
	Steps  []callStep `json:"steps"`
	// Failures counts requests that did not get the answer Entra expects.
	Failures       int      `json:"failures"`
	FailureSamples []string `json:"failure_samples,omitempty"`
	Method         string   `json:"method"`
}

// callStep is one sequence: how many times it ran (units, e.g. changed users) and what it cost.
type callStep struct {
	Name             string         `json:"name"`
	Unit             string         `json:"unit"`
	Units            int            `json:"units"`
	SCIMRequests     int            `json:"scim_requests"`
	Calls            int            `json:"freshservice_calls"`
	CallsPerUnit     float64        `json:"calls_per_unit"`
	CallsPerRequest  float64        `json:"calls_per_scim_request"`
	ListCalls        int            `json:"list_calls"`
	ListCallsPerUnit float64        `json:"list_calls_per_unit"`
	ByEndpoint       map[string]int `json:"by_endpoint"`
}

func cmdCalls(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var wl workload
	fs := newFlags("calls", "Count the Freshservice calls each of Entra's request sequences costs: Test Connection, the initial\nsync, an incremental cycle, a disable, a page of users without a filter, a group lookup by displayName.", stderr)
	fs.IntVar(&wl.users, "users", 1000, "users created by the initial sync")
	fs.Float64Var(&wl.changed, "changed", 0.2, "share of users changed in each of the two incremental variants (different users each)")
	fs.Float64Var(&wl.disabled, "disabled", 0.05, "share of users disabled")
	groups := fs.Int("groups", 250, "requester groups made in Freshservice before fsscim started, which a group lookup may have to walk")
	return measuringCommand{fs: fs, jsonOut: jsonFlag(fs),
		broken: func() bool {
			return wl.users < 100 || *groups < 1 || wl.changed <= 0 || wl.changed > 0.25 || wl.disabled <= 0 || wl.disabled > 0.25
		},
		rule: "--users must be at least 100 (a page), --groups at least 1, --changed and --disabled shares above 0 and at most 0.25",
		measure: func() (figures, error) {
			wl.concurrency = 1 // one request at a time: each call is the answer to one known request
			wl.dialect = dialectBoth
			wl.departments = defaultDepartments
			return measureCalls(ctx, wl, *groups)
		},
	}.run(args, stdout, stderr)
}

func (c *callCosts) failedRequests() int { return c.Failures }

// seedGroupName names the requester groups made in the account before fsscim started.
func seedGroupName(i int) string { return fmt.Sprintf("Seeded Group %04d", i) }

func measureCalls(ctx context.Context, wl workload, groups int) (*callCosts, error) {
	res := &callCosts{Users: wl.users, Groups: groups,
		Method: "calls counted as the emulated account receives them, one SCIM request at a time, against one fsscim tenant whose groups are requester groups"}
	// A clock the tool can move, for the replica's refreshes; it runs at real speed otherwise.
	clock := newVirtualClock(time.Now().UTC().Truncate(time.Minute))
	emb, err := startEmbedded(embeddedOptions{plan: unlimited, clock: clock, departments: wl.departments, seed: func(emu *freshservicetest.Emulator) {
		for i := range groups {
			emu.AddRequesterGroup(seedGroupName(i), false)
		}
	}})
	if err != nil {
		return nil, err
	}
	defer emb.Close()
	r := newRunner(wl, emb.target(), emb, nil)
	defer r.client.http.CloseIdleConnections()

	// The changed users come from those that stay active, so that no step meets a user another
	// step just read or wrote.
	n := len(r.users)
	disabledCount := int(float64(n)*wl.disabled + 0.5)
	active := n - disabledCount
	readPatch := spread(active/2, wl.changed*float64(n)/float64(active/2))
	lookupPatch := make([]int, len(readPatch))
	for k, i := range readPatch {
		lookupPatch[k] = active/2 + i
	}
	var disabled []int
	for i := active; i < n; i++ {
		disabled = append(disabled, i)
	}

	add := func(name, unit string, p *phaseResult) {
		pr := phaseReportOf(p)
		res.Failures += pr.Failures
		res.FailureSamples = append(res.FailureSamples, pr.FailureSamples...)
		st := callStep{Name: name, Unit: unit, Units: p.units, SCIMRequests: pr.Requests}
		if fc := pr.Freshservice; fc != nil {
			st.Calls, st.CallsPerRequest, st.ListCalls, st.ByEndpoint = fc.Calls, fc.PerSCIMRequest, fc.ListCalls, fc.ByEndpoint
		}
		if p.units > 0 {
			st.CallsPerUnit = float64(st.Calls) / float64(p.units)
			st.ListCallsPerUnit = float64(st.ListCalls) / float64(p.units)
		}
		res.Steps = append(res.Steps, st)
	}
	add("Test Connection", "request", r.testConnection(ctx))
	add("initial sync (lookup by userName + create)", "user", r.initialSync(ctx))
	add("incremental cycle (read by id + PATCH)", "changed user", r.incremental(ctx, readPatch))
	add("incremental cycle (lookup by userName + PATCH)", "changed user", r.lookupAndPatch(ctx, lookupPatch))
	add("disable (read by id + PATCH active false)", "user", r.disable(ctx, disabled))
	add("page of 100 users without a filter", "page", r.page(ctx, 100))
	add(fmt.Sprintf("group lookup by displayName, absent (before a create; %d groups)", groups), "lookup",
		r.groupLookup(ctx, groupName("absent", 0), 0))
	add(fmt.Sprintf("group lookup by displayName, the last of %d groups", groups), "lookup",
		r.groupLookup(ctx, seedGroupName(groups-1), 1))

	// The replica's refreshes. Two days on, the day's full walk is due: the read that finds the
	// replica that old waits for it. Then one user is changed in Freshservice directly, and once the
	// staleness bound has passed the next read brings in what changed since the last refresh.
	clock.advanceTo(clock.Now().Add(49 * time.Hour))
	full := r.refresh(ctx, emb, "")
	add(fmt.Sprintf("replica refresh, full walk (%d users in the account)", len(r.users)+1), "refresh", full)
	changedUser := r.users[len(r.users)/2]
	clock.advanceTo(clock.Now().Add(61 * time.Minute)) // past the bound (at most an hour by default)
	add("replica refresh, the users changed since the last one (one, changed in Freshservice)", "refresh", r.refresh(ctx, emb, changedUser.id))
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	return res, nil
}

// refresh makes one read that finds the directory replica past its staleness bound, and waits for
// the refresh it starts to end (no call for a while). With id set, that user's title is first changed
// in Freshservice directly, and the read must see the change.
func (r *runner) refresh(ctx context.Context, emb *embedded, id string) *phaseResult {
	if id != "" {
		title := "Changed in Freshservice"
		c, err := freshservice.New(freshservice.Options{BaseURL: emb.emuURL + "/api/v2", APIKey: emb.apiKey})
		n, perr := strconv.ParseInt(id, 10, 64)
		if err == nil && perr == nil {
			_, err = c.UpdateRequester(ctx, n, freshservice.UserFields{NameFields: freshservice.NameFields{JobTitle: &title}})
		}
		if err != nil {
			p := &phaseResult{name: "refresh", units: 1, rec: newRecorder()}
			p.rec.fail("change a user in Freshservice: %v %v", err, perr)
			return p
		}
	}
	return r.phase(ctx, "refresh", 1, func(ctx context.Context, rec *recorder, _ int) {
		path := testConnectionPath()
		if id != "" {
			path = "/Users/" + id
		}
		a, err := r.client.send(ctx, rec, "read", http.MethodGet, path, nil)
		if !expect(rec, "read that starts the refresh", a, err, http.StatusOK) {
			return
		}
		// The refresh runs on in the background if the read stopped waiting for it.
		for last, quiet := emb.up.snapshot().total(), 0; quiet < 10 && ctx.Err() == nil; {
			time.Sleep(50 * time.Millisecond)
			if now := emb.up.snapshot().total(); now != last {
				last, quiet = now, 0
				continue
			}
			quiet++
		}
		if id != "" {
			a, err = r.client.send(ctx, rec, "read", http.MethodGet, "/Users/"+id, nil)
			if expect(rec, "read after the refresh", a, err, http.StatusOK) && !strings.Contains(string(a.body), "Changed in Freshservice") {
				rec.fail("the change made in Freshservice is not seen after the refresh: %s", snippet(a.body))
			}
		}
	})
}

// lookupAndPatch is an incremental cycle that finds each changed user by userName, as Entra does for
// a user it holds no id for, and PATCHes what differs.
func (r *runner) lookupAndPatch(ctx context.Context, picked []int) *phaseResult {
	return r.phase(ctx, "lookup and patch", len(picked), func(ctx context.Context, rec *recorder, k int) {
		i := picked[k]
		was := r.users[i]
		a, err := r.client.send(ctx, rec, "lookup", http.MethodGet, lookupPath(was.userName), nil)
		if !expect(rec, "lookup "+was.userName, a, err, http.StatusOK) {
			return
		}
		var lr struct {
			Resources []scimUser `json:"Resources"`
		}
		if err := json.Unmarshal(a.body, &lr); err != nil || len(lr.Resources) != 1 || lr.Resources[0].ID != was.id {
			rec.fail("lookup %s: want the one user %s, got %s", was.userName, was.id, snippet(a.body))
			return
		}
		now := changed(was, r.wl.departments, i)
		a, err = r.client.send(ctx, rec, "patch", http.MethodPatch, "/Users/"+was.id, patchBody(was, now))
		if !expect(rec, "patch "+was.userName, a, err, http.StatusOK, http.StatusNoContent) {
			return
		}
		r.users[i] = now
	})
}

// page is GET /Users?startIndex=1&count=size, which must answer size users.
func (r *runner) page(ctx context.Context, size int) *phaseResult {
	return r.phase(ctx, "page", 1, func(ctx context.Context, rec *recorder, _ int) {
		a, err := r.client.send(ctx, rec, "page", http.MethodGet, fmt.Sprintf("/Users?startIndex=1&count=%d", size), nil)
		if !expect(rec, "page of users", a, err, http.StatusOK) {
			return
		}
		var lr listResponse
		if err := json.Unmarshal(a.body, &lr); err != nil || len(lr.Resources) != size {
			rec.fail("page of users: want %d users, got %s", size, snippet(a.body))
		}
	})
}

// groupLookup is Entra's group match: a filter on displayName without members, which must find want
// groups (0 or 1).
func (r *runner) groupLookup(ctx context.Context, name string, want int) *phaseResult {
	return r.phase(ctx, "group lookup", 1, func(ctx context.Context, rec *recorder, _ int) {
		a, err := r.client.send(ctx, rec, "group lookup", http.MethodGet, groupLookupPath(name), nil)
		if !expect(rec, "group lookup "+name, a, err, http.StatusOK) {
			return
		}
		if n, err := totalResults(a); err != nil || n != want {
			rec.fail("group lookup %s: want %d groups, got %s", name, want, snippet(a.body))
		}
	})
}

// writeText prints the costs for people.
func (c *callCosts) writeText(w io.Writer) {
	fmt.Fprintf(w, "Freshservice calls per Entra request sequence: %d users created, %d requester groups in the account\n\n", c.Users, c.Groups)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "sequence\tunits\tSCIM requests\tFS calls\tper unit\tper SCIM request\tlist calls per unit")
	for _, s := range c.Steps {
		fmt.Fprintf(tw, "%s\t%d %s\t%d\t%d\t%.4f\t%.4f\t%.4f\n", s.Name, s.Units, plural(s.Unit, s.Units), s.SCIMRequests, s.Calls, s.CallsPerUnit, s.CallsPerRequest, s.ListCallsPerUnit)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nby endpoint:")
	for _, s := range c.Steps {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(s.ByEndpoint)) {
			parts = append(parts, fmt.Sprintf("%s %d", k, s.ByEndpoint[k]))
		}
		fmt.Fprintf(w, "  %s: %s\n", s.Name, strings.Join(parts, ", "))
	}
	writeFailures(w, c.FailureSamples, c.Failures, "requests did not get the answer Entra expects")
}

func plural(unit string, n int) string {
	if n == 1 {
		return unit
	}
	return unit + "s"
}
