package freshservice_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/egress"
)

// Hostile answers: whatever Freshservice (or a proxy on the way) sends back, the client's errors must
// not carry the API key in any form, must not follow the answer to another host, and the values fsscim
// looks up must reach Freshservice intact as one query parameter.

const hardKey = "hardening-key-9f8e7d6c"

func hardClient(t *testing.T, base string, transport http.RoundTripper) *freshservice.Client {
	t.Helper()
	c, err := freshservice.New(freshservice.Options{
		BaseURL:       base + "/api/v2",
		APIKey:        hardKey,
		Timeout:       2 * time.Second,
		MaxGetRetries: -1,
		Backoff:       func(int) time.Duration { return 0 },
		Transport:     transport,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hardCalls are the client calls each hostile answer is tried with.
var hardCalls = []struct {
	name string
	run  func(context.Context, *freshservice.Client) error
}{
	{"get requester", func(ctx context.Context, c *freshservice.Client) error { _, err := c.GetRequester(ctx, 7); return err }},
	{"find by email", func(ctx context.Context, c *freshservice.Client) error {
		_, err := c.FindUsersByEmail(ctx, "ann@contoso.com")
		return err
	}},
	{"create requester", func(ctx context.Context, c *freshservice.Client) error {
		first, email := "Ann", "ann@contoso.com"
		_, err := c.CreateRequester(ctx, freshservice.UserFields{NameFields: freshservice.NameFields{FirstName: &first}, Email: &email})
		return err
	}},
	{"deactivate requester", func(ctx context.Context, c *freshservice.Client) error { return c.DeactivateRequester(ctx, 7) }},
	{"check key", func(ctx context.Context, c *freshservice.Client) error { return c.CheckKey(ctx) }},
}

// TestErrorsNeverCarryTheKey: an upstream that quotes the request's credentials back (in its error
// fields, its free text, a header or a transport error) gets an error that holds none of them.
func TestErrorsNeverCarryTheKey(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(hardKey + ":X"))
	forms := map[string]string{"API key": hardKey, "Basic credential": basic, "Basic credential unpadded": strings.TrimRight(basic, "=")}
	echo := func(r *http.Request) string {
		key, _, _ := r.BasicAuth()
		return fmt.Sprintf("%q", "key "+key+" sent as "+r.Header.Get("Authorization")+" alone: "+strings.TrimPrefix(r.Header.Get("Authorization"), "Basic "))
	}
	answers := []struct {
		name    string
		handler http.HandlerFunc
		// transport replaces the network: an error that quotes the request.
		transport func(*http.Request) (*http.Response, error)
		// success: calls that do not read the answer's body may take it as done.
		success bool
	}{
		{name: "401 quoting the credentials", handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"code":"access_denied","message":%s}`, echo(r))
		}},
		{name: "400 with field errors quoting the credentials", handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"description":%s,"errors":[{"field":%s,"message":%s,"code":"invalid_value"}]}`, echo(r), echo(r), echo(r))
		}},
		{name: "409 duplicate quoting the credentials", handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusConflict)
			fmt.Fprintf(w, `{"description":"Validation failed","errors":[{"field":"email","message":%s,"code":"duplicate_value"}]}`, echo(r))
		}},
		{name: "500 page quoting the credentials", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "<html><body>%s</body></html>", echo(r))
		}},
		{name: "429 quoting the credentials", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprintf(w, `{"message":%s}`, echo(r))
		}},
		{name: "redirect carrying the credentials", handler: func(w http.ResponseWriter, r *http.Request) {
			key, _, _ := r.BasicAuth()
			// Port 1 on loopback: nothing listens, and nothing leaves the machine if it were followed.
			http.Redirect(w, r, "http://127.0.0.1:1/?k="+url.QueryEscape(key)+"&a="+url.QueryEscape(r.Header.Get("Authorization")), http.StatusFound)
		}},
		{name: "2xx that does not decode", success: true, handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"requester": %s`, echo(r))
		}},
		{name: "transport error quoting the request", transport: func(r *http.Request) (*http.Response, error) {
			key, _, _ := r.BasicAuth()
			return nil, fmt.Errorf("proxy CONNECT refused for %s, key %s, header %s", r.URL, key, r.Header.Get("Authorization"))
		}},
	}
	for _, a := range answers {
		for _, call := range hardCalls {
			t.Run(a.name+"/"+call.name, func(t *testing.T) {
				base := "http://127.0.0.1:1" // never dialled: the transport answers
				var transport http.RoundTripper
				if a.handler != nil {
					srv := httptest.NewServer(a.handler)
					t.Cleanup(srv.Close)
					base = srv.URL
				} else {
					transport = roundTripFunc(a.transport)
				}
				err := call.run(context.Background(), hardClient(t, base, transport))
				if err == nil {
					if a.success {
						return
					}
					t.Fatal("no error")
				}
				texts := map[string]string{"Error()": err.Error(), "%+v": fmt.Sprintf("%+v", err), "%#v": fmt.Sprintf("%#v", err)}
				var fe *freshservice.Error
				if errors.As(err, &fe) {
					texts["Message"], texts["Description"], texts["Code"] = fe.Message, fe.Description, fe.Code
					for i, e := range fe.Errors {
						texts[fmt.Sprintf("Errors[%d]", i)] = e.Field + " " + e.Message + " " + e.Code
					}
					if fe.Err != nil {
						texts["Err"] = fe.Err.Error()
					}
				}
				for what, secret := range forms {
					t.Run(what, func(t *testing.T) {
						for where, text := range texts {
							if strings.Contains(text, secret) {
								t.Errorf("the %s is in the error's %s: %s", what, where, text)
							}
						}
					})
				}
			})
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestRedirectsAreNotFollowed: a redirect from Freshservice, to another host or its own, is an
// error; the client never sends a request (and so never the key) where it points.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var hits atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"requester":{"id":7},"requesters":[],"agent":{"id":1}}`)
	}))
	t.Cleanup(collector.Close)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, target := range []string{"other host", "same host"} {
			var self string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if target == "same host" {
					if strings.HasPrefix(r.URL.Path, "/moved") {
						hits.Add(1)
						return
					}
					http.Redirect(w, r, self+"/moved"+r.URL.Path, status)
					return
				}
				http.Redirect(w, r, collector.URL+r.URL.Path, status)
			}))
			self = srv.URL
			for _, call := range hardCalls {
				t.Run(fmt.Sprintf("%d to %s/%s", status, target, call.name), func(t *testing.T) {
					hits.Store(0)
					err := call.run(context.Background(), hardClient(t, srv.URL, nil))
					if err == nil {
						t.Fatal("a redirect was taken for an answer")
					}
					var fe *freshservice.Error
					if !errors.As(err, &fe) || fe.Status != status {
						t.Fatalf("error %v, want a *freshservice.Error with status %d", err, status)
					}
					if n := hits.Load(); n != 0 {
						t.Fatalf("the redirect was followed (%d requests)", n)
					}
				})
			}
			srv.Close()
		}
	}
}

// TestLookupValuesReachFreshserviceIntact: an email with characters that mean something in a URL or
// in Freshservice's query language is sent as one email parameter, unchanged but for case and
// surrounding space, on the one path a lookup uses.
func TestLookupValuesReachFreshserviceIntact(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Clone(context.Background()))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"requesters":[]}`)
	}))
	t.Cleanup(srv.Close)
	c := hardClient(t, srv.URL, nil)
	values := []string{
		`a'b@contoso.com`, `x' OR primary_email:'y`, `a")b@contoso.com`, `ann@contoso.com&include_agents=false&email=boss@contoso.com`,
		`ann@contoso.com#frag`, `../agents`, `..%2fagents`, `%00@contoso.com`, "ann@contoso.com\r\nX-Injected: 1", `ünï@bücher.example`,
		`😀@contoso.com`, "\u202e@contoso.com", ` Padded@Contoso.com `, strings.Repeat("a", 4000) + "@contoso.com", `a+b@contoso.com`, `a;b@contoso.com`,
	}
	for _, v := range values {
		mu.Lock()
		got = nil
		mu.Unlock()
		if _, err := c.FindUsersByEmail(context.Background(), v); err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		mu.Lock()
		reqs := got
		mu.Unlock()
		if len(reqs) != 1 {
			t.Fatalf("%q: %d requests", v, len(reqs))
		}
		r := reqs[0]
		if r.URL.Path != "/api/v2/requesters" {
			t.Errorf("%q: path %q", v, r.URL.Path)
		}
		q := r.URL.Query()
		want := strings.ToLower(strings.TrimSpace(v))
		if len(q["email"]) != 1 || q.Get("email") != want {
			t.Errorf("%q: email parameter %q, want %q", v, q["email"], want)
		}
		if len(q["include_agents"]) != 1 || q.Get("include_agents") != "true" || len(q) != 2 {
			t.Errorf("%q: query %q has other parameters", v, r.URL.RawQuery)
		}
		if r.Header.Get("X-Injected") != "" {
			t.Errorf("%q: a header was injected", v)
		}
	}
}

// TestKeyStraddlingTheCutIsMasked: upstream text is cut to a couple of hundred characters for the log;
// a key that starts just before the cut must not leave its first characters in the error.
func TestKeyStraddlingTheCutIsMasked(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(hardKey + ":X"))
	filler := strings.Repeat("z", 195) // the key starts 5 characters before the 200-character cut
	bodies := map[string]func(secret string) string{
		"JSON message":     func(s string) string { return fmt.Sprintf(`{"code":"bad_request","message":%q}`, filler+s) },
		"JSON description": func(s string) string { return fmt.Sprintf(`{"description":%q}`, filler+s) },
		"field error message": func(s string) string {
			return fmt.Sprintf(`{"errors":[{"field":"email","message":%q,"code":"x"}]}`, filler+s)
		},
		"plain text page": func(s string) string { return filler + s },
	}
	for what, secret := range map[string]string{"API key": hardKey, "Basic credential": basic} {
		for where, body := range bodies {
			t.Run(what+" in "+where, func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprint(w, body(secret))
				}))
				t.Cleanup(srv.Close)
				_, err := hardClient(t, srv.URL, nil).GetRequester(context.Background(), 7)
				var fe *freshservice.Error
				if !errors.As(err, &fe) || fe.Status != http.StatusBadRequest {
					t.Fatalf("error %v, want a 400 *freshservice.Error", err)
				}
				if !strings.Contains(err.Error(), filler[:50]) {
					t.Fatalf("the upstream text is not in the error at all: %v", err)
				}
				if prefix := secret[:5]; strings.Contains(err.Error(), prefix) {
					t.Errorf("the %s's first characters %q survive the cut: %s", what, prefix, err)
				}
			})
		}
	}
}

// TestClientNeverCallsMetadataServices: whatever base URL a client is given, its own transport does
// not connect to a link-local or cloud metadata address, where the API key could be logged or a
// request could fetch the machine's credentials.
func TestClientNeverCallsMetadataServices(t *testing.T) {
	for _, base := range []string{"http://169.254.169.254", "https://[fe80::1]:8443", "http://[fd00:ec2::254]"} {
		t.Run(base, func(t *testing.T) {
			err := hardClient(t, base, nil).CheckKey(context.Background())
			if !errors.Is(err, egress.ErrForbidden) {
				t.Fatalf("error %v, want the dial refused by egress.ErrForbidden", err)
			}
		})
	}
}
