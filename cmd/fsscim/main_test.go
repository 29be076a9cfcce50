package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/config/configtest"
	"github.com/fsscim/fsscim/proxy/proxytest"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestDemoAnswersTestConnection runs the demo as a newcomer would and performs the printed curl
// command's request: Entra's Test Connection must get 200 and an empty ListResponse, a wrong token 401.
func TestDemoAnswersTestConnection(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"demo", "--listen", "127.0.0.1:0"}, strings.NewReader(""), pw, audit.tee(&stderr), env(nil))
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("demo exited %d; stderr:\n%s", code, stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("demo did not stop after cancel")
		}
	})

	var tenantURL, token, curl, adminURL string
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Tenant URL:"):
			tenantURL = strings.TrimSpace(strings.TrimPrefix(line, "Tenant URL:"))
		case strings.HasPrefix(line, "Secret Token:"):
			token = strings.TrimSpace(strings.TrimPrefix(line, "Secret Token:"))
		case strings.HasPrefix(line, "curl "):
			curl = line
		case strings.HasPrefix(line, "Admin URL:"):
			adminURL = strings.Fields(strings.TrimPrefix(line, "Admin URL:"))[0]
		}
		if strings.HasPrefix(line, "Press Ctrl-C") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if tenantURL == "" || token == "" || curl == "" {
		t.Fatalf("demo did not print Tenant URL, token and curl; stderr:\n%s", stderr.String())
	}
	audit.secret("the demo's bearer token", token)
	if !strings.HasPrefix(token, "fss1.") {
		t.Fatalf("token %q does not look like an fsscim token", token[:8])
	}
	// The curl command's URL, exactly as printed.
	m := regexp.MustCompile(`'(http[^']+)'`).FindStringSubmatch(curl)
	if m == nil || !strings.Contains(curl, "Authorization: Bearer "+token) {
		t.Fatalf("curl command is not usable: %s", curl)
	}
	get := func(url, auth string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("answer is not JSON: %v", err)
		}
		return resp.StatusCode, body
	}
	status, body := get(m[1], "Bearer "+token)
	if status != http.StatusOK {
		t.Fatalf("Test Connection: status %d, body %v", status, body)
	}
	if body["totalResults"] != float64(0) || len(body["Resources"].([]any)) != 0 {
		t.Fatalf("Test Connection: want an empty ListResponse, got %v", body)
	}
	if s, _ := body["schemas"].([]any); len(s) != 1 || s[0] != "urn:ietf:params:scim:api:messages:2.0:ListResponse" {
		t.Fatalf("Test Connection: schemas %v", body["schemas"])
	}
	status, body = get(m[1], "Bearer fss1.AAAAwrongtoken")
	if status != http.StatusUnauthorized || body["status"] != "401" || body["detail"] == "" {
		t.Fatalf("wrong token: status %d, body %v", status, body)
	}
	if s, _ := body["schemas"].([]any); len(s) != 1 || s[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Fatalf("wrong token: not a SCIM error: %v", body)
	}
	if !strings.HasPrefix(tenantURL, "http://127.0.0.1:") || !strings.HasSuffix(tenantURL, "/scim/v2") {
		t.Fatalf("Tenant URL %q", tenantURL)
	}
	// The printed admin URL answers readiness and metrics; the SCIM listener does not.
	for _, tt := range []struct {
		url    string
		status int
	}{{adminURL + "/readyz", 200}, {adminURL + "/metrics", 200}, {strings.TrimSuffix(tenantURL, "/scim/v2") + "/metrics", 404}} {
		resp, err := http.Get(tt.url)
		if err != nil {
			t.Fatalf("GET %s: %v", tt.url, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("GET %s: %d, want %d", tt.url, resp.StatusCode, tt.status)
		}
	}
}

// tenantsDir is a tenant folder holding one file per domain given.
func tenantsDir(t *testing.T, domains ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range domains {
		name := strings.SplitN(d, ".", 2)[0] + ".yaml"
		configtest.WriteTenant(t, dir, name, "domain: "+d+"\n")
	}
	return dir
}

func TestTokenIssueReadsKeyFromStdin(t *testing.T) {
	key, keys := proxytest.NewKeys(t)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"token", "issue", "--domain", "Acme.Freshservice.com", "--tenants", tenantsDir(t, "acme.freshservice.com")},
		strings.NewReader("  fs-api-key-123 \n"), &out, audit.tee(&errOut), env(map[string]string{config.EnvTokenKeys: key}))
	audit.secret("token issue's API key", "fs-api-key-123")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	claims, err := keys.Open(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("printed token does not open: %v", err)
	}
	if claims.Domain != "acme.freshservice.com" || claims.APIKey != "fs-api-key-123" {
		t.Fatalf("claims: domain %q, key trimmed=%v", claims.Domain, claims.APIKey == "fs-api-key-123")
	}
	if strings.Contains(errOut.String()+out.String(), "fs-api-key-123") {
		t.Fatal("the API key was printed")
	}
}

func TestTokenIssueRefusesMissingInput(t *testing.T) {
	key, _ := config.NewKey()
	dir := tenantsDir(t, "a.freshservice.com")
	withKeys := map[string]string{config.EnvTokenKeys: key}
	tests := []struct {
		name  string
		args  []string
		stdin string
		env   map[string]string
		want  string
	}{
		{"no domain", []string{"token", "issue", "--tenants", dir}, "k\n", withKeys, "--domain is required"},
		{"no key on stdin", []string{"token", "issue", "--domain", "a.freshservice.com", "--tenants", dir}, "", withKeys, "no API key on standard input"},
		{"no server keys", []string{"token", "issue", "--domain", "a.freshservice.com", "--tenants", dir}, "k\n", nil, "fsscim token new-key"},
		{"no tenant folder", []string{"token", "issue", "--domain", "a.freshservice.com"}, "k\n", withKeys, "--tenants is required"},
		{"no tenant file for the domain", []string{"token", "issue", "--domain", "b.freshservice.com", "--tenants", dir}, "k\n", withKeys,
			"no tenant file in " + dir + " names b.freshservice.com"},
		{"not a full host name", []string{"token", "issue", "--domain", "acme", "--tenants", dir}, "k\n", withKeys,
			"did you mean acme.freshservice.com?"},
		{"domain with a port", []string{"token", "issue", "--domain", "a.freshservice.com:443", "--tenants", dir}, "k\n", withKeys,
			"give only the host name: a.freshservice.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tt.args, strings.NewReader(tt.stdin), &out, &errOut, env(tt.env))
			if code == 0 {
				t.Fatalf("exit 0, want failure; out %q", out.String())
			}
			if !strings.Contains(errOut.String(), tt.want) {
				t.Fatalf("stderr %q does not say %q", errOut.String(), tt.want)
			}
		})
	}
}

func TestTokenNewKeyIsUsable(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"token", "new-key"}, nil, &out, &errOut, env(nil)); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if _, err := config.ParseKeys(strings.TrimSpace(out.String())); err != nil {
		t.Fatalf("new key does not parse: %v", err)
	}
}

func TestCheckListsProblems(t *testing.T) {
	dir := t.TempDir()
	good := "domain: acme.freshservice.com\n"
	bad := "domain: beta.freshservice.com\nusers:\n  on_delete: remove\n"
	configtest.WriteTenant(t, dir, "acme.yaml", good)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"check", "--tenants", dir}, nil, &out, &errOut, env(nil)); code != 0 {
		t.Fatalf("valid folder: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "acme.freshservice.com") {
		t.Fatalf("check output does not list the tenant: %s", out.String())
	}
	configtest.WriteTenant(t, dir, "beta.yaml", bad)
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"check", "--tenants", dir}, nil, &out, &errOut, env(nil)); code == 0 {
		t.Fatal("broken folder: exit 0")
	}
	wantSays(t, "check's message", errOut.String(), "beta.yaml", "on_delete", "forget")
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"demo", "--help"}, {"token", "--help"}, {"check", "--help"}, {"health", "--help"}, {"token", "issue", "--help"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, nil, &out, &errOut, env(nil)); code != 0 {
			t.Errorf("%v: exit %d", args, code)
		}
		if !strings.Contains(out.String()+errOut.String(), "Usage") {
			t.Errorf("%v: no usage text", args)
		}
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"version"}, nil, &out, io.Discard, env(nil)); code != 0 || !strings.HasPrefix(out.String(), "fsscim ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
}

func TestHealthProbesReadiness(t *testing.T) {
	ready := httptestServer(t, http.StatusOK)
	notReady := httptestServer(t, http.StatusServiceUnavailable)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"health", "--url", ready + "/readyz"}, nil, &out, &errOut, env(nil)); code != 0 {
		t.Fatalf("ready server: exit %d: %s", code, errOut.String())
	}
	if code := run(context.Background(), []string{"health", "--url", notReady + "/readyz"}, nil, &out, &errOut, env(nil)); code != 1 {
		t.Fatalf("unready server: exit %d, want 1", code)
	}
	if code := run(context.Background(), []string{"health", "--url", "http://127.0.0.1:1/readyz", "--timeout", "1s"}, nil, &out, &errOut, env(nil)); code != 1 {
		t.Fatalf("no server: exit %d, want 1", code)
	}
}

func httptestServer(t *testing.T, status int) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(s.Close)
	return s.URL
}
