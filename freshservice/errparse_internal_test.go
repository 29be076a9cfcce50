package freshservice

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestFillFromBody(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Error
	}{
		{"message as a list", `{"message":["first","second"],"code":"invalid_value"}`,
			Error{Code: "invalid_value", Message: "first, second"}},
		{"numeric code", `{"code":42,"message":"odd"}`, Error{Code: "42", Message: "odd"}},
		{"errors not a list", `{"description":"Validation failed","errors":{"field":"x"}}`,
			Error{Description: "Validation failed"}},
		{"field message as a list", `{"errors":[{"field":"language","message":["bad","worse"],"code":"invalid_value"}]}`,
			Error{Errors: []FieldError{{Field: "language", Message: "bad, worse", Code: "invalid_value"}}}},
		{"json that is not an object", `["x"]`, Error{Message: `["x"]`}},
		{"broken json", `{"message":`, Error{Message: `{"message":`}},
		{"control characters", "line one\r\n\x00line\ttwo", Error{Message: "line one line two"}},
		{"white space only", " \n\t ", Error{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Error
			got.fillFromBody([]byte(tt.body), nil)
			if got.Code != tt.want.Code || got.Message != tt.want.Message || got.Description != tt.want.Description ||
				len(got.Errors) != len(tt.want.Errors) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got.Errors {
				if got.Errors[i] != tt.want.Errors[i] {
					t.Errorf("field error %d = %+v, want %+v", i, got.Errors[i], tt.want.Errors[i])
				}
			}
		})
	}
}

func TestCleanTextTruncates(t *testing.T) {
	got := cleanText(strings.Repeat("é", 500))
	if n := len([]rune(got)); n != maxErrorText+1 || !strings.HasSuffix(got, "…") {
		t.Errorf("cleanText kept %d runes: %q", n, got)
	}
}

func TestDefaultBackoff(t *testing.T) {
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
		1600 * time.Millisecond, 2 * time.Second, 2 * time.Second}
	for i, w := range want {
		if got := defaultBackoff(i + 1); got != w {
			t.Errorf("defaultBackoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestSanitizeTransportError(t *testing.T) {
	inner := errors.New("connection refused")
	err := &url.Error{Op: "Get", URL: "https://user:pw@a.freshservice.com/api/v2/requesters?email=x%40y.z", Err: inner}
	got := sanitizeTransportError(err, "https://a.freshservice.com/api/v2/requesters")
	if got.Error() != `Get "https://a.freshservice.com/api/v2/requesters": connection refused` {
		t.Errorf("sanitised = %q", got)
	}
	if !errors.Is(got, inner) {
		t.Error("the cause is lost")
	}
	nested := stripURLs(&url.Error{Op: "Post", URL: "https://user:pw@h/p?q=1#f", Err: inner})
	if s := nested.Error(); strings.Contains(s, "pw") || strings.Contains(s, "q=1") {
		t.Errorf("stripURLs = %q", s)
	}
}
