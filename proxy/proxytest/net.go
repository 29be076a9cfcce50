package proxytest

import (
	"net"
	"strings"
	"testing"
	"time"
)

// DialFrom connects from the loopback address local to addr, failing t when it cannot; the
// connection closes with the test. Reads and writes on it give up after ten seconds: a bound against
// hanging, not a timing check.
func DialFrom(t testing.TB, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", local, err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// GrepLines keeps the lines of text that contain sub: the part of a /metrics scrape a failure message
// shows.
func GrepLines(text, sub string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
