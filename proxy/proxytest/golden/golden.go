// Package golden compares what a test produced with a golden file kept under the package's testdata,
// and rewrites the file instead when the run asks for it (go test ./PKG/ -update).
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// update is registered in every test binary that imports this package, so no test package may
// declare its own -update flag beside it.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Updating reports whether this run rewrites golden files: asked by -update, or by UPDATE_GOLDEN=1.
func Updating() bool { return *update || os.Getenv("UPDATE_GOLDEN") != "" }

// JSON compares body, indented with two spaces but otherwise as written, with the file at path.
func JSON(tb testing.TB, path string, body []byte) {
	tb.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		tb.Fatalf("indent %s: %v", body, err)
	}
	Check(tb, path, append(pretty.Bytes(), '\n'))
}

// Value compares v, marshalled as indented JSON (map keys sorted), with the file at path.
func Value(tb testing.TB, path string, v any) {
	tb.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		tb.Fatalf("marshal %s: %v", path, err)
	}
	Check(tb, path, append(got, '\n'))
}

// Check compares got with the golden file at path, or writes got to the file (creating its folder)
// when the run is Updating.
func Check(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if Updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatalf("make the golden file's folder: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatalf("write golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Errorf("read golden file: %v (go test -update writes it)", err)
		return
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("differs from the golden file %s (go test -update accepts it):\n%s", path, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows where the texts part and what follows in each, enough to see what changed without a
// diff tool.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	// Trim the common tail so that only the changed block shows.
	j, k := len(w), len(g)
	for j > i && k > i && w[j-1] == g[k-1] {
		j--
		k--
	}
	return fmt.Sprintf("from line %d\n- %s\n+ %s\n", i+1, strings.Join(w[i:j], "\n- "), strings.Join(g[i:k], "\n+ "))
}
