// Package configtest writes the files fsscim reads its configuration from (tenant files, key and
// token files), for tests of the config package and of the commands that load them.
package configtest

import (
	"os"
	"path/filepath"
	"testing"
)

// WriteSecret writes content to path and then sets mode, failing the test on error. The mode is set
// after writing because the umask would otherwise take bits away, and key and token files are refused
// by their mode.
func WriteSecret(t testing.TB, path, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// ReplaceFile writes data to path as editors and Kubernetes ConfigMaps do: aside under a hidden name
// in the same folder, then renamed into place. A watcher that polls in the middle of a plain write
// sees a half-written file, which is another event; the hidden name is one no loader reads.
func ReplaceFile(t testing.TB, path string, data []byte) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// WriteTenant writes a tenant file name into the tenant folder dir, replacing it in place as
// ReplaceFile does, and returns its path.
func WriteTenant(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	ReplaceFile(t, path, []byte(content))
	return path
}
