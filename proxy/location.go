package proxy

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fsscim/fsscim/proxy/clientaddr"
)

// scimRoot is where the SCIM endpoints are served.
const scimRoot = "/scim/v2"

// scimBase is the absolute URI of the SCIM root the request reached, scheme://host/scim/v2, for the
// Location header and meta.location, which RFC 7644 §3.1 and §3.3 want absolute. The scheme is https
// on a TLS connection, or what a trusted proxy (--trusted-proxies) names in X-Forwarded-Proto, since a
// proxy that terminates TLS talks plain HTTP to fsscim; from any other peer the header is ignored. The
// host is the request's Host. A Host that is not a plain host[:port] gives "", and locations are then
// relative to the SCIM root.
func scimBase(r *http.Request, proxies *clientaddr.Resolver) string {
	host := r.Host
	if !plainHost(host) {
		return ""
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	} else if peer := clientaddr.Peer(r.RemoteAddr); peer.IsValid() && proxies.Trusted(peer) {
		// The nearest proxy's own value comes last when proxies append to the header.
		values := strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")
		switch p := strings.ToLower(strings.TrimSpace(values[len(values)-1])); p {
		case "http", "https":
			scheme = p
		}
	}
	return scheme + "://" + host + scimRoot
}

// plainHost reports whether h is a host name or address with an optional port, and nothing else that
// could change the meaning of a URI it is put in.
func plainHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '.', r == '-', r == ':', r == '[', r == ']':
		default:
			return false
		}
	}
	return true
}

// resourceLocation is a resource's URI: absolute under base, or relative to the SCIM root without one.
func resourceLocation(base, endpoint, id string) string {
	loc := endpoint + "/" + url.PathEscape(id)
	if base == "" {
		return loc
	}
	return base + "/" + loc
}
