package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
)

// cpuCost is the CPU time a SCIM request costs in Entra's two busiest phases, the initial sync and an
// incremental cycle, measured over several rounds against fresh embedded instances.
type cpuCost struct {
	Machine     machine    `json:"machine"`
	Users       int        `json:"users"`
	Concurrency int        `json:"concurrency"`
	Changed     float64    `json:"changed_share"`
	Rounds      []cpuRound `json:"rounds"`
	// Medians over the rounds.
	InitialSyncCPUMs  float64  `json:"initial_sync_cpu_ms_per_request"`
	IncrementalCPUMs  float64  `json:"incremental_cpu_ms_per_request"`
	InitialSyncPerSec float64  `json:"initial_sync_requests_per_second"`
	IncrementalPerSec float64  `json:"incremental_requests_per_second"`
	Failures          int      `json:"failures"`
	FailureSamples    []string `json:"failure_samples,omitempty"`
	Method            string   `json:"method"`
}

// cpuRound is one round's two phases.
type cpuRound struct {
	InitialSync phaseReport `json:"initial_sync"`
	Incremental phaseReport `json:"incremental"`
}

func cmdCPU(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var wl workload
	fs := newFlags("cpu", "CPU time (user + system, the whole process: fsscim, the emulator and the load client) per SCIM\nrequest in an initial sync (lookup + create) and an incremental cycle (read + PATCH).", stderr)
	fs.IntVar(&wl.users, "users", 10000, "users created in the initial sync")
	fs.IntVar(&wl.concurrency, "concurrency", 8, "requests in flight at once")
	fs.Float64Var(&wl.changed, "changed", 0.2, "share of users read and PATCHed in the incremental cycle")
	rounds := fs.Int("rounds", 3, "rounds, each against a fresh fsscim and account; the figures are their medians")
	return measuringCommand{fs: fs, jsonOut: jsonFlag(fs),
		broken: func() bool {
			return wl.users < 1 || wl.concurrency < 1 || *rounds < 1 || wl.changed < 0 || wl.changed > 1
		},
		rule: "--users, --concurrency and --rounds must be at least 1, --changed a share between 0 and 1",
		measure: func() (figures, error) {
			wl.dialect = dialectBoth
			wl.departments = defaultDepartments
			return measureCPU(ctx, wl, *rounds)
		},
	}.run(args, stdout, stderr)
}

func (c *cpuCost) failedRequests() int { return c.Failures }

func measureCPU(ctx context.Context, wl workload, rounds int) (*cpuCost, error) {
	res := &cpuCost{Machine: describeMachine(), Users: wl.users, Concurrency: wl.concurrency, Changed: wl.changed,
		Method: "getrusage(RUSAGE_SELF) user + system time over each phase divided by its SCIM requests; one process holds fsscim, the emulated account and the load client"}
	for range rounds {
		emb, err := startEmbedded(embeddedOptions{plan: unlimited, departments: wl.departments})
		if err != nil {
			return nil, err
		}
		r := newRunner(wl, emb.target(), emb, nil)
		tc := r.testConnection(ctx)
		is := r.initialSync(ctx)
		inc := r.incremental(ctx, spread(wl.users, wl.changed))
		r.client.http.CloseIdleConnections()
		emb.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("interrupted: %w", ctx.Err())
		}
		round := cpuRound{InitialSync: phaseReportOf(is), Incremental: phaseReportOf(inc)}
		for _, p := range []phaseReport{phaseReportOf(tc), round.InitialSync, round.Incremental} {
			res.Failures += p.Failures
			res.FailureSamples = append(res.FailureSamples, p.FailureSamples...)
		}
		res.Rounds = append(res.Rounds, round)
	}
	res.InitialSyncCPUMs = medianOf(res.Rounds, func(r cpuRound) float64 { return r.InitialSync.CPUPerRequestMs })
	res.IncrementalCPUMs = medianOf(res.Rounds, func(r cpuRound) float64 { return r.Incremental.CPUPerRequestMs })
	res.InitialSyncPerSec = medianOf(res.Rounds, func(r cpuRound) float64 { return r.InitialSync.RequestsPerSecond })
	res.IncrementalPerSec = medianOf(res.Rounds, func(r cpuRound) float64 { return r.Incremental.RequestsPerSecond })
	return res, nil
}

// writeText prints the figures for people.
func (c *cpuCost) writeText(w io.Writer) {
	fmt.Fprintf(w, "machine: %s, %d CPUs, load average %s at start\n", c.Machine.CPU, c.Machine.CPUs, c.Machine.LoadAverage)
	fmt.Fprintf(w, "%d users, concurrency %d, %.0f %% changed\n\n", c.Users, c.Concurrency, c.Changed*100)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "round\tinitial sync CPU ms/req\treq/s\tincremental CPU ms/req\treq/s")
	for i, r := range c.Rounds {
		fmt.Fprintf(tw, "%d\t%.3f\t%.0f\t%.3f\t%.0f\n", i+1, r.InitialSync.CPUPerRequestMs, r.InitialSync.RequestsPerSecond,
			r.Incremental.CPUPerRequestMs, r.Incremental.RequestsPerSecond)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nCPU per SCIM request (median): initial sync %.3f ms, incremental %.3f ms\n", c.InitialSyncCPUMs, c.IncrementalCPUMs)
	writeFailures(w, c.FailureSamples, c.Failures, "requests did not get the answer Entra expects")
}
