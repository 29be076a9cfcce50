package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/config/configtest"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy/proxytest"
)

// TestTokenIssueNormalisesAndFindsTheTenant: the domain as an operator pastes it becomes the tenant
// key, and FSSCIM_TENANTS stands for --tenants.
func TestTokenIssueNormalisesAndFindsTheTenant(t *testing.T) {
	key, keys := proxytest.NewKeys(t)
	dir := tenantsDir(t, "acme.freshservice.com")
	code, out, errOut := runCmd(t, "fs-key-normalise\n", map[string]string{config.EnvTokenKeys: key, "FSSCIM_TENANTS": dir},
		"token", "issue", "--domain", " https://ACME.freshservice.com/a/ ")
	audit.secret("token issue's API key", "fs-key-normalise")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	claims, err := keys.Open(strings.TrimSpace(out))
	if err != nil || claims.Domain != "acme.freshservice.com" {
		t.Fatalf("token for %q (%v), want acme.freshservice.com", claims.Domain, err)
	}
	// A tenant that refuses tokens issued now would refuse this one too.
	configtest.WriteTenant(t, dir, "acme.yaml", "domain: acme.freshservice.com\ntokens_not_before: "+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+"\n")
	code, out, errOut = runCmd(t, "fs-key-normalise\n", map[string]string{config.EnvTokenKeys: key, "FSSCIM_TENANTS": dir},
		"token", "issue", "--domain", "acme.freshservice.com")
	if code == 0 || out != "" || !strings.Contains(errOut, "tokens_not_before") {
		t.Fatalf("tokens_not_before in the future: exit %d, out %q, err %q", code, out, errOut)
	}
}

// TestTokenIssueVerifiesTheKey: with --verify the key is checked with Freshservice (at the tenant's
// api_url) before any token is printed: a key it refuses, or one of an agent who is not an account
// admin, gets no token.
func TestTokenIssueVerifiesTheKey(t *testing.T) {
	emu, emuSrv := freshservicetest.NewServer(freshservicetest.Options{})
	t.Cleanup(emuSrv.Close)
	emu.AddAPIKey("verify-admin-key", true)
	emu.AddAPIKey("verify-agent-key", false)
	for _, k := range []string{"verify-admin-key", "verify-agent-key", "verify-unknown-key"} {
		audit.secret("token issue --verify's API key", k)
	}
	dir := t.TempDir()
	configtest.WriteTenant(t, dir, "acme.yaml", "domain: acme.freshservice.com\napi_url: "+emuSrv.URL+"/api/v2\n")
	key, _ := config.NewKey()
	// The tenant reaches the emulator through api_url: without serve's allowance its file is refused,
	// and so is the token, before Freshservice is asked.
	code, out, errOut := runCmd(t, "verify-admin-key\n", map[string]string{config.EnvTokenKeys: key},
		"token", "issue", "--domain", "acme.freshservice.com", "--tenants", dir, "--verify")
	if code != 1 || out != "" || !strings.Contains(errOut, "needs serve --allow-api-url") {
		t.Fatalf("api_url without the allowance: exit %d, out %q, err %q", code, out, errOut)
	}
	if n := len(emu.Calls()); n != 0 {
		t.Fatalf("Freshservice was asked %d times for a tenant file serve would refuse", n)
	}
	envm := map[string]string{config.EnvTokenKeys: key, "FSSCIM_ALLOW_API_URL": "true"}
	tests := []struct {
		name, apiKey string
		ok           bool
		say          string
	}{
		{"account admin", "verify-admin-key", true, "is an account admin"},
		{"plain agent", "verify-agent-key", false, "is not an account admin"},
		{"unknown key", "verify-unknown-key", false, "refused by Freshservice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, tt.apiKey+"\n", envm, "token", "issue", "--domain", "acme.freshservice.com", "--tenants", dir, "--verify")
			if (code == 0) != tt.ok || !strings.Contains(errOut, tt.say) {
				t.Fatalf("exit %d, stderr %q; want success %v saying %q", code, errOut, tt.ok, tt.say)
			}
			if !tt.ok && out != "" {
				t.Fatalf("a token was printed for a key that failed the check: %q", out)
			}
			if strings.Contains(out+errOut, tt.apiKey) {
				t.Fatal("the API key was printed")
			}
		})
	}
	if n := len(emu.Calls()); n == 0 {
		t.Fatal("Freshservice was never asked")
	}
}

// TestCheckOnTheFolder: an empty folder fails, FSSCIM_TENANTS stands for --tenants, settings that
// change what fsscim does to Freshservice are pointed out, and a tab in the indentation is named at
// its line.
func TestCheckOnTheFolder(t *testing.T) {
	empty := t.TempDir()
	code, _, errOut := runCmd(t, "", map[string]string{"FSSCIM_TENANTS": empty}, "check")
	if code != 1 || !strings.Contains(errOut, "no tenant file (*.yaml, *.yml) in "+empty) {
		t.Fatalf("empty folder: exit %d, %q", code, errOut)
	}

	dir := t.TempDir()
	configtest.WriteTenant(t, dir, "acme.yaml", "domain: acme.freshservice.com\ndry_run: true\napi_url: https://fs.example.com/api/v2\nusers:\n  on_delete: forget\n")
	configtest.WriteTenant(t, dir, "plain.yaml", "domain: plain.freshservice.com\n")
	code, out, errOut := runCmd(t, "", map[string]string{"FSSCIM_TENANTS": dir, "FSSCIM_ALLOW_API_URL": "true"}, "check")
	if code != 0 {
		t.Fatalf("valid folder: exit %d: %s", code, errOut)
	}
	acme, plain, _ := strings.Cut(out, "plain.yaml")
	wantSays(t, "check on acme.yaml", acme, "! dry_run: true", "! api_url: https://fs.example.com/api/v2", "instead of https://acme.freshservice.com/api/v2",
		"! users.on_delete: forget", "deleted from Freshservice for good")
	if strings.Contains(plain, "!") {
		t.Errorf("a tenant with the defaults is pointed out:\n%s", out)
	}

	configtest.WriteTenant(t, dir, "tabs.yaml", "domain: tabs.freshservice.com\nusers:\n  type: agent\n\ton_delete: forget\n")
	code, out, errOut = runCmd(t, "", nil, "check", "--tenants", dir, "--allow-api-url")
	if code != 1 || !strings.Contains(errOut, "tabs.yaml:4: indented with a tab") {
		t.Fatalf("tab: exit %d, %q", code, errOut)
	}
	if !strings.Contains(out, "acme.freshservice.com") {
		t.Errorf("the valid tenants are not listed beside the problem:\n%s", out)
	}
}

// probeFixture is a tenant folder of three tenants on one emulated account, with an account admin's
// key and a plain agent's.
type probeFixture struct {
	dir, key           string // tenant folder, server token key
	adminKey, plainKey string
	adminToken         string // acme's token
}

func newProbeFixture(t *testing.T) *probeFixture {
	t.Helper()
	emu, emuSrv := freshservicetest.NewServer(freshservicetest.Options{
		CustomFields: []freshservicetest.CustomField{{Name: "cost_center", Type: freshservicetest.CustomText}}})
	t.Cleanup(emuSrv.Close)
	p := &probeFixture{dir: t.TempDir(), adminKey: "probe-admin-key-51f2", plainKey: "probe-agent-key-9c0d"}
	emu.AddAPIKey(p.adminKey, true)
	emu.AddAPIKey(p.plainKey, false)
	emu.AddDepartment("Sales")
	emu.AddDepartment("IT")
	emu.AddLocation("London")
	// The tenants reach the emulator through api_url, which check follows with --allow-api-url.
	api := "api_url: " + emuSrv.URL + "/api/v2\n"
	configtest.WriteTenant(t, p.dir, "acme.yaml", "domain: acme.freshservice.com\n"+api+"departments: {create_missing: true}\nattributes: {costCenter: cost_center}\n")
	configtest.WriteTenant(t, p.dir, "beta.yaml", "domain: beta.freshservice.com\n"+api+"attributes: {region: region_code}\n")
	configtest.WriteTenant(t, p.dir, "gamma.yaml", "domain: gamma.freshservice.com\n"+api)
	var keys *config.Keyring
	p.key, keys = proxytest.NewKeys(t)
	p.adminToken = proxytest.Seal(t, keys, "acme.freshservice.com", p.adminKey)
	for what, v := range map[string]string{"a probe test's admin key": p.adminKey, "a probe test's agent key": p.plainKey,
		"a probe test's token": p.adminToken, "a probe test's server key": p.key} {
		audit.secret(what, v)
	}
	return p
}

func (p *probeFixture) credentials(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	return configtest.WriteSecret(t, filepath.Join(t.TempDir(), "credentials"), content, mode)
}

// TestCheckProbe: check --probe asks Freshservice about each tenant it has a token or key for: the
// key and its owner's role, departments, locations and the mapped custom fields, one line each; a
// tenant without a credential is skipped, and no key or token is ever printed.
func TestCheckProbe(t *testing.T) {
	p := newProbeFixture(t)
	withKeys := map[string]string{config.EnvTokenKeys: p.key}
	creds := "# acme's token as issued, beta's key as the customer gave it\n" + p.adminToken + "\n\nbeta.freshservice.com " + p.plainKey + "\n"

	code, out, errOut := runCmd(t, "", withKeys, "check", "--tenants", p.dir, "--allow-api-url", "--probe", "--credentials", p.credentials(t, creds, 0o440))
	if code != 1 {
		t.Fatalf("exit %d, want 1 (beta fails):\n%s%s", code, out, errOut)
	}
	wantSays(t, "probe output", out,
		"probe acme.freshservice.com (acme.yaml)",
		"ok    key: works; its owner API Key 1",
		"is an account admin",
		"ok    departments: 2 in Freshservice; a name Freshservice does not know is created (departments.create_missing: true)",
		"ok    locations: 1 in Freshservice; a name Freshservice does not know is refused",
		"ok    requester custom field of attributes.costCenter: cost_center",
		"probe beta.freshservice.com (beta.yaml)",
		"FAIL  key: works, but its owner API Key 2",
		"FAIL  requester custom field of attributes.region: region_code is not a custom requester field in Freshservice; its custom fields are cost_center",
		"skip  gamma.freshservice.com (gamma.yaml): no token or API key given",
	)
	for _, secret := range []string{p.adminKey, p.plainKey, p.adminToken} {
		if strings.Contains(out+errOut, secret) {
			t.Fatal("a credential was printed")
		}
	}

	// Only acme, from standard input: everything passes.
	code, out, errOut = runCmd(t, p.adminToken+"\n", withKeys, "check", "--tenants", p.dir, "--allow-api-url", "--probe")
	if code != 0 || !strings.Contains(out, "probe acme.freshservice.com") {
		t.Fatalf("acme from standard input: exit %d\n%s%s", code, out, errOut)
	}

	for _, tt := range []struct {
		name, creds string
		mode        os.FileMode
		env         map[string]string
		say         string
	}{
		{"credentials readable by others", creds, 0o644, withKeys, "chmod 600"},
		{"a line that is no credential", p.adminToken + "\nthis is not right\n", 0o600, withKeys,
			`credentials line 2: neither a token (fss1.…) nor "<domain> <api key>"`},
		{"a domain without a tenant", "delta.freshservice.com " + p.adminKey + "\n", 0o600, withKeys,
			"credentials line 1: no valid tenant file names delta.freshservice.com"},
		{"a token without the server keys", p.adminToken + "\n", 0o600, nil, "credentials line 1: a token, and opening it needs the server keys"},
		{"a key Freshservice refuses", "gamma.freshservice.com probe-unknown-key-00\n", 0o600, withKeys, "FAIL  key: refused by Freshservice (401)"},
		{"nothing to probe", "# none yet\n", 0o600, withKeys, "nothing probed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", tt.env, "check", "--tenants", p.dir, "--allow-api-url", "--probe", "--credentials", p.credentials(t, tt.creds, tt.mode))
			if code != 1 || !strings.Contains(out+errOut, tt.say) {
				t.Fatalf("exit %d, want 1 saying %q:\n%s%s", code, tt.say, out, errOut)
			}
			if strings.Contains(out+errOut, "this is not right") || strings.Contains(out+errOut, p.adminKey) {
				t.Fatal("a credentials line was repeated")
			}
		})
	}
}
