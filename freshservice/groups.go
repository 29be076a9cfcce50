package freshservice

import (
	"context"
	"net/http"
	"strconv"
)

// CreateRequesterGroup creates a manual requester group (f.Members is ignored: membership has its own
// endpoints).
func (c *Client) CreateRequesterGroup(ctx context.Context, f GroupFields) (RequesterGroup, error) {
	cl := call{method: http.MethodPost, endpoint: "/requester_groups", path: "/requester_groups",
		body: requesterGroupBody{Name: f.Name, Description: f.Description}}
	return single(ctx, c, cl, "requester group", pickRequesterGroup)
}

// GetRequesterGroup reads one requester group.
func (c *Client) GetRequesterGroup(ctx context.Context, id int64) (RequesterGroup, error) {
	cl := call{method: http.MethodGet, endpoint: "/requester_groups/{id}", path: requesterGroupPath(id)}
	return single(ctx, c, cl, "requester group", pickRequesterGroup)
}

// ListRequesterGroups reads every requester group, all pages.
func (c *Client) ListRequesterGroups(ctx context.Context) ([]RequesterGroup, error) {
	return listAll(ctx, c, "/requester_groups", func(env *envelope) []RequesterGroup { return env.RequesterGroups })
}

// UpdateRequesterGroup renames or re-describes a manual requester group.
func (c *Client) UpdateRequesterGroup(ctx context.Context, id int64, f GroupFields) (RequesterGroup, error) {
	cl := call{method: http.MethodPut, endpoint: "/requester_groups/{id}", path: requesterGroupPath(id),
		body: requesterGroupBody{Name: f.Name, Description: f.Description}}
	return single(ctx, c, cl, "requester group", pickRequesterGroup)
}

// DeleteRequesterGroup deletes a requester group; its members stay.
func (c *Client) DeleteRequesterGroup(ctx context.Context, id int64) error {
	_, err := c.do(ctx, call{method: http.MethodDelete, endpoint: "/requester_groups/{id}", path: requesterGroupPath(id)})
	return err
}

// ListRequesterGroupMembers reads every member of a requester group, all pages.
func (c *Client) ListRequesterGroupMembers(ctx context.Context, id int64) ([]GroupMember, error) {
	const endpoint = "/requester_groups/{id}/members"
	path := requesterGroupPath(id) + "/members"
	var out []GroupMember
	err := walk(ctx, c, endpoint, path, func(env *membersEnvelope) (int, error) {
		out = append(out, env.Requesters...)
		return len(env.Requesters), nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddRequesterGroupMember adds one user to a manual requester group.
func (c *Client) AddRequesterGroupMember(ctx context.Context, groupID, userID int64) error {
	_, err := c.do(ctx, call{method: http.MethodPost, endpoint: "/requester_groups/{id}/members/{member_id}",
		path: requesterGroupPath(groupID) + "/members/" + strconv.FormatInt(userID, 10)})
	return err
}

// RemoveRequesterGroupMember removes one user from a manual requester group.
func (c *Client) RemoveRequesterGroupMember(ctx context.Context, groupID, userID int64) error {
	_, err := c.do(ctx, call{method: http.MethodDelete, endpoint: "/requester_groups/{id}/members/{member_id}",
		path: requesterGroupPath(groupID) + "/members/" + strconv.FormatInt(userID, 10)})
	return err
}

func pickRequesterGroup(env *envelope) *RequesterGroup { return env.RequesterGroup }

func requesterGroupPath(id int64) string {
	return "/requester_groups/" + strconv.FormatInt(id, 10)
}
