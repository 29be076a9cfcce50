package freshservicetest

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
)

var nextLink = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

func TestPaginationFollowsLinkAcrossPages(t *testing.T) {
	f := newFixture(t, Options{})
	var want []int64
	for i := range 7 {
		u := f.e.AddRequester(freshservice.User{FirstName: "U", PrimaryEmail: fmt.Sprintf("u%d@x.com", i)})
		want = append(want, u.ID)
	}
	var got []int64
	var pages int
	url := "/api/v2/requesters?per_page=3"
	for url != "" {
		r := f.do(http.MethodGet, url, nil).must(t, http.StatusOK)
		pages++
		got = append(got, r.ids(t, "requesters")...)
		url = ""
		if link := r.Header.Get("Link"); link != "" {
			m := nextLink.FindStringSubmatch(link)
			if m == nil || !strings.HasPrefix(m[1], f.srv.URL+"/api/v2/requesters?") {
				t.Fatalf("Link %q is not an absolute rel=next link", link)
			}
			url = strings.TrimPrefix(m[1], f.srv.URL)
		}
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Errorf("pages = %d, ids = %v, want 3 pages of %v", pages, got, want)
	}
}

func TestPaginationDefaultsAndLastPage(t *testing.T) {
	f := newFixture(t, Options{})
	for i := range 31 {
		f.e.AddRequester(freshservice.User{FirstName: "U", PrimaryEmail: fmt.Sprintf("u%d@x.com", i)})
	}
	tests := []struct {
		name     string
		query    string
		wantLen  int
		wantLink string
	}{
		{"default 30", "", 30, "page=2&per_page=30"},
		{"second page", "?page=2", 1, ""},
		{"past the end", "?page=5", 0, ""},
		{"exactly full", "?per_page=31", 31, ""},
		{"filter kept in link", "?per_page=100&include_agents=false&page=1", 31, ""},
		{"max 100", "?per_page=100", 31, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(http.MethodGet, "/api/v2/requesters"+tt.query, nil).must(t, http.StatusOK)
			if n := len(r.list(t, "requesters")); n != tt.wantLen {
				t.Errorf("len = %d, want %d", n, tt.wantLen)
			}
			link := r.Header.Get("Link")
			if (tt.wantLink == "") != (link == "") || !strings.Contains(link, tt.wantLink) {
				t.Errorf("Link = %q, want one containing %q", link, tt.wantLink)
			}
		})
	}
}

func TestPaginationRejectsBadParameters(t *testing.T) {
	f := newFixture(t, Options{})
	g := f.e.AddRequesterGroup("Staff", false)
	tests := []struct {
		name      string
		url       string
		wantField string
	}{
		{"per_page over 100", "/api/v2/requesters?per_page=101", "per_page"},
		{"per_page zero", "/api/v2/agents?per_page=0", "per_page"},
		{"per_page not a number", "/api/v2/departments?per_page=ten", "per_page"},
		{"page zero", "/api/v2/locations?page=0", "page"},
		{"members per_page over 100", path("/api/v2/requester_groups/{id}/members?per_page=500", g.ID), "per_page"},
		{"unknown parameter", "/api/v2/requesters?name=Ann", "name"},
		{"empty email", "/api/v2/requesters?email=", "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := f.do(http.MethodGet, tt.url, nil).must(t, http.StatusBadRequest).fieldErrors(t)
			if len(errs) != 1 || errs[0].Field != tt.wantField {
				t.Errorf("errors = %+v, want one on %s", errs, tt.wantField)
			}
		})
	}
}
