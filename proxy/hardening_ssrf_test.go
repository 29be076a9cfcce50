package proxy_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy"
)

// SSRF: the only hosts fsscim calls are the API URLs in its tenant files. Nothing a caller sends (a
// token, a $ref, a URL-shaped attribute) and nothing Freshservice answers (a redirect, a next-page
// link) may send it anywhere else.

// hdRedirector answers every call with a redirect to target (status code), or adds a next-page
// link to target on the emulator's answers (status 0).
type hdRedirector struct {
	next   http.RoundTripper
	status int
	target string
}

func (d *hdRedirector) RoundTrip(r *http.Request) (*http.Response, error) {
	if d.status != 0 {
		loc := d.target + r.URL.Path
		return &http.Response{StatusCode: d.status, Status: http.StatusText(d.status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Location": {loc}, "Content-Type": {"application/json"}}, Body: http.NoBody, Request: r}, nil
	}
	resp, err := d.next.RoundTrip(r)
	if err == nil {
		resp.Header.Set("Link", "<"+d.target+r.URL.Path+"?page=2&per_page=100>; rel=\"next\"")
	}
	return resp, err
}

// hdCollector is a host fsscim must never call.
func hdCollector(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"requesters":[],"agents":[],"requester":{"id":1}}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// hdEntraCycle runs what an Entra provisioning cycle sends, with URL-shaped values wherever SCIM
// lets a caller put one.
func hdEntraCycle(t *testing.T, h *harness, elsewhere string) {
	t.Helper()
	lookup := func(email string) {
		h.do(http.MethodGet, "/scim/v2/Users?filter="+hdFilter(`userName eq "`+email+`"`), nil)
	}
	lookup("b4fa7c1e-0000-4000-8000-000000000000")
	lookup("ann@contoso.com")
	body := entraUserBody("ann@contoso.com")
	body["profileUrl"] = elsewhere + "/profile"
	body["photos"] = []any{map[string]any{"value": elsewhere + "/photo.png", "type": "photo"}}
	body["externalId"] = elsewhere + "/ext"
	body[hdEnterpriseURN] = map[string]any{"department": "Sales", "manager": map[string]any{"value": "1", "$ref": elsewhere + "/Users/1"}}
	body[hdFreshURN] = map[string]any{"location": "Berlin"}
	r := h.do(http.MethodPost, "/scim/v2/Users", body)
	id := ""
	if r.Status == http.StatusCreated {
		id, _ = r.JSON(t)["id"].(string)
	}
	h.do(http.MethodGet, "/scim/v2/Users/"+id, nil)
	h.do(http.MethodPatch, "/scim/v2/Users/"+id, userPatchBody(patchOp("Replace", hdEnterpriseURN+":manager", map[string]any{"value": elsewhere, "$ref": elsewhere}),
		patchOp("Replace", "title", "Boss"), patchOp("Add", "profileUrl", elsewhere)))
	h.do(http.MethodGet, "/scim/v2/Users?startIndex=1&count=10", nil)
	g := h.do(http.MethodPost, "/scim/v2/Groups", map[string]any{"schemas": []string{hdGroupSchema}, "displayName": "Sales"})
	gid := ""
	if g.Status == http.StatusCreated {
		gid, _ = g.JSON(t)["id"].(string)
	}
	h.do(http.MethodPatch, "/scim/v2/Groups/"+gid, userPatchBody(map[string]any{"op": "Add", "path": "members", "value": []any{map[string]any{"value": id, "$ref": elsewhere + "/Users/" + id}}}))
	h.do(http.MethodGet, "/scim/v2/Groups?filter="+hdFilter(`displayName eq "Sales"`), nil)
	h.do(http.MethodGet, "/scim/v2/Groups/"+gid, nil)
	h.do(http.MethodPatch, "/scim/v2/Users/"+id, userPatchBody(patchOp("Replace", "active", "False")))
	h.do(http.MethodDelete, "/scim/v2/Users/"+id, nil)
	h.do(http.MethodDelete, "/scim/v2/Groups/"+gid, nil)
}

func TestOnlyTheTenantsAPIHostIsCalled(t *testing.T) {
	collector, hits := hdCollector(t)
	rec := hdNewRecorder(t)
	h := newHarness(t, withServer(func(o *proxy.Options) { o.Transport = rec }))
	h.emu.AddDepartment("Sales")
	h.emu.AddLocation("Berlin")
	hdEntraCycle(t, h, collector.URL)

	// A token for a domain no tenant file names, sealed with the server's own key, points nowhere.
	for _, domain := range []string{"169.254.169.254", "localhost", "evil.example", testDomain + ".evil.example"} {
		tok, err := h.keys.Seal(domain, h.apiKey, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r := h.doAuth(http.MethodGet, "/scim/v2/Users?filter="+hdFilter(`userName eq "ann@contoso.com"`), nil, "Bearer "+tok)
		hdAssertSCIMError(t, r, http.StatusUnauthorized, "")
	}

	emuHost := hdHost(t, h.emuURL)
	calls := rec.started()
	if len(calls) == 0 {
		t.Fatal("the cycle made no Freshservice call at all")
	}
	for _, c := range calls {
		if c.host != emuHost {
			t.Errorf("fsscim called %s %s%s; the tenant's API host is %s", c.method, c.host, c.path, emuHost)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the collector was called %d times", n)
	}
}

func TestFreshserviceRedirectsAndLinksAreNotFollowed(t *testing.T) {
	collector, hits := hdCollector(t)
	collectorHost := hdHost(t, collector.URL)
	for _, status := range []int{0, http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		name := fmt.Sprintf("redirect %d", status)
		if status == 0 {
			name = "next-page link to another host"
		}
		t.Run(name, func(t *testing.T) {
			rec := hdNewRecorder(t)
			redir := &hdRedirector{next: hdTransport(t), status: status, target: collector.URL}
			rec.next = redir
			h := newHarness(t, withServer(func(o *proxy.Options) { o.Transport = rec }))
			seeded := h.emu.AddRequester(freshservice.User{FirstName: "Ann", PrimaryEmail: "ann@contoso.com"})
			h.emu.AddDepartment("Sales")
			h.emu.AddLocation("Berlin")
			hdEntraCycle(t, h, collector.URL)
			for _, req := range []struct{ method, path string }{
				{http.MethodGet, fmt.Sprintf("/scim/v2/Users/%d", seeded.ID)},
				{http.MethodPatch, fmt.Sprintf("/scim/v2/Users/%d", seeded.ID)},
			} {
				r := h.do(req.method, req.path, userPatchBody(patchOp("Replace", "title", "Redirected")))
				if status != 0 && r.Status < 500 {
					t.Errorf("%s %s with Freshservice redirecting: %d %s", req.method, req.path, r.Status, r.Body)
				}
			}
			for _, c := range rec.started() {
				if c.host == collectorHost {
					t.Errorf("fsscim followed Freshservice to %s%s", c.host, c.path)
				}
			}
			if n := hits.Load(); n != 0 {
				t.Fatalf("the other host was called %d times", n)
			}
			if u, _ := h.emu.User(seeded.ID); u.JobTitle == "Redirected" && status != 0 {
				t.Fatal("a redirected write reached Freshservice")
			}
		})
	}
}

func hdHost(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
