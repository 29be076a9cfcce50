package freshservice

import (
	"net/http"
	"testing"
	"time"
)

func headers(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, value string
		want        time.Duration
	}{
		{"seconds", "30", 30 * time.Second},
		{"missing", "", 0},
		{"zero", "0", 0},
		{"negative", "-3", 0},
		{"garbage", "soon", 0},
		{"http date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"past date", now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRetryAfter(headers("Retry-After", tt.value), now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

func TestNextPage(t *testing.T) {
	tests := []struct {
		name     string
		links    []string
		wantPage int
		wantMore bool
	}{
		{"none", nil, 0, false},
		{"next", []string{`<https://a.freshservice.com/api/v2/requesters?page=2&per_page=100>; rel="next"`}, 2, true},
		{"unquoted rel", []string{`<https://a/api/v2/agents?per_page=100&page=7>; rel=next`}, 7, true},
		{"prev and next in one value", []string{`<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next"`}, 3, true},
		{"several values", []string{`<https://a/x?page=1>; rel="prev"`, `<https://a/x?page=4>; rel="next"`}, 4, true},
		{"only prev", []string{`<https://a/x?page=1>; rel="prev"`}, 0, false},
		{"comma in url", []string{`<https://a/x?ids=1,2&page=5>; rel="next"`}, 5, true},
		{"next without page number", []string{`<https://a/x?cursor=abc>; rel="next"`}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, l := range tt.links {
				h.Add("Link", l)
			}
			page, more := nextPage(h)
			if page != tt.wantPage || more != tt.wantMore {
				t.Errorf("nextPage = %d, %v; want %d, %v", page, more, tt.wantPage, tt.wantMore)
			}
		})
	}
}
