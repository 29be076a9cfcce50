// Package golden compares what a test produced with a file kept under testdata, and rewrites the
// file instead when the test runs with -update.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update is registered in every test binary that imports this package, so no test package may
// declare its own -update flag beside it.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// JSON compares body, indented with two spaces but otherwise as written, with the file at path.
func JSON(t testing.TB, path string, body []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		t.Fatalf("indent %s: %v", body, err)
	}
	compare(t, path, pretty.Bytes())
}

// Value compares v, marshalled as indented JSON (map keys sorted), with the file at path.
func Value(t testing.TB, path string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatalf("marshal %s: %v", path, err)
	}
	compare(t, path, got)
}

// compare checks got, ended by a newline, against the file, or writes it there with -update.
func compare(t testing.TB, path string, got []byte) {
	t.Helper()
	got = append(got, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("make the golden file's folder: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("write golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("body differs from %s:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
