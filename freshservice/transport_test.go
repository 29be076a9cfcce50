package freshservice_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

// countingServer serves h, closed when the test ends, and counts the connections clients open to it.
func countingServer(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int64) {
	srv, opened := freshservicetest.NewCountingServer(h)
	t.Cleanup(srv.Close)
	return srv, opened
}

func TestSharedTransportKeepsOneConnectionForSequentialCallsOfTwoTenants(t *testing.T) {
	emu := freshservicetest.New(freshservicetest.Options{})
	keys := []string{"tenant-a-key", "tenant-b-key"}
	for _, k := range keys {
		emu.AddAPIKey(k, true)
	}
	srv, serverSaw := countingServer(t, emu)
	tr := freshservice.NewTransport(freshservice.TransportOptions{})
	defer tr.CloseIdleConnections()
	var clients []*freshservice.Client
	for _, k := range keys {
		clients = append(clients, newTestClient(t, srv.URL, func(o *freshservice.Options) {
			o.APIKey = k
			o.Transport = tr
		}))
	}

	const calls = 10
	for i := range calls {
		if err := clients[i%2].CheckKey(context.Background()); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := len(emu.Calls()); got != calls {
		t.Fatalf("the account saw %d calls, want %d", got, calls)
	}
	if got := serverSaw.Load(); got != 1 {
		t.Errorf("the account saw %d connections for %d sequential calls of two tenants, want 1", got, calls)
	}
	if got := tr.ConnectionsOpened(); got != 1 {
		t.Errorf("ConnectionsOpened = %d, want 1", got)
	}
}

// barrier holds every request until n are in flight at once.
type barrier struct {
	n       int
	mu      sync.Mutex
	arrived int
	open    chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, open: make(chan struct{})} }

func (b *barrier) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.arrived
}

func (b *barrier) wait() {
	b.mu.Lock()
	b.arrived++
	if b.arrived == b.n {
		close(b.open)
	}
	b.mu.Unlock()
	select {
	case <-b.open:
	case <-time.After(30 * time.Second): // only ends a test that would otherwise hang
	}
}

func TestTransportKeepsAsManyIdleConnectionsAsCallsInFlight(t *testing.T) {
	emu := freshservicetest.New(freshservicetest.Options{})
	emu.AddAPIKey(testKey, true)
	inFlight := freshservice.DefaultMaxConnsPerHost
	var round atomic.Pointer[barrier]
	srv, serverSaw := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		round.Load().wait()
		emu.ServeHTTP(w, r)
	}))
	tr := freshservice.NewTransport(freshservice.TransportOptions{})
	defer tr.CloseIdleConnections()
	c := newTestClient(t, srv.URL, func(o *freshservice.Options) { o.Transport = tr })

	// Two bursts of calls all in flight at once, like an Entra job's parallel requests: the
	// second finds every connection of the first kept.
	for burst := range 2 {
		b := newBarrier(inFlight)
		round.Store(b)
		var wg sync.WaitGroup
		errs := make(chan error, inFlight)
		for range inFlight {
			wg.Go(func() { errs <- c.CheckKey(context.Background()) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("burst %d: %v", burst, err)
			}
		}
		if got := b.count(); got != inFlight {
			t.Fatalf("burst %d: %d calls reached the account, want %d", burst, got, inFlight)
		}
	}
	if got := serverSaw.Load(); got != int64(inFlight) {
		t.Errorf("the account saw %d connections over two bursts of %d calls, want %d", got, inFlight, inFlight)
	}
	if got := tr.ConnectionsOpened(); got != uint64(inFlight) {
		t.Errorf("ConnectionsOpened = %d, want %d", got, inFlight)
	}
}
