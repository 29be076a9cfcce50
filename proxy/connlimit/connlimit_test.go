package connlimit_test

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fsscim/fsscim/proxy/connlimit"
	"github.com/fsscim/fsscim/proxy/proxytest"
)

// greeter accepts from l until it is closed and writes "k" to every connection it gets; it closes a
// connection when the client does, and then sends on the returned channel.
func greeter(t *testing.T, l net.Listener) <-chan struct{} {
	t.Helper()
	closed := make(chan struct{}, 16)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("k"))
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = io.Copy(io.Discard, c)
				c.Close()
				closed <- struct{}{}
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	return closed
}

// dialFrom connects from a local address to addr and reports whether the server greeted the
// connection (true) or closed it (false).
func dialFrom(t *testing.T, local, addr string) (net.Conn, bool) {
	t.Helper()
	c := proxytest.DialFrom(t, local, addr)
	var b [1]byte
	n, err := c.Read(b[:])
	switch {
	case n == 1 && b[0] == 'k':
		return c, true
	case errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err):
		return c, false
	}
	t.Fatalf("read from %s: %d bytes, %v", local, n, err)
	return nil, false
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

func TestPerAddressCap(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var refused atomic.Int32
	l := connlimit.Listen(inner, connlimit.Options{PerAddress: 2, OnRefused: func(netip.Addr) { refused.Add(1) }})
	serverClosed := greeter(t, l)
	addr := inner.Addr().String()

	first, ok1 := dialFrom(t, "127.0.0.1", addr)
	_, ok2 := dialFrom(t, "127.0.0.1", addr)
	if !ok1 || !ok2 {
		t.Fatal("connections within the cap were refused")
	}
	if _, ok := dialFrom(t, "127.0.0.1", addr); ok {
		t.Fatal("connection 3 from one address was accepted with a cap of 2")
	}
	if refused.Load() != 1 {
		t.Errorf("OnRefused called %d times, want 1", refused.Load())
	}
	if _, ok := dialFrom(t, "127.0.0.2", addr); !ok {
		t.Fatal("another address was refused")
	}
	// A closed connection gives its place back.
	first.Close()
	<-serverClosed
	if _, ok := dialFrom(t, "127.0.0.1", addr); !ok {
		t.Fatal("no connection from the first address after one of its connections closed")
	}
}

func TestExemptPeersAreNotCappedPerAddress(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxy := netip.MustParseAddr("127.0.0.1")
	l := connlimit.Listen(inner, connlimit.Options{PerAddress: 1, Exempt: func(a netip.Addr) bool { return a == proxy }})
	greeter(t, l)
	for i := range 3 {
		if _, ok := dialFrom(t, "127.0.0.1", inner.Addr().String()); !ok {
			t.Fatalf("connection %d from an exempt peer was refused", i+1)
		}
	}
}

// fakeListener hands out pipe connections on demand and records when it is asked for one.
type fakeListener struct {
	conns  chan net.Conn
	called chan struct{}
	closed chan struct{}
}

func (f *fakeListener) Accept() (net.Conn, error) {
	f.called <- struct{}{}
	select {
	case c := <-f.conns:
		return c, nil
	case <-f.closed:
		return nil, net.ErrClosed
	}
}
func (f *fakeListener) Close() error   { close(f.closed); return nil }
func (f *fakeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

func (f *fakeListener) offer() {
	a, b := net.Pipe()
	_ = b
	f.conns <- a
}

// TestOverallCapWaits: with Max connections open, Accept does not take another connection from the
// operating system until one closes.
func TestOverallCapWaits(t *testing.T) {
	f := &fakeListener{conns: make(chan net.Conn, 4), called: make(chan struct{}, 4), closed: make(chan struct{})}
	waiting := make(chan struct{}, 4)
	l := connlimit.Listen(f, connlimit.Options{Max: 1, OnWait: func() { waiting <- struct{}{} }})
	defer l.Close()
	f.offer()
	first, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	<-f.called
	got := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			got <- c
		}
	}()
	select {
	case <-waiting:
	case <-f.called:
		t.Fatal("a second connection was taken while the one allowed was open")
	}
	f.offer()
	first.Close()
	second := <-got
	<-f.called
	second.Close()
}
