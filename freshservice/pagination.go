package freshservice

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const (
	// walkPageSize is Freshservice's largest page.
	walkPageSize = 100
	// maxWalkPages stops a walk that never ends (a server that always says there is more).
	maxWalkPages = 10000
)

// nextPage reads the page number of the Link rel="next" target. Only the number is taken: the
// client never follows a URL from a header, which could point the key at another host.
func nextPage(h http.Header) (int, bool) {
	for _, v := range h.Values("Link") {
		for _, link := range splitLinks(v) {
			target, params, ok := strings.Cut(link, ";")
			if !ok || !hasRelNext(params) {
				continue
			}
			target = strings.TrimSpace(target)
			target = strings.TrimSuffix(strings.TrimPrefix(target, "<"), ">")
			u, err := url.Parse(target)
			if err != nil {
				continue
			}
			if n, err := strconv.Atoi(u.Query().Get("page")); err == nil && n > 0 {
				return n, true
			}
			return 0, true
		}
	}
	return 0, false
}

// splitLinks splits a Link header value at the commas between entries, not those inside <...>.
func splitLinks(v string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '<':
			depth++
		case '>':
			depth = max(depth-1, 0)
		case ',':
			if depth == 0 {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}

func hasRelNext(params string) bool {
	for _, p := range strings.Split(params, ";") {
		name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
			continue
		}
		for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
			if strings.EqualFold(rel, "next") {
				return true
			}
		}
	}
	return false
}

// getPage fetches one page of a collection and says whether another follows.
func (c *Client) getPage(ctx context.Context, endpoint, path string, query url.Values, page, perPage int, dst any) (next int, more bool, err error) {
	q := make(url.Values, len(query)+2)
	for k, v := range query {
		q[k] = v
	}
	q.Set("page", strconv.Itoa(page))
	q.Set("per_page", strconv.Itoa(perPage))
	cl := call{method: http.MethodGet, endpoint: endpoint, path: path, query: q, list: true}
	ans, err := c.fetch(ctx, cl, dst)
	if err != nil {
		return 0, false, err
	}
	next, more = nextPage(ans.header)
	if more && next <= page {
		next = page + 1
	}
	return next, more, nil
}

// listAll reads every item of a collection, all pages; items picks a page's items from its answer.
func listAll[T any](ctx context.Context, c *Client, path string, items func(*envelope) []T) ([]T, error) {
	var out []T
	err := walk(ctx, c, path, path, func(env *envelope) (int, error) {
		page := items(env)
		out = append(out, page...)
		return len(page), nil
	})
	return out, err
}

// walk fetches every page of a collection, 100 at a time, decoding each into an E and handing it to
// each, which returns how many items the page held. It stops at the last page (no rel="next") or an
// empty one.
func walk[E any](ctx context.Context, c *Client, endpoint, path string, each func(env *E) (int, error)) error {
	page := 1
	for range maxWalkPages {
		var env E
		next, more, err := c.getPage(ctx, endpoint, path, nil, page, walkPageSize, &env)
		if err != nil {
			return err
		}
		n, err := each(&env)
		if err != nil {
			return err
		}
		if !more || n == 0 {
			return nil
		}
		page = next
	}
	return fmt.Errorf("freshservice: GET %s: more than %d pages", endpoint, maxWalkPages)
}

// clampPage keeps a caller's paging inside what Freshservice accepts (1-based pages, 1..100 a page).
func clampPage(page, perPage int) (int, int) {
	if page < 1 {
		page = 1
	}
	if perPage < 1 || perPage > walkPageSize {
		perPage = walkPageSize
	}
	return page, perPage
}
