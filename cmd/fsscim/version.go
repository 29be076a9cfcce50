package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// buildInfo is what a binary knows about how it was built.
type buildInfo struct {
	version  string // the release (-X main.version), else the module version
	module   string // module path and version
	revision string // VCS commit; empty when built without version control information
	modified bool   // the working tree had changes
	time     string // commit time
	goVer    string
	platform string
}

// readBuildInfo combines -X main.version with what the Go toolchain stamped into the binary.
func readBuildInfo(release string, bi *debug.BuildInfo, ok bool) buildInfo {
	b := buildInfo{version: release, goVer: runtime.Version(), platform: runtime.GOOS + "/" + runtime.GOARCH,
		module: "github.com/fsscim/fsscim (devel)"}
	if !ok || bi == nil {
		return b
	}
	if bi.GoVersion != "" {
		b.goVer = bi.GoVersion
	}
	if bi.Main.Path != "" {
		mv := bi.Main.Version
		if mv == "" {
			mv = "(devel)"
		}
		b.module = bi.Main.Path + " " + mv
		if b.version == "dev" && mv != "(devel)" {
			b.version = mv
		}
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.revision = s.Value
		case "vcs.modified":
			b.modified = s.Value == "true"
		case "vcs.time":
			b.time = s.Value
		}
	}
	return b
}

func currentBuild() buildInfo {
	bi, ok := debug.ReadBuildInfo()
	return readBuildInfo(version, bi, ok)
}

func (b buildInfo) write(w io.Writer) {
	fmt.Fprintf(w, "fsscim %s\n", b.version)
	fmt.Fprintf(w, "  module:  %s\n", b.module)
	commit := "unknown (built without version control information)"
	if b.revision != "" {
		commit = b.revision
		if b.modified {
			commit += " (with uncommitted changes)"
		}
		if b.time != "" {
			commit += ", committed " + b.time
		}
	}
	fmt.Fprintf(w, "  commit:  %s\n", commit)
	fmt.Fprintf(w, "  go:      %s %s\n", b.goVer, b.platform)
}

// collector is fsscim_build_info: always 1, the build in its labels, so dashboards can tell which
// version each replica runs.
func (b buildInfo) collector() prometheus.Collector {
	revision := b.revision
	if revision == "" {
		revision = "unknown"
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "fsscim_build_info",
		Help:        "Always 1; the labels say which fsscim build runs: release version, VCS commit and Go version.",
		ConstLabels: prometheus.Labels{"version": b.version, "revision": revision, "goversion": b.goVer},
	})
	g.Set(1)
	return g
}
