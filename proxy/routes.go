package proxy

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/fsscim/fsscim/proxy/dialect"
	"github.com/fsscim/fsscim/proxy/provision"
)

// scimRoutes registers the SCIM endpoints under /scim/v2, behind authentication. Each resource
// operation has a route of its own: decode the request, call provisioning, write the answer.
func (s *Server) scimRoutes(e *echo.Echo) {
	g := e.Group("/scim/v2", s.authenticate)

	users := func(name string, h func(call, echo.Context) error) echo.HandlerFunc {
		return s.op(dialect.Users, name, s.with(h))
	}
	g.GET("/Users", users("users.list", listed(call.answerUsers)))
	g.POST("/Users/.search", users("users.search", searched(call.answerUsers)))
	g.POST("/Users", users("users.create", call.createUser))
	g.GET("/Users/:id", users("users.get", call.getUser))
	g.PUT("/Users/:id", users("users.replace", call.replaceUser))
	g.PATCH("/Users/:id", users("users.patch", call.patchUser))
	g.DELETE("/Users/:id", users("users.delete", call.deleteUser))

	groups := func(name string, h func(call, echo.Context) error) echo.HandlerFunc {
		return s.op(dialect.Groups, name, s.groupsServed(s.with(h)))
	}
	g.GET("/Groups", groups("groups.list", listed(call.answerGroups)))
	g.POST("/Groups/.search", groups("groups.search", searched(call.answerGroups)))
	g.POST("/.search", s.op("search", "root.search", s.with(searched(call.answerAll))))
	g.POST("/Groups", groups("groups.create", call.createGroup))
	g.GET("/Groups/:id", groups("groups.get", call.getGroup))
	g.PUT("/Groups/:id", groups("groups.replace", call.replaceGroup))
	g.PATCH("/Groups/:id", groups("groups.patch", call.patchGroup))
	g.DELETE("/Groups/:id", groups("groups.delete", call.deleteGroup))

	for _, path := range []string{"/ServiceProviderConfig", "/Schemas", "/Schemas/*", "/ResourceTypes", "/ResourceTypes/*"} {
		g.GET(path, s.op("discovery", "discovery.get", s.with(call.discovery)))
	}
	g.Any("/Me", s.op("discovery", "me", s.notImplemented("/Me is not supported: fsscim serves provisioning clients, not end users.")))
	g.Any("/Bulk", s.op("discovery", "bulk", s.notImplemented("/Bulk is not supported (ServiceProviderConfig says so): send each operation as a request of its own.")))
}

// op names the route's operation for the access log and metrics.
func (s *Server) op(resource, name string, h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		requestScope(c.Request()).setOperation(resource, name)
		return h(c)
	}
}

// groupsServed answers 501 for every /Groups request of a tenant that provisions no groups, before the
// request is read.
func (s *Server) groupsServed(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		cfg := requestScope(c.Request()).session.Config()
		if cfg.Groups.Target == provision.TargetNone {
			return fail(c, scimError(http.StatusNotImplemented, "",
				"Groups are not provisioned to %s (groups.target is none in its tenant file). Turn off group provisioning in Entra or set groups.target to requester_groups or agent_groups.", cfg.Domain))
		}
		return h(c)
	}
}

func (s *Server) notImplemented(detail string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return fail(c, scimError(http.StatusNotImplemented, "", "%s", detail))
	}
}

// call is what a resource route works with: its context (bounded by the request time limit), the
// request's scope and session, and the tenant's SCIM surface.
type call struct {
	ctx     context.Context
	sc      *scope
	session *provision.Session
	surface *surface
}

// begin starts a resource route; the returned function ends it.
func (s *Server) begin(c echo.Context) (call, context.CancelFunc, error) {
	sc := requestScope(c.Request())
	sf, err := s.surfaces.of(sc.session.Config())
	if err != nil {
		return call{}, func() {}, err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.opts.RequestTimeout)
	return call{ctx: ctx, sc: sc, session: sc.session, surface: sf}, cancel, nil
}

// with runs a resource route: the tenant's SCIM surface looked up and the call bounded by the
// request time limit, which ends when the route returns.
func (s *Server) with(route func(call, echo.Context) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		cl, done, err := s.begin(c)
		defer done()
		if err != nil {
			return fail(c, err)
		}
		return route(cl, c)
	}
}

// listed is a GET list route: its query is in the URL.
func listed(answer func(call, echo.Context, listQuery) error) func(call, echo.Context) error {
	return func(cl call, c echo.Context) error {
		q, err := parseListQuery(c.Request())
		if err != nil {
			return fail(c, err)
		}
		return answer(cl, c, q)
	}
}

// searched is a POST .search route (RFC 7644 §3.4.3): a list whose query and projection are in the body.
func searched(answer func(call, echo.Context, listQuery) error) func(call, echo.Context) error {
	return func(cl call, c echo.Context) error {
		q, proj, err := parseSearch(c.Request())
		if err != nil {
			return fail(c, err)
		}
		cl.sc.projection = &proj
		return answer(cl, c, q)
	}
}

// answer writes the resource a route made or read, or the error that stopped it.
func answer(c echo.Context, status int, rt resourceType, res provision.Resource, err error) error {
	if err != nil {
		return fail(c, err)
	}
	return writeResource(c, status, rt, res)
}

// answerEmpty writes 204, or the error that stopped the route.
func answerEmpty(c echo.Context, err error) error {
	if err != nil {
		return fail(c, err)
	}
	return writeNoContent(c)
}

// discovery answers /ServiceProviderConfig, /Schemas and /ResourceTypes from the tenant's surface.
func (cl call) discovery(c echo.Context) error {
	cl.surface.discovery.ServeHTTP(c.Response(), c.Request())
	return nil
}
