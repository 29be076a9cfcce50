package proxy

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fsscim/fsscim/proxy/provision"
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
	return cl.answerGroups(c, q)
}

// searchGroups is POST /Groups/.search (RFC 7644 §3.4.3).
func (s *Server) searchGroups(c echo.Context) error {
	cl, done, err := s.begin(c)
	defer done()
	if err != nil {
		return fail(c, err)
	}
	q, proj, err := parseSearch(c.Request())
	if err != nil {
		return fail(c, err)
	}
	cl.sc.projection = &proj
	return cl.answerGroups(c, q)
}

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

func (s *Server) getGroup(c echo.Context) error {
	cl, done, err := s.begin(c)
	defer done()
	if err != nil {
		return fail(c, err)
	}
	res, err := cl.session.GetGroup(cl.ctx, c.Param("id"), projectionOf(c.Request()).wants("members"))
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
