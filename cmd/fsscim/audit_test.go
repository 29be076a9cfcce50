package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/config/configtest"
	auditlog "github.com/fsscim/fsscim/store/audit"
	"github.com/fsscim/fsscim/store/redistest"
)

// TestAuditCommand runs `fsscim serve` with an admin token, creates a user through SCIM and reads the
// trail back with `fsscim audit`: as a table, as JSON, filtered by user, and refused without the
// right admin token. A single fsscim keeps the trail in a file of its data dir, which holds no
// secret; replicas sharing Redis keep it there.
func TestAuditCommand(t *testing.T) {
	t.Run("bbolt", func(t *testing.T) { testAuditCommand(t, "") })
	t.Run("redis", func(t *testing.T) {
		rds := redistest.Start(t)
		testAuditCommand(t, rds.URL())
		n, err := rds.Client().Exists(context.Background(), "fsscim:{acme.freshservice.com}:audit").Result()
		if err != nil || n != 1 {
			t.Errorf("the trail is not in Redis: %d, %v", n, err)
		}
	})
}

func testAuditCommand(t *testing.T, redisURL string) {
	f := newTenantFixture(t)
	const adminToken = "audit-admin-token-0123456789abcdefghijklmnop"
	audit.secret("a test's admin token", adminToken)
	tokenFile := filepath.Join(t.TempDir(), "admin-token")
	configtest.WriteSecret(t, tokenFile, adminToken+"\n", 0o600)
	flags := []string{"--listen", "127.0.0.1:0", "--admin-token-file", tokenFile}
	if redisURL != "" {
		flags = append(flags, "--redis-url", redisURL)
	}
	s := serve(t, f, nil, flags...)
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"maria@contoso.com","active":true,` +
		`"name":{"givenName":"Maria","familyName":"Garcia"},"emails":[{"type":"work","value":"maria@contoso.com","primary":true}]}`
	req := newRequest(t, http.MethodPost, s.base+"/scim/v2/Users", f.token, strings.NewReader(body))
	req.Header.Set("X-Request-Id", "entra-req-42")
	if status, answer := do(t, http.DefaultClient, req); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, answer)
	}

	args := func(extra ...string) []string {
		return append([]string{"audit", "--domain", "acme.freshservice.com", "--admin-url", s.admin}, extra...)
	}
	envm := map[string]string{"FSSCIM_ADMIN_TOKEN_FILE": tokenFile}

	code, out, errOut := runCmd(t, "", envm, args("--since", "1h")...)
	if code != 0 {
		t.Fatalf("fsscim audit: exit %d\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "TIME") || !strings.Contains(lines[0], "REQUEST ID") {
		t.Fatalf("table:\n%s", out)
	}
	wantSays(t, "the table line", lines[1], " create ", "maria@contoso.com #", "first_name=Maria", "last_name=Garcia", "primary_email=maria@contoso.com", " 201 ", "entra-req-42")

	code, out, errOut = runCmd(t, "", envm, args("--json", "--user", "MARIA@contoso.com")...)
	if code != 0 {
		t.Fatalf("fsscim audit --json: exit %d\n%s", code, errOut)
	}
	var entries []auditlog.Entry
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, out)
	}
	if len(entries) != 1 || entries[0].Operation != auditlog.Create || entries[0].Method != http.MethodPost ||
		entries[0].Path != "/scim/v2/Users" || entries[0].RequestID != "entra-req-42" || entries[0].Status != http.StatusCreated {
		t.Errorf("entries %+v", entries)
	}

	code, out, _ = runCmd(t, "", envm, args("--user", "bob@contoso.com")...)
	if code != 0 || !strings.Contains(out, "no audit entries for acme.freshservice.com match") {
		t.Errorf("another user: exit %d\n%s", code, out)
	}

	wrong := filepath.Join(t.TempDir(), "wrong-token")
	configtest.WriteSecret(t, wrong, "not-the-admin-token-0123456789abcdefghij\n", 0o600)
	code, _, errOut = runCmd(t, "", map[string]string{"FSSCIM_ADMIN_TOKEN_FILE": wrong}, args()...)
	if code != 1 || !strings.Contains(errOut, "answered 401") {
		t.Errorf("a wrong admin token: exit %d\n%s", code, errOut)
	}
	if code, _, errOut = runCmd(t, "", envm, "audit", "--admin-url", s.admin); code != 2 || !strings.Contains(errOut, "--domain is missing") {
		t.Errorf("no --domain: exit %d\n%s", code, errOut)
	}
	if code, _, errOut = runCmd(t, "", envm, args("--user", "a@b.com", "--id", "4")...); code != 2 || !strings.Contains(errOut, "not both") {
		t.Errorf("--user and --id: exit %d\n%s", code, errOut)
	}

	s.stop()
	data, err := os.ReadFile(filepath.Join(f.data, auditlog.DefaultFileName))
	if redisURL != "" {
		if err == nil {
			t.Error("with Redis, the trail was kept in the data dir too")
		}
		return
	}
	if err != nil {
		t.Fatalf("the trail is not in the data dir: %v", err)
	}
	for _, secret := range []string{f.apiKey, f.token, f.key, adminToken} {
		if bytes.Contains(data, []byte(secret)) {
			t.Error("the audit trail's file holds a secret")
		}
	}
	if !bytes.Contains(data, []byte("maria@contoso.com")) {
		t.Error("the audit trail's file does not hold the entry")
	}
}
