// Package proxytest holds what the tests of fsscim's servers share: a log sink the tests read while
// the servers write to it from many goroutines, connections from a chosen loopback address, the lines
// of a scrape a failure shows, an HTTP answer read whole (for the tests of fsscim and of the
// Freshservice emulator alike), the live heap the memory tests and fsscim-load measure, and server
// keys with the bearer tokens they seal.
package proxytest

import (
	"bytes"
	"sync"
)

// LogBuffer collects log output written concurrently; String returns what was written so far.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
