package proxy

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
)

// AdminHandler is the admin listener's HTTP handler: /healthz (liveness), /readyz (readiness) and
// /metrics, for probes and Prometheus, /status and /audit, for the operator (with the admin token),
// and the operator console under /console. It names every tenant's domain and directory size, so it
// is meant for a listener that only the cluster or the host reaches, never the SCIM one.
func (s *Server) AdminHandler() http.Handler {
	return withPages("/console", s.pages.Console(), s.admin)
}

func (s *Server) newAdminEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.adminError
	e.Pre(normalisePath)
	e.Use(s.requestScope, s.adminAccessLog, s.recoverPanics)
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.serveMetrics)
	// Operator endpoints: they need the admin token (config.AdminToken.Check).
	e.GET("/status", s.serveStatuses, s.requireAdmin)
	e.GET("/status/:domain", s.serveStatus, s.requireAdmin)
	e.GET("/audit", s.serveAudit, s.requireAdmin)
	return e
}

// adminAccessLog writes one line per admin request: at debug for probes and scrapes, which come
// every few seconds, at info for anything else. Admin requests are not SCIM requests and are not
// counted as such.
func (s *Server) adminAccessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		r := c.Request()
		sc := requestScope(r)
		level := zap.InfoLevel
		if isProbePath(r.URL.Path) {
			level = zap.DebugLevel
		}
		s.log.Log(level, "admin request",
			zap.String("request_id", sc.requestID),
			zap.String("method", r.Method),
			zap.String("path", r.URL.Path),
			zap.Int("status", c.Response().Status),
			zap.Duration("duration", s.opts.Now().Sub(sc.started)),
			zap.String("remote", r.RemoteAddr))
		return nil
	}
}

// adminError answers unknown admin paths and wrong methods with a short JSON status.
func (s *Server) adminError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
	} else {
		requestScope(c.Request()).log.Error("unhandled error", zap.Error(err))
	}
	msg := http.StatusText(status)
	if status == http.StatusNotFound {
		msg = "no such endpoint; the admin listener serves /healthz, /readyz, /metrics, /status and /audit"
	}
	_ = c.JSON(status, map[string]string{"status": msg})
}
