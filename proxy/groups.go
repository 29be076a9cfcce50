package proxy

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fsscim/fsscim/mapping"
)

func (s *Server) listGroups(c echo.Context) error {
	cl, done, err := s.begin(c)
	defer done()
	if err != nil {
		return fail(c, err)
	}
	q, err := parseListQuery(c.Request())
	if err != nil {
		return fail(c, err)
	}
	plan, err := mapping.PlanGroupFilter(q.filter)
	if err != nil {
		return fail(c, asFilterError(err))
	}
	page, err := cl.session.ListGroups(cl.ctx, plan, q.startIndex, q.count, !q.excludeMembers)
	if err != nil {
		return fail(c, err)
	}
	return writeList(c, *cl.surface.groups, page, q)
}

func (s *Server) getGroup(c echo.Context) error {
	cl, done, err := s.begin(c)
	defer done()
	if err != nil {
		return fail(c, err)
	}
	res, err := cl.session.GetGroup(cl.ctx, c.Param("id"), !excludesMembers(c.Request()))
	if err != nil {
		return fail(c, err)
	}
	return writeResource(c, http.StatusOK, *cl.surface.groups, res)
}

func (s *Server) createGroup(c echo.Context) error {
	cl, done, err := s.begin(c)
	defer done()
	if err != nil {
		return fail(c, err)
	}
	attrs, err := cl.groupBody(c)
	if err != nil {
		return fail(c, err)
	}
	res, err := cl.session.CreateGroup(cl.ctx, attrs)
	if err != nil {
		return fail(c, err)
	}
	return writeResource(c, http.StatusCreated, *cl.surface.groups, res)
}

func (s *Server) replaceGroup(c echo.Context) error {
	cl, done, err := s.begin(c)
	defer done()
	if err != nil {
		return fail(c, err)
	}
	attrs, err := cl.groupBody(c)
	if err != nil {
		return fail(c, err)
	}
	res, err := cl.session.ReplaceGroup(cl.ctx, c.Param("id"), attrs)
	if err != nil {
		return fail(c, err)
	}
	return writeResource(c, http.StatusOK, *cl.surface.groups, res)
}

func (s *Server) patchGroup(c echo.Context) error {
	cl, done, err := s.begin(c)
	defer done()
	if err != nil {
		return fail(c, err)
	}
	ops, err := cl.patchBody(c, *cl.surface.groups)
	if err != nil {
		return fail(c, err)
	}
	if len(ops) == 0 {
		// Every operation named something fsscim does not map: nothing to change.
		return writeNoContent(c)
	}
	ignored, err := cl.session.PatchGroup(cl.ctx, c.Param("id"), ops)
	cl.sc.noteIgnored(ignored...)
	if err != nil {
		return fail(c, err)
	}
	return writeNoContent(c)
}

func (s *Server) deleteGroup(c echo.Context) error {
	cl, done, err := s.begin(c)
	defer done()
	if err != nil {
		return fail(c, err)
	}
	if err := cl.session.DeleteGroup(cl.ctx, c.Param("id")); err != nil {
		return fail(c, err)
	}
	return writeNoContent(c)
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
