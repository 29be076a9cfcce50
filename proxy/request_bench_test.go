package proxy_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/proxy/proxytest"
	"github.com/fsscim/fsscim/store"
)

// reqBenchEmulator carries fsscim's Freshservice calls to the emulator in process, so that a
// benchmark measures fsscim's own work (and the emulator's) without loopback networking.
type reqBenchEmulator struct{ emu *freshservicetest.Emulator }

func (t reqBenchEmulator) RoundTrip(r *http.Request) (*http.Response, error) {
	in := r
	if r.Body == nil {
		// A server request always has a body; a client one may not.
		in = r.Clone(r.Context())
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.emu.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// reqBenchServer is fsscim with one tenant over an emulated account of users requesters, with
// production logging (JSON, info) into io.Discard and the durable store.
type reqBenchServer struct {
	handler http.Handler
	token   string
	emu     *freshservicetest.Emulator
	ids     []int64
}

func newReqBenchServer(b *testing.B, users int) *reqBenchServer {
	b.Helper()
	emu := freshservicetest.New(freshservicetest.Options{})
	emu.AddAPIKey("req-bench-key", true)
	emu.AddDepartment("Engineering")
	s := &reqBenchServer{emu: emu}
	for i := range users {
		u := emu.AddRequester(freshservice.User{FirstName: "Given", LastName: fmt.Sprintf("Family%05d", i),
			PrimaryEmail: fmt.Sprintf("given.family.%05d@contoso-example.com", i), JobTitle: "Analyst"})
		s.ids = append(s.ids, u.ID)
	}
	dir := b.TempDir()
	const domain = "bench.freshservice.com"
	set := oneTenant(b, dir, "bench", "domain: "+domain+"\napi_url: http://127.0.0.1:9/api/v2\n")
	_, keys := proxytest.NewKeys(b)
	s.token = proxytest.Seal(b, keys, domain, "req-bench-key")
	db, err := store.OpenBolt(filepath.Join(dir, "fsscim.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	srv, err := proxy.New(proxy.Options{
		Tenants:   func() *config.TenantSet { return set },
		Keys:      keys,
		Store:     db,
		Logger:    redactingLogger(io.Discard, zap.InfoLevel),
		Transport: reqBenchEmulator{emu},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	s.handler = srv.Handler()
	// Warm the tenant: key check, directory index, department cache.
	s.serve(b, http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "b4fa7c1e-0000-4000-8000-000000000000"`), "", http.StatusOK)
	return s
}

func (s *reqBenchServer) serve(b *testing.B, method, path, body string, want int) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+s.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: status %d, want %d: %s", method, path, rec.Code, want, rec.Body.String())
	}
}

// BenchmarkSCIMRequest serves Entra's most frequent requests through the whole fsscim stack (auth,
// normaliser, SCIM library, handler, Freshservice client, store) against an account of 10,000 users.
func BenchmarkSCIMRequest(b *testing.B) {
	s := newReqBenchServer(b, 10000)
	lookup := "/scim/v2/Users?filter=" + url.QueryEscape(`userName eq "given.family.04242@contoso-example.com"`)
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Analyst %d"}]}`
	b.Run("lookup by userName", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.serve(b, http.MethodGet, lookup, "", http.StatusOK)
		}
	})
	b.Run("get by id", func(b *testing.B) {
		path := fmt.Sprintf("/scim/v2/Users/%d", s.ids[4242])
		b.ReportAllocs()
		for b.Loop() {
			s.serve(b, http.MethodGet, path, "", http.StatusOK)
		}
	})
	b.Run("patch one attribute", func(b *testing.B) {
		path := fmt.Sprintf("/scim/v2/Users/%d", s.ids[4242])
		n := 0
		b.ReportAllocs()
		for b.Loop() {
			n++
			s.serve(b, http.MethodPatch, path, fmt.Sprintf(patch, n), http.StatusOK)
		}
	})
	b.Run("create", func(b *testing.B) {
		n := 0
		b.ReportAllocs()
		for b.Loop() {
			n++
			body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"externalId":"%08x-0000-4000-8000-000000000000","userName":"new.user.%d@contoso-example.com","active":true,
				"name":{"givenName":"New","familyName":"User %d"},"title":"Analyst",
				"emails":[{"primary":true,"type":"work","value":"new.user.%d@contoso-example.com"}],
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Engineering"}}`, n, n, n, n)
			s.serve(b, http.MethodPost, "/scim/v2/Users", body, http.StatusCreated)
		}
	})
}
