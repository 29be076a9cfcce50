package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// workload is what one run sends.
type workload struct {
	users       int
	concurrency int
	dialect     string
	changed     float64 // share of users changed in the incremental cycle
	disabled    float64 // share of users disabled
	groups      int
	groupSize   int
	memberBatch int
	run         string   // makes names unique against a real tenant; "" in embedded mode
	departments []string // department names the users are spread over
}

// runner replays Entra's request sequences against one SCIM endpoint.
type runner struct {
	wl       workload
	client   *scimClient
	emb      *embedded // nil against a remote endpoint
	users    []loadUser
	progress io.Writer // nil: no progress line
	tag      string    // added to phase names on the progress line
}

// phaseResult is what one phase did.
type phaseResult struct {
	name    string
	units   int
	rec     *recorder
	elapsed time.Duration
	virtual time.Duration // simulated time the phase took; 0 in real time
	cpu     time.Duration // CPU time of the whole process during the phase
	calls   *callCounts   // fsscim's Freshservice calls in the phase (embedded mode)
	note    string
}

func newRunner(wl workload, t target, emb *embedded, progress io.Writer) *runner {
	return &runner{
		wl:       wl,
		client:   newSCIMClient(t, wl.concurrency),
		emb:      emb,
		users:    makeUsers(wl.users, wl.run, wl.departments, wl.dialect),
		progress: progress,
	}
}

// phase runs task for units 0..units-1 on the workload's concurrency.
func (r *runner) phase(ctx context.Context, name string, units int, task func(ctx context.Context, rec *recorder, i int)) *phaseResult {
	res := &phaseResult{name: name, units: units, rec: newRecorder()}
	if units == 0 {
		return res
	}
	var before callCounts
	var vstart time.Time
	if r.emb != nil {
		before = r.emb.up.snapshot()
		if r.emb.clock != nil {
			vstart = r.emb.clock.Now()
		}
	}
	var next, done atomic.Int64
	var extra func() string
	if r.emb != nil && r.emb.clock != nil {
		extra = func() string { return fmt.Sprintf("simulated %6.1f min", r.emb.clock.Now().Sub(vstart).Minutes()) }
	}
	stop := showProgress(r.progress, strings.TrimSpace(name+" "+r.tag), units, &done, res.rec, extra)
	cpuBefore, _ := cpuTime()
	start := time.Now()
	var wg sync.WaitGroup
	for range min(r.wl.concurrency, units) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= units {
					return
				}
				task(ctx, res.rec, i)
				done.Add(1)
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	if cpuAfter, err := cpuTime(); err == nil {
		res.cpu = cpuAfter - cpuBefore
	}
	stop()
	if r.emb != nil {
		after := r.emb.up.snapshot().minus(before)
		res.calls = &after
		if r.emb.clock != nil {
			res.virtual = r.emb.clock.Now().Sub(vstart)
		}
	}
	return res
}

// expect records a failure unless the answer has one of the statuses Entra expects.
func expect(rec *recorder, what string, a answer, err error, statuses ...int) bool {
	if err != nil {
		rec.fail("%s: %v", what, err)
		return false
	}
	for _, s := range statuses {
		if a.status == s {
			return true
		}
	}
	rec.fail("%s: status %d, want %v: %s", what, a.status, statuses, snippet(a.body))
	return false
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// listResponse is the part of a SCIM ListResponse the tool reads.
type listResponse struct {
	TotalResults int               `json:"totalResults"`
	Resources    []json.RawMessage `json:"Resources"`
}

func totalResults(a answer) (int, error) {
	var lr listResponse
	if err := json.Unmarshal(a.body, &lr); err != nil {
		return 0, fmt.Errorf("not a ListResponse: %w", err)
	}
	return lr.TotalResults, nil
}

// testConnection is Entra's Test Connection: a random userName that must not exist.
func (r *runner) testConnection(ctx context.Context) *phaseResult {
	return r.phase(ctx, "test connection", 1, func(ctx context.Context, rec *recorder, _ int) {
		a, err := r.client.send(ctx, rec, "lookup", http.MethodGet, testConnectionPath(), nil)
		if !expect(rec, "test connection", a, err, http.StatusOK) {
			return
		}
		if n, err := totalResults(a); err != nil || n != 0 {
			rec.fail("test connection: want an empty ListResponse, got %s", snippet(a.body))
		}
	})
}

// initialSync is Entra's first cycle: for every user, a lookup by userName and, as none is found, a
// create.
func (r *runner) initialSync(ctx context.Context) *phaseResult {
	return r.phase(ctx, "initial sync", len(r.users), func(ctx context.Context, rec *recorder, i int) {
		u := &r.users[i]
		a, err := r.client.send(ctx, rec, "lookup", http.MethodGet, lookupPath(u.userName), nil)
		if !expect(rec, "lookup "+u.userName, a, err, http.StatusOK) {
			return
		}
		if n, err := totalResults(a); err != nil || n != 0 {
			rec.fail("lookup %s: want no match before the create, got %s", u.userName, snippet(a.body))
			return
		}
		a, err = r.client.send(ctx, rec, "create", http.MethodPost, "/Users", createBody(*u))
		if !expect(rec, "create "+u.userName, a, err, http.StatusCreated) {
			return
		}
		var got scimUser
		if err := json.Unmarshal(a.body, &got); err != nil || got.ID == "" {
			rec.fail("create %s: answer without an id: %s", u.userName, snippet(a.body))
			return
		}
		u.id = got.ID
	})
}

// spread picks count indexes spread evenly over 0..n-1.
func spread(n int, share float64) []int {
	count := int(float64(n)*share + 0.5)
	count = max(0, min(count, n))
	out := make([]int, count)
	for k := range out {
		out[k] = k * n / count
	}
	return out
}

// incremental is a later cycle: for each changed user, a read of the user by id and a PATCH of the
// attributes that differ. The read is also checked against what Entra sent: any difference would
// make Entra PATCH the user again on every cycle.
func (r *runner) incremental(ctx context.Context, picked []int) *phaseResult {
	return r.phase(ctx, "incremental", len(picked), func(ctx context.Context, rec *recorder, k int) {
		i := picked[k]
		was := r.users[i]
		if was.id == "" {
			return
		}
		a, err := r.client.send(ctx, rec, "read", http.MethodGet, "/Users/"+was.id, nil)
		if !expect(rec, "read "+was.userName, a, err, http.StatusOK) {
			return
		}
		var got scimUser
		if err := json.Unmarshal(a.body, &got); err != nil {
			rec.fail("read %s: %v", was.userName, err)
			return
		}
		if diff := differences(was, got); len(diff) > 0 {
			rec.fail("read %s differs from what Entra sent: %s", was.userName, strings.Join(diff, "; "))
		}
		now := changed(was, r.wl.departments, i)
		a, err = r.client.send(ctx, rec, "patch", http.MethodPatch, "/Users/"+was.id, patchBody(was, now))
		if !expect(rec, "patch "+was.userName, a, err, http.StatusOK, http.StatusNoContent) {
			return
		}
		r.users[i] = now
	})
}

// direct sends the shapes of the incremental cycle's Freshservice calls straight to the emulator:
// a read of the requester and an update of one field, for the latency comparison. Each pair is
// preceded by a GET of fsscim's /healthz, the cost of one loopback round trip through fsscim's
// HTTP stack, which every request through fsscim pays on top of its call to the emulator.
func (r *runner) direct(ctx context.Context, picked []int) *phaseResult {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: r.wl.concurrency * 2}, Timeout: requestTimeout}
	defer hc.CloseIdleConnections()
	health := strings.TrimSuffix(r.emb.scimURL, "/scim/v2") + "/healthz"
	return r.phase(ctx, "direct to emulator", len(picked), func(ctx context.Context, rec *recorder, k int) {
		u := r.users[picked[k]]
		if u.id == "" {
			return
		}
		a, err := directCall(ctx, hc, rec, "fsscim /healthz", http.MethodGet, health, "", nil)
		if !expect(rec, "fsscim /healthz", a, err, http.StatusOK) {
			return
		}
		url := r.emb.emuURL + "/api/v2/requesters/" + u.id
		a, err = directCall(ctx, hc, rec, "direct read", http.MethodGet, url, r.emb.apiKey, nil)
		if !expect(rec, "direct read "+u.id, a, err, http.StatusOK) {
			return
		}
		body := mustJSON(map[string]any{"job_title": u.title + " II"})
		a, err = directCall(ctx, hc, rec, "direct update", http.MethodPut, url, r.emb.apiKey, body)
		expect(rec, "direct update "+u.id, a, err, http.StatusOK)
	})
}

// disable is users leaving the app's scope: Entra reads each one and PATCHes active to false.
func (r *runner) disable(ctx context.Context, picked []int) *phaseResult {
	return r.phase(ctx, "disable", len(picked), func(ctx context.Context, rec *recorder, k int) {
		u := r.users[picked[k]]
		if u.id == "" {
			return
		}
		a, err := r.client.send(ctx, rec, "read", http.MethodGet, "/Users/"+u.id, nil)
		if !expect(rec, "read "+u.userName, a, err, http.StatusOK) {
			return
		}
		a, err = r.client.send(ctx, rec, "disable", http.MethodPatch, "/Users/"+u.id, disableBody(u.legacy))
		if !expect(rec, "disable "+u.userName, a, err, http.StatusOK, http.StatusNoContent) {
			return
		}
		if a.status == http.StatusOK {
			var got scimUser
			if err := json.Unmarshal(a.body, &got); err != nil || got.Active != false {
				rec.fail("disable %s: answer does not say active false: %s", u.userName, snippet(a.body))
			}
		}
	})
}

// assignGroups is group assignment: for each group a lookup by displayName without members, a
// create, then its members added in batches. Members are taken from the users that stay active.
func (r *runner) assignGroups(ctx context.Context, members []int) *phaseResult {
	var unsupported atomic.Bool
	res := r.phase(ctx, "groups", r.wl.groups, func(ctx context.Context, rec *recorder, g int) {
		if unsupported.Load() {
			return
		}
		name := groupName(r.wl.run, g)
		legacy := r.wl.dialect == dialectLegacy || (r.wl.dialect == dialectBoth && g%2 == 0)
		a, err := r.client.send(ctx, rec, "group lookup", http.MethodGet, groupLookupPath(name), nil)
		if err == nil && a.status == http.StatusNotImplemented {
			unsupported.Store(true)
			return
		}
		if !expect(rec, "group lookup "+name, a, err, http.StatusOK) {
			return
		}
		if n, err := totalResults(a); err != nil || n != 0 {
			rec.fail("group lookup %s: want no match before the create, got %s", name, snippet(a.body))
			return
		}
		a, err = r.client.send(ctx, rec, "group create", http.MethodPost, "/Groups", groupCreateBody(name, guid("group"+r.wl.run, g)))
		if err == nil && a.status == http.StatusNotImplemented {
			unsupported.Store(true)
			return
		}
		if !expect(rec, "group create "+name, a, err, http.StatusCreated) {
			return
		}
		var created struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(a.body, &created); err != nil || created.ID == "" {
			rec.fail("group create %s: answer without an id: %s", name, snippet(a.body))
			return
		}
		if len(members) == 0 {
			return
		}
		var ids []string
		for k := range r.wl.groupSize {
			u := r.users[members[(g*r.wl.groupSize+k)%len(members)]]
			if u.id != "" {
				ids = append(ids, u.id)
			}
		}
		for start := 0; start < len(ids); start += r.wl.memberBatch {
			batch := ids[start:min(start+r.wl.memberBatch, len(ids))]
			a, err := r.client.send(ctx, rec, "group add members", http.MethodPatch, "/Groups/"+created.ID, addMembersBody(batch, legacy))
			if !expect(rec, "add members to "+name, a, err, http.StatusNoContent, http.StatusOK) {
				return
			}
		}
	})
	if unsupported.Load() {
		res.note = "skipped: the server answered 501 Not Implemented for /Groups"
	}
	return res
}
