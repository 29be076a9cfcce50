package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionPrintsTheBuild(t *testing.T) {
	code, out, _ := runCmd(t, "", nil, "version")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 4 || !strings.HasPrefix(lines[0], "fsscim ") ||
		!strings.Contains(lines[1], "module:") || !strings.Contains(lines[2], "commit:") ||
		!strings.Contains(lines[3], "go:      "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH) {
		t.Fatalf("version: exit %d\n%s", code, out)
	}
	// What the toolchain stamps into a release binary built from a checkout.
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/fsscim/fsscim", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-11-30T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"}}}
	var b strings.Builder
	readBuildInfo("dev", bi, true).write(&b)
	wantSays(t, "version of a stamped build", b.String(), "fsscim v1.4.0\n", "module:  github.com/fsscim/fsscim v1.4.0\n",
		"commit:  0123456789abcdef (with uncommitted changes), committed 2026-11-30T10:00:00Z\n", "go:      go1.26.8 ")
	b.Reset()
	readBuildInfo("1.5.0", &debug.BuildInfo{Main: debug.Module{Path: "github.com/fsscim/fsscim", Version: "(devel)"}}, true).write(&b)
	if !strings.HasPrefix(b.String(), "fsscim 1.5.0\n") || !strings.Contains(b.String(), "commit:  unknown (built without version control information)") {
		t.Errorf("version of a -X main.version build without VCS information:\n%s", b.String())
	}
}
