package freshservice

import (
	"context"
	"net/http"
	"strconv"
)

// resource is a collection of directory objects with Freshservice's usual routes: list, create, and
// get, update and delete by id.
type resource[T any] struct {
	path string              // e.g. "/departments"
	kind string              // the object as errors name it, e.g. "department"
	one  func(*envelope) *T  // the object of a single answer
	all  func(*envelope) []T // the objects of a list answer
}

var (
	departmentsAPI = resource[Department]{path: "/departments", kind: "department",
		one: func(env *envelope) *Department { return env.Department },
		all: func(env *envelope) []Department { return env.Departments }}
	locationsAPI = resource[Location]{path: "/locations", kind: "location",
		one: func(env *envelope) *Location { return env.Location },
		all: func(env *envelope) []Location { return env.Locations }}
	agentGroupsAPI = resource[AgentGroup]{path: "/groups", kind: "group",
		one: func(env *envelope) *AgentGroup { return env.Group },
		all: func(env *envelope) []AgentGroup { return env.Groups }}
	requesterGroupsAPI = resource[RequesterGroup]{path: "/requester_groups", kind: "requester group",
		one: func(env *envelope) *RequesterGroup { return env.RequesterGroup },
		all: func(env *envelope) []RequesterGroup { return env.RequesterGroups }}
)

// itemPath is the path of the object with id.
func (r resource[T]) itemPath(id int64) string { return r.path + "/" + strconv.FormatInt(id, 10) }

func (r resource[T]) list(ctx context.Context, c *Client) ([]T, error) {
	return listAll(ctx, c, r.path, r.all)
}

func (r resource[T]) create(ctx context.Context, c *Client, body any) (T, error) {
	return single(ctx, c, call{method: http.MethodPost, endpoint: r.path, path: r.path, body: body}, r.kind, r.one)
}

func (r resource[T]) get(ctx context.Context, c *Client, id int64) (T, error) {
	return single(ctx, c, call{method: http.MethodGet, endpoint: r.path + "/{id}", path: r.itemPath(id)}, r.kind, r.one)
}

func (r resource[T]) update(ctx context.Context, c *Client, id int64, body any) (T, error) {
	return single(ctx, c, call{method: http.MethodPut, endpoint: r.path + "/{id}", path: r.itemPath(id), body: body}, r.kind, r.one)
}

func (r resource[T]) remove(ctx context.Context, c *Client, id int64) error {
	_, err := c.do(ctx, call{method: http.MethodDelete, endpoint: r.path + "/{id}", path: r.itemPath(id)})
	return err
}
