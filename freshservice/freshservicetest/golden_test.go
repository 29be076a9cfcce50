package freshservicetest

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/fsscim/fsscim/internal/golden"
)

// compareGolden compares a JSON body, indented, with testdata/name.
func compareGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		t.Fatalf("indent %s: %v", body, err)
	}
	pretty.WriteByte('\n')
	golden.Check(t, filepath.Join("testdata", name), pretty.Bytes())
}
