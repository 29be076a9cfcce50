package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func decodeInto(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("the answer is not JSON: %v\n%s", err, out)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(b)) }

func TestCallsCountsEachSequence(t *testing.T) {
	code, out, errOut := runTool(t, nil, "calls", "--users", "100", "--groups", "120", "--changed", "0.2", "--disabled", "0.05", "--json", "-")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s\nstdout: %s", code, errOut, out)
	}
	var res callCosts
	decodeInto(t, out, &res)
	if res.Failures != 0 || res.Users != 100 || res.Groups != 120 || len(res.Steps) != 10 {
		t.Fatalf("calls = %+v, want 10 sequences without failures", res)
	}
	// Each write is one Freshservice call, and the reads before it none: they are answered from the
	// directory replica.
	writes := []struct {
		step, endpoint string
		units          int
	}{
		{"initial sync (lookup by userName + create)", "POST /requesters", 100},
		{"incremental cycle (read by id + PATCH)", "PUT /requesters/{id}", 20},
		{"incremental cycle (lookup by userName + PATCH)", "PUT /requesters/{id}", 20},
		{"disable (read by id + PATCH active false)", "DELETE /requesters/{id}", 5},
	}
	steps := map[string]callStep{}
	for _, s := range res.Steps {
		steps[s.Name] = s
		if s.Units > 0 && !near(s.CallsPerUnit, float64(s.Calls)/float64(s.Units)) {
			t.Errorf("%s: %v calls per unit for %d calls over %d units", s.Name, s.CallsPerUnit, s.Calls, s.Units)
		}
		total := 0
		for _, n := range s.ByEndpoint {
			total += n
		}
		if total != s.Calls {
			t.Errorf("%s: endpoints add up to %d calls, not %d", s.Name, total, s.Calls)
		}
	}
	for _, w := range writes {
		s, ok := steps[w.step]
		if !ok {
			t.Fatalf("no step %q in %+v", w.step, res.Steps)
		}
		if s.Units != w.units || s.SCIMRequests != 2*w.units || s.ByEndpoint[w.endpoint] != w.units || s.Calls != w.units+s.ByEndpoint["GET /departments"] {
			t.Errorf("%s: %d units, %d SCIM requests, %d × %s; want %d, %d, %d", w.step, s.Units, s.SCIMRequests, s.ByEndpoint[w.endpoint], w.endpoint, w.units, 2*w.units, w.units)
		}
	}
	if s := steps["page of 100 users without a filter"]; s.Units != 1 || s.SCIMRequests != 1 || s.Calls != 0 {
		t.Errorf("page: %+v", s)
	}
	if s := steps["group lookup by displayName, the last of 120 groups"]; s.Units != 1 || s.SCIMRequests != 1 || s.Calls != 0 {
		t.Errorf("group lookup: %+v", s)
	}
	// 101 users: a full walk is a page of requesters and one of agents, as is a refresh of what
	// changed (a query page of each).
	for _, name := range []string{"replica refresh, full walk (101 users in the account)", "replica refresh, the users changed since the last one (one, changed in Freshservice)"} {
		if s, ok := steps[name]; !ok || s.Units != 1 || s.ListCalls != 2 {
			t.Errorf("%s: %+v", name, s)
		}
	}

	code, text, _ := runTool(t, nil, "calls", "--users", "100", "--groups", "1")
	if code != 0 || !strings.Contains(text, "page of 100 users without a filter") || !strings.Contains(text, "POST /requesters 100") {
		t.Errorf("text answer (exit %d):\n%s", code, text)
	}
}

func TestParallelReadsComparesBothPaths(t *testing.T) {
	code, out, errOut := runTool(t, nil, "parallel-reads", "--in-flight", "4", "--latency", "2ms", "--users", "10", "--reads", "40", "--rounds", "2", "--json", "-")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s\nstdout: %s", code, errOut, out)
	}
	var res parallelReads
	decodeInto(t, out, &res)
	if res.Failures != 0 || len(res.Rounds) != 2 || res.InFlight != 4 || res.Warmup != 8 {
		t.Fatalf("parallel reads = %+v", res)
	}
	calls := 0
	var conns int64
	for i, r := range res.Rounds {
		// Every direct read waited out the upstream latency.
		if r.DirectP50Ms < 2 || r.DirectPerSecond <= 0 || r.FsscimPerSecond <= 0 || !near(r.Ratio, r.FsscimPerSecond/r.DirectPerSecond) {
			t.Errorf("round %d: %+v", i, r)
		}
		calls += r.FreshserviceCalls
		conns += r.UpstreamConns
	}
	if !near(res.CallsPerRead, float64(calls)/80) {
		t.Errorf("%v calls per read for %d calls over 80 reads", res.CallsPerRead, calls)
	}
	if calls > 0 && !near(res.ConnsPer1000Calls, float64(conns)*1000/float64(calls)) {
		t.Errorf("%v connections per 1,000 calls for %d connections and %d calls", res.ConnsPer1000Calls, conns, calls)
	}
	if want := min(res.Rounds[0].Ratio, res.Rounds[1].Ratio); res.ThroughputRatio != want {
		t.Errorf("median ratio %v, want the lower of two rounds, %v", res.ThroughputRatio, want)
	}
}

func TestCPUReportsEachPhase(t *testing.T) {
	code, out, errOut := runTool(t, nil, "cpu", "--users", "30", "--rounds", "2", "--json", "-")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s\nstdout: %s", code, errOut, out)
	}
	var res cpuCost
	decodeInto(t, out, &res)
	if res.Failures != 0 || len(res.Rounds) != 2 {
		t.Fatalf("cpu = %+v", res)
	}
	for i, r := range res.Rounds {
		if r.InitialSync.Requests != 60 || r.Incremental.Requests != 12 || r.InitialSync.CPUPerRequestMs <= 0 || r.Incremental.CPUPerRequestMs <= 0 {
			t.Errorf("round %d: initial sync %d requests at %v ms, incremental %d at %v ms; want 60 and 12, CPU measured",
				i, r.InitialSync.Requests, r.InitialSync.CPUPerRequestMs, r.Incremental.Requests, r.Incremental.CPUPerRequestMs)
		}
	}
	if want := min(res.Rounds[0].InitialSync.CPUPerRequestMs, res.Rounds[1].InitialSync.CPUPerRequestMs); res.InitialSyncCPUMs != want {
		t.Errorf("median initial sync CPU %v, want %v", res.InitialSyncCPUMs, want)
	}
}
