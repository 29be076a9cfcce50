// Package golden compares what a test produced with a golden file kept under the package's testdata.
package golden

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
		tb.Errorf("read golden file: %v (the package's update switch writes it)", err)
		return
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("differs from the golden file %s (the package's update switch accepts it):\n%s", path, lineDiff(string(want), string(got)))
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
