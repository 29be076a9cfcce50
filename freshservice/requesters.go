package freshservice

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// CreateRequester creates a requester (POST /requesters).
func (c *Client) CreateRequester(ctx context.Context, f UserFields) (User, error) {
	return c.requesterCall(ctx, call{method: http.MethodPost, endpoint: "/requesters", path: "/requesters", body: newRequesterBody(f)})
}

// GetRequester reads one requester, active or not. An agent's id answers 404 here.
func (c *Client) GetRequester(ctx context.Context, id int64) (User, error) {
	return c.requesterCall(ctx, requestersEndpoint.on(http.MethodGet, id, "", nil))
}

// FindUsersByEmail returns the users, requesters and agents, active or not, whose email is email
// (sent lower-cased). Freshservice answers an empty list, not 404, when nobody holds it.
func (c *Client) FindUsersByEmail(ctx context.Context, email string) ([]User, error) {
	return c.findUsers(ctx, requestersEndpoint, url.Values{"email": {lowerEmail(email)}, "include_agents": {"true"}})
}

// ListRequesters reads one page of requesters (agents excluded); more says another page follows.
func (c *Client) ListRequesters(ctx context.Context, page, perPage int) (users []User, more bool, err error) {
	return c.listUsers(ctx, requestersEndpoint, page, perPage)
}

// UpdateRequester writes the set fields of f (PUT /requesters/{id}).
func (c *Client) UpdateRequester(ctx context.Context, id int64, f UserFields) (User, error) {
	return c.requesterCall(ctx, requestersEndpoint.on(http.MethodPut, id, "", newRequesterBody(f)))
}

// DeactivateRequester deactivates a requester (DELETE /requesters/{id}); the record and its email
// remain. Freshservice answers 204; a 200 is accepted too.
func (c *Client) DeactivateRequester(ctx context.Context, id int64) error {
	_, err := c.do(ctx, requestersEndpoint.on(http.MethodDelete, id, "", nil))
	return err
}

// ReactivateRequester reactivates a deactivated requester. Freshservice may answer without the
// department, manager and location the requester had.
func (c *Client) ReactivateRequester(ctx context.Context, id int64) (User, error) {
	return c.requesterCall(ctx, requestersEndpoint.on(http.MethodPut, id, "/reactivate", nil))
}

// ForgetRequester deletes a requester for good, with the tickets they requested.
func (c *Client) ForgetRequester(ctx context.Context, id int64) error {
	_, err := c.do(ctx, requestersEndpoint.on(http.MethodDelete, id, "/forget", nil))
	return err
}

// ConvertToAgent turns a requester into an (occasional) agent with the same id.
func (c *Client) ConvertToAgent(ctx context.Context, id int64) (User, error) {
	return c.agentCall(ctx, requestersEndpoint.on(http.MethodPut, id, "/convert_to_agent", nil))
}

// WalkUsers hands fn every user, for the directory index: all pages of /requesters, then all pages
// of /agents (IsAgent set). An error from fn stops the walk and is returned as is.
func (c *Client) WalkUsers(ctx context.Context, fn func(User) error) error {
	for _, ep := range []userEndpoint{requestersEndpoint, agentsEndpoint} {
		err := walk(ctx, c, ep.path, ep.path, func(env *envelope) (int, error) {
			users := ep.users(env)
			for _, u := range users {
				if err := fn(u); err != nil {
					return 0, err
				}
			}
			return len(users), nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) requesterCall(ctx context.Context, cl call) (User, error) {
	return single(ctx, c, cl, "requester", func(env *envelope) *User { return env.Requester })
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
	for _, ep := range []userEndpoint{requestersEndpoint, agentsEndpoint} {
		for page := 1; ; page++ {
			if page > queryMaxPages {
				return false, nil
			}
			users, err := c.findUsers(ctx, ep, url.Values{"query": {q}, "page": {strconv.Itoa(page)}})
			if err != nil {
				return false, err
			}
			for _, u := range users {
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
