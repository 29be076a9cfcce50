package proxy_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy"
)

// Secrets: the API key sealed in a token, the token itself and the Basic credential fsscim sends to
// Freshservice must never appear in an answer (body or header), in the log, in /metrics, or in what a
// panic leaves behind, even when Freshservice (or something on the way to it) repeats them back.

// hdHostile stands between fsscim and the emulator and misbehaves as its mode says, quoting the
// request's credentials back in every way an upstream could.
type hdHostile struct {
	next http.RoundTripper
	mu   sync.Mutex
	mode string
}

func (h *hdHostile) set(mode string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.mode = mode
}

func (h *hdHostile) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	mode := h.mode
	h.mu.Unlock()
	auth := r.Header.Get("Authorization")
	key, _, _ := r.BasicAuth()
	answer := func(status int, body string, header http.Header) (*http.Response, error) {
		if header == nil {
			header = http.Header{}
		}
		header.Set("Content-Type", "application/json")
		header.Set("X-Echo-Authorization", auth)
		return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: header, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
	}
	quoted := fmt.Sprintf("%q", "key "+key+" from "+auth)
	switch mode {
	case "401":
		return answer(http.StatusUnauthorized, `{"code":"access_denied","message":`+quoted+`}`, nil)
	case "403":
		return answer(http.StatusForbidden, `{"code":"access_denied","message":`+quoted+`}`, nil)
	case "400":
		return answer(http.StatusBadRequest, `{"description":"Validation failed","errors":[{"field":"primary_email","message":`+quoted+`,"code":"invalid_value"},{"field":`+quoted+`,"message":"bad","code":"invalid_value"}]}`, nil)
	case "409":
		return answer(http.StatusConflict, `{"description":"Validation failed","errors":[{"field":"primary_email","message":`+quoted+`,"code":"duplicate_value"}]}`, nil)
	case "429":
		return answer(http.StatusTooManyRequests, `{"message":`+quoted+`}`, http.Header{"Retry-After": {"120"}})
	case "500":
		return answer(http.StatusInternalServerError, `<html>`+auth+` `+key+`</html>`, nil)
	case "redirect":
		// Port 1 on loopback: nothing listens, and nothing leaves the machine if it were followed.
		return answer(http.StatusFound, `{}`, http.Header{"Location": {"http://127.0.0.1:1/?key=" + url.QueryEscape(key) + "&auth=" + url.QueryEscape(auth)}})
	case "garbage":
		return answer(http.StatusOK, `{"requester": `+quoted, nil)
	case "transport error":
		// An error that quotes the request's header (the bare key in a transport error is the
		// client's to redact: see freshservice's hardening tests).
		return nil, fmt.Errorf("proxy refused %s with Authorization: %s", r.URL, auth)
	case "panic":
		panic(fmt.Sprintf("transport failed on %s %v", r.URL, r.Header))
	}
	return h.next.RoundTrip(r)
}

func TestSecretsNeverLeak(t *testing.T) {
	hostile := &hdHostile{next: hdTransport(t)}
	h := newHarness(t, withServer(func(o *proxy.Options) {
		o.Transport = hostile
		// Freshservice's 429s must not stop the later modes from reaching it.
		hdWithOpenBudget(o)
	}))
	seeded := h.emu.AddRequester(freshservice.User{FirstName: "Ann", PrimaryEmail: "ann@contoso.com"})
	group := h.emu.AddRequesterGroup("Sales", false)
	h.warmIndex()

	basic := base64.StdEncoding.EncodeToString([]byte(h.apiKey + ":X"))
	secrets := map[string]string{
		"API key":                   h.apiKey,
		"token":                     h.token,
		"token without its prefix":  strings.TrimPrefix(h.token, "fss1."),
		"Basic credential":          basic,
		"Basic credential unpadded": strings.TrimRight(basic, "="),
	}
	var answers []response
	check := func(where string, text string) {
		t.Helper()
		for what, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("the %s appears in %s", what, where)
			}
		}
	}
	requests := []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, fmt.Sprintf("/scim/v2/Users/%d", seeded.ID), nil},
		{http.MethodPost, "/scim/v2/Users", entraUserBody("new@contoso.com")},
		{http.MethodPatch, fmt.Sprintf("/scim/v2/Users/%d", seeded.ID), userPatchBody(patchOp("Replace", "title", "Boss"))},
		{http.MethodDelete, fmt.Sprintf("/scim/v2/Users/%d", seeded.ID), nil},
		{http.MethodPost, "/scim/v2/Groups", map[string]any{"schemas": []string{hdGroupSchema}, "displayName": "Support"}},
		{http.MethodGet, fmt.Sprintf("/scim/v2/Groups/%d", group.ID), nil},
		{http.MethodPatch, fmt.Sprintf("/scim/v2/Groups/%d", group.ID), userPatchBody(hdMembers("Add", seeded.ID))},
	}
	modes := []string{"401", "403", "400", "409", "429", "500", "redirect", "garbage", "transport error", "panic"}
	for _, mode := range modes {
		hostile.set(mode)
		// A lookup the index answers for a recently verified key needs no Freshservice call.
		answers = append(answers, h.do(http.MethodGet, "/scim/v2/Users?filter="+hdFilter(`userName eq "nobody@contoso.com"`), nil))
		for _, req := range requests {
			r := h.do(req.method, req.path, req.body)
			answers = append(answers, r)
			// Reads are answered from the directory replica while the key's verdict holds; a
			// duplicate_value answer to a member add says the member is in already.
			answered := req.method == http.MethodGet || mode == "409" && req.method == http.MethodPatch && strings.Contains(req.path, "/Groups/")
			if r.Status >= 200 && r.Status < 300 && mode != "garbage" && !answered {
				// Nothing was confirmed by Freshservice, so nothing may be answered as done.
				t.Errorf("mode %s: %s %s answered %d", mode, req.method, req.path, r.Status)
			}
			if mode == "panic" && r.Status != http.StatusInternalServerError && r.Status != http.StatusServiceUnavailable {
				t.Errorf("mode panic: %s %s answered %d", req.method, req.path, r.Status)
			}
		}
	}
	// Freshservice answered 401 to the key: reads from the replica stop too.
	hostile.set("401")
	if r := h.do(http.MethodGet, fmt.Sprintf("/scim/v2/Users/%d", seeded.ID), nil); r.Status != http.StatusUnauthorized {
		t.Errorf("a read after Freshservice refused the key answered %d, want 401", r.Status)
	}
	hostile.set("")

	// Credentials a caller presents in the wrong place.
	for _, auth := range []string{
		"Basic " + basic,
		"Bearer " + h.apiKey,
		"Bearer " + h.token + "x",
		"Bearer " + h.token[:len(h.token)-3],
		"bearer  " + h.token + " extra",
		"Token " + h.token,
		h.token,
	} {
		r := h.doAuth(http.MethodGet, "/scim/v2/Users?access_token="+url.QueryEscape(h.token)+"&api_key="+url.QueryEscape(h.apiKey), nil, auth)
		answers = append(answers, r)
	}

	for i, r := range answers {
		check(fmt.Sprintf("answer %d (status %d) body", i, r.Status), string(r.Body))
		for k, v := range r.Header {
			check(fmt.Sprintf("answer %d header %s", i, k), strings.Join(v, " "))
		}
	}
	check("fsscim's log", h.logs.String())
	metrics := httptest.NewRecorder()
	h.srv.AdminHandler().ServeHTTP(metrics, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if metrics.Code != http.StatusOK {
		t.Fatalf("/metrics: %d", metrics.Code)
	}
	check("/metrics", metrics.Body.String())
	if !strings.Contains(h.logs.String(), "panic") {
		t.Error("the panics were not logged at all")
	}
}
