package proxy

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fsscim/fsscim/proxy/provision"
)

// answerGroups answers a list or search of groups. Members are read only when the answer carries
// them: Entra looks groups up with excludedAttributes=members, and members in that answer break it.
func (cl call) answerGroups(c echo.Context, q listQuery) error {
	page, err := cl.session.ListGroups(cl.ctx, provision.GroupQuery{Filter: q.filter, StartIndex: q.startIndex, Count: q.count,
		WithMembers: projectionOf(c.Request()).wants("members")})
	if err != nil {
		return fail(c, err)
	}
	return writeList(c, *cl.surface.groups, page, q)
}

func (cl call) getGroup(c echo.Context) error {
	res, err := cl.session.GetGroup(cl.ctx, c.Param("id"), projectionOf(c.Request()).wants("members"))
	return answer(c, http.StatusOK, *cl.surface.groups, res, err)
}

func (cl call) createGroup(c echo.Context) error {
	attrs, err := cl.groupBody(c)
	if err != nil {
		return fail(c, err)
	}
	res, err := cl.session.CreateGroup(cl.ctx, attrs)
	return answer(c, http.StatusCreated, *cl.surface.groups, res, err)
}

func (cl call) replaceGroup(c echo.Context) error {
	attrs, err := cl.groupBody(c)
	if err != nil {
		return fail(c, err)
	}
	res, err := cl.session.ReplaceGroup(cl.ctx, c.Param("id"), attrs)
	return answer(c, http.StatusOK, *cl.surface.groups, res, err)
}

func (cl call) patchGroup(c echo.Context) error {
	ops, err := cl.patchBody(c, *cl.surface.groups)
	if err != nil || len(ops) == 0 {
		// With no error, every operation named something fsscim does not map: nothing to change.
		return answerEmpty(c, err)
	}
	ignored, err := cl.session.PatchGroup(cl.ctx, c.Param("id"), ops)
	cl.sc.noteIgnored(ignored...)
	return answerEmpty(c, err)
}

func (cl call) deleteGroup(c echo.Context) error {
	return answerEmpty(c, cl.session.DeleteGroup(cl.ctx, c.Param("id")))
}

// groupBody reads a group's POST or PUT body. Freshservice groups have a description, which the core
// Group schema does not declare; it is taken from the body as sent.
func (cl call) groupBody(c echo.Context) (map[string]any, error) {
	body, err := readJSONBody(c.Request())
	if err != nil {
		return nil, err
	}
	rt := *cl.surface.groups
	if err := cl.normalise(body, rt); err != nil {
		return nil, err
	}
	attrs, err := rt.validate(body)
	if err != nil {
		return nil, err
	}
	for k, v := range body {
		if s, ok := v.(string); ok && strings.EqualFold(k, "description") {
			attrs["description"] = s
		}
	}
	return attrs, nil
}
