package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// runTool runs the program with args and returns its exit code and outputs.
func runTool(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr, func(k string) string { return env[k] })
	return code, stdout.String(), stderr.String()
}

func decodeReport(t *testing.T, out string) report {
	t.Helper()
	var rep report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("the summary is not JSON: %v\n%s", err, out)
	}
	return rep
}

func opOf(t *testing.T, p *phaseReport, name string) opReport {
	t.Helper()
	for _, o := range p.Ops {
		if o.Op == name {
			return o
		}
	}
	t.Fatalf("phase %q has no %q requests: %+v", p.Name, name, p.Ops)
	return opReport{}
}

// smallRun is a run small enough for the test suite.
var smallRun = []string{"run", "--users", "40", "--changed", "0.25", "--disabled", "0.1", "--groups", "2", "--group-size", "6",
	"--member-batch", "4", "--concurrency", "4", "--memory=false", "--progress", "never", "--json", "-"}

func TestEmbeddedRunReplaysEntraAndCountsFreshserviceCalls(t *testing.T) {
	code, out, errOut := runTool(t, nil, append(smallRun, "--plans", "starter", "--plan-users", "30")...)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s\nstdout: %s", code, errOut, out)
	}
	rep := decodeReport(t, out)
	if rep.Mode != "embedded" || rep.Failures != 0 {
		t.Fatalf("mode %q, %d failures", rep.Mode, rep.Failures)
	}

	is := rep.phase("initial sync")
	if is == nil || is.Requests != 80 {
		t.Fatalf("initial sync: %+v, want 40 lookups and 40 creates", is)
	}
	if c := opOf(t, is, "create"); c.Statuses["201"] != 40 {
		t.Errorf("creates answered %v, want 201 × 40", c.Statuses)
	}
	if lk := opOf(t, is, "lookup"); lk.Statuses["200"] != 40 {
		t.Errorf("lookups answered %v, want 200 × 40", lk.Statuses)
	}
	fc := is.Freshservice
	// One write per user, lookups answered from fsscim's directory index, one walk of departments.
	if fc == nil || fc.ByEndpoint["POST /requesters"] != 40 || fc.ListCalls != 0 || fc.Calls != 41 {
		t.Errorf("initial sync Freshservice calls = %+v, want 40 creates, 1 department list, no list calls", fc)
	}

	inc := rep.phase("incremental")
	if inc == nil || opOf(t, inc, "patch").Statuses["200"] != 10 || opOf(t, inc, "read").Statuses["200"] != 10 {
		t.Fatalf("incremental: %+v, want 10 reads and 10 PATCHes answered 200", inc)
	}
	if got := inc.Freshservice.ByEndpoint["PUT /requesters/{id}"]; got != 10 {
		t.Errorf("incremental wrote %d times, want one PUT per changed user", got)
	}
	if dis := rep.phase("disable"); dis == nil || dis.Freshservice.ByEndpoint["DELETE /requesters/{id}"] != 4 {
		t.Errorf("disable: %+v, want 4 deactivations", dis)
	}
	if d := rep.phase("direct to emulator"); d == nil || opOf(t, d, "direct read").Latency.Count != 10 || d.Freshservice.Calls != 0 {
		t.Errorf("direct phase: %+v, want 10 timed reads not counted as fsscim's", d)
	}
	if g := rep.phase("groups"); g == nil || g.Note != "" || opOf(t, g, "group add members").Statuses["204"] != 4 ||
		g.Freshservice.ByEndpoint["POST /requester_groups/{id}/members/{id}"] != 12 {
		t.Errorf("groups: %+v, want 2 batches per group of 6, one member add each", g)
	}
	if rep.Overhead == nil || rep.Overhead.Read.Fsscim.Count != 10 || rep.Overhead.Read.Emulator.Count != 10 || rep.Overhead.Read.P50Ratio <= 0 ||
		rep.Overhead.Hop.Count != 10 {
		t.Errorf("overhead = %+v", rep.Overhead)
	}
	if rep.Memory == nil || rep.Memory.PeakHeapBytes == 0 || rep.Memory.PeakGoroutines == 0 {
		t.Errorf("memory = %+v", rep.Memory)
	}

	if len(rep.Plans) != 1 {
		t.Fatalf("plans = %+v, want the starter plan", rep.Plans)
	}
	pr := rep.Plans[0]
	// 30 users at 100 calls a minute: the creates alone take 0.3 minutes.
	if pr.Plan.Name != "starter" || pr.Users != 30 || pr.FloorMinutes != 0.3 || pr.FreshserviceCalls < 30 || pr.SimulatedMinutes < 0.3 {
		t.Errorf("starter plan run = %+v", pr)
	}
	// All in one window: the time is the share of the window's budget the calls used.
	if want := float64(pr.FreshserviceCalls) / 100; math.Abs(pr.SimulatedMinutes-want) > 1e-9 {
		t.Errorf("simulated %.4f min for %d calls at 100 a minute, want %.4f", pr.SimulatedMinutes, pr.FreshserviceCalls, want)
	}
	names := map[string]bool{}
	for _, tc := range rep.Targets {
		names[tc.Name] = true
	}
	for _, want := range []string{"initial sync: Freshservice calls per SCIM request", "SCIM requests per second, emulator in process"} {
		if !names[want] {
			t.Errorf("target %q not evaluated: %+v", want, rep.Targets)
		}
	}
}

func TestSimulatedPlanRunExhaustsWindows(t *testing.T) {
	// 150 users against Starter's 100 calls a minute need a second window: the virtual clock jumps.
	code, out, errOut := runTool(t, nil, "run", "--users", "150", "--plan", "starter", "--changed", "0", "--disabled", "0", "--groups", "0",
		"--plans", "", "--memory=false", "--progress", "never", "--json", "-")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
	rep := decodeReport(t, out)
	if rep.Time != "simulated" || rep.Plan.Name != "starter" {
		t.Fatalf("time %q plan %+v", rep.Time, rep.Plan)
	}
	is := rep.phase("initial sync")
	if is == nil || is.Failures != 0 || opOf(t, is, "create").Statuses["201"] != 150 {
		t.Fatalf("initial sync = %+v", is)
	}
	if is.SimulatedMinutes < 1 || is.Freshservice.RateLimited == 0 {
		t.Errorf("150 creates took %.2f simulated minutes with %d waited-out 429s; want a second window", is.SimulatedMinutes, is.Freshservice.RateLimited)
	}
	if opOf(t, is, "create").Throttled != 0 {
		t.Errorf("fsscim answered 429 in simulated time; the front should have waited them out")
	}
}

func TestRemoteRunDrivesATenantURL(t *testing.T) {
	emb, err := startEmbedded(embeddedOptions{plan: unlimited, departments: defaultDepartments})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	env := map[string]string{tokenEnv: emb.tokens[0]}
	code, out, errOut := runTool(t, env, append(smallRun, "--target", emb.scimURL, "--allow-writes")...)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s\nstdout: %s", code, errOut, out)
	}
	rep := decodeReport(t, out)
	if rep.Mode != "remote" || rep.Failures != 0 || rep.Overhead != nil || rep.Plans != nil {
		t.Fatalf("remote report: mode %q, failures %d, overhead %v, plans %v", rep.Mode, rep.Failures, rep.Overhead, rep.Plans)
	}
	if is := rep.phase("initial sync"); is == nil || is.Requests != 80 || is.Freshservice != nil {
		t.Errorf("initial sync = %+v, want 80 requests and no Freshservice view", is)
	}
	// The remote run named its users with a run id, and they exist in the account behind fsscim.
	if got := len(emb.emu.Users()); got != 41 {
		t.Errorf("account holds %d users, want the key's owner and 40 created", got)
	}
	if strings.Contains(out+errOut, emb.tokens[0]) {
		t.Error("the token appeared in the output")
	}
}

func TestRunRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"unknown command", []string{"frobnicate"}, nil, 2, "unknown command"},
		{"zero users", []string{"run", "--users", "0"}, nil, 2, "--users must be at least 1"},
		{"bad dialect", []string{"run", "--dialect", "fancy"}, nil, 2, "use legacy, flag or both"},
		{"remote without consent", []string{"run", "--target", "https://fsscim.example.com/scim/v2"}, nil, 2, "--allow-writes"},
		{"remote without token", []string{"run", "--target", "http://127.0.0.1:1/scim/v2", "--allow-writes", "--progress", "never"}, nil, 1, "FSSCIM_LOAD_TOKEN"},
		{"unknown plan", []string{"run", "--plan", "platinum", "--memory=false", "--progress", "never"}, nil, 1, "unknown plan"},
		{"stray argument", []string{"run", "extra"}, nil, 2, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runTool(t, tt.env, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, tt.code, tt.want)
			}
		})
	}
}

func TestTextSummary(t *testing.T) {
	code, out, errOut := runTool(t, nil, "run", "--users", "12", "--groups", "1", "--group-size", "3", "--plans", "enterprise", "--plan-users", "10",
		"--memory=false", "--progress", "never")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
	for _, want := range []string{"initial sync", "Freshservice calls by endpoint", "POST /requesters 12", "Latency through fsscim and straight to the emulator",
		"Initial sync under each plan", "enterprise", "Targets:", "machine:"} {
		if !strings.Contains(out, want) {
			t.Errorf("text summary lacks %q:\n%s", want, out)
		}
	}
}

func TestMemoryMeasurements(t *testing.T) {
	ctx := context.Background()
	idx, err := measureIndexMemory(ctx, 300)
	if err != nil {
		t.Fatal(err)
	}
	if idx.Users != 300 || idx.IndexBytes == 0 || idx.TenantBytes == 0 {
		t.Errorf("index memory = %+v", idx)
	}
	idle, err := measureIdleTenants(ctx, 12, 4, 50*time.Millisecond, "")
	if err != nil {
		t.Fatal(err)
	}
	if idle.Tenants != 12 || idle.RSSIdleBytes == 0 || idle.HeapIdleBytes == 0 || idle.GoroutinesTouched == 0 {
		t.Errorf("idle tenants = %+v", idle)
	}
}

// TestIdleTenantsHeapProfileHoldsTheServedTenants writes the heap profile of idle tenants and reads it
// with pprof: the live heap it shows includes the fsscim server that serves them.
func TestIdleTenantsHeapProfileHoldsTheServedTenants(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to read the profile with")
	}
	// Record every allocation, so that the few tenants' objects are in the profile for sure.
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 1
	dir := t.TempDir()
	file, jsonFile := filepath.Join(dir, "heap.pprof"), filepath.Join(dir, "idle.json")
	code, stdout, stderr := runTool(t, nil, "idle-tenants", "--tenants", "3", "--concurrency", "2", "--heapprofile", file, "--json", jsonFile)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"3 tenants in one process", "right after touching each once", "heap per idle tenant", "heap profile of the idle process: " + file} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text lacks %q:\n%s", want, stdout)
		}
	}
	raw, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var idle idleTenants
	if err := json.Unmarshal(raw, &idle); err != nil || idle.Tenants != 3 || idle.HeapProfile != file || idle.HeapIdleBytes == 0 || idle.RSSTouchedBytes == 0 {
		t.Fatalf("JSON %s (%v), want 3 tenants, their memory and the profile named", raw, err)
	}
	out, err := exec.Command(goTool, "tool", "pprof", "-sample_index=inuse_space", "-top", "-nodefraction=0", "-nodecount=100000", file).CombinedOutput()
	if err != nil {
		t.Fatalf("pprof: %v\n%s", err, out)
	}
	// A node of pprof's top table: flat flat% sum% cum cum% name. Nodes holding nothing are left out.
	held := false
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 6 && f[5] == "github.com/fsscim/fsscim/proxy.New" {
			held = f[3] != "0"
		}
	}
	if !held {
		t.Errorf("the live heap in the profile holds nothing proxy.New built: it was written after the server was gone\n%s", out)
	}
}
