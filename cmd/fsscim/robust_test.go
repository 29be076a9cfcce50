package main

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/config/configtest"
	"github.com/fsscim/fsscim/store"
	"github.com/fsscim/fsscim/store/record"
	"github.com/fsscim/fsscim/store/storetest"
)

// storeWithUsers writes a store file of storetest.ManyUsers user records into dataDir and returns its
// path and the pages that hold records.
func storeWithUsers(t *testing.T, dataDir string) (string, []int) {
	t.Helper()
	path := filepath.Join(dataDir, store.DefaultFileName)
	st, err := store.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.FillUsers(t, st, "acme.freshservice.com", func(r *record.UserRecord) {
		r.DepartmentIDs, r.RestorePending = []int64{4}, true
		r.Echo = map[string]record.EchoValue{"timezone": {Sent: "America/New_York", Stored: "Eastern Time (US & Canada)"}}
	})
	leaves, err := storetest.LeafPages(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, leaves
}

// TestServeRefusesADamagedStore damages the store file before `fsscim serve` starts: it refuses to
// start, with a non-zero exit and the message an operator acts on, instead of a Go panic trace or a
// server that answers some users 500 for ever.
func TestServeRefusesADamagedStore(t *testing.T) {
	damages := []struct {
		name   string
		damage func(t *testing.T, path string, leaves []int)
	}{
		{"cut to half", func(t *testing.T, path string, leaves []int) {
			end := int64(leaves[len(leaves)-1]+1) * int64(os.Getpagesize())
			if err := os.Truncate(path, end/2); err != nil {
				t.Fatal(err)
			}
		}},
		{"random bytes over two pages", func(t *testing.T, path string, leaves []int) {
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rng := rand.New(rand.NewPCG(5, 6))
			page := make([]byte, 2*os.Getpagesize())
			for i := range page {
				page[i] = byte(rng.Uint32())
			}
			if _, err := f.WriteAt(page, int64(leaves[len(leaves)/2]*os.Getpagesize())); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			f := newTenantFixture(t)
			if err := os.MkdirAll(f.data, 0o700); err != nil {
				t.Fatal(err)
			}
			path, leaves := storeWithUsers(t, f.data)
			d.damage(t, path, leaves)
			var stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			code := run(ctx, []string{"serve", "--tenants", f.tenants, "--data-dir", f.data, "--listen", "127.0.0.1:0"},
				nil, io.Discard, audit.tee(&stderr), env(map[string]string{config.EnvTokenKeys: f.key, "FSSCIM_ALLOW_API_URL": "true"}))
			if code == 0 {
				t.Fatal("serve started on a damaged store")
			}
			out := stderr.String()
			if !strings.Contains(out, "store damaged: move it aside or restore it") || !strings.Contains(out, path) {
				t.Fatalf("serve does not say the store is damaged and where:\n%s", out)
			}
			if strings.Contains(out, "goroutine ") || strings.Contains(out, "panic:") {
				t.Fatalf("serve printed a Go trace:\n%s", out)
			}
		})
	}
}

// TestServeReportsAChangedKeysFile: the token keys are read at start; a keys file changed while
// fsscim runs is reported in the log and in /metrics, so that the administrator knows a restart is
// needed for it to count.
func TestServeReportsAChangedKeysFile(t *testing.T) {
	f := newTenantFixture(t)
	keysFile := filepath.Join(t.TempDir(), "token-keys")
	configtest.WriteSecret(t, keysFile, f.key+"\n", 0o600)
	s := serve(t, f, map[string]string{config.EnvTokenKeys: ""}, "--listen", "127.0.0.1:0", "--token-keys-file", keysFile)
	metric := func() string {
		_, body := get(t, http.DefaultClient, s.admin+"/metrics", "")
		for _, line := range strings.Split(body, "\n") {
			if v, ok := strings.CutPrefix(line, "fsscim_token_keys_file_changed "); ok {
				return v
			}
		}
		return ""
	}
	if got := metric(); got != "0" {
		t.Fatalf("fsscim_token_keys_file_changed = %q at start, want 0", got)
	}
	added, err := config.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	audit.secret("a test's second server token key", added)
	configtest.ReplaceFile(t, keysFile, []byte(added+"\n"+f.key+"\n"))
	configtest.Eventually(t, "the log to report the changed keys file", func() bool {
		return strings.Contains(s.logs.String(), "the token keys file changed")
	})
	if got := metric(); got != "1" {
		t.Fatalf("fsscim_token_keys_file_changed = %q after the change, want 1", got)
	}
	if strings.Contains(s.logs.String(), added) {
		t.Fatal("the log shows the new key")
	}
}
