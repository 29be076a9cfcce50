package freshservice_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
)

// classes lists every Is* classifier, so each error shape can assert the whole classification.
var classes = map[string]func(error) bool{
	"duplicate":    freshservice.IsDuplicate,
	"notfound":     freshservice.IsNotFound,
	"ratelimited":  freshservice.IsRateLimited,
	"unauthorized": freshservice.IsUnauthorized,
	"forbidden":    freshservice.IsForbidden,
	"validation":   freshservice.IsValidation,
	"unavailable":  freshservice.IsUnavailable,
}

func TestErrorShapes(t *testing.T) {
	longHTML := "<html><body>" + strings.Repeat("Service temporarily down. ", 40) + "</body></html>"
	tests := []struct {
		name        string
		reply       reply
		class       string // the one Is* classifier that must hold ("" = none)
		code        string
		message     string
		description string
		fields      []freshservice.FieldError
		retryAfter  time.Duration
		contains    []string // in Error()
	}{
		{
			name: "validation",
			reply: reply{status: 400, body: `{"description":"Validation failed","errors":[` +
				`{"field":"department_ids","message":"[ \" It should be a/an Positive Integer \" ]","code":"invalid_value"},` +
				`{"field":"first_name","message":"It should not be blank","code":"missing_field"}]}`},
			class:       "validation",
			description: "Validation failed",
			fields: []freshservice.FieldError{
				{Field: "department_ids", Message: "It should be a/an Positive Integer", Code: "invalid_value"},
				{Field: "first_name", Message: "It should not be blank", Code: "missing_field"},
			},
			contains: []string{"GET /requesters/{id}", "400 Bad Request", "Validation failed",
				"department_ids: It should be a/an Positive Integer (invalid_value)", "first_name: It should not be blank (missing_field)"},
		},
		{
			name: "duplicate as 409",
			reply: reply{status: 409, body: `{"description":"Validation failed","errors":[` +
				`{"field":"primary_email","message":"It already exists","code":"duplicate_value"}]}`},
			class:       "duplicate",
			description: "Validation failed",
			fields:      []freshservice.FieldError{{Field: "primary_email", Message: "It already exists", Code: "duplicate_value"}},
			contains:    []string{"409 Conflict", "primary_email: It already exists (duplicate_value)"},
		},
		{
			name: "duplicate as 400",
			reply: reply{status: 400, body: `{"description":"Validation failed","errors":[` +
				`{"field":"email","message":"It already exists","code":"duplicate_value"}]}`},
			class:       "duplicate",
			description: "Validation failed",
			fields:      []freshservice.FieldError{{Field: "email", Message: "It already exists", Code: "duplicate_value"}},
			contains:    []string{"400 Bad Request", "(duplicate_value)"},
		},
		{
			name:     "code and message",
			reply:    reply{status: 401, body: `{"code":"invalid_credentials","message":"You have to be logged in to perform this action."}`},
			class:    "unauthorized",
			code:     "invalid_credentials",
			message:  "You have to be logged in to perform this action.",
			contains: []string{"401 Unauthorized: invalid_credentials You have to be logged in"},
		},
		{
			name:     "forbidden",
			reply:    reply{status: 403, body: `{"code":"access_denied","message":"You are not authorized to perform this action."}`},
			class:    "forbidden",
			code:     "access_denied",
			message:  "You are not authorized to perform this action.",
			contains: []string{"403 Forbidden: access_denied"},
		},
		{
			name:     "message only",
			reply:    reply{status: 405, body: `{"message":"Method not allowed"}`},
			message:  "Method not allowed",
			contains: []string{"405 Method Not Allowed: Method not allowed"},
		},
		{
			name:     "empty 404",
			reply:    reply{status: 404},
			class:    "notfound",
			contains: []string{"GET /requesters/{id}: 404 Not Found"},
		},
		{
			name:     "empty object 404",
			reply:    reply{status: 404, body: `{}`},
			class:    "notfound",
			contains: []string{"404 Not Found"},
		},
		{
			name:     "plain text 502",
			reply:    reply{status: 502, body: "Bad gateway\n\tupstream reset", header: map[string]string{"Content-Type": "text/plain"}},
			class:    "unavailable",
			message:  "Bad gateway upstream reset",
			contains: []string{"502 Bad Gateway: Bad gateway upstream reset"},
		},
		{
			name:     "long html 500 is truncated",
			reply:    reply{status: 500, body: longHTML, header: map[string]string{"Content-Type": "text/html"}},
			class:    "unavailable",
			message:  strings.TrimSpace(longHTML[:200]) + "…",
			contains: []string{"500 Internal Server Error: <html><body>Service temporarily down."},
		},
		{
			name:       "429 with retry-after",
			reply:      reply{status: 429, header: map[string]string{"Retry-After": "42"}},
			class:      "ratelimited",
			retryAfter: 42 * time.Second,
			contains:   []string{"429 Too Many Requests, retry after 42s"},
		},
		{
			name:     "key echoed back is redacted",
			reply:    reply{status: 401, body: `{"code":"invalid_credentials","message":"key ` + testKey + ` is unknown"}`},
			class:    "unauthorized",
			code:     "invalid_credentials",
			message:  "key [redacted] is unknown",
			contains: []string{"key [redacted] is unknown"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, map[string][]reply{"GET /requesters/7": {tt.reply}})
			c := newTestClient(t, f.srv.URL, func(o *freshservice.Options) { o.MaxGetRetries = -1 })
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()

			_, err := c.GetRequester(ctx, 7)
			var fe *freshservice.Error
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v (%T), want *freshservice.Error", err, err)
			}
			if fe.Status != tt.reply.status || fe.Method != "GET" || fe.Endpoint != "/requesters/{id}" {
				t.Errorf("status/method/endpoint = %d %s %s", fe.Status, fe.Method, fe.Endpoint)
			}
			if fe.Code != tt.code || fe.Message != tt.message || fe.Description != tt.description {
				t.Errorf("code/message/description = %q / %q / %q, want %q / %q / %q",
					fe.Code, fe.Message, fe.Description, tt.code, tt.message, tt.description)
			}
			if !equalFieldErrors(fe.Errors, tt.fields) {
				t.Errorf("field errors = %+v, want %+v", fe.Errors, tt.fields)
			}
			if got := freshservice.RetryAfter(err); got != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", got, tt.retryAfter)
			}
			for name, is := range classes {
				if want := name == tt.class; is(err) != want {
					t.Errorf("Is %s = %v, want %v", name, !want, want)
				}
			}
			msg := err.Error()
			for _, s := range tt.contains {
				if !strings.Contains(msg, s) {
					t.Errorf("Error() = %q, want it to contain %q", msg, s)
				}
			}
			if strings.Contains(msg, testKey) {
				t.Errorf("Error() leaks the key: %q", msg)
			}
		})
	}
}

func equalFieldErrors(a, b []freshservice.FieldError) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTransportErrorIsSanitised(t *testing.T) {
	f := newFake(t, map[string][]reply{"GET /requesters": {{drop: true}}})
	c := newTestClient(t, f.srv.URL, func(o *freshservice.Options) { o.MaxGetRetries = -1 })

	_, err := c.FindUsersByEmail(context.Background(), "Private.Person@example.com")
	var fe *freshservice.Error
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want *freshservice.Error", err)
	}
	if fe.Status != 0 || !freshservice.IsUnavailable(err) || fe.Err == nil {
		t.Fatalf("got status %d, unavailable %v, cause %v; want 0, true, a cause", fe.Status, freshservice.IsUnavailable(err), fe.Err)
	}
	msg := err.Error()
	for _, secret := range []string{testKey, "private.person", "example.com", "email="} {
		if strings.Contains(strings.ToLower(msg), strings.ToLower(secret)) {
			t.Errorf("Error() = %q contains %q", msg, secret)
		}
	}
	if !strings.Contains(msg, "GET /requesters: no answer") {
		t.Errorf("Error() = %q, want the endpoint template and 'no answer'", msg)
	}
}

func TestTimeoutIsUnavailable(t *testing.T) {
	block := make(chan struct{})
	srv := newBlockingServer(t, block)
	c := newTestClient(t, srv, func(o *freshservice.Options) {
		o.Timeout = 50 * time.Millisecond
		o.MaxGetRetries = -1
	})
	_, err := c.GetAgent(context.Background(), 1)
	close(block)
	if !freshservice.IsUnavailable(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want unavailable wrapping context.DeadlineExceeded", err)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Errorf("Error() leaks the key: %q", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts freshservice.Options
	}{
		{"no base URL", freshservice.Options{APIKey: "k"}},
		{"no key", freshservice.Options{BaseURL: "https://a.freshservice.com/api/v2"}},
		{"credentials in URL", freshservice.Options{BaseURL: "https://user:" + testKey + "@a.freshservice.com/api/v2", APIKey: "k"}},
		{"ftp", freshservice.Options{BaseURL: "ftp://a.freshservice.com/api/v2", APIKey: "k"}},
		{"query", freshservice.Options{BaseURL: "https://a.freshservice.com/api/v2?x=1", APIKey: "k"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := freshservice.New(tt.opts)
			if err == nil || c != nil {
				t.Fatalf("New = %v, %v; want an error", c, err)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error leaks the key: %q", err)
			}
		})
	}
}

// newBlockingServer answers nothing until block is closed.
func newBlockingServer(t *testing.T, block chan struct{}) string {
	t.Helper()
	f := newFake(t, nil)
	f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	return f.srv.URL
}
