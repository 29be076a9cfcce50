package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/config/configtest"
	"github.com/fsscim/fsscim/proxy/proxytest"
)

// checkFolder runs `fsscim check` on a folder holding files, with the given flags and environment.
func checkFolder(t *testing.T, files map[string]string, environ map[string]string, flags ...string) (code int, stdout, stderr string) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		configtest.WriteTenant(t, dir, name, body)
	}
	var out, errOut bytes.Buffer
	code = run(context.Background(), append([]string{"check", "--tenants", dir}, flags...), nil, &out, &errOut, env(environ))
	return code, out.String(), errOut.String()
}

// TestCheckRefusesHostsThatAreNotFreshserviceAccounts: a tenant's domain is where its API key goes;
// check refuses any host that is not a Freshservice account, each with its fix.
func TestCheckRefusesHostsThatAreNotFreshserviceAccounts(t *testing.T) {
	files := map[string]string{
		"metadata.yaml": "domain: 169.254.169.254\n",
		"local.yaml":    "domain: localhost\n",
		"short.yaml":    "domain: acme\n",
		"evil.yaml":     "domain: evil.example.net\n",
		"good.yaml":     "domain: good.freshservice.com\n",
	}
	code, _, errOut := checkFolder(t, files, nil)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	wantSays(t, "check", errOut,
		"metadata.yaml:1: domain: \"169.254.169.254\" is an IP address",
		"local.yaml:1: domain: \"localhost\" is this machine",
		"short.yaml:1: domain: \"acme\" is a single name; use the account's full host name, domain: acme.freshservice.com",
		"evil.yaml:1: domain: \"evil.example.net\" is not a Freshservice account's host name; use <account>.freshservice.com",
	)
	if strings.Contains(errOut, "good.yaml") {
		t.Errorf("the good file is reported: %s", errOut)
	}

	// A server that allows another suffix checks files by the same rule.
	regional := map[string]string{"acme.yaml": "domain: acme.freshservice.example\n"}
	if code, _, errOut := checkFolder(t, regional, nil); code != 1 || !strings.Contains(errOut, "--allowed-domain-suffixes") {
		t.Errorf("another suffix without the flag: exit %d: %s", code, errOut)
	}
	if code, out, errOut := checkFolder(t, regional, nil, "--allowed-domain-suffixes", "freshservice.example"); code != 0 || !strings.Contains(out, "acme.freshservice.example") {
		t.Errorf("another suffix with the flag: exit %d: %s%s", code, out, errOut)
	}
	if code, _, errOut := checkFolder(t, regional, map[string]string{"FSSCIM_ALLOWED_DOMAIN_SUFFIXES": "freshservice.example"}); code != 0 {
		t.Errorf("another suffix from the environment: exit %d: %s", code, errOut)
	}
}

// TestCheckFollowsAPIURLOnlyWhenAllowed: check applies serve's --allow-api-url rule.
func TestCheckFollowsAPIURLOnlyWhenAllowed(t *testing.T) {
	files := map[string]string{"acme.yaml": "domain: acme.freshservice.com\napi_url: http://127.0.0.1:9000/api/v2\n"}
	code, _, errOut := checkFolder(t, files, nil)
	if code != 1 || !strings.Contains(errOut, "acme.yaml:2: api_url: is set, but this fsscim does not follow api_url") ||
		!strings.Contains(errOut, "--allow-api-url") {
		t.Fatalf("without the allowance: exit %d: %s", code, errOut)
	}
	if code, _, errOut := checkFolder(t, files, nil, "--allow-api-url"); code != 0 {
		t.Errorf("with --allow-api-url: exit %d: %s", code, errOut)
	}
	if code, _, errOut := checkFolder(t, files, map[string]string{"FSSCIM_ALLOW_API_URL": "true"}); code != 0 {
		t.Errorf("with FSSCIM_ALLOW_API_URL=true: exit %d: %s", code, errOut)
	}
	metadata := map[string]string{"acme.yaml": "domain: acme.freshservice.com\napi_url: https://169.254.169.254/latest\n"}
	if code, _, errOut := checkFolder(t, metadata, nil, "--allow-api-url"); code != 1 || !strings.Contains(errOut, "link-local or cloud metadata") {
		t.Errorf("a metadata address with the allowance: exit %d: %s", code, errOut)
	}
}

// TestCheckRedactsWhatItQuotes: a token or credential pasted into the wrong key is quoted back by
// the problem's message; check's report goes through the log's redaction and does not print it.
func TestCheckRedactsWhatItQuotes(t *testing.T) {
	_, keys := proxytest.NewKeys(t)
	token := proxytest.Seal(t, keys, "acme.freshservice.com", "check-test-api-key")
	basic := base64.StdEncoding.EncodeToString([]byte("check-test-api-key:X"))
	files := map[string]string{
		"acme.yaml": "domain: acme.freshservice.com\nusers: {type: \"" + token + "\"}\n",
		"beta.yaml": "domain: beta.freshservice.com\ngroups: {target: \"Basic " + basic + "\"}\n",
	}
	code, _, errOut := checkFolder(t, files, nil)
	if code != 1 || !strings.Contains(errOut, "acme.yaml:2: users.type:") || !strings.Contains(errOut, "beta.yaml:2: groups.target:") {
		t.Fatalf("exit %d; want both problems named: %s", code, errOut)
	}
	for what, secret := range map[string]string{"bearer token": token, "Basic credential": basic} {
		if strings.Contains(errOut, secret) {
			t.Errorf("check printed the %s: %s", what, errOut)
		}
	}
}
