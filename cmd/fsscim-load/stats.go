package main

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// maxFailureSamples bounds how many failure descriptions a phase keeps for the report.
const maxFailureSamples = 5

// recorder collects what one phase's requests took and answered. It is safe for concurrent use.
type recorder struct {
	requests atomic.Int64 // answered requests, for the progress line

	mu       sync.Mutex
	ops      map[string]*opRecord
	order    []string
	failures int
	samples  []string
}

// opRecord is one kind of request: its latencies and answers.
type opRecord struct {
	latencies []time.Duration
	statuses  map[int]int
	throttled int // 429/503 answers waited out and sent again
}

func newRecorder() *recorder { return &recorder{ops: map[string]*opRecord{}} }

func (r *recorder) op(name string) *opRecord {
	o, ok := r.ops[name]
	if !ok {
		o = &opRecord{statuses: map[int]int{}}
		r.ops[name] = o
		r.order = append(r.order, name)
	}
	return o
}

// observe records one answered request.
func (r *recorder) observe(op string, took time.Duration, status int) {
	r.requests.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.op(op)
	o.latencies = append(o.latencies, took)
	o.statuses[status]++
}

// throttle records an answer that asked the client to come back later.
func (r *recorder) throttle(op string) {
	r.requests.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.op(op).throttled++
}

// fail records a request whose outcome was not what Entra expects.
func (r *recorder) fail(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures++
	if len(r.samples) < maxFailureSamples {
		r.samples = append(r.samples, fmt.Sprintf(format, args...))
	}
}

// latencies is a summary of durations in milliseconds.
type latencies struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
	Mean  float64 `json:"mean_ms"`
}

func summarize(d []time.Duration) latencies {
	if len(d) == 0 {
		return latencies{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	var sum time.Duration
	for _, v := range s {
		sum += v
	}
	return latencies{
		Count: len(s),
		P50:   ms(quantile(s, 0.50)),
		P95:   ms(quantile(s, 0.95)),
		P99:   ms(quantile(s, 0.99)),
		Max:   ms(s[len(s)-1]),
		Mean:  ms(sum / time.Duration(len(s))),
	}
}

// quantile reads a sorted sample by the nearest-rank method.
func quantile(sorted []time.Duration, q float64) time.Duration {
	rank := int(q*float64(len(sorted))+0.999999) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return sorted[rank]
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// opReport is one kind of request in the report.
type opReport struct {
	Op        string         `json:"op"`
	Latency   latencies      `json:"latency"`
	Statuses  map[string]int `json:"statuses"`
	Throttled int            `json:"throttled,omitempty"`
}

// report returns the per-operation summaries in the order operations were first seen, the number of
// failures and a few of them described.
func (r *recorder) report() ([]opReport, int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]opReport, 0, len(r.order))
	for _, name := range r.order {
		o := r.ops[name]
		st := map[string]int{}
		for code, n := range o.statuses {
			st[fmt.Sprint(code)] = n
		}
		out = append(out, opReport{Op: name, Latency: summarize(o.latencies), Statuses: st, Throttled: o.throttled})
	}
	return out, r.failures, slices.Clone(r.samples)
}

// samplesOf returns the latencies of the named operations, merged.
func (r *recorder) samplesOf(names ...string) []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []time.Duration
	for _, n := range names {
		if o, ok := r.ops[n]; ok {
			out = append(out, o.latencies...)
		}
	}
	return out
}

// allSamples returns every latency recorded.
func (r *recorder) allSamples() []time.Duration {
	r.mu.Lock()
	names := slices.Clone(r.order)
	r.mu.Unlock()
	return r.samplesOf(names...)
}
