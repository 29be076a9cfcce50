package config

import (
	"strings"
	"testing"

	"github.com/fsscim/fsscim/config/configtest"
)

// TestDomainMustBeAFreshserviceAccount: a tenant's domain is where its API key goes, so only the host
// of a Freshservice account passes; anything else is refused with the fix in the message.
func TestDomainMustBeAFreshserviceAccount(t *testing.T) {
	eu := LoadOptions{DomainSuffixes: []string{".freshservice.example"}}
	tests := []struct {
		name   string
		domain string
		opts   LoadOptions
		want   []string // substrings of the message; none means accepted
	}{
		{"account", "acme.freshservice.com", LoadOptions{}, nil},
		{"another host", "evil.example.net", LoadOptions{}, []string{"not a Freshservice account's host name",
			"use <account>.freshservice.com", "--allowed-domain-suffixes"}},
		{"metadata address", "169.254.169.254", LoadOptions{}, []string{"is an IP address", "use its host name", "--allow-api-url"}},
		{"loopback address", "127.0.0.1", LoadOptions{}, []string{"is an IP address"}},
		{"IPv6 address", "'[::1]'", LoadOptions{}, []string{"is an IP address"}},
		{"localhost", "localhost", LoadOptions{}, []string{"is this machine", "api_url"}},
		{"under localhost", "acme.localhost", LoadOptions{}, []string{"is this machine"}},
		{"single name", "acme", LoadOptions{}, []string{"single name", "domain: acme.freshservice.com"}},
		{"the suffix alone", "freshservice.com", LoadOptions{}, []string{"not a Freshservice account's host name"}},
		{"two names before the suffix", "eu.acme.freshservice.com", LoadOptions{}, []string{"more than one name before freshservice.com"}},
		{"suffix in the middle", "acme.freshservice.com.evil.net", LoadOptions{}, []string{"not a Freshservice account's host name"}},
		{"numeric names", "127.1", LoadOptions{}, []string{"not a Freshservice account's host name"}},
		{"other suffix not allowed", "acme.freshservice.example", LoadOptions{}, []string{"--allowed-domain-suffixes"}},
		{"other suffix allowed", "acme.freshservice.example", eu, nil},
		{"freshservice.com still allowed", "acme.freshservice.com", eu, nil},
		{"message lists the allowed suffixes", "evil.example.net", eu, []string{"freshservice.com, freshservice.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			configtest.WriteTenant(t, dir, "acme.yaml", "domain: "+tt.domain+"\n")
			set, err := LoadDir(dir, tt.opts)
			if len(tt.want) == 0 {
				if err != nil || set.Len() != 1 {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || set.Len() != 0 {
				t.Fatalf("accepted %s", tt.domain)
			}
			errs := fileErrors(t, err)
			if len(errs) != 1 || errs[0].Key != "domain" || errs[0].Line != 1 {
				t.Fatalf("want one problem at acme.yaml:1 domain, got %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message does not say %q: %v", w, err)
				}
			}
		})
	}
}

func TestParseDomainSuffixes(t *testing.T) {
	got, err := ParseDomainSuffixes(" freshservice.example, *.Fs.Example.Org ,.fs.example.net,")
	if err != nil || strings.Join(got, " ") != "freshservice.example fs.example.org fs.example.net" {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{"com", "10.0.0.1", "localhost", "a.localhost", "exa mple.com", "https://fs.example.com"} {
		if _, err := ParseDomainSuffixes(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
