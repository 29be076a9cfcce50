package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// axeScript is the path of axe-core's axe.min.js, the accessibility checker the pages are held to
// (WCAG 2 A and AA rules: labels, contrast, landmarks, names). .ci/run installs it with npm.
func axeScript(t *testing.T) string {
	t.Helper()
	path := os.Getenv("FSSCIM_AXE")
	if path == "" {
		path = filepath.Join("..", "..", "_newman", "node_modules", "axe-core", "axe.min.js")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core is missing (.ci/run installs it with npm): %v", err)
		}
		t.Skipf("axe-core is not installed (npm install axe-core in _newman, or set FSSCIM_AXE): %v", err)
	}
	return string(src)
}

// axeViolation is what axe-core reports of one rule a page breaks.
type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// checkAccessible runs axe-core on the page the tab shows and fails the test with every violation.
// The script is injected through the DevTools protocol, which the page's Content-Security-Policy
// does not govern; the page itself loads nothing but its own files.
func checkAccessible(t *testing.T, ctx context.Context, axe, page string) {
	t.Helper()
	var raw string
	run(t, ctx, chromedp.Evaluate(axe+`;
		axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
			.then(r => JSON.stringify(r.violations))`, &raw,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	var violations []axeViolation
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		t.Fatalf("%s: axe-core's answer: %v", page, err)
	}
	for _, v := range violations {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, strings.TrimSpace(strings.ReplaceAll(n.Summary, "\n", " "))+" at "+jsonText(n.Target))
		}
		t.Errorf("%s: %s (%s):\n  %s", page, v.Help, v.ID, strings.Join(where, "\n  "))
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestPagesPassAccessibilityCheck holds every page a customer or an operator sees to WCAG 2.1 A and
// AA as axe-core checks them: the sign-in forms (also with a refusal shown), the tenant page with a
// create, a failed request and the audit trail, the enrollment form, its result and a used link,
// and the operator console.
func TestPagesPassAccessibilityCheck(t *testing.T) {
	axe := axeScript(t)
	s := newSite(t)
	ctx := tab(t)
	if code := s.scimRequest(t, http.MethodPost, "/scim/v2/Users", mariaLopez); code != http.StatusCreated {
		t.Fatalf("create through SCIM: %d", code)
	}
	if code := s.scimRequest(t, http.MethodPost, "/scim/v2/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":""}`); code != http.StatusBadRequest {
		t.Fatalf("a create without userName: %d", code)
	}

	run(t, ctx, chromedp.Navigate(s.scim.URL+"/app"), chromedp.WaitVisible("#token", chromedp.ByQuery))
	checkAccessible(t, ctx, axe, "sign-in")
	signIn(t, ctx, s.scim.URL+"/app", "fss1.not-a-token")
	run(t, ctx, chromedp.WaitVisible("#problem", chromedp.ByQuery))
	checkAccessible(t, ctx, axe, "sign-in refused")
	signIn(t, ctx, s.scim.URL+"/app", s.token)
	run(t, ctx, chromedp.WaitVisible("#audit", chromedp.ByQuery))
	checkAccessible(t, ctx, axe, "tenant page")

	link := s.link(t, time.Now(), time.Hour)
	run(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible("#api_key", chromedp.ByQuery))
	checkAccessible(t, ctx, axe, "enrollment form")
	run(t, ctx, chromedp.SendKeys("#api_key", testAPIKey, chromedp.ByQuery))
	leaveBy(t, ctx, chromedp.Submit("#api_key", chromedp.ByQuery))
	run(t, ctx, chromedp.WaitVisible("#secret-token", chromedp.ByQuery))
	checkAccessible(t, ctx, axe, "enrollment result")
	run(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible("h1", chromedp.ByQuery))
	checkAccessible(t, ctx, axe, "used enrollment link")

	signIn(t, ctx, s.admin.URL+"/console", adminToken)
	run(t, ctx, chromedp.WaitVisible("#tenants", chromedp.ByQuery))
	checkAccessible(t, ctx, axe, "operator console")
}
