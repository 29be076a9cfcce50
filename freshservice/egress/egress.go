// Package egress decides where fsscim may send a request carrying a tenant's API key: never to a
// link-local address or a cloud metadata service, which hand out the machine's own credentials to
// whoever asks from it.
package egress

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
)

// ErrForbidden is the error of a dial refused by Control.
var ErrForbidden = errors.New("address refused: link-local or cloud metadata service")

// metadataNames are the host names cloud providers give their instance metadata services.
var metadataNames = map[string]bool{
	"metadata":                   true, // Google Cloud's short name
	"metadata.google.internal":   true,
	"metadata.goog":              true,
	"instance-data":              true, // AWS
	"instance-data.ec2.internal": true,
}

// metadataAddrs are metadata services outside the link-local ranges.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
}

// ForbiddenAddr reports whether addr is link-local (169.254.0.0/16, fe80::/10; every cloud's
// metadata service lives at 169.254.169.254) or a known metadata service address. IPv4 written as
// IPv6 (::ffff:169.254.169.254) is judged as IPv4.
func ForbiddenAddr(addr netip.Addr) bool {
	addr = addr.Unmap().WithZone("")
	if addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() {
		return true
	}
	for _, m := range metadataAddrs {
		if addr == m {
			return true
		}
	}
	return false
}

// ForbiddenHost says why a URL's host (as url.URL.Hostname gives it) must not be called, or "" when
// nothing is known against it. Names are judged as written; Control catches a name that resolves to
// a forbidden address.
func ForbiddenHost(host string) string {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if metadataNames[h] {
		return "a cloud metadata service"
	}
	if addr, err := netip.ParseAddr(h); err == nil {
		if ForbiddenAddr(addr) {
			return "a link-local or cloud metadata address"
		}
		return ""
	}
	// 2852039166, 0xa9fea9fe or 169.254.43518: numbers that some resolvers read as an IPv4 address
	// (here 169.254.169.254). No top-level domain is a number.
	labels := strings.Split(h, ".")
	if isNumber(labels[len(labels)-1]) {
		return "a number that is not a plain IP address"
	}
	return ""
}

// isNumber reports a decimal, or 0x hexadecimal, number.
func isNumber(s string) bool {
	digits := "0123456789"
	if rest, ok := strings.CutPrefix(s, "0x"); ok {
		s, digits = rest, "0123456789abcdef"
	}
	return s != "" && strings.Trim(s, digits) == ""
}

// Control is a net.Dialer Control function that refuses connections to forbidden addresses. It runs
// after name resolution, so a host name that resolves to a metadata service is refused too.
func Control(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return nil // not an IP: nothing to judge (Unix sockets)
	}
	if ForbiddenAddr(addr) {
		return fmt.Errorf("dial %s %s: %w", network, addr, ErrForbidden)
	}
	return nil
}
