package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// tokenEnv holds the bearer token for --target when no --token-file is given; a token on the command
// line would show in the process list.
const tokenEnv = "FSSCIM_LOAD_TOKEN"

// execute performs a run and returns its report.
func execute(ctx context.Context, o runOptions, command string, progress io.Writer, getenv func(string) string) (*report, error) {
	p, err := planByName(o.plan)
	if err != nil {
		return nil, err
	}
	planList, err := parsePlans(o.plans)
	if err != nil {
		return nil, err
	}
	rep := &report{
		Command: command,
		Started: time.Now().UTC(),
		Machine: describeMachine(),
		Plan:    p,
		Time:    "real",
		Workload: workloadReport{
			Users: o.wl.users, Concurrency: o.wl.concurrency, Dialect: o.wl.dialect,
			ChangedShare: o.wl.changed, DisabledShare: o.wl.disabled,
			Groups: o.wl.groups, GroupSize: o.wl.groupSize, MemberBatch: o.wl.memberBatch,
		},
	}

	if o.targetURL != "" {
		token, err := readToken(o.tokenFile, getenv)
		if err != nil {
			return nil, err
		}
		rep.Mode = "remote"
		o.wl.run = randomHex(3)
		r := newRunner(o.wl, target{url: o.targetURL, token: token}, nil, progress)
		r.replay(ctx, rep)
		rep.Notes = append(rep.Notes, "against a remote fsscim the tool sees only the SCIM side: Freshservice calls, plans and memory need the embedded mode",
			"users and groups made by this run are named with the run id "+o.wl.run)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("interrupted: %w", ctx.Err())
		}
		rep.evaluate()
		return rep, nil
	}

	rep.Mode = "embedded"
	o.wl.departments = defaultDepartments
	var clock *virtualClock
	if p.PerMinute > 0 && o.timeMode == "simulated" {
		clock = newVirtualClock(virtualStart())
		rep.Time = "simulated"
	}
	var logTo io.Writer
	if o.logFile != "" {
		f, err := os.Create(o.logFile)
		if err != nil {
			return nil, fmt.Errorf("create the log file: %w", err)
		}
		defer f.Close()
		logTo = f
	}
	emb, err := startEmbedded(embeddedOptions{plan: p, clock: clock, dataDir: o.dataDir, departments: o.wl.departments, log: logTo})
	if err != nil {
		return nil, err
	}
	sampler := startMemorySampler(100 * time.Millisecond)
	stopProfile, err := startCPUProfile(o.cpuProfile)
	if err != nil {
		emb.Close()
		return nil, err
	}
	r := newRunner(o.wl, emb.target(), emb, progress)
	r.replay(ctx, rep)
	stopProfile()
	mem := sampler.stop()
	rep.Memory = &mem
	emb.Close()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted: %w", ctx.Err())
	}

	planWL := o.wl
	if o.planUsers > 0 {
		planWL.users = o.planUsers
	}
	for _, pl := range planList {
		pr, err := simulatePlan(ctx, pl, planWL, progress)
		if err != nil {
			return nil, err
		}
		rep.Failures += pr.Failures
		rep.Plans = append(rep.Plans, pr)
	}

	if o.memory {
		var idx indexMemory
		if err := measureInChild(ctx, &idx, "index-memory", "--json", "-", "--users", strconv.Itoa(o.indexUsers)); err != nil {
			return nil, err
		}
		rep.Index = &idx
		var idle idleTenants
		if err := measureInChild(ctx, &idle, "idle-tenants", "--json", "-", "--tenants", strconv.Itoa(o.idleCount)); err != nil {
			return nil, err
		}
		rep.Idle = &idle
	}
	rep.evaluate()
	return rep, nil
}

// replay sends Entra's sequences in order and adds each phase to the report: Test Connection, the
// initial sync, an incremental cycle, (embedded) the same shapes straight to the emulator, disables
// and group assignment.
func (r *runner) replay(ctx context.Context, rep *report) {
	n := len(r.users)
	disabledCount := int(float64(n)*r.wl.disabled + 0.5)
	var disabled, active []int
	for i := range n {
		if i >= n-disabledCount {
			disabled = append(disabled, i)
		} else {
			active = append(active, i)
		}
	}
	changedIdx := spread(n, r.wl.changed)

	var results []*phaseResult
	add := func(p *phaseResult) {
		if p.units > 0 {
			results = append(results, p)
		}
	}
	add(r.testConnection(ctx))
	add(r.initialSync(ctx))
	inc := r.incremental(ctx, changedIdx)
	add(inc)
	var direct *phaseResult
	if r.emb != nil && len(changedIdx) > 0 {
		direct = r.direct(ctx, changedIdx)
		add(direct)
	}
	add(r.disable(ctx, disabled))
	add(r.assignGroups(ctx, active))

	var all []time.Duration
	var cpu time.Duration
	for _, p := range results {
		pr := phaseReportOf(p)
		rep.Phases = append(rep.Phases, pr)
		rep.Failures += pr.Failures
		if p == direct {
			continue
		}
		rep.Total.Requests += pr.Requests
		rep.Total.Seconds += pr.Seconds
		cpu += p.cpu
		all = append(all, p.rec.allSamples()...)
	}
	if rep.Total.Seconds > 0 {
		rep.Total.RequestsPerSecond = float64(rep.Total.Requests) / rep.Total.Seconds
	}
	rep.Total.Latency = summarize(all)
	if rep.Total.Requests > 0 {
		rep.Total.CPUPerRequestMs = ms(cpu) / float64(rep.Total.Requests)
	}
	if direct != nil {
		fsRead, fsWrite := inc.rec.samplesOf("read"), inc.rec.samplesOf("patch")
		emRead, emWrite := direct.rec.samplesOf("direct read"), direct.rec.samplesOf("direct update")
		rep.Overhead = &overhead{
			Read:  compare("GET /scim/v2/Users/{id}", "GET /api/v2/requesters/{id}", fsRead, emRead),
			Write: compare("PATCH /scim/v2/Users/{id}", "PUT /api/v2/requesters/{id}", fsWrite, emWrite),
			All:   compare("both", "both", append(fsRead, fsWrite...), append(emRead, emWrite...)),
			Hop:   summarize(direct.rec.samplesOf("fsscim /healthz")),
		}
	}
}

// simulatePlan runs an initial sync against an account with the plan's limits, on a virtual clock.
func simulatePlan(ctx context.Context, p plan, wl workload, progress io.Writer) (planRun, error) {
	clock := newVirtualClock(virtualStart())
	emb, err := startEmbedded(embeddedOptions{plan: p, clock: clock, departments: wl.departments})
	if err != nil {
		return planRun{}, err
	}
	defer emb.Close()
	r := newRunner(wl, emb.target(), emb, progress)
	r.tag = "(" + p.Name + ")"
	tc := r.testConnection(ctx)
	// Start the sync at the beginning of a rate window, as the floor assumes.
	start := clock.Now().Truncate(time.Minute).Add(time.Minute)
	clock.advanceTo(start)
	jumps := clock.jumpCount()
	is := r.initialSync(ctx)
	if ctx.Err() != nil {
		return planRun{}, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	pr := phaseReportOf(is)
	tcr := phaseReportOf(tc)
	last, inLast := emb.up.lastWindow()
	out := planRun{
		Plan:             p,
		Users:            wl.users,
		SimulatedMinutes: simulatedDuration(start, last, inLast, p).Minutes(),
		ClockMinutes:     is.virtual.Minutes(),
		FloorMinutes:     p.floor(wl.users).Minutes(),
		Waits:            clock.jumpCount() - jumps,
		RealSeconds:      is.elapsed.Seconds(),
		Failures:         pr.Failures + tcr.Failures,
	}
	if fc := pr.Freshservice; fc != nil {
		out.FreshserviceCalls = fc.Calls
		out.CallsPerSCIMRequest = fc.PerSCIMRequest
		out.ListCalls = fc.ListCalls
		out.ListCallsPerUser = fc.ListCallsPerUnit
		out.ByEndpoint = fc.ByEndpoint
	}
	if out.FloorMinutes > 0 {
		out.OverFloorPercent = (out.SimulatedMinutes/out.FloorMinutes - 1) * 100
	}
	return out, nil
}

// simulatedDuration is the time a sync took under a plan's fixed one-minute windows: every window
// before the last counts as a whole minute (fsscim spent its budget or had to wait out its list
// budget), the last one by the share of the plan's budget its calls used. That is the time a client
// pacing itself evenly at the plan's rate would need for the same calls, and it is measured the same
// way as the floor (users / per-minute limit).
func simulatedDuration(start, lastWindow time.Time, callsInLast int, p plan) time.Duration {
	if lastWindow.Before(start) {
		return 0
	}
	return lastWindow.Sub(start) + time.Duration(float64(callsInLast)/float64(p.PerMinute)*float64(time.Minute))
}

// startCPUProfile starts a CPU profile into path ("" = none) and returns what stops it.
func startCPUProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create the CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("start the CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// writeHeapProfile writes the live heap to path. The profile shows the heap as of two collections
// before, so it collects twice first; pooled objects go in the second one too.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create the heap profile: %w", err)
	}
	runtime.GC()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("write the heap profile: %w", err)
	}
	return f.Close()
}

// readToken reads the bearer token for --target from a file or the environment.
func readToken(file string, getenv func(string) string) (string, error) {
	if file != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read --token-file: %w", err)
		}
		if t := strings.TrimSpace(string(raw)); t != "" {
			return t, nil
		}
		return "", errors.New("--token-file is empty")
	}
	if t := strings.TrimSpace(getenv(tokenEnv)); t != "" {
		return t, nil
	}
	return "", fmt.Errorf("--target needs a bearer token: --token-file FILE or %s", tokenEnv)
}

// measureInChild runs a measurement subcommand of this program in a fresh process, so that the
// memory figures are not those of the run that came before, and decodes its JSON answer into out.
func measureInChild(ctx context.Context, out any, args ...string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program to measure memory in a child process: %w", err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		return fmt.Errorf("%s: read its answer: %w", args[0], err)
	}
	return nil
}
