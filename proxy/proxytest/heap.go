package proxytest

import "runtime"

// LiveHeap collects garbage twice (finalizers run between) and returns the heap still in use: what
// the memory tests, benchmarks and fsscim-load compare before and after a run.
func LiveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
