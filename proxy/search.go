package proxy

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fsscim/fsscim/proxy/provision"
)

// answerAll answers POST /.search at the root (RFC 7644 §3.4.3): the users and then the groups (when the
// tenant provisions groups) that the filter matches, paged as one list. A filter naming attributes
// only one resource type has searches that type alone.
func (cl call) answerAll(c echo.Context, q listQuery) error {
	_, userErr := cl.session.CompileUserFilter(q.filter)
	groupErr := userErr
	if cl.surface.groups != nil {
		_, groupErr = provision.CompileGroupFilter(q.filter)
	}
	if userErr != nil && groupErr != nil {
		return fail(c, userErr)
	}
	resources := make([]any, 0, q.count)
	total := 0
	if userErr == nil {
		list, err := cl.session.ListUsers(cl.ctx, provision.UserQuery{Filter: q.filter, StartIndex: q.startIndex, Count: q.count})
		if err != nil {
			return fail(c, err)
		}
		for _, res := range list.Resources {
			resources = append(resources, projected(c, cl.surface.users, cl.surface.users.body(res, cl.sc.base)))
		}
		total = list.Total
	}
	if groupErr == nil {
		page, err := cl.session.ListGroups(cl.ctx, provision.GroupQuery{
			Filter: q.filter, StartIndex: max(q.startIndex-total, 1), Count: q.count - len(resources),
			WithMembers: cl.sc.projection.wants("members"),
		})
		if err != nil {
			return fail(c, err)
		}
		rt := *cl.surface.groups
		for _, res := range page.Resources {
			resources = append(resources, projected(c, rt, rt.body(res, cl.sc.base)))
		}
		total += page.Total
	}
	return writeSCIM(c, http.StatusOK, map[string]any{
		"schemas":      []string{schemaListResponse},
		"totalResults": total,
		"itemsPerPage": len(resources),
		"startIndex":   q.startIndex,
		"Resources":    resources,
	})
}
