package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
)

// dataDirUsable checks that the data dir still takes a write: a volume that went read-only, full or
// away makes the store fail the next record, so the replica should leave the load balancer first.
func dataDirUsable(dir string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		done := make(chan error, 1)
		go func() { done <- probeWrite(dir) }()
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			return fmt.Errorf("data dir %s: no answer in time", dir)
		}
	}
}

func probeWrite(dir string) error {
	f, err := os.CreateTemp(dir, ".readyz-*")
	if err != nil {
		return fmt.Errorf("data dir %s is not writable: %w", dir, err)
	}
	name := f.Name()
	_, werr := f.Write([]byte("ok"))
	cerr := f.Close()
	rerr := os.Remove(name)
	for _, err := range []error{werr, cerr, rerr} {
		if err != nil {
			return fmt.Errorf("data dir %s is not usable: %w", dir, err)
		}
	}
	return nil
}

// tenantGate is the tenant folder's part of readiness. A replica is not ready while it serves no
// tenant (unless allowEmpty), nor while a tenant file that was rejected at start has not loaded since:
// during a rolling update with a broken file, the new replicas stay out of the load balancer and the
// old ones keep serving that tenant. A file that breaks later keeps its last good version and does not
// make the replica unready.
type tenantGate struct {
	dir        string
	allowEmpty bool
	log        *zap.Logger

	mu      sync.Mutex
	started bool            // the initial load was observed
	count   int             // tenants served now
	pending map[string]bool // files rejected at start that have not loaded since
	said    string          // the readiness last logged, so that each change is logged once
}

func newTenantGate(dir string, allowEmpty bool, log *zap.Logger) *tenantGate {
	return &tenantGate{dir: dir, allowEmpty: allowEmpty, log: log, pending: map[string]bool{}}
}

// observe takes one load of the folder: the set served and every current problem.
func (g *tenantGate) observe(set *config.TenantSet, problems error) {
	rejected := rejectedFiles(problems)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.count = set.Len()
	switch {
	case !g.started:
		g.started = true
		g.pending = rejected
	case problems != nil && len(rejected) == 0:
		// The folder could not be read: nothing is known about its files.
	default:
		for f := range g.pending {
			if !rejected[f] {
				delete(g.pending, f)
			}
		}
	}
	reason := g.reasonLocked()
	now := "ready"
	if reason != nil {
		now = reason.Error()
	}
	if g.said != "" && now != g.said {
		if reason == nil {
			g.log.Info("ready: the tenant folder is served as written", zap.Int("tenants", g.count))
		} else {
			g.log.Warn("not ready: "+now, zap.Int("tenants", g.count))
		}
	}
	g.said = now
}

// check is nil when the tenant folder lets the replica take traffic, else the reason.
func (g *tenantGate) check() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.reasonLocked()
}

func (g *tenantGate) reasonLocked() error {
	if len(g.pending) > 0 {
		files := slices.Sorted(maps.Keys(g.pending))
		return fmt.Errorf("tenant file(s) %s rejected at start and not loaded since; fix them (fsscim check --tenants %s) or remove them",
			strings.Join(files, ", "), g.dir)
	}
	if g.count == 0 && !g.allowEmpty {
		return fmt.Errorf("no tenant file is loaded from %s; add one, or start with --allow-empty", g.dir)
	}
	return nil
}

// summary is what the startup line reports.
func (g *tenantGate) summary() (count int, rejected []string, notReady error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.count, slices.Sorted(maps.Keys(g.pending)), g.reasonLocked()
}

// rejectedFiles names the files a load of the tenant folder rejected.
func rejectedFiles(problems error) map[string]bool {
	out := map[string]bool{}
	files, _ := config.FileErrors(problems)
	for _, fe := range files {
		out[fe.File] = true
	}
	return out
}
