package proxy_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/store"
)

// TestReadyzUntilLoadedAndWhileUsable: the admin listener's /readyz fails before the tenant folder is
// loaded and while the data dir is unusable; /healthz answers throughout.
func TestReadyzUntilLoadedAndWhileUsable(t *testing.T) {
	var tenants atomic.Pointer[config.TenantSet]
	var dataErr atomic.Pointer[error]
	db, err := store.OpenBolt(filepath.Join(t.TempDir(), store.DefaultFileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	key, _ := config.NewKey()
	keys, _ := config.ParseKeys(key)
	srv, _ := serveProxy(t, proxy.Options{
		Tenants: tenants.Load,
		Keys:    keys,
		Store:   db,
		Ready: func(context.Context) error {
			if e := dataErr.Load(); e != nil {
				return *e
			}
			return nil
		},
	})
	admin := httptest.NewServer(srv.AdminHandler())
	t.Cleanup(admin.Close)
	probe := func(path string) (int, string) {
		resp, err := http.Get(admin.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	set, err := config.LoadDir(t.TempDir(), config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	unusable := errors.New("data dir /var/lib/fsscim is not writable")
	steps := []struct {
		name       string
		apply      func()
		status     int
		bodyNaming string
	}{
		{"before the tenant folder is loaded", func() {}, 503, "tenant folder"},
		{"loaded", func() { tenants.Store(set) }, 200, "ready"},
		{"data dir unusable", func() { dataErr.Store(&unusable) }, 503, "not writable"},
		{"data dir back", func() { dataErr.Store(nil) }, 200, "ready"},
		{"store closed", func() { _ = db.Close() }, 503, "data store unusable"},
	}
	for _, st := range steps {
		st.apply()
		status, body := probe("/readyz")
		if status != st.status || !strings.Contains(body, st.bodyNaming) {
			t.Errorf("%s: /readyz %d %s, want %d naming %q", st.name, status, body, st.status, st.bodyNaming)
		}
		if status, _ := probe("/healthz"); status != http.StatusOK {
			t.Errorf("%s: /healthz %d", st.name, status)
		}
	}
}
