package freshservice

import (
	"context"
	"fmt"
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
	var out []RequesterGroup
	err := c.walk(ctx, "/requester_groups", "/requester_groups", nil, func(env *envelope) (int, error) {
		out = append(out, env.RequesterGroups...)
		return len(env.RequesterGroups), nil
	})
	return out, err
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
	page := 1
	for range maxWalkPages {
		var env membersEnvelope
		next, more, err := c.getPage(ctx, endpoint, path, nil, page, walkPageSize, &env)
		if err != nil {
			return nil, err
		}
		out = append(out, env.Requesters...)
		if !more || len(env.Requesters) == 0 {
			return out, nil
		}
		page = next
	}
	return nil, fmt.Errorf("freshservice: GET %s: more than %d pages", endpoint, maxWalkPages)
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
