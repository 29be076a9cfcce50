// Package redistest runs a throwaway redis-server for the tests of fsscim's shared state: a real server
// on loopback with nothing persisted, which a test can stop and start again to play a Redis that
// restarts empty, or shut off behind a Gate to play one that stops answering but keeps its data.
package redistest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is one redis-server process owned by a test.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int

	mu  sync.Mutex
	cmd *exec.Cmd
	out *bytes.Buffer
}

// Start starts redis-server on a free loopback port and stops it when the test ends. Without a
// redis-server on PATH the test is skipped, except under CI (CI=true), where it fails: CI installs one.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server is not installed (.ci/run installs it): %v", err)
		}
		t.Skip("redis-server is not installed; apt-get install redis-server to run this test")
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	s.port = freePort(t)
	s.start()
	t.Cleanup(s.Stop)
	return s
}

// Addr is host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Client returns a client of the server with short timeouts, closed when the test ends.
func (s *Server) Client() *redis.Client { return testClient(s.t, s.Addr()) }

// testClient is a client of addr with short timeouts and no retries, so that an outage shows at once;
// it is closed when the test ends.
func testClient(t testing.TB, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{
		Addr:         addr,
		DialTimeout:  500 * time.Millisecond,
		ReadTimeout:  500 * time.Millisecond,
		WriteTimeout: 500 * time.Millisecond,
		MaxRetries:   -1,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Stop kills the server, as an outage would; stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Restart starts the server again on the same port, empty.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

func (s *Server) start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &bytes.Buffer{}
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir,
		"--protected-mode", "no", "--loglevel", "warning")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	s.cmd, s.out = cmd, out

	c := redis.NewClient(&redis.Options{Addr: s.Addr(), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			s.cmd = nil
			s.t.Fatalf("redis-server did not answer on %s: %v\n%s", s.Addr(), err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePort asks the kernel for a port that is free now; redis-server binds it right after.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// String names the server in test messages.
func (s *Server) String() string { return fmt.Sprintf("redis-server on %s", s.Addr()) }

// Gate is a loopback TCP forwarder in front of the server that a test can shut, to play a Redis that
// stops answering without losing what it holds (a network partition, a failover that keeps the data).
type Gate struct {
	t    testing.TB
	ln   net.Listener
	back string

	mu    sync.Mutex
	shut  bool
	conns map[net.Conn]bool
}

// Gate starts a forwarder to the server, closed when the test ends.
func (s *Server) Gate() *Gate {
	s.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.t.Fatalf("gate: listen: %v", err)
	}
	g := &Gate{t: s.t, ln: ln, back: s.Addr(), conns: map[net.Conn]bool{}}
	go g.serve()
	s.t.Cleanup(func() {
		_ = ln.Close()
		g.Shut()
	})
	return g
}

// Addr is host:port of the gate.
func (g *Gate) Addr() string { return g.ln.Addr().String() }

// Client returns a client of the server through the gate, with short timeouts, closed when the test
// ends.
func (g *Gate) Client() *redis.Client { return testClient(g.t, g.Addr()) }

// Shut cuts every connection through the gate and refuses new ones until Open.
func (g *Gate) Shut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.shut = true
	for c := range g.conns {
		_ = c.Close()
	}
	g.conns = map[net.Conn]bool{}
}

// Open lets connections through again.
func (g *Gate) Open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.shut = false
}

func (g *Gate) serve() {
	for {
		front, err := g.ln.Accept()
		if err != nil {
			return
		}
		g.mu.Lock()
		shut := g.shut
		g.mu.Unlock()
		if shut {
			_ = front.Close()
			continue
		}
		back, err := net.Dial("tcp", g.back)
		if err != nil {
			_ = front.Close()
			continue
		}
		g.mu.Lock()
		g.conns[front], g.conns[back] = true, true
		g.mu.Unlock()
		go g.pipe(front, back)
		go g.pipe(back, front)
	}
}

func (g *Gate) pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
	g.mu.Lock()
	delete(g.conns, dst)
	delete(g.conns, src)
	g.mu.Unlock()
}
