package freshservice

import "context"

// ListDepartments reads every department, all pages.
func (c *Client) ListDepartments(ctx context.Context) ([]Department, error) {
	return departmentsAPI.list(ctx, c)
}

// GetDepartment reads one department.
func (c *Client) GetDepartment(ctx context.Context, id int64) (Department, error) {
	return departmentsAPI.get(ctx, c, id)
}

// CreateDepartment creates a department with just a name.
func (c *Client) CreateDepartment(ctx context.Context, name string) (Department, error) {
	return departmentsAPI.create(ctx, c, nameBody{Name: name})
}

// ListLocations reads every location, all pages.
func (c *Client) ListLocations(ctx context.Context) ([]Location, error) {
	return locationsAPI.list(ctx, c)
}

// GetLocation reads one location.
func (c *Client) GetLocation(ctx context.Context, id int64) (Location, error) {
	return locationsAPI.get(ctx, c, id)
}

// CreateLocation creates a location with just a name.
func (c *Client) CreateLocation(ctx context.Context, name string) (Location, error) {
	return locationsAPI.create(ctx, c, nameBody{Name: name})
}
