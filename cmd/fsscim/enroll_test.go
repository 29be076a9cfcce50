package main

import (
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/proxy/proxytest"
)

func TestEnrollPrintsASealedOneTimeLink(t *testing.T) {
	key, keys := proxytest.NewKeys(t)
	dir := tenantsDir(t, "acme.freshservice.com")
	code, out, errOut := runCmd(t, "", map[string]string{config.EnvTokenKeys: key},
		"enroll", "--domain", "Acme.Freshservice.com", "--tenants", dir, "--url", "https://scim.example.com/", "--ttl", "48h")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	link := strings.TrimSpace(out)
	sealed, ok := strings.CutPrefix(link, "https://scim.example.com/app/enroll/")
	if !ok {
		t.Fatalf("link %q", link)
	}
	l, err := keys.OpenLink(sealed)
	if err != nil {
		t.Fatalf("the printed link does not open: %v", err)
	}
	if l.Domain != "acme.freshservice.com" || l.PublicURL != "https://scim.example.com" || l.ID == "" {
		t.Fatalf("link carries %+v", l)
	}
	if left := time.Until(l.Expires); left < 47*time.Hour || left > 48*time.Hour {
		t.Fatalf("link expires in %s, want 48h", left)
	}
}

func TestEnrollRefusesMissingInput(t *testing.T) {
	key, _ := config.NewKey()
	dir := tenantsDir(t, "a.freshservice.com")
	withKeys := map[string]string{config.EnvTokenKeys: key}
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no url", []string{"enroll", "--domain", "a.freshservice.com", "--tenants", dir}, withKeys, "--url is required"},
		{"bad url", []string{"enroll", "--domain", "a.freshservice.com", "--tenants", dir, "--url", "scim.example.com"}, withKeys, "not an http(s) address"},
		{"ttl too long", []string{"enroll", "--domain", "a.freshservice.com", "--tenants", dir, "--url", "https://x.example", "--ttl", "800h"}, withKeys, "between 1m and 720h"},
		{"no tenant file", []string{"enroll", "--domain", "b.freshservice.com", "--tenants", dir, "--url", "https://x.example"}, withKeys, "no tenant file in " + dir + " names b.freshservice.com"},
		{"no server keys", []string{"enroll", "--domain", "a.freshservice.com", "--tenants", dir, "--url", "https://x.example"}, nil, "fsscim token new-key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", tt.env, tt.args...)
			if code == 0 || out != "" {
				t.Fatalf("exit %d, out %q; want a failure and no link", code, out)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Fatalf("stderr %q lacks %q", errOut, tt.want)
			}
		})
	}
}
