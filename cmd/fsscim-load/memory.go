package main

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// procStatus reads a "kB" line of /proc/self/status (VmRSS, VmHWM) in bytes; 0 where there is no
// such file (not Linux).
func procStatus(field string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return 0
		}
		kb, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return 0
		}
		return kb * 1024
	}
	return 0
}

// memorySampler follows the process's heap and goroutines while a run goes on.
type memorySampler struct {
	mu             sync.Mutex
	peakHeap       uint64 // live and not yet collected heap objects
	peakGoroutines int
	quit, done     chan struct{}
}

func startMemorySampler(every time.Duration) *memorySampler {
	s := &memorySampler{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-t.C:
			case <-s.quit:
				s.sample()
				return
			}
		}
	}()
	return s
}

func (s *memorySampler) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	g := runtime.NumGoroutine()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peakHeap = max(s.peakHeap, ms.HeapAlloc)
	s.peakGoroutines = max(s.peakGoroutines, g)
}

// runMemory is the process's memory over a run.
type runMemory struct {
	PeakRSSBytes   uint64 `json:"peak_rss_bytes"`
	RSSBytes       uint64 `json:"rss_bytes_at_end"`
	PeakHeapBytes  uint64 `json:"peak_heap_bytes"`
	PeakGoroutines int    `json:"peak_goroutines"`
	Note           string `json:"note"`
}

func (s *memorySampler) stop() runMemory {
	close(s.quit)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return runMemory{
		PeakRSSBytes:   procStatus("VmHWM"),
		RSSBytes:       procStatus("VmRSS"),
		PeakHeapBytes:  s.peakHeap,
		PeakGoroutines: s.peakGoroutines,
		Note:           "the whole load process: fsscim, the emulated Freshservice account holding every user, and the load client",
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
