// Package clientaddr names the client of a request: the peer of its connection or, when that peer is a
// trusted reverse proxy, the client the proxies name in X-Forwarded-For. From any other peer the
// header is the caller's own claim and is ignored: believing it would let a caller take a new address
// with every request, or speak in someone else's name. Limits count IPv6 clients per /64, the block
// one subscriber is usually given, so that a client cannot rotate through its own addresses.
package clientaddr

import (
	"net/http"
	"net/netip"
	"strings"
)

// Resolver names clients given the trusted proxies. The zero Resolver trusts none.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a Resolver that believes X-Forwarded-For only from peers in trusted.
func New(trusted []netip.Prefix) *Resolver {
	return &Resolver{trusted: append([]netip.Prefix(nil), trusted...)}
}

// Trusted reports whether addr is a trusted proxy.
func (r *Resolver) Trusted(addr netip.Addr) bool {
	addr = normalise(addr)
	for _, p := range r.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Client is the address of the client that sent req. It is the connection's peer unless the peer is
// a trusted proxy; then X-Forwarded-For is read from its end (the hop the nearest proxy added) towards
// its start, passing over trusted proxies: the first address that is not one is the client. A hop that
// does not parse ends the walk at the proxy that wrote it. The zero Addr means the peer's address does
// not parse, which a real connection never gives.
func (r *Resolver) Client(req *http.Request) netip.Addr {
	client := Peer(req.RemoteAddr)
	if !client.IsValid() || !r.Trusted(client) {
		return client
	}
	hops := forwardedFor(req.Header)
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = hop
		if !r.Trusted(hop) {
			break
		}
	}
	return client
}

// Peer parses a connection's remote address ("host:port", or a bare address).
func Peer(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return normalise(ap.Addr())
	}
	if a, err := netip.ParseAddr(remote); err == nil {
		return normalise(a)
	}
	return netip.Addr{}
}

// Key is the name limits count addr under: an IPv4 address itself, an IPv6 address its /64.
func Key(addr netip.Addr) string {
	addr = normalise(addr)
	switch {
	case !addr.IsValid():
		return "unknown"
	case addr.Is4():
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}

// forwardedFor lists the hops of every X-Forwarded-For header, in order.
func forwardedFor(h http.Header) []string {
	var hops []string
	for _, v := range h.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	return hops
}

// parseHop reads one X-Forwarded-For entry; some proxies add the client's port.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return normalise(a), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return normalise(ap.Addr()), true
	}
	return netip.Addr{}, false
}

// normalise judges IPv4 written as IPv6 (::ffff:192.0.2.1) as IPv4, and drops zones.
func normalise(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }
