package config

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// NormaliseDomain turns what an operator types for a Freshservice account into the tenant's key:
// lower case, without scheme, path or trailing dot ("https://Acme.freshservice.com/" becomes
// acme.freshservice.com). It refuses what is not a full host name, saying what to write instead.
func NormaliseDomain(raw string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(raw))
	if d == "" {
		return "", errors.New("the domain is empty; give the account's host name, e.g. acme.freshservice.com")
	}
	if _, rest, ok := strings.Cut(d, "://"); ok {
		d = rest
	}
	d, _, _ = strings.Cut(d, "/")
	if strings.Contains(d, "@") {
		// Not repeated: the part before '@' may be a credential.
		return "", errors.New("the domain holds a user name or password; give only the host name, e.g. acme.freshservice.com")
	}
	if h, port, err := net.SplitHostPort(d); err == nil && port != "" {
		return "", fmt.Errorf("%q has a port; give only the host name: %s", raw, h)
	}
	d = strings.TrimSuffix(d, ".")
	if !isHostName(d) {
		return "", fmt.Errorf("%q is not a host name; give the account's host name, e.g. acme.freshservice.com", raw)
	}
	if !strings.Contains(d, ".") {
		return "", fmt.Errorf("%q is not a full host name; did you mean %s.freshservice.com?", raw, d)
	}
	return d, nil
}
