package freshservice

import (
	"context"
	"net/http"
	"net/url"
)

// CheckKey asks Freshservice whether the key is accepted: GET /agents/me, or, where that endpoint is
// missing (404), GET /agents?per_page=1. nil means accepted; IsUnauthorized means a bad key or
// domain, IsForbidden a key whose agent lacks the rights.
func (c *Client) CheckKey(ctx context.Context) error {
	_, err := c.do(ctx, call{method: http.MethodGet, endpoint: "/agents/me", path: "/agents/me"})
	if !IsNotFound(err) {
		return err
	}
	_, err = c.do(ctx, call{method: http.MethodGet, endpoint: "/agents", path: "/agents",
		query: url.Values{"per_page": {"1"}}, list: true})
	return err
}
