package freshservicetest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// Page sizes Freshservice applies to list endpoints.
const (
	defaultPerPage = 30
	maxPerPage     = 100
)

// page is a validated page request.
type page struct{ number, size int }

// listQuery validates a list's query string: only page, per_page and the named filters are allowed.
// A present but empty filter is refused rather than ignored, so a client that loses its filter value
// does not silently list everyone.
func listQuery(q *request, filters ...string) (url.Values, page, *response) {
	vals := q.r.URL.Query()
	p := page{number: 1, size: defaultPerPage}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := vals.Get(k)
		switch {
		case k == "page":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				r := badRequest(*invalidValue(k, "It should be a/an Positive Integer"))
				return nil, p, &r
			}
			p.number = n
		case k == "per_page":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxPerPage {
				r := badRequest(*invalidValue(k, "It should be a/an Positive Integer less than or equal to 100"))
				return nil, p, &r
			}
			p.size = n
		case slices.Contains(filters, k):
			if v == "" {
				r := badRequest(*invalidValue(k, "It should not be blank"))
				return nil, p, &r
			}
		default:
			r := badRequest(*invalidField(k))
			return nil, p, &r
		}
	}
	return vals, p, nil
}

// boolParam reads a true/false filter; ok is false when absent.
func boolParam(vals url.Values, key string) (value, ok bool, bad *response) {
	if !vals.Has(key) {
		return false, false, nil
	}
	switch vals.Get(key) {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	r := badRequest(*invalidValue(key, "It should be either 'true' or 'false'"))
	return false, false, &r
}

// pageOf answers one page of items, rendered, under key, with a Link to the next page when there is
// one. Rendering only the page keeps long lists cheap.
func pageOf[T any](q *request, p page, key string, items []T, render func(T) map[string]any) response {
	start := min((p.number-1)*p.size, len(items))
	end := min(start+p.size, len(items))
	out := make([]map[string]any, 0, end-start)
	for _, it := range items[start:end] {
		out = append(out, render(it))
	}
	resp := jsonResponse(http.StatusOK, map[string]any{key: out})
	if end < len(items) {
		next := q.r.URL.Query()
		next.Set("page", strconv.Itoa(p.number+1))
		next.Set("per_page", strconv.Itoa(p.size))
		resp.header.Set("Link", "<"+q.base+q.r.URL.Path+"?"+next.Encode()+`>; rel="next"`)
	}
	return resp
}
