package clientaddr_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/fsscim/fsscim/proxy/clientaddr"
)

func TestClient(t *testing.T) {
	r := clientaddr.New([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")})
	tests := []struct {
		name   string
		peer   string
		xff    []string
		client string
	}{
		{"no header", "203.0.113.7:4000", nil, "203.0.113.7"},
		{"untrusted peer's header is ignored", "203.0.113.7:4000", []string{"192.0.2.1"}, "203.0.113.7"},
		{"loopback is not trusted unless listed", "127.0.0.1:4000", []string{"192.0.2.1"}, "127.0.0.1"},
		{"trusted peer names the client", "10.1.2.3:443", []string{"192.0.2.1"}, "192.0.2.1"},
		{"a client's own claim left of the proxy's hop is ignored", "10.1.2.3:443", []string{"198.51.100.9, 192.0.2.1"}, "192.0.2.1"},
		{"chain of trusted proxies", "10.1.2.3:443", []string{"192.0.2.1, 10.9.9.9", "10.4.4.4"}, "192.0.2.1"},
		{"hop with a port", "10.1.2.3:443", []string{"192.0.2.1:5555"}, "192.0.2.1"},
		{"IPv6 hop with a port", "10.1.2.3:443", []string{"[2001:db8:1:2::7]:5555"}, "2001:db8:1:2::7"},
		{"IPv6 trusted peer", "[2001:db8:ffff:1::1]:443", []string{"192.0.2.1"}, "192.0.2.1"},
		{"mapped IPv4 peer", "[::ffff:10.1.2.3]:443", []string{"192.0.2.1"}, "192.0.2.1"},
		{"garbage hop stops at the proxy that wrote it", "10.1.2.3:443", []string{"192.0.2.1, unknown"}, "10.1.2.3"},
		{"only trusted hops: the farthest", "10.1.2.3:443", []string{"10.7.7.7"}, "10.7.7.7"},
		{"trusted peer without header", "10.1.2.3:443", nil, "10.1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			if got := r.Client(req).String(); got != tt.client {
				t.Errorf("client %s, want %s", got, tt.client)
			}
		})
	}
	var none clientaddr.Resolver
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.1.2.3:443"
	req.Header.Set("X-Forwarded-For", "192.0.2.1")
	if got := none.Client(req).String(); got != "10.1.2.3" {
		t.Errorf("the zero Resolver believed the header: %s", got)
	}
}

func TestKey(t *testing.T) {
	tests := map[string]string{
		"192.0.2.1":              "192.0.2.1",
		"::ffff:192.0.2.1":       "192.0.2.1",
		"2001:db8:1:2:aaaa::1":   "2001:db8:1:2::/64",
		"2001:db8:1:2:bbbb::999": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":        "2001:db8:1:3::/64",
		"fe80::1%eth0":           "fe80::/64",
	}
	for in, want := range tests {
		if got := clientaddr.Key(netip.MustParseAddr(in)); got != want {
			t.Errorf("Key(%s) = %s, want %s", in, got, want)
		}
	}
	if got := clientaddr.Key(netip.Addr{}); got != "unknown" {
		t.Errorf("Key(zero) = %s", got)
	}
}
