package proxy

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/proxy/dialect"
	"github.com/fsscim/fsscim/proxy/provision"
)

// answerUsers answers a list or search of users.
func (cl call) answerUsers(c echo.Context, q listQuery) error {
	list, err := cl.session.ListUsers(cl.ctx, provision.UserQuery{Filter: q.filter, StartIndex: q.startIndex, Count: q.count})
	if err != nil {
		return fail(c, err)
	}
	if list.Lookup {
		cl.sc.noteIndexLookup(list.FromReplica)
	}
	return writeList(c, cl.surface.users, list.Page, q)
}

func (cl call) getUser(c echo.Context) error {
	res, err := cl.session.GetUser(cl.ctx, c.Param("id"))
	return answer(c, http.StatusOK, cl.surface.users, res, err)
}

func (cl call) createUser(c echo.Context) error {
	return cl.writeUserBody(c, http.StatusCreated, func(attrs map[string]any) (provision.Resource, []string, error) {
		return cl.session.CreateUser(cl.ctx, attrs)
	})
}

func (cl call) replaceUser(c echo.Context) error {
	return cl.writeUserBody(c, http.StatusOK, func(attrs map[string]any) (provision.Resource, []string, error) {
		return cl.session.ReplaceUser(cl.ctx, c.Param("id"), attrs)
	})
}

// writeUserBody answers a create or replace of a user: the body read and validated, then written by
// write.
func (cl call) writeUserBody(c echo.Context, status int, write func(attrs map[string]any) (provision.Resource, []string, error)) error {
	attrs, err := cl.resourceBody(c, cl.surface.users)
	if err != nil {
		return fail(c, err)
	}
	res, ignored, err := write(attrs)
	return cl.answerUserWrite(c, status, res, ignored, err)
}

func (cl call) patchUser(c echo.Context) error {
	ops, err := cl.patchBody(c, cl.surface.users)
	if err != nil {
		return fail(c, err)
	}
	res, ignored, err := cl.session.PatchUser(cl.ctx, c.Param("id"), ops)
	return cl.answerUserWrite(c, http.StatusOK, res, ignored, err)
}

// answerUserWrite answers a create, replace or patch of a user; the attributes fsscim does not map
// go to the access log as ignored.
func (cl call) answerUserWrite(c echo.Context, status int, res provision.Resource, ignored []string, err error) error {
	cl.sc.noteIgnored(ignored...)
	return answer(c, status, cl.surface.users, res, err)
}

func (cl call) deleteUser(c echo.Context) error {
	return answerEmpty(c, cl.session.DeleteUser(cl.ctx, c.Param("id")))
}

// resourceBody reads a POST or PUT body: decoded, normalised from the client's dialect (attributes
// fsscim does not know are noted as ignored) and validated against the resource type's schemas.
func (cl call) resourceBody(c echo.Context, rt resourceType) (map[string]any, error) {
	body, err := readJSONBody(c.Request())
	if err != nil {
		return nil, err
	}
	if err := cl.normalise(body, rt); err != nil {
		return nil, err
	}
	attrs, err := rt.validate(body)
	cl.sc.noteSubject(attrs)
	return attrs, err
}

// normalise rewrites a POST or PUT body from the client's dialect; attributes fsscim does not know
// are noted as ignored.
func (cl call) normalise(body map[string]any, rt resourceType) error {
	rep, err := dialect.Resource(body, rt.endpoint, rt.known)
	cl.noteReport(rep)
	return err
}

// noteReport takes in what the dialect noticed: attributes it dropped go to the access log, and a
// client that names the location as the enterprise "_location" has it answered there.
func (cl call) noteReport(rep dialect.Report) {
	cl.sc.noteIgnored(rep.Ignored...)
	if rep.EnterpriseLocation {
		cl.session.NamesLocationAsEnterprise()
	}
}

// patchBody reads a PATCH body into operations, normalised from the client's dialect; operations on
// attributes fsscim does not know are dropped and noted as ignored.
func (cl call) patchBody(c echo.Context, rt resourceType) ([]mapping.PatchOp, error) {
	body, err := readJSONBody(c.Request())
	if err != nil {
		return nil, err
	}
	ops, rep, err := dialect.Patch(body, rt.endpoint, rt.known)
	cl.noteReport(rep)
	if err != nil || len(ops) == 0 {
		return ops, err
	}
	return rt.validatePatch(ops)
}
