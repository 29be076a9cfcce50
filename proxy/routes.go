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

	g.GET("/Users", s.op(dialect.Users, "users.list", s.listUsers))
	g.POST("/Users/.search", s.op(dialect.Users, "users.search", s.searchUsers))
	g.POST("/Users", s.op(dialect.Users, "users.create", s.createUser))
	g.GET("/Users/:id", s.op(dialect.Users, "users.get", s.getUser))
	g.PUT("/Users/:id", s.op(dialect.Users, "users.replace", s.replaceUser))
	g.PATCH("/Users/:id", s.op(dialect.Users, "users.patch", s.patchUser))
	g.DELETE("/Users/:id", s.op(dialect.Users, "users.delete", s.deleteUser))

	groups := func(name string, h echo.HandlerFunc) echo.HandlerFunc {
		return s.op(dialect.Groups, name, s.groupsServed(h))
	}
	g.GET("/Groups", groups("groups.list", s.listGroups))
	g.POST("/Groups/.search", groups("groups.search", s.searchGroups))
	g.POST("/.search", s.op("search", "root.search", s.searchAll))
	g.POST("/Groups", groups("groups.create", s.createGroup))
	g.GET("/Groups/:id", groups("groups.get", s.getGroup))
	g.PUT("/Groups/:id", groups("groups.replace", s.replaceGroup))
	g.PATCH("/Groups/:id", groups("groups.patch", s.patchGroup))
	g.DELETE("/Groups/:id", groups("groups.delete", s.deleteGroup))

	for _, path := range []string{"/ServiceProviderConfig", "/Schemas", "/Schemas/*", "/ResourceTypes", "/ResourceTypes/*"} {
		g.GET(path, s.op("discovery", "discovery.get", s.discovery))
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

// discovery answers /ServiceProviderConfig, /Schemas and /ResourceTypes from the tenant's surface.
func (s *Server) discovery(c echo.Context) error {
	cl, done, err := s.begin(c)
	defer done()
	if err != nil {
		return fail(c, err)
	}
	cl.surface.discovery.ServeHTTP(c.Response(), c.Request())
	return nil
}
