package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config/configtest"
	"github.com/fsscim/fsscim/proxy/proxytest"
)

// TestServeRefusesTenantFilesThatAimElsewhere: serve applies the same host rules as check. Without
// --allow-api-url the fixture's tenant, which names the emulator in api_url, is not served (its token
// gets 401 and nothing reaches the emulator), and a file naming a metadata address is refused; the
// log says why and what to do.
func TestServeRefusesTenantFilesThatAimElsewhere(t *testing.T) {
	f := newTenantFixture(t)
	configtest.WriteTenant(t, f.tenants, "meta.yaml", "domain: 169.254.169.254\n")
	s := serve(t, f, map[string]string{"FSSCIM_ALLOW_API_URL": ""}, "--listen", "127.0.0.1:0")
	if status, body := get(t, http.DefaultClient, s.base+testConnectionPath, f.token); status != http.StatusUnauthorized {
		t.Fatalf("a tenant reached through api_url without --allow-api-url: %d %s", status, body)
	}
	if n := len(f.emu.Calls()); n != 0 {
		t.Fatalf("the emulator named in api_url received %d calls", n)
	}
	wantSays(t, "the log", s.logs.String(), "acme.yaml:2: api_url: is set, but this fsscim does not follow api_url", "--allow-api-url",
		`meta.yaml:1: domain: \"169.254.169.254\" is an IP address`)
}

// TestServeBelievesForwardingHeadersOnlyFromTrustedProxies: --trusted-proxies reaches the server; the
// access log names the client a trusted proxy forwards for, and the peer otherwise. The admin
// listener, which no proxy fronts, always names the peer. (Probe requests log at debug, hence
// --log-level debug.)
func TestServeBelievesForwardingHeadersOnlyFromTrustedProxies(t *testing.T) {
	for _, tt := range []struct {
		name   string
		args   []string
		remote string
	}{
		{"no trusted proxy", nil, "127.0.0.1"},
		{"loopback trusted", []string{"--trusted-proxies", "127.0.0.1"}, "203.0.113.9"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newTenantFixture(t)
			s := serve(t, f, nil, append([]string{"--listen", "127.0.0.1:0", "--log-level", "debug"}, tt.args...)...)
			for _, url := range []string{s.base + "/healthz", s.admin + "/readyz"} {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("X-Forwarded-For", "203.0.113.9")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			// logLine finds the line of msg for path, or fails.
			logLine := func(msg, path string) string {
				for _, line := range strings.Split(s.logs.String(), "\n") {
					if strings.Contains(line, `"msg":"`+msg+`"`) && strings.Contains(line, `"path":"`+path+`","status":200,`) {
						return line
					}
				}
				t.Fatalf("no %q line for %s:\n%s", msg, path, s.logs.String())
				return ""
			}
			if line := logLine("request", "/healthz"); !strings.Contains(line, `"remote":"`+tt.remote+`"`) {
				t.Errorf("access log %s, want remote %s", line, tt.remote)
			}
			if line := logLine("admin request", "/readyz"); !strings.Contains(line, `"remote":"127.0.0.1:`) {
				t.Errorf("admin access log %s, want the peer 127.0.0.1", line)
			}
		})
	}
}

// TestServeRevocationFailsClosed: a running fsscim whose tenant file gets a tokens_not_before that
// does not parse refuses that tenant's tokens, with a 401 that says who must act, an error in the log
// and fsscim_tenant_tokens_refused at 1, until the file is fixed.
func TestServeRevocationFailsClosed(t *testing.T) {
	f := newTenantFixture(t)
	s := serve(t, f, nil, "--listen", "127.0.0.1:0")
	file := filepath.Join(f.tenants, "acme.yaml")
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if status, body := get(t, http.DefaultClient, s.base+testConnectionPath, f.token); status != http.StatusOK {
		t.Fatalf("before: %d %s", status, body)
	}
	refused := func() float64 {
		_, body := get(t, http.DefaultClient, s.admin+"/metrics", "")
		for _, line := range strings.Split(body, "\n") {
			if v, ok := strings.CutPrefix(line, "fsscim_tenant_tokens_refused "); ok {
				n, _ := strconv.ParseFloat(v, 64)
				return n
			}
		}
		t.Fatal("no fsscim_tenant_tokens_refused in /metrics")
		return 0
	}
	if n := refused(); n != 0 {
		t.Fatalf("fsscim_tenant_tokens_refused = %v before the typo", n)
	}

	configtest.ReplaceFile(t, file, append(append([]byte{}, good...), "tokens_not_before: 2025-06-31T09:00:00Z\n"...))
	var body string
	configtest.Eventually(t, "the token to be refused", func() bool {
		var status int
		status, body = get(t, http.DefaultClient, s.base+testConnectionPath, f.token)
		return status == http.StatusUnauthorized
	})
	if !strings.Contains(body, "refused until the fsscim administrator corrects tokens_not_before") {
		t.Errorf("the 401 does not say who must act: %s", body)
	}
	if n := refused(); n != 1 {
		t.Errorf("fsscim_tenant_tokens_refused = %v, want 1", n)
	}
	if !strings.Contains(s.logs.String(), "every token of this tenant is refused") {
		t.Errorf("the log does not say the tokens are refused:\n%s", s.logs.String())
	}

	configtest.ReplaceFile(t, file, append(append([]byte{}, good...), "tokens_not_before: 2020-06-30T09:00:00Z\n"...))
	configtest.Eventually(t, "the token to pass again", func() bool {
		status, _ := get(t, http.DefaultClient, s.base+testConnectionPath, f.token)
		return status == http.StatusOK
	})
	if n := refused(); n != 0 {
		t.Errorf("fsscim_tenant_tokens_refused = %v after the fix, want 0", n)
	}
}

// TestServeCapsConnectionsPerAddress: against a running fsscim with --max-connections-per-address 2,
// a third connection from one address is closed unanswered while another address still connects, and
// /metrics counts the refusal. The admin listener is not capped: probes from the capped address are
// still answered.
func TestServeCapsConnectionsPerAddress(t *testing.T) {
	f := newTenantFixture(t)
	s := serve(t, f, nil, "--listen", "127.0.0.1:0", "--max-connections-per-address", "2")
	addr := strings.TrimPrefix(s.base, "http://")
	// healthz sends GET /healthz on a kept-alive connection from local and returns the status, or an
	// error when the server closed the connection without answering.
	healthz := func(local string) (net.Conn, int, error) {
		c := proxytest.DialFrom(t, local, addr)
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: fsscim\r\n\r\n"); err != nil {
			return c, 0, err
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return c, 0, err
		}
		resp.Body.Close()
		return c, resp.StatusCode, nil
	}
	for i := range 2 {
		if _, status, err := healthz("127.0.0.1"); err != nil || status != http.StatusOK {
			t.Fatalf("connection %d from 127.0.0.1: %d %v", i+1, status, err)
		}
	}
	if _, status, err := healthz("127.0.0.1"); err == nil {
		t.Fatalf("connection 3 from 127.0.0.1 was answered %d with a cap of 2", status)
	}
	if _, status, err := healthz("127.0.0.2"); err != nil || status != http.StatusOK {
		t.Fatalf("another address while 127.0.0.1 is at its cap: %d %v", status, err)
	}
	// The two connections from 127.0.0.1 are still open; the admin listener answers that address.
	admin := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
		Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1")}}).DialContext}}
	t.Cleanup(admin.CloseIdleConnections)
	if status, body := get(t, admin, s.admin+"/readyz", ""); status != http.StatusOK {
		t.Errorf("admin /readyz from the capped address: %d %s", status, body)
	}
	status, metrics := get(t, admin, s.admin+"/metrics", "")
	if status != http.StatusOK || !strings.Contains(metrics, `fsscim_connection_limit_hits_total{limit="per_address"} 1`) {
		t.Errorf("/metrics does not count the refused connection: %d\n%s", status, proxytest.GrepLines(metrics, "fsscim_connection_limit"))
	}
}
