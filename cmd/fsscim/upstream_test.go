package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/config/configtest"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy/proxytest"
)

// TestServeSharesOneUpstreamConnectionAmongTenants runs `fsscim serve` with two tenants, each with its
// own API key, on one Freshservice host, and reads users through both in turn: every call after the
// first reuses the one connection, and the metric says so.
func TestServeSharesOneUpstreamConnectionAmongTenants(t *testing.T) {
	emu := freshservicetest.New(freshservicetest.Options{})
	emuSrv, opened := freshservicetest.NewCountingServer(emu)
	t.Cleanup(emuSrv.Close)
	user := emu.AddRequester(freshservice.User{FirstName: "Ada", LastName: "Lovelace", PrimaryEmail: "ada@example.com"})
	// Users are answered from the directory replica; a requester group's members are read from
	// Freshservice on every read of the group.
	group := emu.AddRequesterGroup("Analysts", false)
	if err := emu.AddRequesterGroupMember(group.ID, user.ID); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	f := &tenantFixture{emu: emu, tenants: filepath.Join(dir, "tenants"), data: filepath.Join(dir, "data")}
	if err := os.MkdirAll(f.tenants, 0o700); err != nil {
		t.Fatal(err)
	}
	var keys *config.Keyring
	f.key, keys = proxytest.NewKeys(t)
	audit.secret("the upstream test's server token key", f.key)
	var tokens []string
	for _, name := range []string{"acme", "beta"} {
		domain := name + ".freshservice.com"
		file := fmt.Sprintf("domain: %s\napi_url: %s/api/v2\n", domain, emuSrv.URL)
		configtest.WriteTenant(t, f.tenants, name+".yaml", file)
		apiKey := "upstream-test-" + name + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		emu.AddAPIKey(apiKey, true)
		token := proxytest.Seal(t, keys, domain, apiKey)
		audit.secret("the upstream test's API key", apiKey)
		audit.secret("the upstream test's bearer token", token)
		tokens = append(tokens, token)
	}
	s := serve(t, f, nil, "--listen", "127.0.0.1:0")

	const reads = 10
	emu.ResetCalls()
	for i := range reads {
		status, body := get(t, http.DefaultClient, s.base+"/scim/v2/Groups/"+strconv.FormatInt(group.ID, 10), tokens[i%2])
		if status != http.StatusOK || !strings.Contains(body, strconv.FormatInt(user.ID, 10)) {
			t.Fatalf("read %d through tenant %d: %d %s", i, i%2, status, body)
		}
	}
	if calls := len(emu.Calls()); calls < reads {
		t.Fatalf("Freshservice saw %d calls for %d reads", calls, reads)
	}
	if got := opened.Load(); got != 1 {
		t.Errorf("Freshservice saw %d connections for sequential calls of two tenants, want 1", got)
	}
	_, metrics := get(t, http.DefaultClient, s.admin+"/metrics", "")
	if !strings.Contains(metrics, "\nfsscim_freshservice_connections_opened_total 1\n") {
		t.Errorf("/metrics does not count one connection opened:\n%s", proxytest.GrepLines(metrics, "connections_opened"))
	}
}
