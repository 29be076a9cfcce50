package config

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config/configtest"
)

func TestNewKeyIsAUsableFreshKey(t *testing.T) {
	a, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewKey()
	if a == b {
		t.Fatal("two new keys are equal")
	}
	kr := mustKeys(t, a+","+b)
	if kr.Len() != 2 {
		t.Fatalf("Len = %d", kr.Len())
	}
	tok := mustSeal(t, kr, "acme.freshservice.com", apiKey, time.Now())
	if _, err := mustKeys(t, a).Open(tok); err != nil {
		t.Errorf("a new key does not open its own token: %v", err)
	}
}

func TestParseKeysMistakes(t *testing.T) {
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	unpadded := strings.TrimRight(base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcde")), "=")
	urlSafe := base64.URLEncoding.EncodeToString([]byte{0xfb, 0xff, 0xfe, 29: 0xff, 31: 0})
	tests := []struct {
		name  string
		input string
		want  []string // one substring per expected problem
		leaks []string // key material the message must not repeat
	}{
		{"nothing", "", []string{"key 1 is empty"}, nil},
		{"not base64", "hello world!", []string{"key 1 is not standard padded base64"}, []string{"hello"}},
		{"too short", fuzzKey + "," + short, []string{"key 2 decodes to 16 bytes, need 32"}, []string{short}},
		{"padding missing", unpadded, []string{"key 1 is not standard padded base64"}, []string{unpadded}},
		{"URL alphabet", urlSafe, []string{"key 1 is not standard padded base64"}, []string{urlSafe}},
		{"trailing comma", fuzzKey + ",", []string{"key 2 is empty"}, nil},
		{"repeated key", fuzzKey + "," + otherKey + ", " + fuzzKey, []string{"key 3 repeats key 1"}, []string{fuzzKey}},
		{"every problem at once", "x," + short + ",," + fuzzKey,
			[]string{"key 1 is not standard", "key 2 decodes to 16 bytes", "key 3 is empty"}, []string{short}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := ParseKeys(tt.input)
			if err == nil {
				t.Fatalf("ParseKeys(%q) = %v, want an error", tt.input, kr)
			}
			msg := err.Error()
			if n := len(strings.Split(msg, "\n")); n != len(tt.want) {
				t.Errorf("want %d problems, got %d:\n%s", len(tt.want), n, msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message does not say %q:\n%s", w, msg)
				}
			}
			for _, l := range tt.leaks {
				if strings.Contains(msg, l) {
					t.Errorf("message repeats key material %q:\n%s", l, msg)
				}
			}
		})
	}
}

// TestParseKeysCommasOrNewlines: FSSCIM_TOKEN_KEYS filled from a Secret or a file holds one key per
// line, often with a trailing newline; both separators work, together too.
func TestParseKeysCommasOrNewlines(t *testing.T) {
	third, _ := NewKey()
	for _, tt := range []struct {
		name, input string
		want        int
	}{
		{"commas", fuzzKey + "," + otherKey + "," + third, 3},
		{"newlines", fuzzKey + "\n" + otherKey + "\n" + third + "\n", 3},
		{"CRLF and blank lines", fuzzKey + "\r\n\r\n" + otherKey + "\r\n", 2},
		{"both", fuzzKey + "," + otherKey + "\n" + third, 3},
		{"one key and a trailing newline", fuzzKey + "\n", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			kr := mustKeys(t, tt.input)
			if kr.Len() != tt.want {
				t.Fatalf("Len = %d, want %d", kr.Len(), tt.want)
			}
			tok := mustSeal(t, kr, "acme.freshservice.com", apiKey, time.Unix(1700000000, 0))
			if _, err := mustKeys(t, fuzzKey).Open(tok); err != nil {
				t.Errorf("the first key must seal: %v", err)
			}
		})
	}
	// Entries are counted across lines, so a problem names the right one.
	_, err := ParseKeys(fuzzKey + "\n" + otherKey + ",\n" + third)
	if err == nil || !strings.Contains(err.Error(), "key 3 is empty") {
		t.Fatalf("an empty entry after a comma: %v", err)
	}
}

func TestParseKeysTrimsSpaces(t *testing.T) {
	kr := mustKeys(t, " "+fuzzKey+" ,\t"+otherKey+"\n")
	if kr.Len() != 2 {
		t.Errorf("Len = %d", kr.Len())
	}
}

func writeKeysFile(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	return configtest.WriteSecret(t, filepath.Join(t.TempDir(), "keys"), content, mode)
}

func TestLoadKeysFile(t *testing.T) {
	newKey, _ := NewKey()
	path := writeKeysFile(t, "# current key first\n"+newKey+"\n\n  # rotated out on 2025-01-01\n"+
		fuzzKey+", "+otherKey+"  # both still accepted\n", 0o600)
	kr, err := LoadKeysFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if kr.Len() != 3 {
		t.Fatalf("Len = %d, want 3", kr.Len())
	}
	old := mustSeal(t, mustKeys(t, otherKey), "acme.freshservice.com", apiKey, time.Unix(1700000000, 0))
	if _, err := kr.Open(old); err != nil {
		t.Errorf("a key on a comma-separated line was not loaded: %v", err)
	}
	tok := mustSeal(t, kr, "acme.freshservice.com", apiKey, time.Unix(1700000000, 0))
	if _, err := mustKeys(t, newKey).Open(tok); err != nil {
		t.Errorf("the first key of the file must seal: %v", err)
	}
}

func TestLoadKeysFileMistakes(t *testing.T) {
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		want    []string
	}{
		{"readable by others", fuzzKey + "\n", 0o644, []string{"readable by others or writable by group or others (mode 0644)", "run: chmod 600 "}},
		{"writable by group", fuzzKey + "\n", 0o620, []string{"mode 0620", "chmod 600"}},
		{"only comments", "# nothing here\n\n", 0o600, []string{"no token key given"}},
		{"bad line named", fuzzKey + "\n# note\nnot-a-key\n", 0o400, []string{"line 3 is not standard padded base64"}},
		{"bad entry on a shared line", fuzzKey + "," + "AAAA\n", 0o600, []string{"line 1 key 2 decodes to 3 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeKeysFile(t, tt.content, tt.mode)
			kr, err := LoadKeysFile(path)
			if err == nil {
				t.Fatalf("LoadKeysFile = %v, want an error", kr)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) {
				t.Errorf("message does not name the file %s:\n%s", path, msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message does not say %q:\n%s", w, msg)
				}
			}
			if strings.Contains(msg, fuzzKey) {
				t.Errorf("message repeats a key:\n%s", msg)
			}
		})
	}
	if _, err := LoadKeysFile(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing keys file loaded")
	}
}

func TestKeysFromEnvOrFile(t *testing.T) {
	path := writeKeysFile(t, otherKey+"\n", 0o600)
	tests := []struct {
		name, env, path string
		wantErr         string
		opensWith       string // the key whose token must open
	}{
		{name: "environment", env: fuzzKey, opensWith: fuzzKey},
		{name: "file", path: path, opensWith: otherKey},
		{name: "both", env: fuzzKey, path: path, wantErr: "keep one"},
		{name: "neither", env: "  ", wantErr: "set FSSCIM_TOKEN_KEYS or --token-keys-file"},
		{name: "bad environment", env: "no pe!", wantErr: "FSSCIM_TOKEN_KEYS: key 1 is not standard padded base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := KeysFromEnvOrFile(tt.env, tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tok := mustSeal(t, mustKeys(t, tt.opensWith), "acme.freshservice.com", apiKey, time.Unix(1700000000, 0))
			if _, err := kr.Open(tok); err != nil {
				t.Errorf("the loaded keyring does not hold the expected key: %v", err)
			}
		})
	}
}
