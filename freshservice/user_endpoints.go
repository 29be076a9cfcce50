package freshservice

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// userEndpoint is one of the two collections users live in. Agents answer without is_agent, so the
// users read from /agents are marked here.
type userEndpoint struct {
	path  string
	agent bool
}

var (
	requestersEndpoint = userEndpoint{path: "/requesters"}
	agentsEndpoint     = userEndpoint{path: "/agents", agent: true}
)

// users picks the endpoint's users out of a list answer.
func (ep userEndpoint) users(env *envelope) []User {
	if ep.agent {
		return markAgents(env.Agents)
	}
	return env.Requesters
}

// on is a call on one user of the endpoint; action ("", "/reactivate", ...) follows the id.
func (ep userEndpoint) on(method string, id int64, action string, body any) call {
	return call{method: method, endpoint: ep.path + "/{id}" + action, path: ep.path + "/" + strconv.FormatInt(id, 10) + action, body: body}
}

// findUsers reads one list answer of the endpoint filtered by q (an exact filter or a filter query).
func (c *Client) findUsers(ctx context.Context, ep userEndpoint, q url.Values) ([]User, error) {
	cl := call{method: http.MethodGet, endpoint: ep.path, path: ep.path, query: q, list: true}
	var env envelope
	if _, err := c.fetch(ctx, cl, &env); err != nil {
		return nil, err
	}
	return ep.users(&env), nil
}

// listUsers reads one page of the endpoint; more says another page follows.
func (c *Client) listUsers(ctx context.Context, ep userEndpoint, page, perPage int) ([]User, bool, error) {
	page, perPage = clampPage(page, perPage)
	var env envelope
	_, more, err := c.getPage(ctx, ep.path, ep.path, nil, page, perPage, &env)
	if err != nil {
		return nil, false, err
	}
	return ep.users(&env), more, nil
}

func markAgents(users []User) []User {
	for i := range users {
		users[i].IsAgent = true
	}
	return users
}

// lowerEmail is an email as the email filters send it: trimmed and lower-cased.
func lowerEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
