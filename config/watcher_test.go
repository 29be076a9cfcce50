package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config/configtest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// reloads records what OnReload was given.
type reloads struct {
	mu      sync.Mutex
	count   int
	lastErr error
}

func (r *reloads) record(_ *TenantSet, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.count++
	r.lastErr = err
}

func (r *reloads) calls() (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count, r.lastErr
}

func (r *reloads) errText() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lastErr == nil {
		return ""
	}
	return r.lastErr.Error()
}

func startWatcher(t *testing.T, dir string) (*Watcher, *reloads, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.InfoLevel)
	rec := &reloads{}
	w := NewWatcher(dir, WatchOptions{Interval: 20 * time.Millisecond, Logger: zap.New(core), OnReload: rec.record})
	if w.Loaded() {
		t.Fatal("Loaded before Start")
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		<-w.done
	})
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if !w.Loaded() {
		t.Fatal("not Loaded after Start")
	}
	return w, rec, logs
}

// watchNewFolder writes files (name: content) into a new tenants folder and starts a watcher on it.
func watchNewFolder(t *testing.T, files map[string]string) (string, *Watcher, *reloads, *observer.ObservedLogs) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		configtest.WriteTenant(t, dir, name, content)
	}
	w, rec, logs := startWatcher(t, dir)
	return dir, w, rec, logs
}

func TestWatcherReloadsPerFile(t *testing.T) {
	dir, w, rec, logs := watchNewFolder(t, map[string]string{"acme.yaml": "domain: acme.freshservice.com\n"})

	if _, ok := w.Current().Lookup("acme.freshservice.com"); !ok || w.Current().Len() != 1 {
		t.Fatalf("initial set = %v", w.Current().All())
	}
	if n, err := rec.calls(); n != 1 || err != nil {
		t.Fatalf("initial OnReload: %d calls, err %v", n, err)
	}

	// A new valid file adds its tenant.
	configtest.WriteTenant(t, dir, "beta.yaml", "domain: beta.freshservice.com\n")
	configtest.Eventually(t, "beta to be added", func() bool {
		_, ok := w.Current().Lookup("beta.freshservice.com")
		return ok
	})

	// A broken edit keeps the last good version and says why.
	configtest.WriteTenant(t, dir, "acme.yaml", "domain: acme.freshservice.com\ndry_run: true\nusers: {on_delete: remove}\n")
	configtest.Eventually(t, "the broken edit to be reported", func() bool {
		return strings.Contains(rec.errText(), `acme.yaml:3: users.on_delete: "remove" is not allowed`)
	})
	acme, ok := w.Current().Lookup("acme.freshservice.com")
	if !ok || acme.DryRun {
		t.Fatalf("the last good acme must still be served; got %+v, %v", acme, ok)
	}
	rejected := logs.FilterMessage("tenant file rejected; keeping its last good version").All()
	if len(rejected) != 1 || !strings.Contains(rejected[0].ContextMap()["error"].(string), "users.on_delete") {
		t.Fatalf("want one log line saying why acme.yaml was rejected, got %v", rejected)
	}

	// Fixing it serves the new version and clears the problem.
	configtest.WriteTenant(t, dir, "acme.yaml", "domain: acme.freshservice.com\ndry_run: true\n")
	configtest.Eventually(t, "the fixed acme to be served", func() bool {
		acme, ok := w.Current().Lookup("acme.freshservice.com")
		return ok && acme.DryRun && rec.errText() == ""
	})

	// A deleted file removes its tenant.
	if err := os.Remove(filepath.Join(dir, "beta.yaml")); err != nil {
		t.Fatal(err)
	}
	configtest.Eventually(t, "beta to be removed", func() bool {
		_, ok := w.Current().Lookup("beta.freshservice.com")
		return !ok
	})
	if w.Current().Len() != 1 {
		t.Errorf("tenants = %v", w.Current().All())
	}
	if got := len(logs.FilterMessage("tenant file rejected; keeping its last good version").All()); got != 1 {
		t.Errorf("the same problem was logged %d times; once is enough", got)
	}
}

func TestWatcherDuplicateDomainKeepsFirstLoaded(t *testing.T) {
	// "z-" sorts after "a-": the first loaded must win, not the first by name.
	dir, w, rec, _ := watchNewFolder(t, map[string]string{"z-acme.yaml": "domain: acme.freshservice.com\n"})

	configtest.WriteTenant(t, dir, "a-acme.yaml", "domain: acme.freshservice.com\ndry_run: true\n")
	configtest.Eventually(t, "the duplicate to be reported", func() bool {
		msg := rec.errText()
		return strings.Contains(msg, "a-acme.yaml") && strings.Contains(msg, "already served from z-acme.yaml")
	})
	acme, _ := w.Current().Lookup("acme.freshservice.com")
	if filepath.Base(acme.File) != "z-acme.yaml" {
		t.Fatalf("acme served from %s, want the first loaded z-acme.yaml", acme.File)
	}

	// Once the first file is gone, the other one may serve the domain.
	if err := os.Remove(filepath.Join(dir, "z-acme.yaml")); err != nil {
		t.Fatal(err)
	}
	configtest.Eventually(t, "a-acme.yaml to take over", func() bool {
		acme, ok := w.Current().Lookup("acme.freshservice.com")
		return ok && filepath.Base(acme.File) == "a-acme.yaml" && rec.errText() == ""
	})
}

func TestWatcherStartErrors(t *testing.T) {
	w := NewWatcher(filepath.Join(t.TempDir(), "missing"), WatchOptions{})
	if err := w.Start(context.Background()); err == nil {
		t.Error("Start of a missing folder succeeded")
	}
	if w.Loaded() || w.Current() == nil || w.Current().Len() != 0 {
		t.Errorf("after a failed Start: Loaded %v, Current %v", w.Loaded(), w.Current())
	}

	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	w = NewWatcher(dir, WatchOptions{Interval: time.Hour})
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx); err == nil {
		t.Error("a second Start succeeded")
	}
	cancel()
	<-w.done
}

func TestWatcherServesValidFilesWhenSomeAreBroken(t *testing.T) {
	_, w, rec, logs := watchNewFolder(t, map[string]string{
		"good.yaml": "domain: good.freshservice.com\n",
		"bad.yaml":  "domain: bad.freshservice.com\nsurprise: true\n",
	})
	if _, ok := w.Current().Lookup("good.freshservice.com"); !ok || w.Current().Len() != 1 {
		t.Errorf("tenants = %v", w.Current().All())
	}
	if !strings.Contains(rec.errText(), "bad.yaml:2: surprise: unknown key") {
		t.Errorf("OnReload error = %q", rec.errText())
	}
	if n := logs.FilterMessage("tenant file rejected; its tenant is not served").Len(); n != 1 {
		t.Errorf("rejection logged %d times, want 1", n)
	}
}

func TestWatcherSurvivesTheFolderGoingAway(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "tenants")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	configtest.WriteTenant(t, dir, "acme.yaml", "domain: acme.freshservice.com\n")
	w, rec, logs := startWatcher(t, dir)

	// Replace the folder the way a deployment might: move it away, then put a new one in place.
	if err := os.Rename(dir, filepath.Join(parent, "old")); err != nil {
		t.Fatal(err)
	}
	configtest.Eventually(t, "the unreadable folder to be reported", func() bool {
		return strings.Contains(rec.errText(), "read tenants folder")
	})
	if _, ok := w.Current().Lookup("acme.freshservice.com"); !ok {
		t.Fatal("the tenants were dropped while the folder was unreadable")
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	configtest.WriteTenant(t, dir, "beta.yaml", "domain: beta.freshservice.com\n")
	configtest.Eventually(t, "the new folder to be read", func() bool {
		_, beta := w.Current().Lookup("beta.freshservice.com")
		_, acme := w.Current().Lookup("acme.freshservice.com")
		return beta && !acme && rec.errText() == ""
	})
	if n := logs.FilterMessage("tenants folder unreadable; keeping the current tenants").Len(); n != 1 {
		t.Errorf("the unreadable folder was logged %d times, want once", n)
	}
}
