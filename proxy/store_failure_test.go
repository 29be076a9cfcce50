package proxy_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsscim/fsscim/proxy"
)

// TestWritesRefusedWhileTheStoreIsUnusable: while /readyz says the data dir takes no writes (a full
// or read-only volume), a create, a PATCH, a disable and a delete are refused with 503 before anything
// reaches Freshservice: what they would leave to remember (a pending create, what to restore at a
// re-enable, a deletion mark) could not be kept.
func TestWritesRefusedWhileTheStoreIsUnusable(t *testing.T) {
	var dataErr atomic.Pointer[error]
	h := newHarness(t, withServer(func(o *proxy.Options) {
		o.Ready = func(context.Context) error {
			if e := dataErr.Load(); e != nil {
				return *e
			}
			return nil
		}
	}))
	h.warmIndex()
	id := hdCreateUser(t, h, "kept@contoso.com")
	readOnly := errors.New("data dir /var/lib/fsscim is not writable: read-only file system")
	dataErr.Store(&readOnly)
	if r := h.doAdmin("/readyz"); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the data dir unusable: %d %s", r.Status, r.Body)
	}
	user := fmt.Sprintf("/scim/v2/Users/%d", id)
	requests := []struct {
		name, method, path string
		body               any
	}{
		{"create", http.MethodPost, "/scim/v2/Users", entraUserBody("new@contoso.com")},
		{"patch", http.MethodPatch, user, userPatchBody(patchOp("Replace", "title", "Director"))},
		{"disable", http.MethodPatch, user, userPatchBody(patchOp("Replace", "active", "False"))},
		{"delete", http.MethodDelete, user, nil},
	}
	for _, rq := range requests {
		h.emu.ResetCalls()
		r := h.do(rq.method, rq.path, rq.body)
		hdAssertSCIMError(t, r, http.StatusServiceUnavailable, "")
		if d, _ := r.JSON(t)["detail"].(string); !strings.Contains(d, "data store is unusable") || !strings.Contains(d, "Nothing was written to Freshservice") {
			t.Errorf("%s: the 503 does not say why and that nothing was written: %s", rq.name, d)
		}
		if r.Header.Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", rq.name)
		}
		if w := writes(h); len(w) != 0 {
			t.Errorf("%s reached Freshservice with the store unusable: %q", rq.name, w)
		}
	}
	if _, ok := h.emu.UserByEmail("new@contoso.com"); ok {
		t.Fatal("the user was created with the store unusable")
	}
	if u, _ := h.emu.User(id); !u.Active || u.JobTitle == "Director" {
		t.Fatalf("the user was changed with the store unusable: %+v", u)
	}

	dataErr.Store(nil)
	if r := h.do(http.MethodPatch, user, userPatchBody(patchOp("Replace", "title", "Director"))); r.Status != http.StatusOK {
		t.Fatalf("the PATCH once the data dir is back: %d %s", r.Status, r.Body)
	}
}

// TestStoreDamagedWhileServing overwrites the store file under a running server, as a failing disk
// would: /readyz fails, requests that need the store are answered 503 saying so (not a 500 for some
// users forever), and no write reaches Freshservice.
func TestStoreDamagedWhileServing(t *testing.T) {
	h := newHarness(t)
	h.warmIndex()
	id := hdCreateUser(t, h, "damaged@contoso.com")
	f, err := os.OpenFile(h.storePath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	page := make([]byte, os.Getpagesize())
	for off := int64(2 * len(page)); off < info.Size(); off += int64(len(page)) { // pages 0 and 1 are bbolt's headers
		for i := range page {
			page[i] = byte(rng.Uint32())
		}
		if _, err := f.WriteAt(page, off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()

	user := fmt.Sprintf("/scim/v2/Users/%d", id)
	r := h.do(http.MethodGet, user, nil)
	hdAssertSCIMError(t, r, http.StatusServiceUnavailable, "")
	if d, _ := r.JSON(t)["detail"].(string); !strings.Contains(d, "damaged") {
		t.Fatalf("the 503 does not say the store is damaged: %s", d)
	}
	// A lookup answered from the directory replica reads the records of what it finds once the store
	// is known to be damaged: the same 503.
	r = h.do(http.MethodGet, "/scim/v2/Users?filter="+hdFilter(`userName eq "damaged@contoso.com"`), nil)
	hdAssertSCIMError(t, r, http.StatusServiceUnavailable, "")
	if d, _ := r.JSON(t)["detail"].(string); !strings.Contains(d, "damaged") {
		t.Fatalf("the lookup's 503 does not say the store is damaged: %s", d)
	}
	if r := h.doAdmin("/readyz"); r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), "store damaged: move it aside or restore it") {
		t.Fatalf("/readyz with a damaged store: %d %s", r.Status, r.Body)
	}
	h.emu.ResetCalls()
	r = h.do(http.MethodPatch, user, userPatchBody(patchOp("Replace", "title", "Director")))
	hdAssertSCIMError(t, r, http.StatusServiceUnavailable, "")
	r = h.do(http.MethodPost, "/scim/v2/Users", entraUserBody("other@contoso.com"))
	hdAssertSCIMError(t, r, http.StatusServiceUnavailable, "")
	if w := writes(h); len(w) != 0 {
		t.Fatalf("writes reached Freshservice with the store damaged: %q", w)
	}
}

// TestTokenForATenantNoLongerServed: a token this server sealed, for a domain whose tenant file is
// gone, is refused with 401 saying the account is not served (not that the token is invalid).
func TestTokenForATenantNoLongerServed(t *testing.T) {
	h := newHarness(t)
	token, err := h.keys.Seal("gone.freshservice.com", h.apiKey, time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	r := h.doAuth(http.MethodGet, "/scim/v2/Users", nil, "Bearer "+token)
	hdAssertSCIMError(t, r, http.StatusUnauthorized, "")
	d, _ := r.JSON(t)["detail"].(string)
	if !strings.Contains(d, "does not serve the Freshservice account gone.freshservice.com") || strings.Contains(d, "not valid") {
		t.Fatalf("detail %q does not say the tenant is not served", d)
	}
	bad := h.doAuth(http.MethodGet, "/scim/v2/Users", nil, "Bearer "+token[:len(token)-4]+"AAAA")
	if d, _ := bad.JSON(t)["detail"].(string); strings.Contains(d, "gone.freshservice.com") || !strings.Contains(d, "not valid") {
		t.Fatalf("a token that does not open is answered %q", d)
	}
}
