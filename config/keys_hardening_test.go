package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/config/configtest"
)

// The token keys file holds what lets anyone mint tokens for every tenant: fsscim refuses to start on
// one that others may read or that group or others may change, and says how to fix it. Group read is
// allowed: Kubernetes mounts Secret files read-only as 0440, group-owned by the pod's fsGroup.

func writeKeys(t *testing.T, dir string, mode os.FileMode) (path, key string) {
	t.Helper()
	key, err := config.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return configtest.WriteSecret(t, filepath.Join(dir, "token-keys"), key+"\n", mode), key
}

func TestKeysFileModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not Unix permissions on Windows")
	}
	// Every mode the owner can read: refused exactly when others may read or group or others write.
	for mode := os.FileMode(0o400); mode <= 0o777; mode++ {
		if mode&0o400 == 0 {
			continue
		}
		t.Run(fmt.Sprintf("%04o", mode), func(t *testing.T) {
			path, key := writeKeys(t, t.TempDir(), mode)
			for _, load := range []struct {
				name string
				fn   func() (*config.Keyring, error)
			}{
				{"LoadKeysFile", func() (*config.Keyring, error) { return config.LoadKeysFile(path) }},
				{"KeysFromEnvOrFile", func() (*config.Keyring, error) { return config.KeysFromEnvOrFile("", path) }},
			} {
				kr, err := load.fn()
				private := mode&0o004 == 0 && mode&0o022 == 0
				switch {
				case private && err != nil:
					t.Fatalf("%s refused a private file: %v", load.name, err)
				case private && kr.Len() != 1:
					t.Fatalf("%s loaded %d keys", load.name, kr.Len())
				case !private && err == nil:
					t.Fatalf("%s accepted a file others may read or group or others change", load.name)
				case !private:
					msg := err.Error()
					if !strings.Contains(msg, "chmod 600 "+path) || !strings.Contains(msg, fmt.Sprintf("%04o", mode)) {
						t.Fatalf("%s: message %q does not give the mode and the fix", load.name, msg)
					}
					if strings.Contains(msg, key) {
						t.Fatalf("%s: message repeats the key", load.name)
					}
				}
			}
		})
	}
}

// TestKeysFileBehindALink: the mode that counts is the file's, not a symbolic link's (whose own
// mode is always 0777).
func TestKeysFileBehindALink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no symbolic links without privileges on Windows")
	}
	for _, tt := range []struct {
		mode os.FileMode
		ok   bool
	}{{0o600, true}, {0o440, true}, {0o644, false}, {0o660, false}} {
		t.Run(fmt.Sprintf("%04o", tt.mode), func(t *testing.T) {
			dir := t.TempDir()
			target, _ := writeKeys(t, dir, tt.mode)
			link := filepath.Join(dir, "keys-link")
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			_, err := config.LoadKeysFile(link)
			if (err == nil) != tt.ok {
				t.Fatalf("through a link to a %04o file: %v", tt.mode, err)
			}
		})
	}
}

// TestKeyMaterialNeverInMessages: a wrong entry in the keys file or FSSCIM_TOKEN_KEYS is named by its
// position, never by its content (which may be a real key with a typo).
func TestKeyMaterialNeverInMessages(t *testing.T) {
	good, _ := config.NewKey()
	near := good[:len(good)-2] + "=="
	long := good + good
	for _, tt := range []struct{ name, text string }{
		{"truncated", good[:20]},
		{"one character off", near},
		{"two keys glued", long},
		{"url alphabet", strings.NewReplacer("+", "-", "/", "_").Replace(good)},
		{"repeated", good + "," + good},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.ParseKeys(tt.text)
			if err == nil {
				return // a valid spelling of a key
			}
			for _, part := range strings.Split(tt.text, ",") {
				if len(part) >= 8 && strings.Contains(err.Error(), part[:8]) {
					t.Fatalf("message %q shows key material", err)
				}
			}
			path := filepath.Join(t.TempDir(), "keys")
			configtest.WriteSecret(t, path, tt.text+"\n", 0o600)
			_, err = config.LoadKeysFile(path)
			if err == nil {
				t.Fatal("the file form was accepted")
			}
			for _, part := range strings.Split(tt.text, ",") {
				if len(part) >= 8 && strings.Contains(err.Error(), part[:8]) {
					t.Fatalf("message %q shows key material", err)
				}
			}
		})
	}
}
