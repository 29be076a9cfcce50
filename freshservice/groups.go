package freshservice

import (
	"context"
	"net/http"
	"strconv"
)

// CreateRequesterGroup creates a manual requester group (f.Members is ignored: membership has its own
// endpoints).
func (c *Client) CreateRequesterGroup(ctx context.Context, f GroupFields) (RequesterGroup, error) {
	return requesterGroupsAPI.create(ctx, c, requesterGroupBody{Name: f.Name, Description: f.Description})
}

// GetRequesterGroup reads one requester group.
func (c *Client) GetRequesterGroup(ctx context.Context, id int64) (RequesterGroup, error) {
	return requesterGroupsAPI.get(ctx, c, id)
}

// ListRequesterGroups reads every requester group, all pages.
func (c *Client) ListRequesterGroups(ctx context.Context) ([]RequesterGroup, error) {
	return requesterGroupsAPI.list(ctx, c)
}

// UpdateRequesterGroup renames or re-describes a manual requester group.
func (c *Client) UpdateRequesterGroup(ctx context.Context, id int64, f GroupFields) (RequesterGroup, error) {
	return requesterGroupsAPI.update(ctx, c, id, requesterGroupBody{Name: f.Name, Description: f.Description})
}

// DeleteRequesterGroup deletes a requester group; its members stay.
func (c *Client) DeleteRequesterGroup(ctx context.Context, id int64) error {
	return requesterGroupsAPI.remove(ctx, c, id)
}

// ListRequesterGroupMembers reads every member of a requester group, all pages.
func (c *Client) ListRequesterGroupMembers(ctx context.Context, id int64) ([]GroupMember, error) {
	const endpoint = "/requester_groups/{id}/members"
	path := requesterGroupsAPI.itemPath(id) + "/members"
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
		path: requesterGroupsAPI.itemPath(groupID) + "/members/" + strconv.FormatInt(userID, 10)})
	return err
}

// RemoveRequesterGroupMember removes one user from a manual requester group.
func (c *Client) RemoveRequesterGroupMember(ctx context.Context, groupID, userID int64) error {
	_, err := c.do(ctx, call{method: http.MethodDelete, endpoint: "/requester_groups/{id}/members/{member_id}",
		path: requesterGroupsAPI.itemPath(groupID) + "/members/" + strconv.FormatInt(userID, 10)})
	return err
}
