package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

// parallelReads compares reads through fsscim with the same reads sent straight to the emulator, many
// in flight at once and each Freshservice call taking a fixed upstream latency: what fsscim costs in
// throughput when Freshservice, not the CPU, is the slow part, and how many connections it opens.
type parallelReads struct {
	Machine   machine `json:"machine"`
	InFlight  int     `json:"in_flight"`
	LatencyMs float64 `json:"upstream_latency_ms"`
	Users     int     `json:"users"`
	Reads     int     `json:"reads_per_round"`
	Warmup    int     `json:"warmup_reads"`
	// Rounds each send the reads straight to the emulator, then through fsscim.
	Rounds []parallelRound `json:"rounds"`
	// The medians over the rounds, and the connection counts over all of them.
	DirectPerSecond    float64 `json:"direct_reads_per_second"`
	FsscimPerSecond    float64 `json:"fsscim_reads_per_second"`
	ThroughputRatio    float64 `json:"throughput_ratio"`
	CallsPerRead       float64 `json:"freshservice_calls_per_read"`
	ConnsPer1000Calls  float64 `json:"new_upstream_connections_per_1000_calls"`
	DirectConnsPer1000 float64 `json:"direct_new_connections_per_1000_calls"`
	// CPU time of the whole process per read on each path (medians over the rounds), and what fsscim
	// adds: unlike reads per second, this does not depend on what else the machine is running.
	DirectCPUMsPerRead float64  `json:"direct_cpu_ms_per_read"`
	FsscimCPUMsPerRead float64  `json:"fsscim_cpu_ms_per_read"`
	AddedCPUMsPerRead  float64  `json:"fsscim_added_cpu_ms_per_read"`
	Failures           int      `json:"failures"`
	FailureSamples     []string `json:"failure_samples,omitempty"`
	Method             string   `json:"method"`
}

// parallelRound is one round of direct and fsscim reads.
type parallelRound struct {
	DirectSeconds     float64 `json:"direct_seconds"`
	DirectPerSecond   float64 `json:"direct_reads_per_second"`
	DirectConns       int64   `json:"direct_new_connections"`
	DirectP50Ms       float64 `json:"direct_p50_ms"`
	DirectCPUMs       float64 `json:"direct_cpu_ms_per_read"`
	FsscimSeconds     float64 `json:"fsscim_seconds"`
	FsscimPerSecond   float64 `json:"fsscim_reads_per_second"`
	FsscimP50Ms       float64 `json:"fsscim_p50_ms"`
	FsscimCPUMs       float64 `json:"fsscim_cpu_ms_per_read"`
	FreshserviceCalls int     `json:"freshservice_calls"`
	UpstreamConns     int64   `json:"new_upstream_connections"`
	Ratio             float64 `json:"throughput_ratio"`
}

type parallelOptions struct {
	inFlight, users, reads, rounds int
	latency                        time.Duration
	cpuProfile                     string
	// writes changes each user's title instead of reading it: reads are answered from the replica
	// without Freshservice, so writes are what takes fsscim's upstream path now.
	writes bool
}

func cmdParallelReads(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o parallelOptions
	fs := newFlags("parallel-reads", "Read users by id through fsscim (GET /scim/v2/Users/{id}) and straight from the emulator\n(GET /api/v2/requesters/{id}), many at once, with a fixed upstream latency; compare the throughput and\ncount the connections opened to the emulator.", stderr)
	fs.IntVar(&o.inFlight, "in-flight", 64, "reads in flight at once, on both paths")
	fs.DurationVar(&o.latency, "latency", 20*time.Millisecond, "time the emulated Freshservice takes to answer each call")
	fs.IntVar(&o.users, "users", 1000, "requesters in the account, read in turn")
	fs.IntVar(&o.reads, "reads", 6000, "reads per path and round")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds of direct then fsscim reads; the figures are their medians")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the rounds (fsscim, emulator and client together) to this file")
	fs.BoolVar(&o.writes, "writes", false, "change each user's title (PATCH /scim/v2/Users/{id}, PUT /api/v2/requesters/{id} direct) instead of reading it")
	return measuringCommand{fs: fs, jsonOut: jsonFlag(fs),
		broken: func() bool {
			return o.inFlight < 1 || o.users < 1 || o.reads < 1 || o.rounds < 1 || o.latency < 0
		},
		rule: "--in-flight, --users, --reads and --rounds must be at least 1, --latency not negative",
		measure: func() (figures, error) {
			return measureParallelReads(ctx, o)
		},
	}.run(args, stdout, stderr)
}

func (p *parallelReads) failedRequests() int { return p.Failures }

// measureParallelReads seeds an account, then in each round sends o.reads reads straight to the
// emulator and o.reads through fsscim, o.inFlight at a time. Each path first sends a warm-up of twice
// o.inFlight reads, not counted, so that both start with their connections open: the figures are the
// steady state of a long sync, not its first second.
func measureParallelReads(ctx context.Context, o parallelOptions) (*parallelReads, error) {
	res := &parallelReads{Machine: describeMachine(), InFlight: o.inFlight, LatencyMs: float64(o.latency.Microseconds()) / 1000,
		Users: o.users, Reads: o.reads, Warmup: 2 * o.inFlight,
		Method: "reads of users by id, round-robin over the account; requests per second of wall time; CPU per read is getrusage(RUSAGE_SELF) user + system time over the path's reads (the process holds the load client, fsscim and the emulator); connections counted as the emulator accepts them; the emulator waits out the latency outside its lock"}
	var ids []int64
	emb, err := startEmbedded(embeddedOptions{plan: unlimited, seed: func(emu *freshservicetest.Emulator) {
		for _, u := range makeUsers(o.users, "", nil, dialectFlag) {
			ids = append(ids, emu.AddRequester(freshservice.User{FirstName: u.given, LastName: u.family, PrimaryEmail: u.userName, JobTitle: u.title}).ID)
		}
	}})
	if err != nil {
		return nil, err
	}
	defer emb.Close()
	emb.emu.SetLatency(o.latency)

	rec := newRecorder()
	scim := newSCIMClient(emb.target(), o.inFlight)
	defer scim.http.CloseIdleConnections()
	// The direct client keeps a connection per read in flight, as a well-sized caller would.
	direct := &http.Client{Transport: &http.Transport{MaxIdleConns: o.inFlight, MaxIdleConnsPerHost: o.inFlight}, Timeout: requestTimeout}
	defer direct.CloseIdleConnections()

	directRead := func(ctx context.Context, rec *recorder, i int) {
		id := strconv.FormatInt(ids[i%len(ids)], 10)
		a, err := directCall(ctx, direct, rec, "direct read", http.MethodGet, emb.emuURL+"/api/v2/requesters/"+id, emb.apiKey, nil)
		expect(rec, "direct read "+id, a, err, http.StatusOK)
	}
	fsscimRead := func(ctx context.Context, rec *recorder, i int) {
		id := strconv.FormatInt(ids[i%len(ids)], 10)
		a, err := scim.send(ctx, rec, "read", http.MethodGet, "/Users/"+id, nil)
		expect(rec, "read "+id, a, err, http.StatusOK)
	}
	if o.writes {
		res.Method = "title changes (a new title each time)" + res.Method[len("reads"):]
		directRead = func(ctx context.Context, rec *recorder, i int) {
			id := strconv.FormatInt(ids[i%len(ids)], 10)
			body := []byte(fmt.Sprintf(`{"job_title":"Title %d"}`, i))
			a, err := directCall(ctx, direct, rec, "direct read", http.MethodPut, emb.emuURL+"/api/v2/requesters/"+id, emb.apiKey, body)
			expect(rec, "direct write "+id, a, err, http.StatusOK)
		}
		fsscimRead = func(ctx context.Context, rec *recorder, i int) {
			id := strconv.FormatInt(ids[i%len(ids)], 10)
			body := []byte(fmt.Sprintf(`{"schemas":["%s"],"Operations":[{"op":"replace","path":"title","value":"Title %d"}]}`, schemaPatchOp, i))
			a, err := scim.send(ctx, rec, "read", http.MethodPatch, "/Users/"+id, body)
			expect(rec, "write "+id, a, err, http.StatusOK)
		}
	}
	drive(ctx, o.inFlight, res.Warmup, rec, directRead)
	drive(ctx, o.inFlight, res.Warmup, rec, fsscimRead)

	var allCalls, allReads int
	var upConns, dirConns int64
	stopProfile, err := startCPUProfile(o.cpuProfile)
	if err != nil {
		return nil, err
	}
	defer stopProfile()
	for range o.rounds {
		var r parallelRound
		before := emb.emuConns.Load()
		dRec := newRecorder()
		cpuBefore, err := cpuTime()
		if err != nil {
			return nil, err
		}
		took := drive(ctx, o.inFlight, o.reads, dRec, directRead)
		cpuAfter, err := cpuTime()
		if err != nil {
			return nil, err
		}
		r.DirectSeconds, r.DirectPerSecond = took.Seconds(), float64(o.reads)/took.Seconds()
		r.DirectCPUMs = float64((cpuAfter - cpuBefore).Microseconds()) / 1000 / float64(o.reads)
		r.DirectConns = emb.emuConns.Load() - before
		r.DirectP50Ms = summarize(dRec.samplesOf("direct read")).P50

		before = emb.emuConns.Load()
		calls := emb.up.snapshot()
		fRec := newRecorder()
		cpuBefore = cpuAfter
		took = drive(ctx, o.inFlight, o.reads, fRec, fsscimRead)
		if cpuAfter, err = cpuTime(); err != nil {
			return nil, err
		}
		r.FsscimCPUMs = float64((cpuAfter - cpuBefore).Microseconds()) / 1000 / float64(o.reads)
		r.FsscimSeconds, r.FsscimPerSecond = took.Seconds(), float64(o.reads)/took.Seconds()
		r.UpstreamConns = emb.emuConns.Load() - before
		r.FreshserviceCalls = emb.up.snapshot().minus(calls).total()
		r.FsscimP50Ms = summarize(fRec.samplesOf("read")).P50
		r.Ratio = r.FsscimPerSecond / r.DirectPerSecond

		allCalls += r.FreshserviceCalls
		allReads += o.reads
		upConns += r.UpstreamConns
		dirConns += r.DirectConns
		res.Rounds = append(res.Rounds, r)
		for _, rr := range []*recorder{dRec, fRec} {
			_, n, samples := rr.report()
			res.Failures += n
			res.FailureSamples = append(res.FailureSamples, samples...)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("interrupted: %w", ctx.Err())
		}
	}
	_, n, samples := rec.report()
	res.Failures += n
	res.FailureSamples = append(res.FailureSamples, samples...)
	res.DirectPerSecond = medianOf(res.Rounds, func(r parallelRound) float64 { return r.DirectPerSecond })
	res.FsscimPerSecond = medianOf(res.Rounds, func(r parallelRound) float64 { return r.FsscimPerSecond })
	res.ThroughputRatio = medianOf(res.Rounds, func(r parallelRound) float64 { return r.Ratio })
	res.DirectCPUMsPerRead = medianOf(res.Rounds, func(r parallelRound) float64 { return r.DirectCPUMs })
	res.FsscimCPUMsPerRead = medianOf(res.Rounds, func(r parallelRound) float64 { return r.FsscimCPUMs })
	res.AddedCPUMsPerRead = medianOf(res.Rounds, func(r parallelRound) float64 { return r.FsscimCPUMs - r.DirectCPUMs })
	res.CallsPerRead = float64(allCalls) / float64(allReads)
	if allCalls > 0 {
		res.ConnsPer1000Calls = float64(upConns) * 1000 / float64(allCalls)
	}
	res.DirectConnsPer1000 = float64(dirConns) * 1000 / float64(allReads)
	return res, nil
}

// drive runs task for 0..count-1 on workers goroutines and returns the wall time it took.
func drive(ctx context.Context, workers, count int, rec *recorder, task func(ctx context.Context, rec *recorder, i int)) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range min(workers, count) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= count {
					return
				}
				task(ctx, rec, i)
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// medianOf is the median of f over rounds (the lower middle one for an even count).
func medianOf[T any](rounds []T, f func(T) float64) float64 {
	if len(rounds) == 0 {
		return 0
	}
	vals := make([]float64, len(rounds))
	for i, r := range rounds {
		vals[i] = f(r)
	}
	slices.Sort(vals)
	return vals[(len(vals)-1)/2]
}

// writeText prints the comparison for people.
func (p *parallelReads) writeText(w io.Writer) {
	fmt.Fprintf(w, "machine: %s, %d CPUs, load average %s at start\n", p.Machine.CPU, p.Machine.CPUs, p.Machine.LoadAverage)
	fmt.Fprintf(w, "%d reads in flight, %.0f ms upstream latency, %d users, %d reads per path and round after a warm-up of %d\n\n",
		p.InFlight, p.LatencyMs, p.Users, p.Reads, p.Warmup)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "round\tdirect reads/s\tp50 ms\tCPU ms/read\tnew conns\tfsscim reads/s\tp50 ms\tCPU ms/read\tFS calls\tnew upstream conns\tfsscim / direct")
	for i, r := range p.Rounds {
		fmt.Fprintf(tw, "%d\t%.0f\t%.2f\t%.3f\t%d\t%.0f\t%.2f\t%.3f\t%d\t%d\t%.3f\n", i+1, r.DirectPerSecond, r.DirectP50Ms, r.DirectCPUMs, r.DirectConns,
			r.FsscimPerSecond, r.FsscimP50Ms, r.FsscimCPUMs, r.FreshserviceCalls, r.UpstreamConns, r.Ratio)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nthroughput through fsscim / direct (median): %.3f (%.0f vs %.0f reads/s)\n", p.ThroughputRatio, p.FsscimPerSecond, p.DirectPerSecond)
	fmt.Fprintf(w, "CPU per read (median, whole process): %.3f ms through fsscim, %.3f ms direct; fsscim adds %.3f ms\n", p.FsscimCPUMsPerRead, p.DirectCPUMsPerRead, p.AddedCPUMsPerRead)
	fmt.Fprintf(w, "new upstream connections per 1,000 Freshservice calls: %.2f (direct: %.2f per 1,000 reads)\n", p.ConnsPer1000Calls, p.DirectConnsPer1000)
	fmt.Fprintf(w, "Freshservice calls per read through fsscim: %.3f\n", p.CallsPerRead)
	writeFailures(w, p.FailureSamples, p.Failures, "reads failed")
}
