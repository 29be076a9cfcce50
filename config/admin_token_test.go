package config_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/config/configtest"
)

func writeAdminToken(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	return configtest.WriteSecret(t, filepath.Join(t.TempDir(), "admin-token"), content, mode)
}

func TestAdminTokenFile(t *testing.T) {
	secret, _ := config.NewKey()
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		want    string // substring of the error; "" for success
	}{
		{"token and a trailing newline", secret + "\n", 0o600, ""},
		{"comment and token", "# rotated 2025-06-01\n  " + secret + "  \n", 0o400, ""},
		{"Kubernetes Secret mount", secret, 0o440, ""},
		{"readable by others", secret, 0o644, "chmod 600"},
		{"writable by group", secret, 0o660, "mode 0660"},
		{"empty", "# nothing yet\n", 0o600, "holds no token; make one with: fsscim token new-key"},
		{"too short", "hunter2\n", 0o600, "need at least 32"},
		{"two tokens", secret + "\n" + secret + "x\n", 0o600, "keep only the token on one line"},
		{"white space inside", secret + " " + secret + "\n", 0o600, "holds white space"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeAdminToken(t, tt.content, tt.mode)
			tok, err := config.LoadAdminTokenFile(path)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				req, _ := http.NewRequest(http.MethodGet, "/status", nil)
				req.Header.Set("Authorization", "Bearer "+secret)
				if err := tok.Check(req); err != nil {
					t.Fatalf("the file's own token is refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("the message repeats the token: %v", err)
			}
		})
	}
	if _, err := config.LoadAdminTokenFile(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("a missing file was accepted")
	}
}

// TestAdminTokenCheck: only the exact token, as a bearer credential, passes; a nil token (none
// configured) refuses everything.
func TestAdminTokenCheck(t *testing.T) {
	secret, _ := config.NewKey()
	tok, err := config.LoadAdminTokenFile(writeAdminToken(t, secret+"\n", 0o600))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header string
		ok     bool
	}{
		{"bearer", "Bearer " + secret, true},
		{"scheme in any case", "bearer " + secret, true},
		{"no header", "", false},
		{"basic", "Basic " + secret, false},
		{"bare token", secret, false},
		{"a prefix of the token", "Bearer " + secret[:len(secret)-1], false},
		{"the token and more", "Bearer " + secret + "x", false},
		{"another token", "Bearer " + strings.Repeat("A", len(secret)), false},
		{"empty bearer", "Bearer ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, "/status", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			err := tok.Check(req)
			if (err == nil) != tt.ok {
				t.Fatalf("Check = %v, want ok %v", err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), secret[:8]) {
				t.Fatalf("the message repeats the token: %v", err)
			}
		})
	}
	var none *config.AdminToken
	req, _ := http.NewRequest(http.MethodGet, "/status", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	if err := none.Check(req); err == nil || !strings.Contains(err.Error(), "--admin-token-file") {
		t.Fatalf("without a configured token: %v", err)
	}
}
