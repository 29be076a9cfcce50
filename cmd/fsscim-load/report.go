package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// report is the summary of one run, written as JSON and as text.
type report struct {
	Command  string         `json:"command"`
	Started  time.Time      `json:"started"`
	Machine  machine        `json:"machine"`
	Mode     string         `json:"mode"` // embedded | remote
	Time     string         `json:"time"` // simulated | real
	Plan     plan           `json:"plan"`
	Workload workloadReport `json:"workload"`
	Phases   []phaseReport  `json:"phases"`
	Total    totalReport    `json:"total"`
	Overhead *overhead      `json:"overhead,omitempty"`
	Plans    []planRun      `json:"initial_sync_by_plan,omitempty"`
	Memory   *runMemory     `json:"memory,omitempty"`
	Index    *indexMemory   `json:"index_memory,omitempty"`
	Idle     *idleTenants   `json:"idle_tenants,omitempty"`
	Targets  []targetCheck  `json:"targets,omitempty"`
	Failures int            `json:"failures"`
	Notes    []string       `json:"notes,omitempty"`
}

type workloadReport struct {
	Users         int     `json:"users"`
	Concurrency   int     `json:"concurrency"`
	Dialect       string  `json:"dialect"`
	ChangedShare  float64 `json:"changed_share"`
	DisabledShare float64 `json:"disabled_share"`
	Groups        int     `json:"groups"`
	GroupSize     int     `json:"group_size"`
	MemberBatch   int     `json:"member_batch"`
}

// phaseReport is one phase: what was sent, how fast, and what it cost in Freshservice calls.
type phaseReport struct {
	Name              string  `json:"name"`
	Units             int     `json:"units"`
	Requests          int     `json:"scim_requests"`
	Seconds           float64 `json:"seconds"`
	RequestsPerSecond float64 `json:"scim_requests_per_second"`
	SimulatedMinutes  float64 `json:"simulated_minutes,omitempty"`
	// CPUPerRequestMs is the process's CPU time (fsscim, emulator and client together) per request.
	CPUPerRequestMs float64            `json:"cpu_ms_per_request"`
	Ops             []opReport         `json:"ops"`
	Freshservice    *freshserviceCalls `json:"freshservice,omitempty"`
	Failures        int                `json:"failures"`
	FailureSamples  []string           `json:"failure_samples,omitempty"`
	Note            string             `json:"note,omitempty"`
}

// freshserviceCalls is what fsscim asked of Freshservice during a phase.
type freshserviceCalls struct {
	Calls            int            `json:"calls"`
	PerSCIMRequest   float64        `json:"per_scim_request"`
	ListCalls        int            `json:"list_calls"`
	ListCallsPerUnit float64        `json:"list_calls_per_unit"`
	ByEndpoint       map[string]int `json:"by_endpoint"`
	RateLimited      int            `json:"rate_limited,omitempty"`
}

type totalReport struct {
	Requests          int       `json:"scim_requests"`
	Seconds           float64   `json:"seconds"`
	RequestsPerSecond float64   `json:"scim_requests_per_second"`
	CPUPerRequestMs   float64   `json:"cpu_ms_per_request"`
	Latency           latencies `json:"latency"`
}

// overhead compares the same shapes of call through fsscim and straight to the emulator.
type overhead struct {
	Read  comparison `json:"read"`
	Write comparison `json:"write"`
	All   comparison `json:"all"`
	// Hop is GET /healthz on fsscim: a loopback round trip through fsscim's HTTP stack and middleware
	// with no SCIM work, the part of the ratio no SCIM handler can remove.
	Hop latencies `json:"fsscim_healthz"`
}

type comparison struct {
	Through   string    `json:"through_fsscim"`
	Direct    string    `json:"direct"`
	Fsscim    latencies `json:"fsscim"`
	Emulator  latencies `json:"emulator"`
	P50Ratio  float64   `json:"p50_ratio"`
	P95Ratio  float64   `json:"p95_ratio"`
	P99Ratio  float64   `json:"p99_ratio"`
	DeltaP50M float64   `json:"p50_added_ms"`
}

func compare(through, direct string, fs, emu []time.Duration) comparison {
	c := comparison{Through: through, Direct: direct, Fsscim: summarize(fs), Emulator: summarize(emu)}
	ratio := func(a, b float64) float64 {
		if b <= 0 {
			return 0
		}
		return a / b
	}
	c.P50Ratio = ratio(c.Fsscim.P50, c.Emulator.P50)
	c.P95Ratio = ratio(c.Fsscim.P95, c.Emulator.P95)
	c.P99Ratio = ratio(c.Fsscim.P99, c.Emulator.P99)
	c.DeltaP50M = c.Fsscim.P50 - c.Emulator.P50
	return c
}

// planRun is a simulated initial sync under one plan's limits.
type planRun struct {
	Plan                plan           `json:"plan"`
	Users               int            `json:"users"`
	SimulatedMinutes    float64        `json:"simulated_minutes"`
	ClockMinutes        float64        `json:"virtual_clock_minutes"`
	FloorMinutes        float64        `json:"floor_minutes"`
	OverFloorPercent    float64        `json:"over_floor_percent"`
	FreshserviceCalls   int            `json:"freshservice_calls"`
	CallsPerSCIMRequest float64        `json:"calls_per_scim_request"`
	ListCalls           int            `json:"list_calls"`
	ListCallsPerUser    float64        `json:"list_calls_per_user"`
	ByEndpoint          map[string]int `json:"by_endpoint"`
	Waits               int            `json:"rate_window_waits"`
	RealSeconds         float64        `json:"real_seconds"`
	Failures            int            `json:"failures"`
}

// targetCheck is one of the targets, measured.
type targetCheck struct {
	Name     string `json:"name"`
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
	Note     string `json:"note,omitempty"`
}

func phaseReportOf(p *phaseResult) phaseReport {
	ops, failures, samples := p.rec.report()
	pr := phaseReport{Name: p.name, Units: p.units, Seconds: p.elapsed.Seconds(), Ops: ops, Failures: failures, FailureSamples: samples, Note: p.note}
	for _, o := range ops {
		pr.Requests += o.Latency.Count
	}
	if p.elapsed > 0 {
		pr.RequestsPerSecond = float64(pr.Requests) / p.elapsed.Seconds()
	}
	if pr.Requests > 0 {
		pr.CPUPerRequestMs = ms(p.cpu) / float64(pr.Requests)
	}
	if p.virtual > 0 {
		pr.SimulatedMinutes = p.virtual.Minutes()
	}
	if p.calls != nil {
		fc := &freshserviceCalls{Calls: p.calls.total(), ListCalls: p.calls.Lists, ByEndpoint: p.calls.ByEndpoint, RateLimited: p.calls.Limited}
		if pr.Requests > 0 {
			fc.PerSCIMRequest = float64(fc.Calls) / float64(pr.Requests)
		}
		if p.units > 0 {
			fc.ListCallsPerUnit = float64(fc.ListCalls) / float64(p.units)
		}
		pr.Freshservice = fc
	}
	return pr
}

func (r *report) phase(name string) *phaseReport {
	for i := range r.Phases {
		if r.Phases[i].Name == name {
			return &r.Phases[i]
		}
	}
	return nil
}

// evaluate checks the measured figures against the targets.
func (r *report) evaluate() {
	add := func(name, target, measured string, met bool, note string) {
		r.Targets = append(r.Targets, targetCheck{Name: name, Target: target, Measured: measured, Met: met, Note: note})
	}
	missBy := func(measured, limit float64, more bool) string {
		if limit == 0 {
			return ""
		}
		pct := (measured/limit - 1) * 100
		if !more {
			pct = (1 - measured/limit) * 100
		}
		if pct <= 0 {
			return ""
		}
		return fmt.Sprintf("missed by %.1f %%", pct)
	}
	if is := r.phase("initial sync"); is != nil && is.Freshservice != nil {
		v := is.Freshservice.PerSCIMRequest
		add("initial sync: Freshservice calls per SCIM request", "≤ 0.52", fmt.Sprintf("%.4f", v), v <= 0.52, missBy(v, 0.52, true))
		l := is.Freshservice.ListCallsPerUnit
		add("initial sync: list calls per user", "≤ 0.01", fmt.Sprintf("%.4f", l), l <= 0.01, missBy(l, 0.01, true))
	}
	for _, p := range r.Plans {
		add(fmt.Sprintf("simulated initial sync of %d users, %s: time over the floor", p.Users, p.Plan.Name), "≤ 5 %",
			fmt.Sprintf("%.1f min vs %.1f min floor (+%.2f %%)", p.SimulatedMinutes, p.FloorMinutes, p.OverFloorPercent),
			p.OverFloorPercent <= 5, missBy(p.OverFloorPercent, 5, true))
		add(fmt.Sprintf("simulated initial sync of %d users, %s: list calls per user", p.Users, p.Plan.Name), "≤ 0.01",
			fmt.Sprintf("%.4f", p.ListCallsPerUser), p.ListCallsPerUser <= 0.01, missBy(p.ListCallsPerUser, 0.01, true))
	}
	if o := r.Overhead; o != nil {
		for _, c := range []struct {
			name string
			cmp  comparison
		}{{"read", o.Read}, {"write", o.Write}, {"read and write", o.All}} {
			add("p50 latency through fsscim / straight to the emulator ("+c.name+")", "≤ 1.5×",
				fmt.Sprintf("%.2f× (%.3f ms vs %.3f ms)", c.cmp.P50Ratio, c.cmp.Fsscim.P50, c.cmp.Emulator.P50),
				c.cmp.P50Ratio <= 1.5, missBy(c.cmp.P50Ratio, 1.5, true))
		}
	}
	if r.Mode == "embedded" && r.Plan.PerMinute == 0 && r.Total.Requests > 0 {
		v := r.Total.RequestsPerSecond
		add("SCIM requests per second, emulator in process", "≥ 3,000", fmt.Sprintf("%.0f on %d CPUs", v, r.Machine.CPUs), v >= 3000, missBy(v, 3000, false))
	}
	if r.Index != nil {
		v := max(r.Index.IndexBytesPerUser, r.Index.RichBytesPerUser)
		add("directory replica bytes per user", "≤ 600", fmt.Sprintf("%.0f", v), v <= 600, missBy(v, 600, true))
	}
	if r.Idle != nil {
		v := mib(r.Idle.RSSIdleBytes)
		add(fmt.Sprintf("%d idle tenants: RSS", r.Idle.Tenants), "≤ 200 MiB", fmt.Sprintf("%.1f MiB", v), v <= 200, missBy(v, 200, true))
	}
}

// writeText prints the report for people.
func (r *report) writeText(w io.Writer) {
	fmt.Fprintf(w, "fsscim-load: %s\n", r.Command)
	fmt.Fprintf(w, "machine: %s, %d CPUs (GOMAXPROCS %d), %d MiB, %s, %s, load average %s at start\n", r.Machine.CPU, r.Machine.CPUs, r.Machine.GOMAXPROCS, r.Machine.MemoryMiB, r.Machine.OS, r.Machine.Go, r.Machine.LoadAverage)
	fmt.Fprintf(w, "mode: %s, time: %s, plan: %s\n", r.Mode, r.Time, r.Plan)
	wl := r.Workload
	fmt.Fprintf(w, "workload: %d users, concurrency %d, PATCH dialect %s, %.0f %% changed, %.0f %% disabled, %d groups of %d (batches of %d)\n\n",
		wl.Users, wl.Concurrency, wl.Dialect, wl.ChangedShare*100, wl.DisabledShare*100, wl.Groups, wl.GroupSize, wl.MemberBatch)

	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\top\trequests\tp50 ms\tp95 ms\tp99 ms\tmax ms\tstatuses")
	for _, p := range r.Phases {
		for _, o := range p.Ops {
			var st []string
			for _, k := range slices.Sorted(maps.Keys(o.Statuses)) {
				st = append(st, fmt.Sprintf("%s×%d", k, o.Statuses[k]))
			}
			if o.Throttled > 0 {
				st = append(st, fmt.Sprintf("waited out×%d", o.Throttled))
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%s\n", p.Name, o.Op, o.Latency.Count, o.Latency.P50, o.Latency.P95, o.Latency.P99, o.Latency.Max, strings.Join(st, " "))
		}
	}
	tw.Flush()
	fmt.Fprintln(w)

	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\tunits\tSCIM requests\tseconds\treq/s\tCPU ms/req\tFS calls\tFS calls/req\tlist calls\tlist/unit\tfailures")
	for _, p := range r.Phases {
		fc := p.Freshservice
		if fc == nil {
			fc = &freshserviceCalls{}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.0f\t%.3f\t%d\t%.4f\t%d\t%.4f\t%d\n", p.Name, p.Units, p.Requests, p.Seconds, p.RequestsPerSecond, p.CPUPerRequestMs, fc.Calls, fc.PerSCIMRequest, fc.ListCalls, fc.ListCallsPerUnit, p.Failures)
	}
	fmt.Fprintf(tw, "all fsscim phases\t\t%d\t%.2f\t%.0f\t%.3f\t\t\t\t\t\n", r.Total.Requests, r.Total.Seconds, r.Total.RequestsPerSecond, r.Total.CPUPerRequestMs)
	tw.Flush()
	for _, p := range r.Phases {
		if p.Note != "" {
			fmt.Fprintf(w, "  %s: %s\n", p.Name, p.Note)
		}
		for _, s := range p.FailureSamples {
			fmt.Fprintf(w, "  %s failure: %s\n", p.Name, s)
		}
	}
	fmt.Fprintln(w)

	var withCalls []phaseReport
	for _, p := range r.Phases {
		if p.Freshservice != nil && p.Freshservice.Calls > 0 {
			withCalls = append(withCalls, p)
		}
	}
	if len(withCalls) > 0 {
		fmt.Fprintln(w, "Freshservice calls by endpoint (per SCIM request of the phase):")
		for _, p := range withCalls {
			var parts []string
			for _, k := range slices.Sorted(maps.Keys(p.Freshservice.ByEndpoint)) {
				n := p.Freshservice.ByEndpoint[k]
				parts = append(parts, fmt.Sprintf("%s %d (%.4f)", k, n, float64(n)/float64(max(p.Requests, 1))))
			}
			fmt.Fprintf(w, "  %s: %s\n", p.Name, strings.Join(parts, ", "))
		}
		fmt.Fprintln(w)
	}

	if o := r.Overhead; o != nil {
		fmt.Fprintln(w, "Latency through fsscim and straight to the emulator (same run, same concurrency):")
		tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "shape\tthrough fsscim\tp50\tp95\tp99\tdirect\tp50\tp95\tp99\tp50 ratio")
		for _, c := range []comparison{o.Read, o.Write, o.All} {
			fmt.Fprintf(tw, "\t%s\t%.3f\t%.3f\t%.3f\t%s\t%.3f\t%.3f\t%.3f\t%.2f×\n", c.Through, c.Fsscim.P50, c.Fsscim.P95, c.Fsscim.P99, c.Direct, c.Emulator.P50, c.Emulator.P95, c.Emulator.P99, c.P50Ratio)
		}
		tw.Flush()
		fmt.Fprintf(w, "A GET of fsscim's /healthz (one loopback round trip through its HTTP stack, no SCIM work) took p50 %.3f ms, p95 %.3f ms.\n", o.Hop.P50, o.Hop.P95)
		fmt.Fprintln(w)
	}

	if len(r.Plans) > 0 {
		fmt.Fprintln(w, "Initial sync under each plan (simulated time; floor = one write per user at the plan's limit):")
		tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "plan\tlimits/min\tusers\tsimulated\tfloor\tover floor\tFS calls\tcalls/req\tlist calls\tlist/user\treal s")
		for _, p := range r.Plans {
			fmt.Fprintf(tw, "%s\t%d (list %d)\t%d\t%.1f min\t%.1f min\t%+.2f %%\t%d\t%.4f\t%d\t%.4f\t%.1f\n", p.Plan.Name, p.Plan.PerMinute, p.Plan.ListPerMinute, p.Users,
				p.SimulatedMinutes, p.FloorMinutes, p.OverFloorPercent, p.FreshserviceCalls, p.CallsPerSCIMRequest, p.ListCalls, p.ListCallsPerUser, p.RealSeconds)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}

	if m := r.Memory; m != nil {
		fmt.Fprintf(w, "Memory of the run: peak RSS %.1f MiB, peak heap %.1f MiB, peak goroutines %d (%s)\n", mib(m.PeakRSSBytes), mib(m.PeakHeapBytes), m.PeakGoroutines, m.Note)
	}
	if x := r.Index; x != nil {
		fmt.Fprintf(w, "Directory replica of %d users: %.1f MiB, %.0f bytes per user (built in %.2f s); with every mapped attribute set: %.0f bytes per user; a tenant with that warm replica: %.1f MiB (%.0f bytes per user)\n",
			x.Users, mib(x.IndexBytes), x.IndexBytesPerUser, x.IndexBuildSeconds, x.RichBytesPerUser, mib(x.TenantBytes), x.TenantBytesPerUser)
	}
	if t := r.Idle; t != nil {
		fmt.Fprintf(w, "%d idle tenants: RSS %.1f MiB idle (%.1f MiB right after touching each, %.1f MiB before), heap %.0f bytes per tenant, goroutines %d idle (%d after touching), idle CPU %.1f %% of a core\n",
			t.Tenants, mib(t.RSSIdleBytes), mib(t.RSSTouchedBytes), mib(t.RSSBeforeBytes), t.HeapPerTenantBytes, t.GoroutinesIdle, t.GoroutinesTouched, t.IdleCPUPercent)
	}
	if r.Memory != nil || r.Index != nil || r.Idle != nil {
		fmt.Fprintln(w)
	}

	if len(r.Targets) > 0 {
		fmt.Fprintln(w, "Targets:")
		tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		for _, t := range r.Targets {
			verdict := "met"
			if !t.Met {
				verdict = "MISSED"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", verdict, t.Name, t.Target, t.Measured, t.Note)
		}
		tw.Flush()
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	if r.Failures > 0 {
		fmt.Fprintf(w, "\n%d requests did not get the answer Entra expects (see the failures above).\n", r.Failures)
	}
}
