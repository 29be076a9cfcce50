package proxy_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAdminListenerHoldsReadinessAndMetrics: the SCIM listener, which faces the internet, answers
// /scim/v2 and a liveness /healthz only; /readyz and /metrics (every tenant's domain and directory
// size) answer on the admin listener alone.
func TestAdminListenerHoldsReadinessAndMetrics(t *testing.T) {
	h := newHarness(t)
	admin := httptest.NewServer(h.srv.AdminHandler())
	t.Cleanup(admin.Close)
	get := func(base, path string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	scimAnswers := []struct {
		path   string
		status int
	}{{"/healthz", 200}, {"/readyz", 404}, {"/metrics", 404}, {"/metrics/", 404}, {"/READYZ", 404}}
	for _, a := range scimAnswers {
		if status, body := get(h.http.URL, a.path); status != a.status {
			t.Errorf("SCIM listener %s: %d %s, want %d", a.path, status, body, a.status)
		}
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if status, body := get(admin.URL, p); status != http.StatusOK {
			t.Errorf("admin listener %s: %d %s", p, status, body)
		}
	}
	if _, body := get(admin.URL, "/metrics"); !strings.Contains(body, "fsscim_scim_requests_total") {
		t.Errorf("admin /metrics does not hold fsscim's metrics:\n%.400s", body)
	}
	status, body := get(admin.URL, "/scim/v2/Users")
	if status != http.StatusNotFound || !strings.Contains(body, "/readyz") {
		t.Errorf("admin listener /scim/v2/Users: %d %s, want 404 naming its endpoints", status, body)
	}
	if r := h.do(http.MethodGet, "/scim/v2/Users?filter=userName+eq+%22nobody%40example.com%22", nil); r.Status != http.StatusOK {
		t.Fatalf("SCIM lookup: %d %s", r.Status, r.Body)
	}

	// Probes and scrapes log at debug, so a default (info) log holds SCIM traffic only.
	levels := map[string]string{}
	for _, line := range strings.Split(h.logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || (m["msg"] != "request" && m["msg"] != "admin request") {
			continue
		}
		path, _ := m["path"].(string)
		levels[m["msg"].(string)+" "+path] = m["level"].(string)
	}
	for line, want := range map[string]string{
		"request /healthz":             "debug",
		"request /readyz":              "debug",
		"admin request /healthz":       "debug",
		"admin request /readyz":        "debug",
		"admin request /metrics":       "debug",
		"admin request /scim/v2/Users": "info",
		"request /scim/v2/Users":       "info",
	} {
		if levels[line] != want {
			t.Errorf("%s logged at %q, want %s (all: %v)", line, levels[line], want, levels)
		}
	}
}
