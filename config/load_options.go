package config

import (
	"fmt"
	"net"
	"strings"
)

// FreshserviceSuffix is the host suffix of every Freshservice account: its API answers only at
// https://<account>.freshservice.com (custom domains do not serve the API).
const FreshserviceSuffix = "freshservice.com"

// LoadOptions are the server's own rules for tenant files, the same for every file: serve and check
// pass the ones the operator set.
type LoadOptions struct {
	// DomainSuffixes are host suffixes a tenant's domain may end in besides freshservice.com (see
	// ParseDomainSuffixes).
	DomainSuffixes []string
	// AllowAPIURL lets a tenant file's api_url replace https://<domain>/api/v2. It is for emulators and
	// test servers: without it a file that sets api_url is refused, so that a tenant file cannot send
	// an API key to a host of its own choosing.
	AllowAPIURL bool
}

// suffixes lists the allowed domain suffixes, freshservice.com first.
func (o LoadOptions) suffixes() []string {
	out := []string{FreshserviceSuffix}
	for _, s := range o.DomainSuffixes {
		if s = normaliseSuffix(s); s != "" && s != FreshserviceSuffix {
			out = append(out, s)
		}
	}
	return out
}

// ParseDomainSuffixes reads a comma-separated list of host suffixes such as "freshservice.example".
// Each needs at least two labels; IP addresses and localhost are refused.
func ParseDomainSuffixes(list string) ([]string, error) {
	var out []string
	for _, raw := range strings.Split(list, ",") {
		s := normaliseSuffix(raw)
		if s == "" {
			continue
		}
		switch {
		case net.ParseIP(s) != nil:
			return nil, fmt.Errorf("%q is an IP address, not a domain suffix; give suffixes such as freshservice.com", raw)
		case !isHostName(s):
			return nil, fmt.Errorf("%q is not a domain suffix; give suffixes such as freshservice.com, separated by commas", raw)
		case !strings.Contains(s, "."):
			return nil, fmt.Errorf("%q is a top-level domain; give a suffix of at least two names, such as freshservice.com", raw)
		case s == "localhost" || strings.HasSuffix(s, ".localhost"):
			return nil, fmt.Errorf("%q is this machine; give suffixes of Freshservice hosts, such as freshservice.com", raw)
		}
		out = append(out, s)
	}
	return out, nil
}

// normaliseSuffix accepts ".example.com" and "*.example.com" for "example.com".
func normaliseSuffix(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "*")
	return strings.TrimPrefix(s, ".")
}

// accountOf splits host into its account name and the allowed suffix it ends in; ok is false when
// host is not a single name followed by an allowed suffix.
func (o LoadOptions) accountOf(host string) (account, suffix string, ok bool) {
	for _, s := range o.suffixes() {
		if name, found := strings.CutSuffix(host, "."+s); found && name != "" {
			return name, s, !strings.Contains(name, ".")
		}
	}
	return "", "", false
}
