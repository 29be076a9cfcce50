package freshservice

import (
	"context"
	"net/http"
	"strconv"
)

// ListDepartments reads every department, all pages.
func (c *Client) ListDepartments(ctx context.Context) ([]Department, error) {
	return listAll(ctx, c, "/departments", func(env *envelope) []Department { return env.Departments })
}

// GetDepartment reads one department.
func (c *Client) GetDepartment(ctx context.Context, id int64) (Department, error) {
	cl := call{method: http.MethodGet, endpoint: "/departments/{id}", path: "/departments/" + strconv.FormatInt(id, 10)}
	return single(ctx, c, cl, "department", func(env *envelope) *Department { return env.Department })
}

// CreateDepartment creates a department with just a name.
func (c *Client) CreateDepartment(ctx context.Context, name string) (Department, error) {
	cl := call{method: http.MethodPost, endpoint: "/departments", path: "/departments", body: nameBody{Name: name}}
	return single(ctx, c, cl, "department", func(env *envelope) *Department { return env.Department })
}

// ListLocations reads every location, all pages.
func (c *Client) ListLocations(ctx context.Context) ([]Location, error) {
	return listAll(ctx, c, "/locations", func(env *envelope) []Location { return env.Locations })
}

// GetLocation reads one location.
func (c *Client) GetLocation(ctx context.Context, id int64) (Location, error) {
	cl := call{method: http.MethodGet, endpoint: "/locations/{id}", path: "/locations/" + strconv.FormatInt(id, 10)}
	return single(ctx, c, cl, "location", func(env *envelope) *Location { return env.Location })
}

// CreateLocation creates a location with just a name.
func (c *Client) CreateLocation(ctx context.Context, name string) (Location, error) {
	cl := call{method: http.MethodPost, endpoint: "/locations", path: "/locations", body: nameBody{Name: name}}
	return single(ctx, c, cl, "location", func(env *envelope) *Location { return env.Location })
}
