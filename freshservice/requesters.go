package freshservice

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// CreateRequester creates a requester (POST /requesters).
func (c *Client) CreateRequester(ctx context.Context, f UserFields) (User, error) {
	return c.requesterCall(ctx, call{method: http.MethodPost, endpoint: "/requesters", path: "/requesters", body: newRequesterBody(f)})
}

// GetRequester reads one requester, active or not. An agent's id answers 404 here.
func (c *Client) GetRequester(ctx context.Context, id int64) (User, error) {
	return c.requesterCall(ctx, call{method: http.MethodGet, endpoint: "/requesters/{id}", path: requesterPath(id)})
}

// FindUsersByEmail returns the users, requesters and agents, active or not, whose email is email
// (sent lower-cased). Freshservice answers an empty list, not 404, when nobody holds it.
func (c *Client) FindUsersByEmail(ctx context.Context, email string) ([]User, error) {
	q := url.Values{"email": {strings.ToLower(strings.TrimSpace(email))}, "include_agents": {"true"}}
	cl := call{method: http.MethodGet, endpoint: "/requesters", path: "/requesters", query: q, list: true}
	ans, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	var env envelope
	if err := decode(ans, cl, &env); err != nil {
		return nil, err
	}
	return env.Requesters, nil
}

// ListRequesters reads one page of requesters (agents excluded); more says another page follows.
func (c *Client) ListRequesters(ctx context.Context, page, perPage int) (users []User, more bool, err error) {
	page, perPage = clampPage(page, perPage)
	var env envelope
	_, more, err = c.getPage(ctx, "/requesters", "/requesters", nil, page, perPage, &env)
	if err != nil {
		return nil, false, err
	}
	return env.Requesters, more, nil
}

// UpdateRequester writes the set fields of f (PUT /requesters/{id}).
func (c *Client) UpdateRequester(ctx context.Context, id int64, f UserFields) (User, error) {
	return c.requesterCall(ctx, call{method: http.MethodPut, endpoint: "/requesters/{id}", path: requesterPath(id), body: newRequesterBody(f)})
}

// DeactivateRequester deactivates a requester (DELETE /requesters/{id}); the record and its email
// remain. Freshservice answers 204; a 200 is accepted too.
func (c *Client) DeactivateRequester(ctx context.Context, id int64) error {
	_, err := c.do(ctx, call{method: http.MethodDelete, endpoint: "/requesters/{id}", path: requesterPath(id)})
	return err
}

// ReactivateRequester reactivates a deactivated requester. Freshservice may answer without the
// department, manager and location the requester had.
func (c *Client) ReactivateRequester(ctx context.Context, id int64) (User, error) {
	return c.requesterCall(ctx, call{method: http.MethodPut, endpoint: "/requesters/{id}/reactivate", path: requesterPath(id) + "/reactivate"})
}

// ForgetRequester deletes a requester for good, with the tickets they requested.
func (c *Client) ForgetRequester(ctx context.Context, id int64) error {
	_, err := c.do(ctx, call{method: http.MethodDelete, endpoint: "/requesters/{id}/forget", path: requesterPath(id) + "/forget"})
	return err
}

// ConvertToAgent turns a requester into an (occasional) agent with the same id.
func (c *Client) ConvertToAgent(ctx context.Context, id int64) (User, error) {
	return c.agentCall(ctx, call{method: http.MethodPut, endpoint: "/requesters/{id}/convert_to_agent", path: requesterPath(id) + "/convert_to_agent"})
}

// WalkUsers hands fn every user, for the directory index: all pages of /requesters, then all pages
// of /agents (IsAgent set). An error from fn stops the walk and is returned as is.
func (c *Client) WalkUsers(ctx context.Context, fn func(User) error) error {
	each := func(users []User, agent bool) (int, error) {
		for _, u := range users {
			if agent {
				u.IsAgent = true
			}
			if err := fn(u); err != nil {
				return 0, err
			}
		}
		return len(users), nil
	}
	err := walk(ctx, c, "/requesters", "/requesters", func(env *envelope) (int, error) {
		return each(env.Requesters, false)
	})
	if err != nil {
		return err
	}
	return walk(ctx, c, "/agents", "/agents", func(env *envelope) (int, error) {
		return each(env.Agents, true)
	})
}

func (c *Client) requesterCall(ctx context.Context, cl call) (User, error) {
	return single(ctx, c, cl, "requester", func(env *envelope) *User { return env.Requester })
}

func requesterPath(id int64) string {
	return "/requesters/" + strconv.FormatInt(id, 10)
}

// Filter queries answer 30 users a page and at most 40 pages.
const (
	queryPageSize = 30
	queryMaxPages = 40
)

// WalkUsersUpdatedSince hands fn every user, requesters then agents (IsAgent set), that Freshservice's
// filter query finds updated on or after day (its UTC date), active or not. The query's index lags
// writes by a few minutes, so a caller looks back further than its last walk. complete is false when
// a query filled all its 40 pages: it found more than it can list, and the caller walks every user
// instead.
func (c *Client) WalkUsersUpdatedSince(ctx context.Context, day time.Time, fn func(User) error) (complete bool, err error) {
	q := `"updated_at:>'` + day.UTC().Format("2006-01-02") + `'"`
	for _, ep := range []struct {
		path  string
		agent bool
	}{{"/requesters", false}, {"/agents", true}} {
		for page := 1; ; page++ {
			if page > queryMaxPages {
				return false, nil
			}
			cl := call{method: http.MethodGet, endpoint: ep.path, path: ep.path, list: true,
				query: url.Values{"query": {q}, "page": {strconv.Itoa(page)}}}
			ans, err := c.do(ctx, cl)
			if err != nil {
				return false, err
			}
			var env envelope
			if err := decode(ans, cl, &env); err != nil {
				return false, err
			}
			users := env.Requesters
			if ep.agent {
				users = env.Agents
			}
			for _, u := range users {
				if ep.agent {
					u.IsAgent = true
				}
				if err := fn(u); err != nil {
					return false, err
				}
			}
			if len(users) < queryPageSize {
				break
			}
		}
	}
	return true, nil
}
