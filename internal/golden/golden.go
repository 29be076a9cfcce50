// Package golden compares what a test produced with a golden file kept under the package's testdata.
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Check compares got with the golden file at path. With update set it writes got to the file
// instead, creating its folder: a deliberate change is accepted by rewriting the goldens.
func Check(tb testing.TB, path string, got []byte, update bool) {
	tb.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read golden file (the package's update switch writes it): %v", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("differs from the golden file %s:\n%s\nwant\n%s", path, got, want)
	}
}
