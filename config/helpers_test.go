package config

import (
	"os"
	"path/filepath"
	"testing"
)

// writeFile writes a tenant file into dir, failing the test on error.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	// Written aside and renamed into place, as editors and Kubernetes ConfigMaps do: a watcher that
	// polls in the middle of a plain write sees a half-written file, which is another event.
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// loadTenant writes the tenant file name into a folder of its own, loads the folder with opts and
// returns the tenant of domain and the file's path; a load error or a missing tenant fails the test.
func loadTenant(t *testing.T, name, content string, opts LoadOptions, domain string) (*Tenant, string) {
	t.Helper()
	dir := t.TempDir()
	path := writeFile(t, dir, name, content)
	set, err := LoadDir(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	tenant, ok := set.Lookup(domain)
	if !ok {
		t.Fatalf("tenant %s not found; have %v", domain, set.All())
	}
	return tenant, path
}

// fileErrors unwraps a joined error into its *FileError parts; anything else fails the test.
func fileErrors(t *testing.T, err error) []*FileError {
	t.Helper()
	files, others := FileErrors(err)
	if len(others) > 0 {
		t.Fatalf("error %v (%T) is not a *FileError", others[0], others[0])
	}
	return files
}
