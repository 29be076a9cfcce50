package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// client is a cookie-keeping HTTP client that does not follow redirects, as a form poster.
func client(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formCSRF loads a page and returns its form's token.
func formCSRF(t *testing.T, c *http.Client, page string) string {
	t.Helper()
	resp, err := c.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		t.Fatalf("%s has no form token (status %d)", page, resp.StatusCode)
	}
	return string(m[1])
}

func post(t *testing.T, c *http.Client, target string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(target, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestFormsWithoutTheirTokenAreRefused(t *testing.T) {
	s := newSite(t)
	// A page on another site can post the form, but cannot read the token the browser holds.
	code, _ := post(t, client(t), s.scim.URL+"/app/signin", url.Values{"token": {s.token}})
	if code != http.StatusForbidden {
		t.Fatalf("sign-in without the form token: %d, want 403", code)
	}
	c := client(t)
	formCSRF(t, c, s.scim.URL+"/app")
	code, _ = post(t, c, s.scim.URL+"/app/signin", url.Values{"token": {s.token}, "csrf": {"forged-forged-forged-forged-forged-forged"}})
	if code != http.StatusForbidden {
		t.Fatalf("sign-in with a forged form token: %d, want 403", code)
	}
	link := s.link(t, time.Now(), time.Hour)
	code, _ = post(t, client(t), link, url.Values{"api_key": {testAPIKey}})
	if code != http.StatusForbidden {
		t.Fatalf("enrollment without the form token: %d, want 403", code)
	}
	// The link is still good: a refused post does not use it.
	c = client(t)
	code, body := post(t, c, link, url.Values{"api_key": {testAPIKey}, "csrf": {formCSRF(t, c, link)}})
	if code != http.StatusOK || !strings.Contains(body, `id="secret-token"`) {
		t.Fatalf("enrollment with the form token: %d\n%s", code, body)
	}
}

func TestSignInFailuresAreThrottledAsTheSCIMListenerIs(t *testing.T) {
	s := newSite(t)
	c := client(t)
	csrf := formCSRF(t, c, s.scim.URL+"/app")
	wrong := s.token[:len(s.token)-2] + "xx"
	var code int
	var body string
	for range 10 {
		if code, body = post(t, c, s.scim.URL+"/app/signin", url.Values{"token": {wrong}, "csrf": {csrf}}); code != http.StatusUnauthorized {
			t.Fatalf("wrong token: %d, want 401", code)
		}
	}
	if strings.Contains(body, wrong) {
		t.Fatal("the refused token is echoed in the page")
	}
	code, _ = post(t, c, s.scim.URL+"/app/signin", url.Values{"token": {wrong}, "csrf": {csrf}})
	if code != http.StatusTooManyRequests {
		t.Fatalf("11th wrong sign-in: %d, want 429", code)
	}
	// The same token on the SCIM listener is throttled too: the form is no way round the limit.
	req, _ := http.NewRequest(http.MethodGet, s.scim.URL+"/scim/v2/Users", nil)
	req.Header.Set("Authorization", "Bearer "+wrong)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("SCIM request with the throttled token: %d, want 429", resp.StatusCode)
	}
	// The right token still signs in, and the cookie is HttpOnly, Secure and SameSite=Strict.
	resp, err = c.PostForm(s.scim.URL+"/app/signin", url.Values{"token": {s.token}, "csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("right token: %d, want 303", resp.StatusCode)
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "fsscim_app" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteStrictMode || session.MaxAge != 8*3600 {
		t.Fatalf("session cookie %+v", session)
	}
}
