package config

import (
	"testing"

	"github.com/fsscim/fsscim/config/configtest"
)

// loadTenant writes the tenant file name into a folder of its own, loads the folder with opts and
// returns the tenant of domain and the file's path; a load error or a missing tenant fails the test.
func loadTenant(t *testing.T, name, content string, opts LoadOptions, domain string) (*Tenant, string) {
	t.Helper()
	dir := t.TempDir()
	path := configtest.WriteTenant(t, dir, name, content)
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
