package config

import (
	"strings"
	"testing"
)

func TestNormaliseDomain(t *testing.T) {
	tests := []struct {
		in, want, problem string
	}{
		{"acme.freshservice.com", "acme.freshservice.com", ""},
		{"  Acme.FreshService.com \n", "acme.freshservice.com", ""},
		{"https://acme.freshservice.com/", "acme.freshservice.com", ""},
		{"https://acme.freshservice.com/api/v2/agents", "acme.freshservice.com", ""},
		{"acme.freshservice.com.", "acme.freshservice.com", ""},
		{"acme", "", "did you mean acme.freshservice.com?"},
		{"acme.freshservice.com:443", "", "give only the host name: acme.freshservice.com"},
		{"acme corp.freshservice.com", "", "is not a host name"},
		{"https://admin:s3cret@acme.freshservice.com", "", "holds a user name or password"},
		{"", "", "the domain is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormaliseDomain(tt.in)
			if tt.problem == "" {
				if err != nil || got != tt.want {
					t.Fatalf("NormaliseDomain(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.problem) {
				t.Fatalf("NormaliseDomain(%q) = %q, %v; want an error saying %q", tt.in, got, err, tt.problem)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("the message repeats a password: %v", err)
			}
		})
	}
}
